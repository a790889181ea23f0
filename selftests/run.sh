#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# tcpinc's whole test suite, as root on Debian 12:
#
#   bash selftests/run.sh [--no-install] [--no-build] [--quick] [--no-vm] [FILTER]
#
#   1. install the dependencies (selftests/install-deps.sh)
#   2. build (make -j2, and make fuzz)
#   3. unit tests: every build/selftests/unit/test_*; counts PASS/FAIL lines
#   4. fuzzers: every build/fuzz/fuzz_* for a bounded time on a copy of
#      selftests/fuzz/corpus/<name>/; a crash or leak is one failure
#   5. end-to-end: bats --tap selftests/e2e (network namespaces)
#   6. Debian's kernels (selftests/vm/vm.sh, qemu): kernel TLS tests (TEP
#      0x20, which this machine's kernel may lack) on 6.1 and 6.12, and a
#      set of frame tests on 6.1, Debian 12's default
#
# --quick: fuzzers run 3 s instead of 15, big e2e transfers shrink 8-fold.
# --no-vm: leave out section 6.
# FILTER: only unit binaries, fuzzers and e2e files whose name contains it
# (or, comma-separated, any of several).
# The last line of output is "N passed, N failed" (", N skipped" if any).
# Exit 1 if anything failed.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
REPO=$(pwd)

install=1 build=1 quick=0 vm=1 filter=
usage() {
	sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'
}
while [ $# -gt 0 ]; do
	case $1 in
	--no-install) install=0 ;;
	--no-build) build=0 ;;
	--quick) quick=1 ;;
	--no-vm) vm=0 ;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		echo "run.sh: unknown option $1" >&2
		usage >&2
		exit 2
		;;
	*) filter=$1 ;;
	esac
	shift
done

FUZZ_TIME=${FUZZ_TIME:-15}
[ "$quick" -eq 1 ] && FUZZ_TIME=3

total_pass=0 total_fail=0 total_skip=0
summary=()

say() { printf '%s\n' "$*"; }
banner() { printf '\n==== %s ====\n' "$*"; }
matches() {
	local f
	[ -z "$filter" ] && return 0
	for f in ${filter//,/ }; do
		[[ $1 == *"$f"* ]] && return 0
	done
	return 1
}

# record SECTION PASS FAIL SKIP
record() {
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	total_skip=$((total_skip + $4))
	local line
	line=$(printf '%-12s %4d passed, %4d failed' "$1" "$2" "$3")
	[ "$4" -gt 0 ] && line+=", $4 skipped"
	summary+=("$line")
}

WORK=$(mktemp -d /tmp/tcpinc-run.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ "$(id -u)" -ne 0 ]; then
	say "run.sh: must be run as root (network namespaces, BPF)"
	say "0 passed, 1 failed"
	exit 1
fi

# ---- 1. dependencies -------------------------------------------------------
if [ "$install" -eq 1 ]; then
	banner "dependencies"
	if ! bash selftests/install-deps.sh; then
		record deps 0 1 0
	fi
fi

# ---- 2. build --------------------------------------------------------------
if [ "$build" -eq 1 ]; then
	banner "build"
	# -k: build everything that can be built, so that the parts that do
	# build are still tested when one does not.
	bfail=0
	make -k -j2 >"$WORK/build.log" 2>&1 || bfail=1
	make -k -j2 fuzz >>"$WORK/build.log" 2>&1 || bfail=1
	if [ "$bfail" -eq 1 ]; then
		say "BUILD FAILED; errors:"
		grep -E 'error:|\*\*\*|undefined reference' "$WORK/build.log" |
			head -n 40
		record build 0 1 0
	else
		say "build ok"
		summary+=("build    ok")
	fi
fi

# ---- 3. unit tests ---------------------------------------------------------
banner "unit tests"
up=0 uf=0
for t in build/selftests/unit/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	matches "$name" || continue
	out=$WORK/$name.out
	rc=0
	timeout 300 "$t" >"$out" 2>&1 || rc=$?
	p=$(grep -c '^PASS ' "$out")
	f=$(grep -c '^FAIL ' "$out")
	grep '^FAIL ' "$out"
	# A binary that fails without saying which test failed (crash, abort)
	# still counts as one failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		say "FAIL $name: exit status $rc"
		tail -n 5 "$out"
		f=1
	fi
	say "$name: $p passed, $f failed"
	up=$((up + p))
	uf=$((uf + f))
done
record unit "$up" "$uf" 0

# ---- 4. fuzzers ------------------------------------------------------------
banner "fuzzers (${FUZZ_TIME}s each)"
fp=0 ff=0
for fz in build/fuzz/fuzz_*; do
	[ -x "$fz" ] || continue
	name=$(basename "$fz")
	matches "$name" || continue
	corpus=$WORK/corpus-$name
	mkdir -p "$corpus" "$WORK/art-$name"
	src=selftests/fuzz/corpus/${name#fuzz_}
	[ -d "$src" ] && cp -r "$src/." "$corpus/"
	rc=0
	timeout $((FUZZ_TIME + 60)) "$fz" -max_total_time="$FUZZ_TIME" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$WORK/art-$name/" "$corpus" \
		>"$WORK/$name.log" 2>&1 || rc=$?
	if [ "$rc" -eq 0 ]; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' \
			"$WORK/$name.log" | grep -o '[0-9]*$')
		say "PASS $name (${runs:-?} runs)"
		fp=$((fp + 1))
	else
		say "FAIL $name: exit status $rc"
		grep -E 'ERROR|SUMMARY|==[0-9]+==' "$WORK/$name.log" | head -n 10
		for a in "$WORK/art-$name"/*; do
			[ -e "$a" ] || continue
			say "  artifact (base64): $(basename "$a") $(head -c 512 "$a" | base64 -w0)"
		done
		ff=$((ff + 1))
	fi
done
record fuzz "$fp" "$ff" 0

# ---- 5. end-to-end ---------------------------------------------------------
banner "end-to-end (bats)"
ep=0 ef=0 es=0
files=()
for b in selftests/e2e/*.bats; do
	[ -e "$b" ] || continue
	matches "$(basename "$b")" || continue
	files+=("$b")
done
if [ "${#files[@]}" -gt 0 ]; then
	if ! command -v bats >/dev/null; then
		say "FAIL: bats is not installed"
		ef=1
	else
		[ "$quick" -eq 1 ] && export TCPINC_QUICK=1
		export TCPINC=${TCPINC:-$REPO/build/tcpinc}
		TCPINC_RUN_ID=$$ bats --tap "${files[@]}" 2>&1 | tee "$WORK/bats.tap"
		ep=$(grep -E '^ok ' "$WORK/bats.tap" | grep -vc '# skip')
		es=$(grep -cE '^ok .*# skip' "$WORK/bats.tap")
		ef=$(grep -cE '^not ok ' "$WORK/bats.tap")
		planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$WORK/bats.tap" | head -n 1)
		# Tests that never reported (bats itself died) are failures; so
		# is no plan at all.
		if [ -z "$planned" ]; then
			say "FAIL: bats printed no plan (it did not start)"
			ef=$((ef + 1))
		elif [ $((ep + ef + es)) -lt "$planned" ]; then
			say "FAIL: bats reported $((ep + ef + es)) of $planned tests"
			ef=$((ef + planned - ep - ef - es))
		fi
		if [ "$es" -gt 0 ]; then
			say ""
			say "!!!! $es END-TO-END TEST(S) SKIPPED:"
			grep -E '^ok .*# skip' "$WORK/bats.tap" | sed 's/^/!!!!   /'
		fi
	fi
fi
record e2e "$ep" "$ef" "$es"

# ---- 6. Debian's kernels in a VM ------------------------------------------
# vm_section NAME KPKG UP_ARGS TESTS: run.sh for TESTS in qemu on Debian's
# KPKG kernel (selftests/vm/vm.sh), tcpincd started with UP_ARGS; its
# result counts as section NAME. TCPINC_VM_GUEST marks the run inside,
# which must not start a VM itself.
vm_section() {
	local name=$1 kpkg=$2 up_args=$3 tests=$4 rc=0 last
	banner "$name: $tests (qemu, $kpkg)"
	# processes start 50-100x slower there: every test wait is stretched
	TCPINC_VM_GUEST=1 TCPINC_SLOW=6 TCPINC_UP_ARGS=$up_args \
		TCPINC_VM_KPKG=$kpkg \
		timeout 1800 bash selftests/vm/vm.sh -- bash selftests/run.sh \
		--no-install --no-build --no-vm "$tests" >"$WORK/$name.log" 2>&1 ||
		rc=$?
	grep -E '^(ok|not ok|PASS|FAIL|test_ktls|#  )' "$WORK/$name.log" |
		grep -v '^#  *libbpf' | head -n 200
	last=$(tail -n 1 "$WORK/$name.log")
	if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed(,\ ([0-9]+)\ skipped)?$ ]]; then
		record "$name" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" \
			"${BASH_REMATCH[4]:-0}"
	else
		say "FAIL: the VM run gave no result (exit $rc):"
		tail -n 30 "$WORK/$name.log"
		record "$name" 0 1 0
	fi
}

# Debian 12's default kernel (6.1) and its linux-image-6.12-amd64 both have
# kernel TLS (CONFIG_TLS=m): there TEP 0x20 is what two tcpinc hosts
# negotiate, so the files that check the stream's end, tampering, urgent
# data, the application API, IPv6 and fallback test it too, and resume.bats
# that --resume keeps to frames there. On 6.1 the frame TEPs run as well
# (--no-ktls), with the listener policy taken at bind() (its sock_ops has
# no cgroup helper), and the ENO program's SYN retransmission, SYN cookie
# and simultaneous open paths.
if [ "$vm" -eq 1 ] && [ -z "${TCPINC_VM_GUEST:-}" ]; then
	if matches vm61-ktls; then
		vm_section vm61-ktls linux-image-amd64 "" \
			ktls,urgent,finrst,tamper,api,ipv6,fallback,daemon_stopped,resume
	fi
	if matches vm61-frames; then
		vm_section vm61-frames linux-image-amd64 --no-ktls \
			encrypt_basic,eno_rules,attach_policy,eno_syn,eno_simopen
	fi
	if matches vm612-ktls; then
		vm_section vm612-ktls linux-image-6.12-amd64 "" ktls
	fi
fi

# ---- summary ---------------------------------------------------------------
# Only this run's (lib.bash names them tci-<test>-<TCPINC_RUN_ID>-<host>).
leftover=$(ip netns list 2>/dev/null | awk -v id="$$" '$1 ~ "^tci-[0-9]+-" id "-" { print $1 }')
if [ -n "$leftover" ]; then
	say "FAIL: network namespaces left behind: $leftover"
	record cleanup 0 1 0
fi

banner "summary"
for l in "${summary[@]}"; do
	say "$l"
done
last="$total_pass passed, $total_fail failed"
[ "$total_skip" -gt 0 ] && last+=", $total_skip skipped"
say "$last"
[ "$total_fail" -eq 0 ]
