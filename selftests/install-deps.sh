#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Install what tcpinc needs to build and to run its tests on Debian 12.
# Run as root. Idempotent: apt is used only when a package is missing.
#
#   bash selftests/install-deps.sh [--check]
#
# --check only lists the missing packages (exit 1 if any).
set -euo pipefail

PKGS=(
	# build
	make gcc pkg-config clang-19 llvm-19 libclang-rt-19-dev
	libbpf-dev bpftool libelf-dev zlib1g-dev libsodium-dev libssl-dev
	# tests and demo
	bats iproute2 tcpdump jq python3 procps psmisc curl util-linux
	coreutils findutils grep
	# lab tests (selftests/e2e/lab_*.bats): NAT and MSS clamping in a
	# router namespace, offloads off, reachability
	nftables ethtool iputils-ping
	# benchmark (make bench): the TLS contender, its certificate, plots
	stunnel4 openssl gnuplot-nox
	# kernel TLS tests in a VM (selftests/vm/vm.sh): qemu TCG booting
	# Debian's own kernel, a busybox initramfs, depmod, the XZ payload
	qemu-system-x86 busybox-static kmod cpio xz-utils
)

installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi

if [ "${1:-}" = "--check" ]; then
	echo "install-deps: missing: ${missing[*]}"
	exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must be run as root (missing: ${missing[*]})" >&2
	exit 1
fi

echo "install-deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ "${#still[@]}" -ne 0 ]; then
	echo "install-deps: could not install: ${still[*]}" >&2
	exit 1
fi
echo "install-deps: done"
