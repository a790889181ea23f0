#!/bin/sh
# Regenerate vmlinux.h from the running kernel's BTF (x86_64). The checked-in
# copy came from Linux 6.18; CO-RE relocations make the objects portable.
set -e
cd "$(dirname "$0")"
bpftool btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h.tmp
mv vmlinux.h.tmp vmlinux.h
