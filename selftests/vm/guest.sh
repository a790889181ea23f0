#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Second stage inside the VM selftests/vm/vm.sh boots: PID 1 after the
# initramfs (selftests/vm/init) switched to the host's root. Runs the command
# from /run/tcpinc-vm/cmd (bash declarations: args, envs, cwd) with stdout and
# stderr in /run/tcpinc-vm/{stdout,stderr}, writes its exit status to
# /run/tcpinc-vm/rc and powers the VM off. Not meant to be run by hand.

# One { } block, read before it runs: editing this file (it is read from
# the host's repository) does not disturb a VM running it.
{
RUN=/run/tcpinc-vm

off() {
	sync
	/bin/busybox poweroff -f
	# Without busybox; -no-reboot makes qemu exit on the reset.
	echo b >/proc/sysrq-trigger
	sleep 10
}

if [ $$ -ne 1 ] || [ ! -f "$RUN/cmd" ]; then
	echo "guest.sh: runs as PID 1 inside selftests/vm/vm.sh's VM only" >&2
	exit 2
fi

hostname tcpinc-vm
ip link set lo up || echo "guest.sh: could not bring up lo" >&2
cat /proc/uptime >"$RUN/t_cmd"

# shellcheck source=/dev/null
source "$RUN/cmd" || {
	echo "guest.sh: bad $RUN/cmd"
	off
}

rc=0
# shellcheck disable=SC2154 # args, envs, cwd: from $RUN/cmd
(cd "$cwd" && exec env -i "${envs[@]}" "${args[@]}") \
	</dev/null >"$RUN/stdout" 2>"$RUN/stderr" || rc=$?

dmesg >"$RUN/dmesg" 2>/dev/null
echo "$rc" >"$RUN/rc.tmp" && mv "$RUN/rc.tmp" "$RUN/rc"
off
}
