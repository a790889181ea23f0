# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# Helpers for the tcpinc end-to-end tests (bats; `load lib`).
#
# Each test gets two hosts, A and B: network namespaces joined by a veth pair
# (veth0 on both sides) with 10.77.N.1/24, fd77:N::1/64 on A and .2 / ::2 on
# B. Every test file defines
#
#     setup()    { hosts_setup; }
#     teardown() { hosts_teardown; }
#
# hosts_teardown always runs, whatever the test did, and removes everything:
# tcpincd (tcpinc down), every process left in the namespaces, the
# namespaces, cgroups the test or `tcpinc run` made. It then asserts that
# nothing is left, and fails the test if tcpinc itself leaked something.
#
# Environment: TCPINC (default build/tcpinc of this repository),
# TCPINC_LAB (build/tcpinc-lab), TCPINC_QUICK=1 for smaller transfers,
# TCPINC_SLOW=N to multiply every wait by N (an emulated CPU: run.sh's VM),
# TCPINC_UP_ARGS: tcpincd options host_up adds (e.g. --no-ktls, so that a
# kernel with kernel TLS still runs the frame TEPs the tests expect).

E2E_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
TCPINC=${TCPINC:-$E2E_REPO/build/tcpinc}
TCPINC_LAB=${TCPINC_LAB:-$E2E_REPO/build/tcpinc-lab}
XFER=$E2E_REPO/selftests/tools/xfer.py
PCAP=$E2E_REPO/selftests/tools/pcap.py
# shellcheck disable=SC2034 # used by the .bats files
CANARY="TCPINC-CANARY-7f3a"
IFACE=veth0
PORT=5001
# Upper bound for any background command, seconds.
SLOW=${TCPINC_SLOW:-1}
BG_TIMEOUT=${BG_TIMEOUT:-$((240 * SLOW))}

# Echo a message to the test's output (shown by bats when the test fails).
log() { echo "# $*"; }

# Fail with a message (works inside and outside `run`).
fail() {
	echo "FAIL: $*" >&2
	return 1
}

# mib N: N MiB in bytes; quick mode divides big transfers by 8.
mib() {
	local n=$1
	if [ -n "${TCPINC_QUICK:-}" ] && [ "$n" -ge 8 ]; then
		n=$((n / 8))
	fi
	echo $((n << 20))
}

cgroup2_root() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

# ---- hosts ------------------------------------------------------------------

# Names of what a test makes: tci-<test number>-<run id>-..., the run id
# being selftests/run.sh's (TCPINC_RUN_ID) or this bats process's pid.
RUN_ID=${TCPINC_RUN_ID:-$$}

hosts_setup() {
	local n=$((${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER} % 250 + 1))

	[ "$(id -u)" -eq 0 ] || fail "the e2e tests must run as root"
	T=$BATS_TEST_TMPDIR
	NS_A=tci-$BATS_TEST_NUMBER-$RUN_ID-a
	NS_B=tci-$BATS_TEST_NUMBER-$RUN_ID-b
	ADDR_A=10.77.$n.1
	ADDR_B=10.77.$n.2
	ADDR6_A=fd77:$n::1
	ADDR6_B=fd77:$n::2
	CG_ROOT=$(cgroup2_root)
	[ -n "$CG_ROOT" ] || fail "no cgroup2 mount found"
	declare -gA BG_PID=() BG_RC=()
	TEST_DIRS=()
	CAP_FILE=
	HOST_BPF_PIN_BEFORE=$([ -e /sys/fs/bpf/tcpinc ] && echo yes || echo no)

	ip netns add "$NS_A"
	ip netns add "$NS_B"
	ip -n "$NS_A" link add "$IFACE" type veth peer name "$IFACE" netns "$NS_B"
	local ns
	for ns in "$NS_A" "$NS_B"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set "$IFACE" up
	done
	ip -n "$NS_A" addr add "$ADDR_A/24" dev "$IFACE"
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$IFACE"
	ip -n "$NS_A" addr add "$ADDR6_A/64" dev "$IFACE" nodad
	ip -n "$NS_B" addr add "$ADDR6_B/64" dev "$IFACE" nodad
	# The device is up once its peer is: wait for the carrier.
	for _ in $(seq 50); do
		ip -n "$NS_A" link show "$IFACE" | grep -q 'state UP' &&
			ip -n "$NS_B" link show "$IFACE" | grep -q 'state UP' && break
		sleep 0.1
	done
	NS_INO_A=$(stat -L -c %i "/run/netns/$NS_A")
	NS_INO_B=$(stat -L -c %i "/run/netns/$NS_B")
}

# ns_of A|B: the namespace name of a host.
ns_of() {
	case $1 in
	A) echo "$NS_A" ;;
	B) echo "$NS_B" ;;
	*) fail "unknown host '$1'" ;;
	esac
}

# on HOST CMD...: run CMD in host A or B.
on() {
	local ns
	ns=$(ns_of "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# tcpinc_on HOST ARGS...: the tcpinc CLI in a host. `up` gets the daemon
# options of TCPINC_UP_ARGS after the test's own.
tcpinc_on() {
	local h=$1 extra=()
	shift
	if [ "${1:-}" = up ] && [ -n "${TCPINC_UP_ARGS:-}" ]; then
		read -ra extra <<<"$TCPINC_UP_ARGS"
		[[ " $* " == *" -- "* ]] || extra=(-- "${extra[@]}")
	fi
	on "$h" "$TCPINC" "$@" "${extra[@]}"
}

# host_up HOST: tcpinc up, and the daemon answers afterwards.
host_up() {
	tcpinc_on "$1" up || fail "tcpinc up on $1 failed"
	tcpinc_on "$1" show -j >/dev/null ||
		fail "tcpinc up on $1 exited 0 but show -j fails"
}

# ---- background processes ---------------------------------------------------

# bg_start NAME HOST CMD...: start CMD in HOST in the background, bounded by
# BG_TIMEOUT; stdout and stderr go to $T/NAME.out and $T/NAME.err.
bg_start() {
	local name=$1 ns
	ns=$(ns_of "$2") || return 1
	shift 2
	ip netns exec "$ns" timeout -k 5 "$BG_TIMEOUT" "$@" \
		>"$T/$name.out" 2>"$T/$name.err" 3>&- &
	BG_PID[$name]=$!
}

# bg_start_in_cgroup NAME HOST CGROUP CMD...: like bg_start, with CMD placed
# in cgroup v2 directory CGROUP (host path) before it runs.
bg_start_in_cgroup() {
	local name=$1 ns cg=$3
	ns=$(ns_of "$2") || return 1
	shift 3
	# shellcheck disable=SC2016
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		ip netns exec "$ns" timeout -k 5 "$BG_TIMEOUT" "$@" \
		>"$T/$name.out" 2>"$T/$name.err" 3>&- &
	BG_PID[$name]=$!
}

bg_alive() {
	local pid=${BG_PID[$1]:-} st
	[ -n "$pid" ] || return 1
	st=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# bg_wait NAME: wait for it to end; its exit status goes to BG_RC[NAME].
bg_wait() {
	local pid=${BG_PID[$1]:-} rc=0
	[ -n "$pid" ] || fail "no background process '$1'"
	wait "$pid" || rc=$?
	BG_RC[$1]=$rc
	unset "BG_PID[$1]"
	log "$1 exited with $rc"
}

# bg_stop NAME [SIGNAL]: signal it (default TERM) and wait for it.
bg_stop() {
	local pid=${BG_PID[$1]:-}
	[ -n "$pid" ] || fail "no background process '$1'"
	kill "-${2:-TERM}" "$pid" 2>/dev/null || true
	bg_wait "$1"
}

# wait_until TIMEOUT CMD...: poll CMD every 0.1 s until it succeeds
# (TIMEOUT times TCPINC_SLOW seconds).
wait_until() {
	local deadline=$((SECONDS + $1 * SLOW))
	shift
	while ! "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

_listening() { on "$1" ss -Hltn "sport = :$2" | grep -q .; }

# wait_listen HOST PORT [TIMEOUT]: until something listens on TCP PORT.
wait_listen() {
	wait_until "${3:-10}" _listening "$1" "$2" ||
		fail "nothing listens on port $2 in host $1 after ${3:-10} s"
}

_ready() { [ -e "$2" ] || ! bg_alive "$1"; }

# wait_ready NAME FILE [TIMEOUT]: until FILE exists; fails early if the
# background process NAME ended without creating it.
wait_ready() {
	wait_until "${3:-120}" _ready "$1" "$2" ||
		fail "$1: $2 not created after ${3:-120} s"
	[ -e "$2" ] || fail "$1 ended before creating $2: $(tail -c 600 "$T/$1.out" "$T/$1.err" 2>/dev/null)"
}

# xfer_field NAME FIELD: a field of the JSON line xfer.py NAME printed.
xfer_field() {
	tail -n 1 "$T/$1.out" | jq -er --arg f "$2" '.[$f] | tostring' ||
		fail "$1 printed no '$2': $(tail -c 400 "$T/$1.out" "$T/$1.err")"
}

# _start_app NAME HOST MODE CMD...: MODE is tcpinc (under `tcpinc run`),
# plain, or cgroup:DIR (placed in an existing cgroup by hand).
_start_app() {
	local name=$1 h=$2 mode=$3
	shift 3
	case $mode in
	tcpinc) bg_start "$name" "$h" "$TCPINC" run -- "$@" ;;
	plain) bg_start "$name" "$h" "$@" ;;
	cgroup:*) bg_start_in_cgroup "$name" "$h" "${mode#cgroup:}" "$@" ;;
	*) fail "unknown mode $mode" ;;
	esac
}

# xfer_run MODE_A MODE_B ADDR C2S S2C [SHOW_HOSTS...]
# (XFER_OPTS, if set, adds options to both xfer.py ends, e.g. --api.)
# Server on B (bound to ADDR, port PORT), client on A, C2S bytes from the
# client to the server and S2C back, both checked. While both ends hold the
# connection open after the transfer, `tcpinc show -j` is saved for each of
# SHOW_HOSTS (save_show). Then both end; their exit status is in
# BG_RC[cli] and BG_RC[srv], their JSON reports in $T/cli.out, $T/srv.out.
xfer_run() {
	local ma=$1 mb=$2 addr=$3 c2s=$4 s2c=$5 h
	shift 5
	rm -f "$T/release" "$T/srv.ready" "$T/cli.ready"
	_start_app srv B "$mb" python3 "$XFER" server --bind "$addr" "$PORT" \
		--send-bytes "$s2c" --expect-bytes "$c2s" --seed "$BATS_TEST_NUMBER" \
		--hold-until "$T/release" --ready-file "$T/srv.ready" --timeout 60 \
		${XFER_OPTS:-}
	wait_listen B "$PORT"
	_start_app cli A "$ma" python3 "$XFER" client --connect "$addr" "$PORT" \
		--send-bytes "$c2s" --expect-bytes "$s2c" --seed "$BATS_TEST_NUMBER" \
		--hold-until "$T/release" --ready-file "$T/cli.ready" --timeout 60 \
		${XFER_OPTS:-}
	wait_ready srv "$T/srv.ready"
	wait_ready cli "$T/cli.ready"
	for h in "$@"; do
		save_show "$h"
	done
	touch "$T/release"
	bg_wait cli
	bg_wait srv
	log "client: $(tail -n 1 "$T/cli.out")"
	log "server: $(tail -n 1 "$T/srv.out")"
}

# assert_xfer_ok C2S S2C: both ends exited 0 and each received exactly what
# the other sent (count and SHA-256).
assert_xfer_ok() {
	[ "${BG_RC[cli]}" -eq 0 ] || fail "client exit ${BG_RC[cli]}"
	[ "${BG_RC[srv]}" -eq 0 ] || fail "server exit ${BG_RC[srv]}"
	[ "$(xfer_field cli result)" = eof ] || fail "client result"
	[ "$(xfer_field srv result)" = eof ] || fail "server result"
	[ "$(xfer_field cli sent)" -eq "$1" ] || fail "client sent"
	[ "$(xfer_field srv received)" -eq "$1" ] || fail "server received"
	[ "$(xfer_field srv sent)" -eq "$2" ] || fail "server sent"
	[ "$(xfer_field cli received)" -eq "$2" ] || fail "client received"
	[ "$(xfer_field cli sha256_sent)" = "$(xfer_field srv sha256_received)" ] ||
		fail "client->server data differs"
	[ "$(xfer_field srv sha256_sent)" = "$(xfer_field cli sha256_received)" ] ||
		fail "server->client data differs"
}

# ---- packet capture ---------------------------------------------------------

# cap_start HOST [FILTER...]: tcpdump on HOST's veth into $T/cap.pcap.
cap_start() {
	local h=$1
	shift
	CAP_FILE=$T/cap.pcap
	# --immediate-mode: a packet still in a partly filled TPACKET_V3 block
	# when tcpdump is stopped would be counted "received" but not written.
	bg_start cap "$h" tcpdump -i "$IFACE" -n -U --immediate-mode -s 0 \
		-B 65536 -w "$CAP_FILE" "$@"
	wait_until 10 grep -q 'listening on' "$T/cap.err" ||
		fail "tcpdump did not start: $(cat "$T/cap.err")"
}

# cap_stop: end the capture; fails if the kernel dropped packets.
cap_stop() {
	sleep 0.2
	bg_stop cap INT
	grep -qx '0 packets dropped by kernel' "$T/cap.err" ||
		fail "tcpdump: $(tr '\n' ' ' <"$T/cap.err")"
	log "capture: $(grep -E 'captured|dropped' "$T/cap.err" | tr '\n' ' ')"
}

# cap_eno FIELD: one count from `pcap.py eno` on the capture, port PORT:
# tcp syn syn_eno synack synack_eno other_eno payload_bytes.
cap_eno() {
	python3 "$PCAP" eno "$CAP_FILE" --port "$PORT" | jq -er --arg f "$1" '.[$f]'
}

# cap_grep STRING: TCP segments of the capture whose payload holds STRING
# (exact pcap parse), plus a raw search of the file as a second opinion.
cap_grep() {
	local segs raw
	segs=$(python3 "$PCAP" grep "$CAP_FILE" "$1")
	raw=$(grep -a -c -F -- "$1" "$CAP_FILE" || true)
	echo $((segs + raw))
}

# ---- tcpinc state -----------------------------------------------------------

# assert_encrypted TEP AEAD: the saved shows of both hosts hold the
# connection encrypted under TEP and AEAD, one session ID starting with TEP.
assert_encrypted() {
	local tep=$1 aead=$2 a b row sid
	a=$(conn_row A remote "$ADDR_B:$PORT") || return 1
	b=$(conn_row B local "$ADDR_B:$PORT") || return 1
	for row in "$a" "$b"; do
		[ "$(field "$row" state)" = encrypted ] || fail "state: $row"
		[ "$(field "$row" tep)" = "$tep" ] || fail "tep, want $tep: $row"
		[ "$(field "$row" aead)" = "$aead" ] ||
			fail "aead, want $aead: $row"
	done
	[ "$(field "$a" role)" = A ] || fail "role: $a"
	[ "$(field "$b" role)" = B ] || fail "role: $b"
	sid=$(field "$a" session_id)
	[[ $sid =~ ^${tep#0x}[0-9a-f]{64}$ ]] || fail "session_id '$sid'"
	[ "$(field "$b" session_id)" = "$sid" ] || fail "session ids differ"
}


# save_show HOST: `tcpinc show -j` of HOST into $T/show_HOST.json.
save_show() {
	tcpinc_on "$1" show -j >"$T/show_$1.json" ||
		fail "tcpinc show -j on $1 failed"
	log "show $1: $(cat "$T/show_$1.json")"
}

# conn_row HOST KEY VALUE: the row of the saved show of HOST whose KEY
# (local or remote) equals VALUE; fails unless there is exactly one.
conn_row() {
	local f=$T/show_$1.json n
	n=$(jq --arg k "$2" --arg v "$3" \
		'[.connections[] | select(.[$k] == $v)] | length' "$f") ||
		fail "show on $1 is not the expected JSON: $(cat "$f")"
	[ "$n" -eq 1 ] || fail "show on $1: $n connections with $2 = $3"
	jq -c --arg k "$2" --arg v "$3" \
		'.connections[] | select(.[$k] == $v)' "$f"
}

# field JSON NAME: one field of a JSON object (fails if absent).
field() {
	echo "$1" | jq -er --arg f "$2" '.[$f] | tostring' ||
		fail "no field '$2' in $1"
}

# counter HOST NAME: one counter of `tcpinc stats -j` (fails if absent).
counter() {
	local out
	out=$(tcpinc_on "$1" stats -j) || fail "tcpinc stats -j on $1 failed"
	echo "$out" | jq -er --arg n "$2" '.counters[$n]' ||
		fail "stats on $1 has no counter '$2': $out"
}

# pid_of_comm HOST COMM: pids of processes named COMM in a host.
pid_of_comm() {
	local ns pid
	ns=$(ns_of "$1") || return 1
	for pid in $(ip netns pids "$ns"); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
	done
	return 0
}

# make_cgroup NAME: make a cgroup v2 directory for this test and set CG to
# its path (teardown removes it). Not in $(...): call it directly.
# A's kernel answers the SYN-ACKs meant for rawsyn.py with RSTs: drop those
# (not rawsyn.py's own, marked 0x7a). The table goes with the namespace.
rst_filter_A() {
	on A nft add table inet rawsyn
	on A nft add chain inet rawsyn out '{ type filter hook output priority 0; }'
	on A nft add rule inet rawsyn out tcp sport 40000-49999 \
		tcp flags rst meta mark != 0x7a drop
}

make_cgroup() {
	CG=$CG_ROOT/tci-$BATS_TEST_NUMBER-$RUN_ID-$1
	mkdir "$CG"
}

# The cgroups make_cgroup made.
_test_cgroups() {
	[ -n "${CG_ROOT:-}" ] || return 0
	find "$CG_ROOT" -maxdepth 1 -type d -name "tci-$BATS_TEST_NUMBER-$RUN_ID-*"
}

# ---- teardown ---------------------------------------------------------------

_ns_exists() { ip netns list | awk '{ print $1 }' | grep -qx -- "$1"; }

# Kill every process in a namespace: TERM, then KILL; bounded.
_ns_kill_all() {
	local ns=$1 sig pids
	for sig in TERM KILL; do
		pids=$(ip netns pids "$ns" 2>/dev/null) || return 0
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill -"$sig" $pids 2>/dev/null || true
		# TERM: `tcpinc run` detaches and removes its cgroup first,
		# which can take seconds on a loaded machine
		for _ in $(seq "$([ "$sig" = TERM ] && echo 100 || echo 30)"); do
			[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && return 0
			sleep 0.1
		done
	done
	[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]
}

# Remove a cgroup directory tree, killing what is still in it.
_cg_remove() {
	local cg=$1 d
	[ -d "$cg" ] || return 0
	# Deepest first.
	while read -r d; do
		[ -f "$d/cgroup.kill" ] && echo 1 >"$d/cgroup.kill" 2>/dev/null
		for _ in $(seq 30); do
			rmdir "$d" 2>/dev/null && break
			[ -s "$d/cgroup.procs" ] &&
				xargs -r kill -KILL <"$d/cgroup.procs" 2>/dev/null
			sleep 0.1
		done
	done < <(find "$cg" -depth -type d 2>/dev/null)
	[ ! -d "$cg" ]
}

# Cgroups tcpinc makes for this test's hosts: tcpinc.run.<netns>.<pid> per
# `tcpinc run` (the netns inode keeps concurrent suites apart), and
# tcpinc.daemon.<netns inode> per daemon.
_tcpinc_cgroups() {
	[ -n "${CG_ROOT:-}" ] || return 0
	find "$CG_ROOT" -maxdepth 3 -type d \( \
		-name "tcpinc.run.${NS_INO_A:-x}.*" -o \
		-name "tcpinc.run.${NS_INO_B:-x}.*" -o \
		-name "tcpinc.daemon.${NS_INO_A:-x}" -o \
		-name "tcpinc.daemon.${NS_INO_B:-x}" \) 2>/dev/null
}

_dump_logs() {
	local f
	for f in "$T"/*.out "$T"/*.err "$T"/*.json; do
		[ -s "$f" ] || continue
		echo "# ---- $(basename "$f") (last 20 lines)"
		tail -n 20 "$f" | sed 's/^/#   /'
	done
}

hosts_teardown() {
	local ns name leaks=() problems=() cg pid

	[ -n "${NS_A:-}" ] || return 0
	if [ "${BATS_TEST_COMPLETED:-}" != 1 ]; then
		_dump_logs
	fi
	# 1. tcpinc down, as a user would; must leave no cgroup behind.
	for ns in "$NS_A" "$NS_B"; do
		_ns_exists "$ns" || continue
		if [ -x "$TCPINC" ]; then
			timeout 20 ip netns exec "$ns" "$TCPINC" down \
				>/dev/null 2>&1 || true
		fi
	done
	# 2. every process still in the namespaces, then reap our children.
	for ns in "$NS_A" "$NS_B"; do
		_ns_exists "$ns" || continue
		_ns_kill_all "$ns" || problems+=("processes survive in $ns")
	done
	for name in "${!BG_PID[@]}"; do
		pid=${BG_PID[$name]}
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	BG_PID=()
	# 3. cgroups: what tcpinc left is a leak if the test otherwise passed.
	while read -r cg; do
		[ -n "$cg" ] || continue
		leaks+=("cgroup $cg")
		_cg_remove "$cg" || problems+=("cannot remove $cg")
	done < <(_tcpinc_cgroups)
	while read -r cg; do
		[ -n "$cg" ] || continue
		_cg_remove "$cg" || problems+=("cannot remove $cg")
	done < <(_test_cgroups)
	# 4. the namespaces.
	for ns in "$NS_A" "$NS_B"; do
		_ns_exists "$ns" || continue
		ip netns del "$ns" || problems+=("cannot delete netns $ns")
	done
	for d in "${TEST_DIRS[@]}"; do
		rm -rf -- "$d"
	done
	# 5. nothing may be left.
	for ns in "$NS_A" "$NS_B"; do
		_ns_exists "$ns" && problems+=("netns $ns still exists")
	done
	[ -z "$(_tcpinc_cgroups)" ] || problems+=("cgroups left: $(_tcpinc_cgroups | tr '\n' ' ')")
	[ -z "$(_test_cgroups)" ] || problems+=("cgroups left: $(_test_cgroups | tr '\n' ' ')")
	if [ "$HOST_BPF_PIN_BEFORE" = no ] && [ -e /sys/fs/bpf/tcpinc ]; then
		leaks+=("/sys/fs/bpf/tcpinc on the host")
	fi

	if [ "${#problems[@]}" -ne 0 ]; then
		printf '# teardown: %s\n' "${problems[@]}"
		return 1
	fi
	if [ "${#leaks[@]}" -ne 0 ] && [ "${BATS_TEST_COMPLETED:-}" = 1 ]; then
		printf '# tcpinc left behind: %s\n' "${leaks[@]}"
		return 1
	fi
	return 0
}

# ---- router topology (lab tests) ---------------------------------------------
#
# Three namespaces: A -- R -- B. R routes between two veth pairs:
#
#   A veth0 10.78.N.1/24  fd78:N::1/64  ---  R lab_a 10.78.N.254  fd78:N::254
#   B veth0 10.79.N.2/24  fd79:N::2/64  ---  R lab_b 10.79.N.254  fd79:N::254
#
# A and B route everything via R, which forwards (IPv4 and IPv6). A and B keep
# the interface name IFACE (veth0), so on, host_up, xfer_run, cap_* work as
# with hosts_setup; R is reached with on_r and bg_start_r, and is where the
# lab middleboxes (tc programs, nftables) live. A test file uses
#
#     setup()    { router_setup; }
#     teardown() { router_teardown; }
#
# router_teardown removes R (its processes, then the namespace and with it
# every tc filter, qdisc and nft table in it), then runs hosts_teardown for A
# and B; it fails if anything is left.

R_IF_A=lab_a
R_IF_B=lab_b

router_setup() {
	local n=$((${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER} % 250 + 1)) ns

	[ "$(id -u)" -eq 0 ] || fail "the e2e tests must run as root"
	# The same variables as hosts_setup.
	T=$BATS_TEST_TMPDIR
	NS_A=tci-$BATS_TEST_NUMBER-$RUN_ID-a
	NS_B=tci-$BATS_TEST_NUMBER-$RUN_ID-b
	NS_R=tci-$BATS_TEST_NUMBER-$RUN_ID-r
	ADDR_A=10.78.$n.1
	ADDR_B=10.79.$n.2
	ADDR_RA=10.78.$n.254
	ADDR_RB=10.79.$n.254
	ADDR6_A=fd78:$n::1
	ADDR6_B=fd79:$n::2
	ADDR6_RA=fd78:$n::254
	ADDR6_RB=fd79:$n::254
	CG_ROOT=$(cgroup2_root)
	[ -n "$CG_ROOT" ] || fail "no cgroup2 mount found"
	declare -gA BG_PID=() BG_RC=()
	TEST_DIRS=()
	CAP_FILE=
	HOST_BPF_PIN_BEFORE=$([ -e /sys/fs/bpf/tcpinc ] && echo yes || echo no)

	for ns in "$NS_R" "$NS_A" "$NS_B"; do
		ip netns add "$ns"
		# No duplicate address detection, link-local addresses
		# included: neighbour discovery works at once.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0
	done
	ip -n "$NS_A" link add "$IFACE" type veth peer name "$R_IF_A" netns "$NS_R"
	ip -n "$NS_B" link add "$IFACE" type veth peer name "$R_IF_B" netns "$NS_R"
	for ns in "$NS_A" "$NS_B" "$NS_R"; do
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_A" link set "$IFACE" up
	ip -n "$NS_B" link set "$IFACE" up
	ip -n "$NS_R" link set "$R_IF_A" up
	ip -n "$NS_R" link set "$R_IF_B" up
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
	ip -n "$NS_A" addr add "$ADDR_A/24" dev "$IFACE"
	ip -n "$NS_B" addr add "$ADDR_B/24" dev "$IFACE"
	ip -n "$NS_R" addr add "$ADDR_RA/24" dev "$R_IF_A"
	ip -n "$NS_R" addr add "$ADDR_RB/24" dev "$R_IF_B"
	ip -n "$NS_A" addr add "$ADDR6_A/64" dev "$IFACE" nodad
	ip -n "$NS_B" addr add "$ADDR6_B/64" dev "$IFACE" nodad
	ip -n "$NS_R" addr add "$ADDR6_RA/64" dev "$R_IF_A" nodad
	ip -n "$NS_R" addr add "$ADDR6_RB/64" dev "$R_IF_B" nodad
	ip -n "$NS_A" route add default via "$ADDR_RA"
	ip -n "$NS_B" route add default via "$ADDR_RB"
	ip -n "$NS_A" -6 route add default via "$ADDR6_RA"
	ip -n "$NS_B" -6 route add default via "$ADDR6_RB"
	for _ in $(seq 50); do
		_router_links_up && break
		sleep 0.1
	done
	_router_links_up || fail "router topology: links not up"
	NS_INO_A=$(stat -L -c %i "/run/netns/$NS_A")
	NS_INO_B=$(stat -L -c %i "/run/netns/$NS_B")
	# Both hosts reach each other through R.
	wait_until 5 on A ping -c 1 -W 1 "$ADDR_B" >/dev/null ||
		fail "router topology: A cannot reach B over IPv4"
	wait_until 5 on A ping -c 1 -W 1 "$ADDR6_B" >/dev/null ||
		fail "router topology: A cannot reach B over IPv6"
}

_router_links_up() {
	ip -n "$NS_A" link show "$IFACE" | grep -q 'state UP' &&
		ip -n "$NS_B" link show "$IFACE" | grep -q 'state UP' &&
		ip -n "$NS_R" link show "$R_IF_A" | grep -q 'state UP' &&
		ip -n "$NS_R" link show "$R_IF_B" | grep -q 'state UP'
}

# on_r CMD...: run CMD in the router R.
on_r() {
	ip netns exec "$NS_R" "$@"
}

# bg_start_r NAME CMD...: bg_start for the router R.
bg_start_r() {
	local name=$1
	shift
	ip netns exec "$NS_R" timeout -k 5 "$BG_TIMEOUT" "$@" \
		>"$T/$name.out" 2>"$T/$name.err" 3>&- &
	BG_PID[$name]=$!
}

router_teardown() {
	local rc=0 problems=()

	[ -n "${NS_R:-}" ] || {
		hosts_teardown
		return
	}
	if _ns_exists "$NS_R"; then
		_ns_kill_all "$NS_R" || problems+=("processes survive in $NS_R")
		ip netns del "$NS_R" || problems+=("cannot delete netns $NS_R")
	fi
	_ns_exists "$NS_R" && problems+=("netns $NS_R still exists")
	hosts_teardown || rc=1
	if [ "${#problems[@]}" -ne 0 ]; then
		printf '# teardown: %s\n' "${problems[@]}"
		rc=1
	fi
	return "$rc"
}

# lab_cap_start [FILTER...]: capture A's and B's links to R at once, into
# $T/cap_A.pcap and $T/cap_B.pcap. Unlike cap_start, the file is written
# through stdio's buffer (no -U; tcpdump flushes it when stopped): with tiny
# segments, a write per packet costs more than the 2 CPUs can spare.
lab_cap_start() {
	local h
	rm -f "$T"/cap_[AB].pcap "$T"/eno_[AB].json "$T"/dump_[AB].txt
	for h in A B; do
		bg_start "cap$h" "$h" tcpdump -i "$IFACE" -n --immediate-mode \
			-s 0 -B 65536 -w "$T/cap_$h.pcap" "$@"
	done
	for h in A B; do
		wait_until 10 grep -q 'listening on' "$T/cap$h.err" ||
			fail "tcpdump on $h did not start: $(cat "$T/cap$h.err")"
	done
}

# lab_cap_stop: end both captures; fails if the kernel dropped packets.
lab_cap_stop() {
	local h
	sleep 0.2
	for h in A B; do
		bg_stop "cap$h" INT
		grep -qx '0 packets dropped by kernel' "$T/cap$h.err" ||
			fail "tcpdump on $h: $(tr '\n' ' ' <"$T/cap$h.err")"
		log "capture $h: $(grep -E 'captured|dropped' "$T/cap$h.err" | tr '\n' ' ')"
	done
}

# cap_eno_on HOST FIELD: cap_eno on the capture of HOST's link to R (parsed
# once per capture; lab_cap_start starts afresh).
cap_eno_on() {
	local f=$T/eno_$1.json
	[ -s "$f" ] || python3 "$PCAP" eno "$T/cap_$1.pcap" --port "$PORT" >"$f" ||
		fail "pcap.py eno on $1's capture failed"
	jq -er --arg f "$2" '.[$f]' "$f"
}

# cap_dump_on HOST: pcap.py dump of HOST's capture (port PORT) into
# $T/dump_HOST.txt (once); prints the file name.
cap_dump_on() {
	local f=$T/dump_$1.txt
	[ -s "$f" ] || python3 "$PCAP" dump "$T/cap_$1.pcap" --port "$PORT" >"$f" ||
		fail "pcap.py dump on $1's capture failed"
	echo "$f"
}

# cap_grep_on HOST STRING: cap_grep on the capture of HOST's link to R.
cap_grep_on() {
	CAP_FILE=$T/cap_$1.pcap cap_grep "$2"
}

# cap_first_ack_opts HOST SRC: the options (pcap.py dump form) of the first
# non-SYN segment sent by address SRC to port PORT on HOST's link.
cap_first_ack_opts() {
	local f
	f=$(cap_dump_on "$1") || return 1
	awk -v src="$2" -v port="$PORT" '
			$1 != "SYN" && $1 != "SYNACK" && index($2, src ":") == 1 &&
			$4 ~ (":" port "$") {
				sub(/.*opts=/, ""); print; found = 1; exit
			}
			END { if (!found) exit 1 }' "$f"
}

# enobox_start MODE: `tcpinc-lab eno` in R at ingress of both of R's
# interfaces (so it sees both directions), for port PORT; bg name "box".
enobox_start() {
	lab_start box eno --dev "$R_IF_A" --dev "$R_IF_B" --port "$PORT" \
		--mode "$1"
}

# assert_conn HOST KEY VALUE STATE REASON: in HOST's saved show, the
# connection whose KEY is VALUE has this state and reason (and, if plain, no
# session ID).
assert_conn() {
	local row
	row=$(conn_row "$1" "$2" "$3") || return 1
	[ "$(field "$row" state)" = "$4" ] || fail "$1 state: $row"
	[ "$(field "$row" reason)" = "$5" ] || fail "$1 reason: $row"
	if [ "$4" = plain ]; then
		[ "$(field "$row" session_id)" = "" ] ||
			fail "$1: session_id on a plain row: $row"
	fi
}

# lab_start NAME CMD...: start a lab program (tcpinc-lab) in R, wait for
# "ready".
lab_start() {
	local name=$1
	shift
	bg_start_r "$name" "$TCPINC_LAB" "$@"
	wait_until 10 grep -qx ready "$T/$name.out" ||
		fail "$name not ready: $(cat "$T/$name.err")"
}

# lab_stop NAME: SIGTERM it; it must exit 0; its counters are on the last
# line of $T/NAME.out.
lab_stop() {
	bg_stop "$1" TERM
	log "$1: $(tail -n 1 "$T/$1.out")"
	[ "${BG_RC[$1]}" -eq 0 ] || fail "$1 exit ${BG_RC[$1]}: $(cat "$T/$1.err")"
}

# lab_count NAME KEY: one key=value counter printed by lab program NAME.
lab_count() {
	tail -n 1 "$T/$1.out" | tr ' ' '\n' | sed -n "s/^$2=//p" | grep -x '[0-9]*' ||
		fail "$1 printed no counter $2: $(tail -n 1 "$T/$1.out")"
}

# nft_counter TABLE_FAMILY TABLE COUNTER: packets of a named nft counter in R.
nft_counter() {
	on_r nft -j list counter "$1" "$2" "$3" |
		jq -er '.nftables[] | select(.counter) | .counter.packets' ||
		fail "no nft counter $1 $2 $3 in R"
}

# ---- keep-alive and kernel TLS ----------------------------------------------

# The keep-alive of the tests' applications (xfer.py --keepalive):
# TCP_KEEPIDLE:TCP_KEEPINTVL:TCP_KEEPCNT, in seconds, seconds, probes.
KEEPALIVE=1:1:3

# silence_b: B drops everything on its link from now on.
silence_b() {
	on B nft add table inet tci_ka
	on B nft add chain inet tci_ka in '{ type filter hook input priority 0; }'
	on B nft add chain inet tci_ka out '{ type filter hook output priority 0; }'
	on B nft add rule inet tci_ka in iifname "$IFACE" drop
	on B nft add rule inet tci_ka out oifname "$IFACE" drop
}

_has_conn() {
	tcpinc_on A show -j | jq -e --arg s "$1" \
		'[.connections[] | select(.state == $s)] | length == 1' >/dev/null
}

# silent_peer MODE_B STATE HOW: a client on A with keep-alive ($KEEPALIVE)
# set after connect() waits for 30 s; once its connection is STATE on A, B goes
# silent (HOW: drop = B drops its traffic; stop = B's tcpincd is stopped,
# its kernel still acknowledges; its PID is left in STOPPED for the
# caller's teardown to continue it). The client must get ECONNRESET between
# TCP_KEEPINTVL * TCP_KEEPCNT and TCP_KEEPIDLE + TCP_KEEPINTVL * TCP_KEEPCNT
# + slack seconds later (the first probe may be due up to a keep-alive
# period early; the slack grows with TCPINC_SLOW).
silent_peer() {
	local t0 dt
	_start_app srv B "$1" python3 "$XFER" server --bind "$ADDR_B" "$PORT" \
		--expect-bytes 1 --idle 60 --timeout 60
	wait_listen B "$PORT"
	_start_app cli A tcpinc python3 "$XFER" client --connect "$ADDR_B" "$PORT" \
		--send-bytes 1 --keepalive "$KEEPALIVE" --idle 30 --timeout 60
	wait_until 10 _has_conn "$2" || fail "no $2 connection on A"
	case $3 in
	drop) silence_b ;;
	stop)
		STOPPED=$(pid_of_comm B tcpincd)
		[ -n "$STOPPED" ] || fail "no tcpincd on B"
		kill -STOP "$STOPPED"
		;;
	esac
	t0=$(date +%s.%N)
	bg_wait cli
	dt=$(echo "$(date +%s.%N) - $t0" | bc)
	log "client: $(tail -n 1 "$T/cli.out"), $dt s after B went silent"
	[ "${BG_RC[cli]}" -eq 3 ] || fail "client exit ${BG_RC[cli]}, want 3 (error)"
	[ "$(xfer_field cli error)" = ECONNRESET ] || fail "client error"
	awk -v t="$dt" -v s="$SLOW" 'BEGIN { exit !(t >= 2 && t <= 4 + 4 * s) }' ||
		fail "the client's error came $dt s after B went silent"
}

# frames_only: every later `tcpinc up` adds --no-ktls (for setup(), in files
# whose subject is tcpcrypt frames or TEP 0x23's exact bytes).
frames_only() {
	TCPINC_UP_ARGS="--no-ktls${TCPINC_UP_ARGS:+ $TCPINC_UP_ARGS}"
}

# ktls_or_skip: skip the test unless this kernel has the TLS ULP.
ktls_or_skip() {
	modprobe tls 2>/dev/null || true
	grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp ||
		skip "no kernel TLS here (run selftests/vm/vm.sh)"
}
