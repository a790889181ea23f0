/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * TCP-ENO (RFC 8547) wire codec, shared by bpf/eno.bpf.c and userspace.
 *
 * Every function works on a whole option as it crosses the wire (kind 69,
 * length byte, contents), because that is what the transcript needs and what
 * struct tcpinc_eno_conn stores. No libc, no allocation, and every loop is
 * bounded by the 40 bytes of TCP option space, so the same code passes the
 * BPF verifier and runs under libFuzzer. Callers guarantee that a buffer
 * holds at least the length they pass; lengths are checked against
 * TCPINC_ENO_OPT_MAX here, never trusted from the wire.
 *
 *   eno_parse_syn()       validate a SYN-form option, summarise its TEPs
 *   eno_walk()            the suboption walk under it (summarise or pick)
 *   eno_tcp_opts_count()  how many ENO options a TCP header carries
 *   eno_build_syn()       our SYN-form option as active opener
 *   eno_build_answer()    our SYN-ACK option as passive opener
 *   eno_decide()          enable or disable, role, negotiated TEP, reason
 *
 * TEP rules beyond ENO (suboption data, repeats) are tcpcrypt's (RFC 8548
 * §5), the only TEPs tcpinc knows.
 */
#ifndef TCPINC_ENO_WIRE_H
#define TCPINC_ENO_WIRE_H

#include <tcpinc/shared.h>

#ifdef __BPF__
#define ENO_FN static inline __attribute__((always_inline))
#else
#define ENO_FN static inline
#endif

/*
 * The two walks whose state depends on the bytes' values (a length to skip,
 * a length byte pending) run one byte per call of a callback: in BPF under
 * bpf_loop() (5.17+), which the verifier checks as a function, where a plain
 * bounded loop is re-checked for every iteration of every path and exceeds
 * the 1M-instruction budget. A callback returns 0 to go on, 1 to stop.
 *
 * Before 6.7 the verifier checks a callback once, with the state its first
 * call sees, and drops as dead the branches that state rules out (a length
 * to skip, when the walk starts with none). So the walk state a callback
 * reads starts from ENO_ZERO: 0 when it runs, a value the verifier cannot
 * know (a load from .bss, one per field so that no two are linked).
 */
#ifdef __BPF__
#define ENO_CB		     static long
#define ENO_LOOP(n, fn, ctx) bpf_loop((n), (fn), (ctx), 0)
static volatile __u8 eno_zero;
#define ENO_ZERO eno_zero
#else
#define ENO_CB static inline long
#define ENO_LOOP(n, fn, ctx)                                   \
	do {                                                   \
		for (__u64 eno_i_ = 0; eno_i_ < (n); eno_i_++) \
			if ((fn)(eno_i_, (ctx)))               \
				break;                         \
	} while (0)
#define ENO_ZERO 0
#endif

/* TCP header and option framing (RFC 9293 §3.1) */
#define ENO_TCP_HDR_MIN 20
#define ENO_TCP_HDR_MAX 60
#define ENO_TCPOPT_EOL	0
#define ENO_TCPOPT_NOP	1

/* The non-SYN-form option tcpcrypt sends: `45 02` (RFC 8548 §4.2). */
#define ENO_NONSYN_LEN 2

/* Suboption first byte, v | glt (RFC 8547 §4.1) */
#define ENO_SUB_V	   0x80
#define ENO_SUB_GLT	   0x7f
#define ENO_TEP_MIN	   0x20 /* below: global suboption (v=0), length byte (v=1) */
#define ENO_LEN_DATA(c)	   (((c)&0x1f) + 1) /* length byte: 1..32 data bytes */
#define ENO_GOPT_SENT_MASK (TCPINC_GOPT_A | TCPINC_GOPT_B) /* z bits sent 0 */

/* tcpcrypt resumption suboption data: 9-byte identifier half + 0-8 nonce */
#define ENO_RESUME_DATA_MIN 9
#define ENO_RESUME_DATA_MAX 17

/* Most TEPs we choose from as passive opener: those tcpcrypt defines. */
#define ENO_ANSWER_TEPS_MAX 4

/* Most TEPs we offer in one SYN: all the option's contents. */
#define ENO_POLICY_TEPS_MAX (TCPINC_ENO_OPT_MAX - 2)

/* What this host offers and requires. */
struct eno_policy {
	__u8 gopt; /* our a bit (and b for simultaneous open); z bits ignored */
	__u8 aa_mandatory; /* disable unless the peer sets a=1 (§4.5) */
	__u8 n_teps;
	__u8 teps[ENO_POLICY_TEPS_MAX]; /* v=0 TEP ids, increasing priority */
};

/* Only X25519 so far, fresh key agreement (v=0). */
#define ENO_POLICY_DEFAULT                                    \
	{                                                     \
		.n_teps = 1, .teps = {TCPINC_TEP_CURVE25519}, \
	}

/* A set of TEP identifiers glt 0x20..0x7f, v ignored. */
struct eno_tepset {
	__u64 lo, hi;
};

/* Summary of a well-formed SYN-form option. */
struct eno_syn_info {
	__u8 gopt; /* first global suboption; 0x00 when implicit */
	__u8 gopt_explicit;
	__u8 n_teps; /* TEP suboptions, repeats included; 0 = vacuous */
	__u8 syn_tep; /* last TEP byte: the "SYN TEP" that owns SYN data */
	__u8 syn_tep_data_off; /* its data: offset in the option, length */
	__u8 syn_tep_data_len;
	struct eno_tepset seen; /* glt present */
	struct eno_tepset invalid; /* glt repeated or with bad data */
	struct eno_tepset resume; /* glt offered with resumption data */
};

/* Result of a negotiation. */
struct eno_result {
	__u8 reason; /* TCPINC_R_NEGOTIATED or a TCPINC_FB_* code */
	__u8 role; /* 0 = host A, 1 = host B (when negotiated) */
	__u8 tep; /* negotiated TEP byte as B sent it, v bit included */
	__u8 peer_gopt; /* peer's global suboption, 0 if implicit or unknown */
};

/*
 * The set holding only byte's glt, empty for a byte below 0x20. Sets are
 * updated with bit operations, never by branching on their contents: a
 * branch on a value the verifier knows (the zeroed sets of the first
 * iteration) makes it track that value exactly, and the walk's loop then
 * never converges.
 */
ENO_FN struct eno_tepset eno_set_of(__u8 byte)
{
	struct eno_tepset m = {0, 0};
	__u32 glt = byte & ENO_SUB_GLT;

	if (glt >= ENO_TEP_MIN + 64)
		m.hi = 1ULL << (glt - ENO_TEP_MIN - 64);
	else if (glt >= ENO_TEP_MIN)
		m.lo = 1ULL << (glt - ENO_TEP_MIN);
	return m;
}

ENO_FN int eno_set_has(const struct eno_tepset *set, __u8 byte)
{
	struct eno_tepset m = eno_set_of(byte);

	return ((set->lo & m.lo) | (set->hi & m.hi)) != 0;
}

ENO_FN void eno_set_add(struct eno_tepset *set, __u8 byte)
{
	struct eno_tepset m = eno_set_of(byte);

	set->lo |= m.lo;
	set->hi |= m.hi;
}

/* glt is valid for the connection (§4.6 rules 1-3, RFC 8548 §5.1). */
ENO_FN int eno_tep_valid(const struct eno_syn_info *a,
			 const struct eno_syn_info *b, __u8 byte)
{
	if (!eno_set_has(&a->seen, byte) || eno_set_has(&a->invalid, byte) ||
	    eno_set_has(&b->invalid, byte))
		return 0;
	/* B may resume only what A offered to resume */
	return !eno_set_has(&b->resume, byte) || eno_set_has(&a->resume, byte);
}

/* Pass over B's option that picks the negotiated TEP. */
struct eno_pick {
	const struct eno_syn_info *a, *b;
	__u8 tep; /* last valid TEP seen so far, 0 if none */
};

/* One TEP suboption: add it to info, or consider it for pick. */
ENO_FN void eno_visit_tep(struct eno_syn_info *info, struct eno_pick *pick,
			  __u8 byte, __u32 data_off, __u32 data_len)
{
	struct eno_tepset m;

	if (pick) {
		if (eno_tep_valid(pick->a, pick->b, byte))
			pick->tep = byte;
		return;
	}
	/*
	 * One of the two is always set, but in a bpf_loop() callback the
	 * verifier may not see it (it rejected a NULL info here on 6.18).
	 */
	if (!info)
		return;
	m = eno_set_of(byte);
	info->n_teps++;
	info->syn_tep = byte;
	info->syn_tep_data_off = data_off;
	info->syn_tep_data_len = data_len;
	/* tcpcrypt defines no repeated suboptions (§4.6 rule 3) */
	info->invalid.lo |= info->seen.lo & m.lo;
	info->invalid.hi |= info->seen.hi & m.hi;
	info->seen.lo |= m.lo;
	info->seen.hi |= m.hi;
	/* v=1 with < 9 bytes means v=0 (RFC 8548 §5.1) */
	if (!(byte & ENO_SUB_V) || data_len < ENO_RESUME_DATA_MIN)
		return;
	if (data_len > ENO_RESUME_DATA_MAX)
		eno_set_add(&info->invalid, byte);
	else
		eno_set_add(&info->resume, byte);
}

/*
 * Walk the suboptions of the SYN-form option opt[0..len) (RFC 8547 §4.1).
 * Exactly one of info (summarise) and pick (choose in B's option) is set.
 * Returns 0, or -1 when the option is ill-formed: it must then be ignored
 * and encryption disabled.
 *
 * One byte per callback, and no comparison of a wire value with len (an
 * overrun shows as data still to skip at the end), so that the BPF
 * verifier's view of the walk converges quickly.
 */
struct eno_walk_state {
	const __u8 *opt;
	struct eno_syn_info *info;
	struct eno_pick *pick;
	/* bytes: the whole state fits 32 bytes of a BPF stack frame */
	__u8 len;
	__u8 skip; /* data bytes of a suboption that had a length byte */
	__u8 data_len; /* announced by a pending length byte */
	__u8 after_len; /* a length byte was the last suboption byte */
	__u8 bad;
};

ENO_CB eno_walk_byte(__u64 n, void *arg)
{
	struct eno_walk_state *w = arg;
	__u32 i;
	__u8 c;

	/* bound the 64-bit index itself: 6.1 checks stack reads on it */
	if (n >= TCPINC_ENO_OPT_MAX - 2)
		return 1;
	i = n + 2;
	if (i >= w->len)
		return 1;
	c = w->opt[i];
	if (w->skip) {
		w->skip--;
		return 0;
	}
	if (w->after_len) {
		/* a length byte must be followed by a v=1 TEP */
		if (c < (ENO_SUB_V | ENO_TEP_MIN)) {
			w->bad = 1;
			return 1;
		}
		eno_visit_tep(w->info, w->pick, c, i + 1, w->data_len);
		w->skip = w->data_len;
		w->after_len = 0;
	} else if (c < ENO_TEP_MIN) {
		/* a receiver ignores all but the first (§4.5) */
		if (w->info && !w->info->gopt_explicit) {
			w->info->gopt = c;
			w->info->gopt_explicit = 1;
		}
	} else if (c < ENO_SUB_V) {
		eno_visit_tep(w->info, w->pick, c, i + 1, 0);
	} else if (c < (ENO_SUB_V | ENO_TEP_MIN)) {
		w->after_len = 1;
		w->data_len = ENO_LEN_DATA(c);
	} else {
		/* v=1 without length byte: data to the option's end */
		eno_visit_tep(w->info, w->pick, c, i + 1, w->len - i - 1);
		return 1;
	}
	return 0;
}

ENO_FN int eno_walk(const __u8 *opt, __u32 len, struct eno_syn_info *info,
		    struct eno_pick *pick)
{
	struct eno_walk_state w = {.opt = opt, .info = info, .pick = pick};

	if (info) {
		info->gopt = 0;
		info->gopt_explicit = 0;
		info->n_teps = 0;
		info->syn_tep = 0;
		info->syn_tep_data_off = 0;
		info->syn_tep_data_len = 0;
		info->seen.lo = info->seen.hi = 0;
		info->invalid.lo = info->invalid.hi = 0;
		info->resume.lo = info->resume.hi = 0;
	}
	if (len < 2 || len > TCPINC_ENO_OPT_MAX)
		return -1;
	if (opt[0] != TCPINC_ENO_KIND || opt[1] != len)
		return -1;
	w.len = len;
	w.skip = ENO_ZERO;
	w.data_len = ENO_ZERO;
	w.after_len = ENO_ZERO;
	w.bad = ENO_ZERO;
	ENO_LOOP(TCPINC_ENO_OPT_MAX - 2, eno_walk_byte, &w);
	/* a length byte without its TEP, or data running past the end */
	return w.bad || w.after_len || w.skip ? -1 : 0;
}

/*
 * Validate a SYN-form ENO option (kind, length byte matching len,
 * suboptions) and summarise it into info. Returns 0, or -1 when the option
 * must be ignored and encryption disabled.
 *
 * In BPF this is a global function, so the verifier checks the walk once
 * rather than once per path of every caller (a decision parses twice, then
 * walks again); opt must then point to TCPINC_ENO_OPT_MAX bytes.
 */
#ifdef __BPF__
struct eno_optbuf {
	__u8 b[TCPINC_ENO_OPT_MAX];
};

__attribute__((noinline)) int eno_parse_syn_bpf(const struct eno_optbuf *opt,
						__u32 len,
						struct eno_syn_info *info)
{
	if (!opt || !info)
		return -1;
	return eno_walk(opt->b, len, info, (struct eno_pick *)0);
}

#define eno_parse_syn(opt, len, info) \
	eno_parse_syn_bpf((const struct eno_optbuf *)(opt), (len), (info))
#else
ENO_FN int eno_parse_syn(const __u8 *opt, __u32 len, struct eno_syn_info *info)
{
	return eno_walk(opt, len, info, (struct eno_pick *)0);
}
#endif

/*
 * Count the ENO options among TCP options opts[0..len) (the bytes after the
 * 20-byte fixed header): 0, 1, or 2 for several. *first_off is the offset of
 * the first. Stops at EOL or at a malformed option as the kernel's own
 * parser does; an option that runs past len is not counted. Written like
 * eno_walk() for the verifier's sake.
 */
struct eno_count_state {
	const __u8 *opts;
	__u8 len; /* at most 40: bytes keep the BPF stack frame small */
	__u8 skip; /* bytes left of the current option */
	__u8 want_len; /* the current option's length byte is next */
	__u8 is_eno; /* the current option is ENO */
	__u8 start; /* where the current option began */
	__u8 count;
	__u8 first_off;
};

ENO_CB eno_count_byte(__u64 n, void *arg)
{
	struct eno_count_state *s = arg;
	__u32 i;
	__u8 c;

	if (n >= ENO_TCP_HDR_MAX - ENO_TCP_HDR_MIN) /* as in eno_walk_byte() */
		return 1;
	i = n;
	if (i >= s->len)
		return 1;
	c = s->opts[i];
	if (s->skip) {
		s->skip--;
	} else if (s->want_len) {
		if (c < 2)
			return 1;
		s->skip = c - 2;
		s->want_len = 0;
	} else if (c == ENO_TCPOPT_EOL) {
		return 1;
	} else if (c != ENO_TCPOPT_NOP) {
		s->is_eno = c == TCPINC_ENO_KIND;
		s->start = i;
		s->want_len = 1;
		return 0;
	}
	if (!s->skip && !s->want_len && s->is_eno) { /* it ended within len */
		if (!s->count)
			s->first_off = s->start;
		s->count = s->count ? 2 : 1;
		s->is_eno = 0;
	}
	return 0;
}

ENO_FN __u32 eno_tcp_opts_count(const __u8 *opts, __u32 len, __u32 *first_off)
{
	struct eno_count_state s = {.opts = opts};

	*first_off = 0;
	if (len > ENO_TCP_HDR_MAX - ENO_TCP_HDR_MIN)
		return 0;
	s.len = len;
	s.skip = ENO_ZERO;
	s.want_len = ENO_ZERO;
	s.is_eno = ENO_ZERO;
	s.start = ENO_ZERO;
	s.count = ENO_ZERO;
	s.first_off = ENO_ZERO;
	ENO_LOOP(ENO_TCP_HDR_MAX - ENO_TCP_HDR_MIN, eno_count_byte, &s);
	*first_off = s.first_off;
	return s.count;
}

/*
 * Our SYN-form option as active opener into out[TCPINC_ENO_OPT_MAX], at
 * most room bytes long: the global suboption only when non-zero (implicit
 * 0x00 otherwise), then our TEPs in increasing priority, e.g. `45 03 23`.
 * When not all fit, the least preferred (first) are left out rather than
 * the whole option (RFC 8547 §4.6: B picks the last valid one anyway);
 * *dropped says how many. Returns the length, 0 if not even one TEP fits.
 */
ENO_FN __u32 eno_build_syn(const struct eno_policy *pol, __u32 room, __u8 *out,
			   __u32 *dropped)
{
	__u32 n = 2, i, valid = 0, skip = 0;
	__u8 gopt = pol->gopt & ENO_GOPT_SENT_MASK, tep;

	*dropped = 0;
	if (room > TCPINC_ENO_OPT_MAX)
		room = TCPINC_ENO_OPT_MAX;
	if (gopt)
		out[n++] = gopt;
	for (i = 0; i < ENO_POLICY_TEPS_MAX; i++) {
		if (i >= ENO_POLICY_TEPS_MAX || i >= pol->n_teps)
			break;
		tep = pol->teps[i];
		valid += tep >= ENO_TEP_MIN && tep < ENO_SUB_V;
	}
	if (n + valid > room) {
		skip = n + valid - room;
		if (skip >= valid)
			return 0;
	}
	*dropped = skip;
	for (i = 0; i < ENO_POLICY_TEPS_MAX; i++) {
		if (i >= ENO_POLICY_TEPS_MAX || i >= pol->n_teps ||
		    n >= TCPINC_ENO_OPT_MAX)
			break;
		tep = pol->teps[i];
		if (tep < ENO_TEP_MIN || tep >= ENO_SUB_V)
			continue;
		if (skip) {
			skip--;
			continue;
		}
		out[n++] = tep;
	}
	out[0] = TCPINC_ENO_KIND;
	out[1] = n;
	return n;
}

/*
 * Our SYN-form option opt[0..len), as eno_build_syn() made it, cut down to
 * room bytes into out[TCPINC_ENO_OPT_MAX] (out may be opt): the least
 * preferred TEPs left out, as eno_build_syn() with that room would. For
 * BPF, where building under a policy in a loop does not verify: the option
 * is built in userspace, only trimmed here. Returns the new length (len if
 * room >= len), 0 if not even one TEP fits.
 */
ENO_FN __u32 eno_trim_syn(const __u8 *opt, __u32 len, __u32 room, __u8 *out)
{
	__u32 hdr, drop, i, src;

	if (len < 3 || len > TCPINC_ENO_OPT_MAX)
		return 0;
	hdr = opt[2] < ENO_TEP_MIN ? 3 : 2; /* explicit global suboption */
	if (room > len)
		room = len;
	if (room <= hdr)
		return 0;
	drop = len - room;
	for (i = 0; i < TCPINC_ENO_OPT_MAX; i++) {
		if (i >= room)
			break;
		src = i < hdr ? i : i + drop;
		if (src >= TCPINC_ENO_OPT_MAX)
			break;
		out[i] = opt[src];
	}
	out[1] = room;
	return room;
}

/*
 * Our SYN-ACK option as passive opener, a pure function of A's option
 * (peer[0..peer_len), length 0 if A sent none) so that retransmissions and
 * later recomputation give the same bytes. Explicit global suboption with
 * b=1, then our most preferred TEP that A offered, e.g. `45 04 01 23`; the
 * vacuous `45 03 01` when A's option is well-formed but unusable. Returns the
 * length written to out[TCPINC_ENO_OPT_MAX], 0 to send no ENO at all (A sent
 * none, or an ill-formed one that we must ignore).
 */
ENO_FN __u32 eno_build_answer(const struct eno_policy *pol, const __u8 *peer,
			      __u32 peer_len, __u8 *out)
{
	struct eno_syn_info a;
	__u32 n = 3, i, j;
	__u8 tep;

	if (!peer_len || eno_parse_syn(peer, peer_len, &a))
		return 0;
	out[0] = TCPINC_ENO_KIND;
	out[2] = (pol->gopt & TCPINC_GOPT_A) | TCPINC_GOPT_B;
	if (!(a.gopt & TCPINC_GOPT_B) &&
	    (!pol->aa_mandatory || (a.gopt & TCPINC_GOPT_A))) {
		/* from our most preferred (last) down */
		for (j = 0; j < ENO_POLICY_TEPS_MAX; j++) {
			i = ENO_POLICY_TEPS_MAX - 1 - j;
			if (i >= ENO_POLICY_TEPS_MAX || i >= pol->n_teps)
				continue;
			tep = pol->teps[i] & ENO_SUB_GLT;
			if (tep >= ENO_TEP_MIN && eno_set_has(&a.seen, tep) &&
			    !eno_set_has(&a.invalid, tep)) {
				out[n++] = tep;
				break;
			}
		}
	}
	out[1] = n;
	return n;
}

/*
 * Decide the negotiation (RFC 8547 §4.5-4.8) from the SYN-form options we
 * sent (local) and received (peer, length 0 when the peer's SYN had none).
 * Fills res and returns res->reason: TCPINC_R_NEGOTIATED, or the TCPINC_FB_*
 * code of the first disable condition met. The negotiated TEP is the last
 * valid TEP in B's option that A's option also holds, v ignored when
 * matching; res->tep keeps B's v bit. The caller handles what lies outside
 * the two options: several ENO options in one SYN, and B's check of A's ACK.
 */
ENO_FN int eno_decide(const struct eno_policy *pol, const __u8 *local,
		      __u32 local_len, const __u8 *peer, __u32 peer_len,
		      int passive, struct eno_result *res)
{
	struct eno_syn_info li, pi;
	struct eno_pick pick;
	__u8 local_b;

	res->role = 0;
	res->tep = 0;
	res->peer_gopt = 0;
	res->reason = passive ? TCPINC_FB_SYN_NO_ENO : TCPINC_FB_SYNACK_NO_ENO;
	if (!peer_len)
		return res->reason;
	res->reason = TCPINC_FB_SYN_MALFORMED;
	if (eno_parse_syn(peer, peer_len, &pi))
		return res->reason;
	res->peer_gopt = pi.gopt;
	/* ours is built by eno_build_*(); a passive opener must send b=1 */
	if (eno_parse_syn(local, local_len, &li))
		return res->reason;
	local_b = li.gopt & TCPINC_GOPT_B;
	if (passive && !local_b)
		return res->reason;

	res->reason = TCPINC_FB_ROLE_CONFLICT;
	if (local_b == (pi.gopt & TCPINC_GOPT_B))
		return res->reason;
	res->reason = TCPINC_FB_AA_MANDATORY;
	if (pol->aa_mandatory && !(pi.gopt & TCPINC_GOPT_A))
		return res->reason;
	res->reason = TCPINC_FB_VACUOUS;
	if (!pi.n_teps)
		return res->reason;

	pick.a = local_b ? &pi : &li;
	pick.b = local_b ? &li : &pi;
	pick.tep = 0;
	if (local_b)
		eno_walk(local, local_len, (struct eno_syn_info *)0, &pick);
	else
		eno_walk(peer, peer_len, (struct eno_syn_info *)0, &pick);
	res->reason = TCPINC_FB_NO_COMMON_TEP;
	if (!pick.tep)
		return res->reason;
	res->tep = pick.tep;
	res->role = local_b ? 1 : 0;
	res->reason = TCPINC_R_NEGOTIATED;
	return res->reason;
}

#endif /* TCPINC_ENO_WIRE_H */
