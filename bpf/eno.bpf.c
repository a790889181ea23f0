// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TCP-ENO (RFC 8547) on tcpincd's network-side sockets.
 *
 * Attached as sock_ops to tcpincd's own cgroup. The header-option callbacks
 * write and read kind 69; the result lands in eno_conns under the socket
 * cookie, final (ENABLED or DISABLED) before connect() or accept() returns,
 * and tcpincd runs tcpcrypt from there and deletes the entry.
 *
 * Active opener (tcpincd's outbound sockets, not to loopback):
 *   TCP_CONNECT_CB       entry NEGOTIATING; WRITE + PARSE_ALL cb flags
 *   HDR_OPT_LEN/WRITE    SYN: our SYN-form option (eno_syn_opt, `45 03 23`
 *                        by default), cut to fewer TEPs if the kernel's own
 *                        options leave less room, bytes kept in local_opt;
 *                        the same on every retransmission, until more than
 *                        eno_syn_retries: then the SYN goes without ENO
 *                        (syn_retries)
 *   ACTIVE_ESTABLISHED   skb = SYN-ACK: decide. Disabled: clear the flags.
 *                        Enabled: keep them, so the third ACK and every
 *                        segment after carry `45 02` (RFC 8547 §4.7) ...
 *   PARSE_HDR_OPT_CB     ... until the peer's first non-SYN segment: then
 *                        PEER_NONSYN and flags cleared (no cost on bulk data)
 * The cb flags are the only per-socket state after establishment, because
 * tcpincd deletes the entry as soon as connect() returns, which can be
 * before `45 02` may stop.
 *
 * Simultaneous open of an active socket (roles from the b bits, set with
 * tcpincd --eno-active-b): our SYN-ACK repeats local_opt byte for byte, and
 * PASSIVE_ESTABLISHED, whose skb is the peer's SYN-ACK, decides as an active
 * opener would. The kernel shows sock_ops no SYN received in SYN-SENT: a
 * host that completes on the peer's ACK instead (its SYN-ACK lost) reads no
 * SYN-form option there and disables.
 *
 * Passive opener (tcpincd's inbound listeners, in_port4/in_port6 only):
 *   TCP_LISTEN_CB        WRITE cb flag (children inherit it) and TCP_SAVE_SYN
 *   HDR_OPT_LEN/WRITE    SYN-ACK (sk is the request sock): answer computed
 *                        from A's SYN alone, so retransmissions (which read
 *                        the saved SYN) and PASSIVE_ESTABLISHED recompute
 *                        the same bytes. Nothing on a SYN-cookie SYN-ACK:
 *                        the SYN's option would be lost (digest §5.21).
 *   PASSIVE_ESTABLISHED  skb = A's first ACK: recompute, require ENO in that
 *                        ACK, create the entry (role B), clear the flags;
 *                        if that ACK lacked ENO (ack_no_eno), keep only
 *                        PARSE_UNKNOWN: segments with kind 69 (or another
 *                        option the kernel does not know) run the program,
 *                        which flags PEER_ENO_LATE (stripped third ACK).
 *
 * tcpincd never uses TCP Fast Open, so we never send SYN data, as tcpcrypt
 * requires (RFC 8547 §4.7); nothing here adds any. Received SYN data is not
 * acknowledged as long as the TFO server is off (net.ipv4.tcp_fastopen
 * without 0x2/0x200: the default); sock_ops cannot refuse it otherwise.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <tcpinc/shared.h>
#include <tcpinc/eno_wire.h>

#include "lib/maps.h"

/* libc macros that vmlinux.h lacks */
#define AF_INET	     2
#define AF_INET6     10
#define SOL_TCP	     6
#define TCP_SAVE_SYN 27
#define ENOENT	     2
#define EINVAL	     22
#define ENOSPC	     28
#define TCPHDR_SYN   0x02

#define ENO_CB_FLAGS                          \
	(BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG | \
	 BPF_SOCK_OPS_PARSE_ALL_HDR_OPT_CB_FLAG)
/*
 * After B disabled on an ACK without ENO: only segments with an option the
 * kernel does not know (kind 69 among them) run the program.
 */
#define ENO_CB_LATE_WATCH BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG
#define ENO_CB_ALL	  (ENO_CB_FLAGS | ENO_CB_LATE_WATCH)

/* Set by tcpincd before load (tcpincd --eno-* options). */
const volatile __u16 in_port4 = 0; /* inbound listeners (host order) */
const volatile __u16 in_port6 = 0;
const volatile __u8 eno_gopt = 0; /* our a bit (answers use only a) */
const volatile __u8 eno_aa_mandatory = 0;
/* SYN retransmissions that still carry ENO; later ones go without. */
const volatile __u8 eno_syn_retries = 2;
/* our whole SYN-form option as active opener (eno_build_syn()) */
const volatile __u8 eno_syn_len = 3;
const volatile __u8 eno_syn_opt[TCPINC_ENO_OPT_MAX] = {TCPINC_ENO_KIND, 3,
						       TCPINC_TEP_CURVE25519};
/* TEPs we answer as passive opener (tcpincd --eno-teps), increasing priority */
const volatile __u8 eno_ans_n = 1;
const volatile __u8 eno_ans_teps[ENO_ANSWER_TEPS_MAX] = {TCPINC_TEP_CURVE25519};

/* Negotiation results, by socket cookie; read and deleted by tcpincd. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct tcpinc_eno_conn);
} eno_conns SEC(".maps");

/* Sockets tcpincd marked (by fd) as not for ENO: its side towards services. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} eno_skip SEC(".maps");

/*
 * Active opener: tcpincd's choice of SYN option for one socket (the
 * attachment's TEPs, or a resumption offer), set by fd before connect().
 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tcpinc_syn_cfg);
} eno_syn_cfg SEC(".maps");

/* Passive opener: secrets peers may resume, by TEP and their half id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tcpinc_resume_key);
	__type(value, struct tcpinc_resume_ans);
} resume_ids SEC(".maps");

/* Our cb flags: ENO_CB_FLAGS (on), none (0) or ENO_CB_LATE_WATCH. */
static __always_inline void set_eno_cb_flags(struct bpf_sock_ops *skops,
					     __u32 ours)
{
	__u32 flags = (skops->bpf_sock_ops_cb_flags & ~ENO_CB_ALL) | ours;

	if (bpf_sock_ops_cb_flags_set(skops, flags))
		tcpinc_count(TCPINC_C_BPF_ERRORS);
}

static __always_inline void set_cb_flags(struct bpf_sock_ops *skops, int on)
{
	set_eno_cb_flags(skops, on ? ENO_CB_FLAGS : 0);
}

/*
 * The configured policy for eno_build_answer() and eno_decide(). As passive
 * opener we answer with the most preferred of the TEPs tcpincd runs
 * (eno_ans_teps) that A offered, whatever we offer as active opener
 * (eno_syn_opt, which may hold others for tests), and never send b=0. All
 * rodata, so the answer stays a pure function of A's option.
 */
static __always_inline void policy_get(struct eno_policy *pol, int passive)
{
	pol->aa_mandatory = eno_aa_mandatory;
	pol->gopt = eno_gopt & (passive ? TCPINC_GOPT_A : 0xff);
	pol->n_teps = eno_ans_n < ENO_ANSWER_TEPS_MAX ? eno_ans_n
						      : ENO_ANSWER_TEPS_MAX;
	pol->teps[0] = eno_ans_teps[0];
	pol->teps[1] = eno_ans_teps[1];
	pol->teps[2] = eno_ans_teps[2];
	pol->teps[3] = eno_ans_teps[3];
}

static __always_inline int remote_is_loopback(struct bpf_sock_ops *skops)
{
	__u32 a0, a1, a2, a3;

	if (skops->family == AF_INET)
		return (bpf_ntohl(skops->remote_ip4) >> 24) == 127;
	a0 = skops->remote_ip6[0];
	a1 = skops->remote_ip6[1];
	a2 = skops->remote_ip6[2];
	a3 = skops->remote_ip6[3];
	if (a0 || a1)
		return 0;
	if (a2 == bpf_htonl(0xffff)) /* v4-mapped */
		return (bpf_ntohl(a3) >> 24) == 127;
	return !a2 && a3 == bpf_htonl(1);
}

/* Final state of an entry, counted once: the single place results land. */
static __always_inline void finish(struct tcpinc_eno_conn *e, __u8 reason)
{
	e->reason = reason;
	e->state = reason == TCPINC_R_NEGOTIATED ? TCPINC_ENO_ENABLED
						 : TCPINC_ENO_DISABLED;
	tcpinc_count(reason);
}

/*
 * Active side gives up ENO (before the SYN-ACK decision): record why, stop
 * writing options.
 */
static __always_inline void active_disable(struct bpf_sock_ops *skops,
					   __u8 reason)
{
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct tcpinc_eno_conn *e = bpf_map_lookup_elem(&eno_conns, &cookie);

	set_cb_flags(skops, 0);
	if (e && e->state == TCPINC_ENO_NEGOTIATING)
		finish(e, reason);
}

/* ---- codec entry points ------------------------------------------------- */

/*
 * The codec runs in global functions: the verifier checks each once on its
 * own, so the paths through an option walk do not multiply with the paths
 * of their callers. Their pointer arguments need a sized type.
 */
struct eno_buf {
	__u8 b[TCPINC_ENO_OPT_MAX];
};

/* eno_bpf_*_opt() return the option's length and how many there were. */
#define ENO_OPT_RET(len, n) ((len) | (n) << 8)
#define ENO_OPT_LEN(ret)    ((ret)&0xff)
#define ENO_OPT_COUNT(ret)  ((ret) >> 8)

/*
 * The first ENO option of A's SYN into opt, while writing our SYN-ACK or at
 * PASSIVE_ESTABLISHED. 0 if none, -ENOENT if the SYN was not kept (cookie).
 */
__noinline int eno_bpf_syn_opt(struct bpf_sock_ops *skops, struct eno_buf *opt)
{
	__u8 hdr[ENO_TCP_HDR_MAX];
	__u32 n, off;
	long len;

	if (!skops || !opt)
		return -EINVAL;
	len = bpf_getsockopt(skops, SOL_TCP, TCP_BPF_SYN, hdr, sizeof(hdr));
	if (len < 0)
		return len;
	if (len < ENO_TCP_HDR_MIN || len > ENO_TCP_HDR_MAX)
		return -EINVAL;
	n = eno_tcp_opts_count(hdr + ENO_TCP_HDR_MIN, len - ENO_TCP_HDR_MIN,
			       &off);
	if (!n)
		return 0;
	opt->b[0] = TCPINC_ENO_KIND;
	opt->b[1] = 0;
	len = bpf_load_hdr_opt(skops, opt->b, sizeof(opt->b),
			       BPF_LOAD_HDR_OPT_TCP_SYN);
	if (len < 2 || len > TCPINC_ENO_OPT_MAX)
		return len < 0 ? len : -EINVAL;
	return ENO_OPT_RET(len, n);
}

/* The first ENO option of the skb being processed (the SYN-ACK) into opt. */
__noinline int eno_bpf_skb_opt(struct bpf_sock_ops *skops, struct eno_buf *opt)
{
	__u8 hdr[ENO_TCP_HDR_MAX] = {};
	__u8 *data, *end;
	__u32 n = 0, off;
	long len;
	int w;

	if (!skops || !opt)
		return -EINVAL;
	/* skb_data_end is the end of the TCP header, a multiple of 4 */
	data = (__u8 *)(long)skops->skb_data;
	end = (__u8 *)(long)skops->skb_data_end;
	for (w = 0; w < ENO_TCP_HDR_MAX / 4; w++) {
		if (data + 4 * w + 4 > end)
			break;
		__builtin_memcpy(hdr + 4 * w, data + 4 * w, 4);
		n += 4;
	}
	if (n < ENO_TCP_HDR_MIN)
		return -EINVAL;
	n = eno_tcp_opts_count(hdr + ENO_TCP_HDR_MIN, n - ENO_TCP_HDR_MIN,
			       &off);
	if (!n)
		return 0;
	opt->b[0] = TCPINC_ENO_KIND;
	opt->b[1] = 0;
	len = bpf_load_hdr_opt(skops, opt->b, sizeof(opt->b), 0);
	if (len < 2 || len > TCPINC_ENO_OPT_MAX)
		return len < 0 ? len : -EINVAL;
	return ENO_OPT_RET(len, n);
}

/* Our answer to e's peer_opt into e's local_opt (eno_build_answer()). */
__noinline int eno_bpf_answer(struct tcpinc_eno_conn *e)
{
	struct eno_policy pol = {};

	if (!e)
		return 0;
	policy_get(&pol, 1);
	e->local_len =
		eno_build_answer(&pol, e->peer_opt, e->peer_len, e->local_opt);
	return e->local_len;
}

/* eno_decide() on e's two options under the configured policy. */
__noinline int eno_bpf_decide(const struct tcpinc_eno_conn *e, int passive,
			      struct eno_result *res)
{
	struct eno_policy pol = {};

	if (!e || !res)
		return TCPINC_FB_SYN_MALFORMED;
	policy_get(&pol, passive);
	return eno_decide(&pol, e->local_opt, e->local_len, e->peer_opt,
			  e->peer_len, passive, res);
}

/* A TEP we run as passive opener (v ignored). */
static __always_inline int tep_answered(__u8 tep)
{
	tep &= ENO_SUB_GLT;
	return (eno_ans_n > 0 && (eno_ans_teps[0] & ENO_SUB_GLT) == tep) ||
	       (eno_ans_n > 1 && (eno_ans_teps[1] & ENO_SUB_GLT) == tep) ||
	       (eno_ans_n > 2 && (eno_ans_teps[2] & ENO_SUB_GLT) == tep) ||
	       (eno_ans_n > 3 && (eno_ans_teps[3] & ENO_SUB_GLT) == tep);
}

/* The same for every SYN-ACK and the establishment of one connection. */
static __always_inline __u64 claim_token(struct bpf_sock_ops *skops)
{
	__u64 t = skops->remote_ip4 ^ skops->remote_ip6[0] ^
		  skops->remote_ip6[1] ^ skops->remote_ip6[2] ^
		  skops->remote_ip6[3];

	t ^= (__u64)skops->remote_port << 32 ^ (__u64)skops->local_port << 48;
	return t | 1;
}

/*
 * Passive opener: A's SYN asks to resume (RFC 8548 §3.5) with its last
 * suboption, a v=1 TEP with 9-17 data bytes; if the service's attachment
 * allows resumption and resume_ids names that secret and TEP, claim the
 * entry and answer `45 len gopt TEP|v half[9] nonce` into e's local_opt.
 * The nonce is cut short (not below TCPINC_RESUME_NONCE_MIN) to a room
 * given by the caller, remembered in the entry for retransmissions and
 * for the decision at establishment (room 0: as remembered).
 * Returns the answer's length, 0 to answer fresh (eno_bpf_answer()).
 */
__noinline int eno_bpf_resume_answer(struct bpf_sock_ops *skops,
				     struct tcpinc_eno_conn *e, __u32 room)
{
	struct tcpinc_resume_key key = {};
	struct tcpinc_resume_ans *ans;
	struct tcpinc_listen *l;
	struct eno_syn_info a;
	__u32 off, n, i;
	__u16 port;
	__u64 token, old;

	if (!skops || !e || e->peer_len > TCPINC_ENO_OPT_MAX)
		return 0;
	if (eno_parse_syn(e->peer_opt, e->peer_len, &a))
		return 0;
	if ((a.gopt & TCPINC_GOPT_B) ||
	    (eno_aa_mandatory && !(a.gopt & TCPINC_GOPT_A)))
		return 0; /* the fresh answer's rules apply */
	if (!(a.syn_tep & ENO_SUB_V) || a.syn_tep_data_len < ENO_RESUME_DATA_MIN ||
	    a.syn_tep_data_len > ENO_RESUME_DATA_MAX ||
	    eno_set_has(&a.invalid, a.syn_tep) || !tep_answered(a.syn_tep))
		return 0;
	port = skops->local_port;
	l = bpf_map_lookup_elem(&listen_ports, &port);
	if (!l || !(l->pol.flags & TCPINC_POL_RESUME))
		return 0;
	off = a.syn_tep_data_off;
	if (off > TCPINC_ENO_OPT_MAX - sizeof(key.id))
		return 0;
	key.tep = a.syn_tep & ENO_SUB_GLT;
	for (i = 0; i < sizeof(key.id); i++)
		key.id[i] = e->peer_opt[off + i];
	ans = bpf_map_lookup_elem(&resume_ids, &key);
	if (!ans)
		return 0;
	token = claim_token(skops);
	old = __sync_val_compare_and_swap(&ans->claim, 0, token);
	if (old && old != token)
		return 0; /* another connection uses this secret */
	n = ans->nonce_len;
	if (n > sizeof(ans->nonce))
		n = sizeof(ans->nonce);
	e->local_opt[0] = TCPINC_ENO_KIND;
	e->local_opt[2] = (eno_gopt & TCPINC_GOPT_A) | TCPINC_GOPT_B;
	e->local_opt[3] = key.tep | ENO_SUB_V;
	for (i = 0; i < sizeof(ans->half); i++)
		e->local_opt[4 + i] = ans->half[i];
	for (i = 0; i < sizeof(ans->nonce); i++)
		if (i < n)
			e->local_opt[13 + i] = ans->nonce[i];
	n += 13;
	if (room && room < n && room >= 13 + TCPINC_RESUME_NONCE_MIN)
		ans->sent_len = room;
	if (ans->sent_len >= 13 + TCPINC_RESUME_NONCE_MIN && ans->sent_len < n)
		n = ans->sent_len;
	e->local_len = n;
	e->local_opt[1] = n;
	return n;
}

/*
 * Active opener: B agreed to resume (its TEP has v=1). Its identifier half
 * must be the one our cached secret predicts, or its suboption is ignored;
 * B's answer has no other, so ENO is off (RFC 8548 §3.5). 1 if it matches.
 */
__noinline int eno_bpf_resume_match(struct bpf_sock_ops *skops,
				    struct tcpinc_eno_conn *e, __u8 tep)
{
	struct tcpinc_syn_cfg *cfg;
	struct eno_syn_info b;
	struct bpf_sock *sk;
	__u32 off, i;

	if (!skops || !e || e->peer_len > TCPINC_ENO_OPT_MAX)
		return 0;
	sk = skops->sk;
	if (!sk)
		return 0;
	cfg = bpf_sk_storage_get(&eno_syn_cfg, sk, 0, 0);
	if (!cfg || !cfg->resume)
		return 0;
	if (eno_parse_syn(e->peer_opt, e->peer_len, &b) || b.syn_tep != tep ||
	    b.syn_tep_data_len < ENO_RESUME_DATA_MIN ||
	    b.syn_tep_data_len > ENO_RESUME_DATA_MAX)
		return 0;
	off = b.syn_tep_data_off;
	if (off > TCPINC_ENO_OPT_MAX - sizeof(cfg->expect))
		return 0;
	for (i = 0; i < sizeof(cfg->expect); i++)
		if (e->peer_opt[off + i] != cfg->expect[i])
			return 0;
	return 1;
}

/* ---- active opener ------------------------------------------------------ */

/*
 * Handlers with large frames are subprograms of their own: the verifier adds
 * up the stack of a call chain, not of sibling branches.
 */

static __noinline void on_connect(struct bpf_sock_ops *skops)
{
	struct tcpinc_eno_conn e = {
		.state = TCPINC_ENO_NEGOTIATING,
		.flags = TCPINC_ENOF_ACTIVE,
	};
	struct bpf_sock *sk = skops->sk;
	__u64 cookie;

	if (!sk || !tcpinc_in_our_netns(skops) || remote_is_loopback(skops))
		return;
	if (bpf_sk_storage_get(&eno_skip, sk, 0, 0))
		return;
	cookie = bpf_get_socket_cookie(skops);
	if (bpf_map_update_elem(&eno_conns, &cookie, &e, BPF_ANY)) {
		/* no entry: tcpincd treats the connection as plain */
		tcpinc_count(TCPINC_C_BPF_ERRORS);
		return;
	}
	set_cb_flags(skops, 1);
}

/*
 * Our SYN-form option: built once, at the first SYN's HDR_OPT_LEN, as large
 * as the room the kernel's own options leave (fewer TEPs rather than none;
 * build_syn() reserves it),
 * and kept in the entry, so that every retransmission and the SYN-ACK of a
 * simultaneous open carry the same bytes (RFC 8547 §4.7). A SYN retransmitted
 * more than eno_syn_retries times goes without: a path that drops SYNs with
 * unknown options still connects, in plain TCP (§4.8 allows it).
 */
static __noinline int build_syn(struct bpf_sock_ops *skops,
				struct tcpinc_eno_conn *e)
{
	const __u8 *src = (const __u8 *)eno_syn_opt;
	__u32 full = eno_syn_len, len, room = 0, i;
	struct tcpinc_syn_cfg *cfg = NULL;
	struct bpf_sock *sk = skops->sk;
	int resume = 0;

	e->local_len = 0;
	if (sk)
		cfg = bpf_sk_storage_get(&eno_syn_cfg, sk, 0, 0);
	if (cfg && cfg->len >= 3 && cfg->len <= TCPINC_ENO_OPT_MAX) {
		src = cfg->opt;
		full = cfg->len;
		resume = cfg->resume;
	}
	if (full < 3 || full > TCPINC_ENO_OPT_MAX)
		return 0;
	/* the room left is not in the context: the largest that reserves */
	for (i = 0; i < TCPINC_ENO_OPT_MAX - 2; i++) {
		if (full - i < 3)
			break;
		if (!bpf_reserve_hdr_opt(skops, full - i, 0)) {
			room = full - i;
			break;
		}
	}
	if (resume && room < full &&
	    room >= (cfg->opt[2] < ENO_TEP_MIN ? 3 : 2) + 1 + 9 +
			    TCPINC_RESUME_NONCE_MIN) {
		/* the nonce (last) cut short to fit, as B may do */
		__builtin_memcpy(e->local_opt, cfg->opt, TCPINC_ENO_OPT_MAX);
		e->local_opt[1] = room;
		e->local_len = room;
		tcpinc_count(TCPINC_C_RESUME_OFFERED);
		return room;
	}
	if (resume && room < full) {
		/* no room for a resumption: the host's fresh option instead */
		src = (const __u8 *)eno_syn_opt;
		full = eno_syn_len;
		if (full < 3 || full > TCPINC_ENO_OPT_MAX)
			return 0;
		resume = 0;
	}
	/* shorter than what was reserved: the kernel pads with NOPs */
	len = eno_trim_syn(src, full, room, e->local_opt);
	if (!len)
		return 0; /* too little room: nothing reserved, or not filled */
	if (len < full)
		tcpinc_count(TCPINC_C_ENO_TRIMMED);
	if (resume)
		tcpinc_count(TCPINC_C_RESUME_OFFERED);
	e->local_len = len;
	return len;
}

static __noinline void active_syn(struct bpf_sock_ops *skops, int write)
{
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct tcpinc_eno_conn *e;
	__u32 len;
	long err;

	e = bpf_map_lookup_elem(&eno_conns, &cookie);
	if (!e || e->state != TCPINC_ENO_NEGOTIATING) {
		set_cb_flags(skops, 0);
		return;
	}
	if (!write) {
		/* this kernel counts a retransmission before sending it */
		if (skops->state == BPF_TCP_SYN_SENT &&
		    skops->total_retrans > eno_syn_retries) {
			active_disable(skops, TCPINC_FB_SYN_RETRIES);
			return;
		}
		if (!e->local_len) {
			/* first SYN: reserves what it built, or nothing */
			if (!build_syn(skops, e))
				active_disable(skops,
					       TCPINC_FB_NO_OPTION_SPACE);
			return;
		}
	}
	len = e->local_len;
	if (len < 2 || len > TCPINC_ENO_OPT_MAX) {
		tcpinc_count(TCPINC_C_BPF_ERRORS);
		active_disable(skops, TCPINC_FB_NO_OPTION_SPACE);
		return;
	}
	if (!write) {
		err = bpf_reserve_hdr_opt(skops, len, 0);
		if (err) {
			/* fitted the first SYN: the kernel's options grew */
			if (err != -ENOSPC)
				tcpinc_count(TCPINC_C_BPF_ERRORS);
			active_disable(skops, TCPINC_FB_NO_OPTION_SPACE);
		}
		return;
	}
	err = bpf_store_hdr_opt(skops, e->local_opt, len, 0);
	if (err) {
		/* this SYN leaves without ENO: the peer will not see it */
		tcpinc_count(TCPINC_C_BPF_ERRORS);
		active_disable(skops, TCPINC_FB_NO_OPTION_SPACE);
		return;
	}
	if (skops->state == BPF_TCP_SYN_SENT)
		tcpinc_count(TCPINC_C_ENO_SYN_SENT);
	e->flags |= TCPINC_ENOF_SENT_SYN;
}

/* `45 02` on every segment until the peer's first non-SYN one. */
static __always_inline void active_nonsyn(struct bpf_sock_ops *skops, int write)
{
	__u8 opt[ENO_NONSYN_LEN] = {TCPINC_ENO_KIND, ENO_NONSYN_LEN};
	long err;

	if (!write)
		err = bpf_reserve_hdr_opt(skops, sizeof(opt), 0);
	else
		err = bpf_store_hdr_opt(skops, opt, sizeof(opt), 0);
	/* no room beside SACK blocks is possible and not an error */
	if (err && err != -ENOSPC)
		tcpinc_count(TCPINC_C_BPF_ERRORS);
}

static __noinline void on_active_established(struct bpf_sock_ops *skops)
{
	struct tcpinc_eno_conn *e;
	struct eno_result res = {};
	__u64 cookie;
	int ret;

	if (!(skops->bpf_sock_ops_cb_flags &
	      BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG))
		return; /* not ours, or ENO already off */
	cookie = bpf_get_socket_cookie(skops);
	e = bpf_map_lookup_elem(&eno_conns, &cookie);
	if (!e || e->state != TCPINC_ENO_NEGOTIATING) {
		tcpinc_count(TCPINC_C_BPF_ERRORS);
		set_cb_flags(skops, 0);
		return;
	}

	/* skb is the SYN-ACK */
	ret = eno_bpf_skb_opt(skops, (struct eno_buf *)e->peer_opt);
	if (ret < 0) {
		tcpinc_count(TCPINC_C_BPF_ERRORS);
		ret = 0;
	}
	e->peer_len = ENO_OPT_LEN(ret);
	if (!ENO_OPT_COUNT(ret))
		res.reason = TCPINC_FB_SYNACK_NO_ENO;
	else if (ENO_OPT_COUNT(ret) > 1)
		res.reason = TCPINC_FB_SYN_MULTIPLE; /* as if none (§4.1) */
	else
		eno_bpf_decide(e, 0, &res);
	if (res.reason == TCPINC_R_NEGOTIATED && (res.tep & ENO_SUB_V) &&
	    !eno_bpf_resume_match(skops, e, res.tep))
		res.reason = TCPINC_FB_RESUME_MISMATCH;
	e->peer_gopt = res.peer_gopt;
	e->role = res.role;
	e->tep = res.tep;
	finish(e, res.reason);
	/* enabled: the flags stay on for `45 02` on the third ACK onwards */
	if (res.reason != TCPINC_R_NEGOTIATED)
		set_cb_flags(skops, 0);
}

static __always_inline int skb_has_eno(struct bpf_sock_ops *skops)
{
	__u8 opt[TCPINC_ENO_OPT_MAX] = {TCPINC_ENO_KIND, 0};

	return bpf_load_hdr_opt(skops, opt, sizeof(opt), 0) >= 2;
}

/*
 * B fell back because A's first ACK lacked ENO, and now a non-SYN segment
 * from A carries ENO: a middlebox stripped it from that ACK only, and A is
 * encrypting (RFC 8547 §8). Flag it for tcpincd, which kept the entry and
 * aborts rather than relay A's Init1 as plaintext.
 */
static __noinline void late_eno(struct bpf_sock_ops *skops)
{
	struct tcpinc_eno_conn *e;
	__u64 cookie;

	/* the cb flag is only a hint: the segment may carry another option */
	if (!skb_has_eno(skops))
		return;
	set_cb_flags(skops, 0);
	tcpinc_count(TCPINC_C_ENO_LATE);
	cookie = bpf_get_socket_cookie(skops);
	e = bpf_map_lookup_elem(&eno_conns, &cookie);
	if (e)
		e->flags |= TCPINC_ENOF_PEER_ENO_LATE;
}

static __always_inline void on_parse_hdr(struct bpf_sock_ops *skops)
{
	struct tcpinc_eno_conn *e;
	__u64 cookie;

	/* fires on segments without kind 69 too; only the SYN bit matters */
	if (skops->skb_tcp_flags & TCPHDR_SYN)
		return;
	if (!(skops->bpf_sock_ops_cb_flags &
	      BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG)) {
		late_eno(skops);
		return;
	}
	set_cb_flags(skops, 0);
	cookie = bpf_get_socket_cookie(skops);
	e = bpf_map_lookup_elem(&eno_conns, &cookie);
	if (e) /* usually already taken by tcpincd */
		e->flags |= TCPINC_ENOF_PEER_NONSYN;
}

/* ---- passive opener ----------------------------------------------------- */

static __always_inline void on_listen(struct bpf_sock_ops *skops)
{
	__u16 port = skops->local_port;
	int one = 1;

	if (!tcpinc_in_our_netns(skops))
		return;
	if (!((skops->family == AF_INET && in_port4 && port == in_port4) ||
	      (skops->family == AF_INET6 && in_port6 && port == in_port6)))
		return;
	/* SYN-ACK retransmissions and PASSIVE_ESTABLISHED read A's SYN */
	if (bpf_setsockopt(skops, SOL_TCP, TCP_SAVE_SYN, &one, sizeof(one)))
		tcpinc_count(TCPINC_C_BPF_ERRORS);
	set_cb_flags(skops, 1);
}

/*
 * A resumption answer of len bytes did not fit: the longest with a shorter
 * nonce that does, remembered for the SYN-ACK write and establishment.
 */
static __noinline long resume_shorter(struct bpf_sock_ops *skops,
				      struct tcpinc_eno_conn *e, __u32 len)
{
	__u32 r, i;

	for (i = 1; i < 9; i++) { /* up to the 8 bytes of a nonce */
		r = len - i;
		if (r < 13 + TCPINC_RESUME_NONCE_MIN)
			break;
		if (!bpf_reserve_hdr_opt(skops, r, 0)) {
			eno_bpf_resume_answer(skops, e, r);
			return 0;
		}
	}
	return -ENOSPC;
}

/* Our SYN-ACK for A's SYN; ENO only on SYN-ACKs that keep state. */
static __noinline void passive_synack(struct bpf_sock_ops *skops, int write)
{
	struct tcpinc_eno_conn e = {};
	__u32 len, resume;
	long err;
	int ret;

	ret = eno_bpf_syn_opt(skops, (struct eno_buf *)e.peer_opt);
	if (ret < 0) {
		tcpinc_count(TCPINC_C_BPF_ERRORS);
		return;
	}
	if (!ENO_OPT_COUNT(ret))
		return;
	if (skops->args[0] & BPF_WRITE_HDR_TCP_SYNACK_COOKIE) {
		if (!write)
			tcpinc_count(TCPINC_FB_SYNCOOKIE);
		return;
	}
	if (ENO_OPT_COUNT(ret) > 1)
		return; /* a SYN with several ENO options has none (§4.1) */
	e.peer_len = ENO_OPT_LEN(ret);
	resume = len = eno_bpf_resume_answer(skops, &e, 0);
	if (!len)
		len = eno_bpf_answer(&e);
	/* clang sees the bound; the verifier checks callers without it */
	barrier_var(len);
	if (len < 2 || len > TCPINC_ENO_OPT_MAX)
		return;
	if (!write) {
		err = bpf_reserve_hdr_opt(skops, len, 0);
		if (err && resume)
			err = resume_shorter(skops, &e, len);
	} else {
		err = bpf_store_hdr_opt(skops, e.local_opt, len, 0);
		if (!err)
			tcpinc_count(TCPINC_C_ENO_SYNACK_SENT);
	}
	/* a SYN-ACK without our answer ends as ACK_NO_ENO at establishment */
	if (err)
		tcpinc_count(TCPINC_C_BPF_ERRORS);
}

static __noinline void on_passive_established(struct bpf_sock_ops *skops)
{
	struct tcpinc_eno_conn e = {.role = 1};
	struct tcpinc_eno_conn *old;
	struct eno_result res = {};
	__u64 cookie;
	int ret;

	/* the flag comes from an ENO listener or an active connect() */
	if (!(skops->bpf_sock_ops_cb_flags &
	      BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG))
		return;
	cookie = bpf_get_socket_cookie(skops);

	old = bpf_map_lookup_elem(&eno_conns, &cookie);
	if (old) {
		/*
		 * Simultaneous open of one of our connect()s: skb is the
		 * peer's SYN-ACK, whose option repeats its SYN's (§4.7), and
		 * roles come from the b bits as for any active opener.
		 */
		on_active_established(skops);
		return;
	}
	set_cb_flags(skops, 0); /* A's ACK is the non-SYN segment we await */

	ret = eno_bpf_syn_opt(skops, (struct eno_buf *)e.peer_opt);
	if (ret == -ENOENT) {
		/* SYN cookie: counted when the SYN-ACK went out */
		e.reason = TCPINC_FB_SYNCOOKIE;
		e.state = TCPINC_ENO_DISABLED;
		goto store;
	}
	if (ret < 0) {
		tcpinc_count(TCPINC_C_BPF_ERRORS);
		ret = 0;
	}
	e.peer_len = ENO_OPT_LEN(ret);
	if (!ENO_OPT_COUNT(ret)) {
		res.reason = TCPINC_FB_SYN_NO_ENO;
	} else if (ENO_OPT_COUNT(ret) > 1) {
		res.reason = TCPINC_FB_SYN_MULTIPLE;
	} else {
		/* what our SYN-ACK carried: the same function of A's SYN */
		if (!eno_bpf_resume_answer(skops, &e, 0))
			eno_bpf_answer(&e);
		eno_bpf_decide(&e, 1, &res);
		if (res.reason == TCPINC_R_NEGOTIATED && (res.tep & ENO_SUB_V))
			tcpinc_count(TCPINC_C_RESUME_ACCEPTED);
		e.peer_gopt = res.peer_gopt;
		e.tep = res.tep;
		/* enabled only once A's first ACK carries ENO too (§4.7) */
		if (res.reason == TCPINC_R_NEGOTIATED && !skb_has_eno(skops))
			res.reason = TCPINC_FB_ACK_NO_ENO;
	}
	finish(&e, res.reason);
	/* cheap: only segments with unknown options run the program */
	if (res.reason == TCPINC_FB_ACK_NO_ENO)
		set_eno_cb_flags(skops, ENO_CB_LATE_WATCH);
store:
	if (bpf_map_update_elem(&eno_conns, &cookie, &e, BPF_ANY))
		tcpinc_count(TCPINC_C_BPF_ERRORS);
}

/* ---- dispatch ----------------------------------------------------------- */

static __always_inline void on_hdr_opt(struct bpf_sock_ops *skops, int write)
{
	/* a request sock: SYN-ACK of one of our ENO listeners */
	if (!skops->is_fullsock) {
		passive_synack(skops, write);
		return;
	}
	/* MSS computation (no skb): size of what data segments will carry */
	if (skops->args[0] & BPF_WRITE_HDR_TCP_CURRENT_MSS) {
		if (!write)
			active_nonsyn(skops, 0);
		return;
	}
	if (!(skops->skb_tcp_flags & TCPHDR_SYN)) {
		active_nonsyn(skops, write);
		return;
	}
	/* our SYN, or our SYN-ACK of a simultaneous open: the same option */
	active_syn(skops, write);
}

SEC("sockops")
int tcpinc_eno_sockops(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		on_connect(skops);
		break;
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		on_listen(skops);
		break;
	case BPF_SOCK_OPS_HDR_OPT_LEN_CB:
		on_hdr_opt(skops, 0);
		break;
	case BPF_SOCK_OPS_WRITE_HDR_OPT_CB:
		on_hdr_opt(skops, 1);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		on_active_established(skops);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		on_passive_established(skops);
		break;
	case BPF_SOCK_OPS_PARSE_HDR_OPT_CB:
		on_parse_hdr(skops);
		break;
	}
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
