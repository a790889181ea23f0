#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Run a command in a throwaway VM booting Debian 12's own kernel (the one
# linux-image-amd64 depends on; CONFIG_TLS=m, so kernel TLS works there),
# under qemu TCG, with this machine's userland:
#
#   bash selftests/vm/vm.sh [-v] [--] CMD [ARGS...]
#   bash selftests/vm/vm.sh --check     # check-guest.sh: kTLS, netns, bpffs...
#   bash selftests/vm/vm.sh --prepare   # only fetch and prepare the kernel
#
# CMD runs as root with cwd = the repository root, stdin /dev/null; its
# stdout and stderr are streamed here (from files: order between the two is
# not kept). Exit status: CMD's, or 2 if the VM itself failed (no kernel,
# no qemu, guest panic, timeout: see the "vm.sh:" messages).
#
# The guest sees the host's / read-only (virtio-9p) under a tmpfs overlay
# (writes elsewhere are lost at power-off), the repository read-write at its
# host path, fresh /proc /sys /dev /tmp /run, bpffs at /sys/fs/bpf, cgroup2
# at /sys/fs/cgroup, the Debian kernel's modules at /lib/modules, lo up.
# No network beyond lo. Passed into the guest: PATH (pyenv's shims resolved
# to their interpreter: see below), HOME LANG LC_ALL TERM TZ PYENV_ROOT
# PYENV_VERSION FUZZ_TIME, TCPINC_* and BATS_* variables, and the names
# listed in TCPINC_VM_ENV. Nothing else of the environment.
#
# First run: apt-get download of linux-image-<abi>-amd64 (never installed),
# extracted with depmod into $TCPINC_VM_CACHE (default /var/cache/tcpinc-vm
# as root, else ~/.cache/tcpinc-vm), the bzImage's payload unpacked to an
# uncompressed vmlinux (booted through its PVH entry: faster under TCG).
# Later runs reuse it; a new kernel ABI in the archive means a new download.
#
# Environment: TCPINC_VM_CACHE, TCPINC_VM_TIMEOUT (seconds, default 3600),
# TCPINC_VM_MEM (default 1G), TCPINC_VM_SMP (default 2), TCPINC_VM_CPU
# (qemu -cpu, default max), TCPINC_VM_APPEND (more kernel parameters),
# TCPINC_VM_KPKG (another kernel: a metapackage such as linux-image-6.12-amd64
# or an ABI package; default linux-image-amd64), TCPINC_VM_ENV,
# TCPINC_VM_KEEP=1 (keep the run directory: console log, dmesg, output).
#
# Needs: qemu-system-x86 busybox-static kmod cpio xz-utils (install-deps.sh).
#
# The whole script is one { } block, read before it runs: editing this file
# does not disturb a run in progress.
set -uo pipefail
{

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$HERE/../.." && pwd -P)

usage() { awk 'NR < 4 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "${BASH_SOURCE[0]}"; }
say() { echo "vm.sh: $*" >&2; }
die() {
	say "$*"
	exit 2
}

verbose=0 mode=run
while [ $# -gt 0 ]; do
	case $1 in
	-v | --verbose) verbose=1 ;;
	--check) mode=check ;;
	--prepare) mode=prepare ;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		break
		;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
	shift
done
if [ "$mode" = check ]; then
	set -- bash selftests/vm/check-guest.sh
elif [ "$mode" = run ] && [ $# -eq 0 ]; then
	usage >&2
	exit 2
fi

if [ "$(id -u)" -eq 0 ]; then
	CACHE=${TCPINC_VM_CACHE:-/var/cache/tcpinc-vm}
else
	CACHE=${TCPINC_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tcpinc-vm}
fi
TIMEOUT=${TCPINC_VM_TIMEOUT:-3600}
MEM=${TCPINC_VM_MEM:-1G}
SMP=${TCPINC_VM_SMP:-2}

# ---- tools -----------------------------------------------------------------
need() {
	command -v "$1" >/dev/null ||
		die "$1 not found: install $2 (bash selftests/install-deps.sh)"
}
need qemu-system-x86_64 qemu-system-x86
need apt-get apt
need dpkg-deb dpkg
need depmod kmod
need modprobe kmod
need cpio cpio
need xz xz-utils
need timeout coreutils
[ -x /bin/busybox ] || die "/bin/busybox not found: install busybox-static"
# The initramfs has no libc: the busybox must be the static one.
if LC_ALL=C ldd /bin/busybox 2>/dev/null | grep -q '=>'; then
	die "/bin/busybox is dynamically linked: install busybox-static"
fi

# Paths go on the kernel command line and into qemu's -virtfs option.
safe_path() { [[ $1 =~ ^/[A-Za-z0-9._/+@:-]*$ ]]; }
safe_path "$REPO" || die "repository path '$REPO' has characters vm.sh cannot pass (spaces, commas...)"

# ---- kernel: fetch and prepare once ----------------------------------------
# resolve PKG: the kernel package PKG stands for: the ABI package a
# metapackage (linux-image-amd64, linux-image-6.12-amd64) depends on, or PKG
# itself; empty if apt does not know PKG.
resolve() {
	local dep
	apt-cache show "$1" >/dev/null 2>&1 || return 0
	dep=$(apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
	echo "${dep:-$1}"
}

# unpack_vmlinux BZIMAGE OUT: the compressed payload at its magic number.
unpack_vmlinux() {
	local off
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | head -n 1 | cut -d: -f1)
	if [ -n "$off" ]; then
		tail -c +$((off + 1)) "$1" | xz -dc --single-stream >"$2" 2>/dev/null
	else
		need zstd zstd
		off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$1" | head -n 1 | cut -d: -f1)
		[ -n "$off" ] || return 1
		# Trailing bytes after the frame: zstd complains, the output is whole.
		tail -c +$((off + 1)) "$1" | zstd -dcq >"$2" 2>/dev/null
	fi
	[ "$(head -c 4 "$2" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]
}

# prepare KPKG KVER: download, extract, depmod, vmlinux into $CACHE/$KVER.
prepare() {
	local kpkg=$1 kver=$2 tmp deb off
	mkdir -p "$CACHE" || die "cannot create cache directory $CACHE"
	tmp=$(mktemp -d "$CACHE/.prep.XXXXXX") || die "cannot write to $CACHE"
	say "preparing kernel $kver in $CACHE/$kver (once)"
	if ! (cd "$tmp" && apt-get download -q "$kpkg") >"$tmp/apt.log" 2>&1; then
		if [ "$(id -u)" -eq 0 ]; then
			say "apt-get download $kpkg failed; trying apt-get update"
			apt-get update -q >>"$tmp/apt.log" 2>&1
			(cd "$tmp" && apt-get download -q "$kpkg") >>"$tmp/apt.log" 2>&1
		fi
	fi
	deb=$(find "$tmp" -maxdepth 1 -name "${kpkg}_*.deb" | head -n 1)
	if [ -z "$deb" ]; then
		cat "$tmp/apt.log" >&2
		rm -rf "$tmp"
		die "cannot download $kpkg from the Debian archive (apt-get update? network?)"
	fi
	dpkg-deb -x "$deb" "$tmp/root" || {
		rm -rf "$tmp"
		die "dpkg-deb -x $deb failed"
	}
	rm -f "$deb"
	if [ ! -d "$tmp/root/lib/modules/$kver" ] || [ ! -f "$tmp/root/boot/vmlinuz-$kver" ]; then
		rm -rf "$tmp"
		die "$kpkg has no /boot/vmlinuz-$kver or /lib/modules/$kver"
	fi
	depmod -b "$tmp/root" "$kver" || {
		rm -rf "$tmp"
		die "depmod failed"
	}
	# The bzImage's payload (XZ in 6.1, zstd in 6.12): an ELF vmlinux with
	# a PVH entry note, which qemu -kernel boots directly.
	if ! unpack_vmlinux "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinux"; then
		rm -rf "$tmp"
		die "could not unpack an ELF vmlinux from vmlinuz-$kver"
	fi
	grep -qx 'CONFIG_TLS=[ym]' "$tmp/root/boot/config-$kver" ||
		say "warning: $kver has no CONFIG_TLS"
	echo "$kpkg" >"$tmp/package"
	rm -f "$tmp/apt.log"
	rm -rf "${CACHE:?}/$kver"
	mv "$tmp" "$CACHE/$kver" || die "cannot move the kernel into $CACHE/$kver"
	say "kernel $kver ready: $CACHE/$kver"
}

# apt-cache takes a second here (no pkgcache.bin): the answer is kept in
# $CACHE/resolved-PKG until apt's package lists change.
cached_resolve() {
	local rec=$CACHE/resolved-$1 k
	if [ -s "$rec" ] && [ -z "$(find /var/lib/apt/lists -maxdepth 1 \
		-name '*Packages*' -newer "$rec" -print -quit 2>/dev/null)" ]; then
		cat "$rec"
		return
	fi
	k=$(resolve "$1")
	[ -n "$k" ] && mkdir -p "$CACHE" 2>/dev/null && echo "$k" >"$rec" 2>/dev/null
	echo "$k"
}

WANT=${TCPINC_VM_KPKG:-linux-image-amd64}
[[ $WANT =~ ^linux-image-[A-Za-z0-9.+~-]+$ ]] ||
	die "TCPINC_VM_KPKG=$WANT is not a linux-image-* package name"
KPKG=$(cached_resolve "$WANT")
if [ -z "$KPKG" ] && [ "$(id -u)" -eq 0 ]; then
	say "$WANT unknown to apt; running apt-get update"
	apt-get update -q >/dev/null 2>&1
	KPKG=$(cached_resolve "$WANT")
fi
if [ -n "$KPKG" ]; then
	KVER=${KPKG#linux-image-}
elif [ -f "$CACHE/${WANT#linux-image-}/vmlinux" ]; then
	KVER=${WANT#linux-image-} # an ABI package prepared before
elif [ "$WANT" = linux-image-amd64 ]; then
	# No archive: the newest kernel already prepared, if any.
	KVER=$(for f in "$CACHE"/*/vmlinux; do
		[ -f "$f" ] && basename "${f%/vmlinux}"
	done | sort -V | tail -n 1)
	[ -n "$KVER" ] && say "apt does not know $WANT; using $KVER from $CACHE"
fi
[ -n "${KVER:-}" ] ||
	die "apt does not know $WANT (apt-get update? network?) and $CACHE has no kernel for it"
KDIR=$CACHE/$KVER

mkdir -p "$CACHE" 2>/dev/null
exec 9>>"$CACHE/.lock" || die "cannot write to $CACHE"
flock 9
if [ ! -f "$KDIR/vmlinux" ] || [ ! -f "$KDIR/package" ]; then
	prepare "$KPKG" "$KVER"
fi
flock -u 9
KDIR=$(cd "$KDIR" && pwd -P)
MODS=$KDIR/root/lib/modules/$KVER
safe_path "$MODS" || die "cache path '$MODS' has characters vm.sh cannot pass"
if [ "$mode" = prepare ]; then
	say "kernel $KVER in $KDIR"
	exit 0
fi

# ---- run directory and initramfs -------------------------------------------
RUN=$(mktemp -d "${TMPDIR:-/tmp}/tcpinc-vm.XXXXXX") || die "mktemp failed"
safe_path "$RUN" || die "run directory path '$RUN' has characters vm.sh cannot pass"
QPID=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ -n "$QPID" ]; then
		kill "$QPID" 2>/dev/null # timeout passes it on to qemu
		wait "$QPID" 2>/dev/null
	fi
	if [ "${TCPINC_VM_KEEP:-0}" = 1 ]; then
		say "run directory kept: $RUN"
	else
		rm -rf "$RUN"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The modules that mount the host's root, in dependency order (modprobe -D
# prints the insmod lines), unpacked so that busybox insmod takes them.
ird=$RUN/initramfs
mkdir -p "$ird/bin" "$ird/modules" "$ird/dev" "$ird/proc" "$ird/sys"
insmods=$(for m in 9pnet_virtio 9p virtio_pci overlay; do
	modprobe -d "$KDIR/root" -S "$KVER" -D "$m" || exit 1
done | awk '!seen[$0]++') || die "modules for 9p/virtio/overlay not found in $KDIR"
i=10
while read -r verb path _; do
	[ "$verb" = insmod ] || continue
	case $path in
	*.ko) cp "$path" "$ird/modules/$i-${path##*/}" ;;
	*.ko.xz) xz -dc "$path" >"$ird/modules/$i-$(basename "$path" .xz)" ;;
	*.ko.zst) zstd -dcq "$path" >"$ird/modules/$i-$(basename "$path" .zst)" ;;
	*) false ;;
	esac || die "cannot unpack module $path"
	i=$((i + 1))
done <<<"$insmods"
cp /bin/busybox "$ird/bin/busybox" || die "cannot copy /bin/busybox"
install -m 755 "$HERE/init" "$ird/init" || die "cannot copy init"
(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) \
	>"$RUN/initramfs.cpio" || die "cpio failed"
rm -rf "$ird"

# ---- the command -----------------------------------------------------------
args=("$@")
# pyenv's shims are bash scripts that run a dozen processes: 8 s for each
# python3 under TCG instead of 0.2 s here. The guest's PATH has the
# interpreters they resolve to (for the repository) ahead of them.
if [[ ":$PATH:" == *"/.pyenv/shims:"* ]] && command -v pyenv >/dev/null; then
	pyprefix=$(cd "$REPO" && pyenv prefix 2>/dev/null)
	if [ -n "$pyprefix" ]; then
		pybins=$(printf '%s\n' "$pyprefix" | tr ':' '\n' | sed 's|$|/bin|' | paste -sd:)
		guest_path=
		IFS=: read -ra dirs <<<"$PATH"
		for d in "${dirs[@]}"; do
			if [ -n "$pybins" ] && [[ $d == */.pyenv/*shims ]]; then
				guest_path+="$pybins:"
				pybins=
			fi
			guest_path+="$d:"
		done
		PATH=${guest_path%:}
	fi
fi
envs=()
for v in PATH HOME LANG LC_ALL TERM TZ PYENV_ROOT PYENV_VERSION FUZZ_TIME \
	${TCPINC_VM_ENV:-} $(compgen -e | grep -E '^(TCPINC|BATS)_' | grep -v '^TCPINC_VM_'); do
	[ -n "${!v+x}" ] && envs+=("$v=${!v}")
done
cwd=$REPO
declare -p args envs cwd >"$RUN/cmd"
: >"$RUN/stdout"
: >"$RUN/stderr"

# ---- boot ------------------------------------------------------------------
ninep=security_model=none,multidevs=remap
# shellcheck disable=SC2054 # commas inside qemu's option values
qemu=(qemu-system-x86_64 -nodefaults -no-user-config
	-accel tcg,thread=multi -cpu "${TCPINC_VM_CPU:-max}" -smp "$SMP" -m "$MEM" -M q35
	-display none -no-reboot
	-kernel "$KDIR/vmlinux" -initrd "$RUN/initramfs.cpio"
	-append "console=ttyS0 panic=-1 quiet ${TCPINC_VM_APPEND:-} tcpinc_repo=$REPO tcpinc_modules=$MODS"
	-serial "file:$RUN/console.log"
	-virtfs "local,path=/,mount_tag=hostroot,$ninep,readonly=on"
	-virtfs "local,path=$REPO,mount_tag=repo,$ninep"
	-virtfs "local,path=$RUN,mount_tag=run,$ninep")
[ "$verbose" -eq 1 ] && say "${qemu[*]}"

t0=$(date +%s.%N)
timeout -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null >"$RUN/qemu.log" 2>&1 &
QPID=$!
tail -s 0.2 -n +1 -f --pid="$QPID" "$RUN/stdout" 2>/dev/null &
tout=$!
tail -s 0.2 -n +1 -f --pid="$QPID" "$RUN/stderr" >&2 2>/dev/null &
terr=$!
if [ "$verbose" -eq 1 ]; then
	tail -s 0.2 -n +1 -f --pid="$QPID" "$RUN/console.log" 2>/dev/null |
		sed 's/^/console: /' >&2 &
fi
qrc=0
wait "$QPID" || qrc=$?
QPID=
wait "$tout" "$terr"
t1=$(date +%s.%N)

if [ ! -f "$RUN/rc" ]; then
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		say "VM timed out after ${TIMEOUT}s (TCPINC_VM_TIMEOUT)"
	else
		say "VM ended without the command's exit status (qemu status $qrc)"
	fi
	if [ -s "$RUN/qemu.log" ]; then
		say "qemu said:"
		tail -n 20 "$RUN/qemu.log" >&2
	fi
	say "last lines of the guest console:"
	tail -n 40 "$RUN/console.log" >&2
	exit 2
fi
rc=$(cat "$RUN/rc")
if [ "$verbose" -eq 1 ]; then
	[ -f "$RUN/t_cmd" ] &&
		say "command started at guest uptime $(cut -d' ' -f1 "$RUN/t_cmd") s"
	say "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "total %.1f s", b - a }'), exit status $rc"
fi
exit "$rc"
}
