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
 *   eno_next_sub()        one suboption of a SYN-form option (iterator)
 *   eno_parse_syn()       validate a SYN-form option, summarise its TEPs
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

/* TCP header and option framing (RFC 9293 §3.1) */
#define ENO_TCP_HDR_MIN 20
#define ENO_TCP_HDR_MAX 60
#define ENO_TCPOPT_EOL 0
#define ENO_TCPOPT_NOP 1

/* The non-SYN-form option tcpcrypt sends: `45 02` (RFC 8548 §4.2). */
#define ENO_NONSYN_LEN 2

/* Suboption first byte, v | glt (RFC 8547 §4.1) */
#define ENO_SUB_V 0x80
#define ENO_SUB_GLT 0x7f
#define ENO_TEP_MIN 0x20 /* below: global suboption (v=0), length byte (v=1) */
#define ENO_LEN_DATA(c) (((c) & 0x1f) + 1) /* length byte: 1..32 data bytes */
#define ENO_GOPT_SENT_MASK (TCPINC_GOPT_A | TCPINC_GOPT_B) /* z bits sent 0 */

/* TEP identifier glt as a bit index: 0x20..0x7f -> 0..95 */
#define ENO_TEP_BITS 96
#define ENO_TEP_WORDS 3

/* tcpcrypt resumption suboption data: 9-byte identifier half + 0-8 nonce */
#define ENO_RESUME_DATA_MIN 9
#define ENO_RESUME_DATA_MAX 17

/* Most TEPs we offer in one SYN. */
#define ENO_POLICY_TEPS_MAX 8

/* What this host offers and requires. */
struct eno_policy {
	__u8 gopt; /* our a bit (and b for simultaneous open); z bits ignored */
	__u8 aa_mandatory; /* disable unless the peer sets a=1 (§4.5) */
	__u8 n_teps;
	__u8 teps[ENO_POLICY_TEPS_MAX]; /* v=0 TEP ids, increasing priority */
};

/* Only X25519 so far, fresh key agreement (v=0). */
#define ENO_POLICY_DEFAULT                                                     \
	{                                                                      \
		.n_teps = 1, .teps = { TCPINC_TEP_CURVE25519 },                \
	}

enum eno_sub_type {
	ENO_SUB_END = 0, /* no more suboptions */
	ENO_SUB_GLOBAL, /* global suboption, `byte` holds it */
	ENO_SUB_TEP, /* TEP identifier `byte` (v bit kept) and its data */
	ENO_SUB_INVALID, /* length-byte rule broken: ignore the whole option */
};

struct eno_sub {
	__u8 type; /* enum eno_sub_type */
	__u8 byte;
	__u8 data_off; /* offset of the TEP's data from the start of the option */
	__u8 data_len;
};

/* Summary of a well-formed SYN-form option. */
struct eno_syn_info {
	__u8 gopt; /* first global suboption; 0x00 when implicit */
	__u8 gopt_explicit;
	__u8 n_teps; /* TEP suboptions, repeats included; 0 = vacuous */
	__u8 syn_tep; /* last TEP byte: the "SYN TEP" that owns SYN data */
	__u32 seen[ENO_TEP_WORDS]; /* glt present (v ignored) */
	__u32 invalid[ENO_TEP_WORDS]; /* glt repeated or with bad data */
	__u32 resume[ENO_TEP_WORDS]; /* glt offered with resumption data */
};

/* Result of a negotiation. */
struct eno_result {
	__u8 reason; /* TCPINC_R_NEGOTIATED or a TCPINC_FB_* code */
	__u8 role; /* 0 = host A, 1 = host B (when negotiated) */
	__u8 tep; /* negotiated TEP byte as B sent it, v bit included */
	__u8 peer_gopt; /* peer's global suboption, 0 if implicit or unknown */
};

ENO_FN __u32 eno_tep_bit(__u8 byte)
{
	return (__u32)((byte & ENO_SUB_GLT) - ENO_TEP_MIN) & 0x7f;
}

ENO_FN int eno_set_has(const __u32 *set, __u8 byte)
{
	__u32 bit = eno_tep_bit(byte);

	if (bit >= ENO_TEP_BITS)
		return 0;
	return (set[bit >> 5] >> (bit & 31)) & 1;
}

ENO_FN void eno_set_add(__u32 *set, __u8 byte)
{
	__u32 bit = eno_tep_bit(byte);

	if (bit < ENO_TEP_BITS)
		set[bit >> 5] |= 1U << (bit & 31);
}

/*
 * Next suboption of the SYN-form option opt[0..opt_len) starting at *pos
 * (2 for the first), RFC 8547 §4.1. Advances *pos by at least one byte unless
 * it returns ENO_SUB_END or ENO_SUB_INVALID.
 */
ENO_FN int eno_next_sub(const __u8 *opt, __u32 opt_len, __u32 *pos,
			struct eno_sub *sub)
{
	__u32 i = *pos, data_len;
	__u8 c, next;

	sub->byte = 0;
	sub->data_off = 0;
	sub->data_len = 0;
	if (opt_len > TCPINC_ENO_OPT_MAX || i >= opt_len) {
		sub->type = ENO_SUB_END;
		return ENO_SUB_END;
	}
	c = opt[i];
	sub->byte = c;
	if (c < ENO_TEP_MIN) {
		sub->type = ENO_SUB_GLOBAL;
		*pos = i + 1;
	} else if (c < ENO_SUB_V) {
		sub->type = ENO_SUB_TEP;
		*pos = i + 1;
	} else if (c < (ENO_SUB_V | ENO_TEP_MIN)) {
		/* length byte: must be followed by a v=1 TEP and its data */
		data_len = ENO_LEN_DATA(c);
		if (i + 1 >= opt_len)
			goto invalid;
		next = opt[i + 1];
		if (next < (ENO_SUB_V | ENO_TEP_MIN))
			goto invalid;
		if (i + 2 + data_len > opt_len)
			goto invalid;
		sub->type = ENO_SUB_TEP;
		sub->byte = next;
		sub->data_off = i + 2;
		sub->data_len = data_len;
		*pos = i + 2 + data_len;
	} else {
		/* v=1 TEP without length byte: data runs to the option's end */
		sub->type = ENO_SUB_TEP;
		sub->data_off = i + 1;
		sub->data_len = opt_len - i - 1;
		*pos = opt_len;
	}
	return sub->type;
invalid:
	sub->type = ENO_SUB_INVALID;
	return ENO_SUB_INVALID;
}

/*
 * Validate a SYN-form ENO option (kind, length byte matching opt_len,
 * suboptions) and summarise it. Returns 0, or -1 when the option must be
 * ignored and encryption disabled.
 */
ENO_FN int eno_parse_syn(const __u8 *opt, __u32 opt_len,
			 struct eno_syn_info *info)
{
	struct eno_sub sub;
	__u32 pos = 2, n, w;

	info->gopt = 0;
	info->gopt_explicit = 0;
	info->n_teps = 0;
	info->syn_tep = 0;
	for (w = 0; w < ENO_TEP_WORDS; w++) {
		info->seen[w] = 0;
		info->invalid[w] = 0;
		info->resume[w] = 0;
	}
	if (opt_len < 2 || opt_len > TCPINC_ENO_OPT_MAX)
		return -1;
	if (opt[0] != TCPINC_ENO_KIND || opt[1] != opt_len)
		return -1;

	/* each suboption takes at least one byte: 38 of them at most */
	for (n = 0; n < TCPINC_ENO_OPT_MAX; n++) {
		switch (eno_next_sub(opt, opt_len, &pos, &sub)) {
		case ENO_SUB_END:
			return 0;
		case ENO_SUB_INVALID:
			return -1;
		case ENO_SUB_GLOBAL:
			/* a receiver ignores all but the first (§4.5) */
			if (!info->gopt_explicit) {
				info->gopt = sub.byte;
				info->gopt_explicit = 1;
			}
			break;
		default:
			info->n_teps++;
			info->syn_tep = sub.byte;
			/* tcpcrypt defines no repeated suboptions (§4.6 rule 3) */
			if (eno_set_has(info->seen, sub.byte))
				eno_set_add(info->invalid, sub.byte);
			eno_set_add(info->seen, sub.byte);
			/* v=1 with < 9 bytes means v=0 (RFC 8548 §5.1) */
			if (!(sub.byte & ENO_SUB_V) ||
			    sub.data_len < ENO_RESUME_DATA_MIN)
				break;
			if (sub.data_len > ENO_RESUME_DATA_MAX)
				eno_set_add(info->invalid, sub.byte);
			else
				eno_set_add(info->resume, sub.byte);
			break;
		}
	}
	return 0;
}

/*
 * Count the ENO options among TCP options opts[0..len) (the bytes after the
 * 20-byte fixed header); *first_off is the offset of the first one. Stops at
 * EOL or at a malformed option, as the kernel's own parser does.
 */
ENO_FN __u32 eno_tcp_opts_count(const __u8 *opts, __u32 len, __u32 *first_off)
{
	__u32 i = 0, n, count = 0, olen;
	__u8 kind;

	*first_off = 0;
	if (len > ENO_TCP_HDR_MAX - ENO_TCP_HDR_MIN)
		return 0;
	for (n = 0; n < ENO_TCP_HDR_MAX - ENO_TCP_HDR_MIN; n++) {
		if (i >= len)
			break;
		kind = opts[i];
		if (kind == ENO_TCPOPT_EOL)
			break;
		if (kind == ENO_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		olen = opts[i + 1];
		if (olen < 2 || i + olen > len)
			break;
		if (kind == TCPINC_ENO_KIND && count++ == 0)
			*first_off = i;
		i += olen;
	}
	return count;
}

/*
 * Our SYN-form option as active opener into out[TCPINC_ENO_OPT_MAX]: the
 * global suboption only when non-zero (implicit 0x00 otherwise), then our
 * TEPs, e.g. `45 03 23`. Returns its length.
 */
ENO_FN __u32 eno_build_syn(const struct eno_policy *pol, __u8 *out)
{
	__u32 n = 2, i;
	__u8 gopt = pol->gopt & ENO_GOPT_SENT_MASK, tep;

	if (gopt)
		out[n++] = gopt;
	for (i = 0; i < ENO_POLICY_TEPS_MAX; i++) {
		if (i >= pol->n_teps)
			break;
		tep = pol->teps[i];
		if (tep >= ENO_TEP_MIN && tep < ENO_SUB_V)
			out[n++] = tep;
	}
	out[0] = TCPINC_ENO_KIND;
	out[1] = n;
	return n;
}

/* A's suboption for `tep` is one we can accept (§4.6 rules 1-3, A's side). */
ENO_FN int eno_offer_ok(const struct eno_syn_info *a, __u8 tep)
{
	return eno_set_has(a->seen, tep) && !eno_set_has(a->invalid, tep);
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
	__u32 n = 3, i;
	__u8 tep;

	if (!peer_len || eno_parse_syn(peer, peer_len, &a))
		return 0;
	out[0] = TCPINC_ENO_KIND;
	out[2] = (pol->gopt & TCPINC_GOPT_A) | TCPINC_GOPT_B;
	if (!(a.gopt & TCPINC_GOPT_B) &&
	    (!pol->aa_mandatory || (a.gopt & TCPINC_GOPT_A))) {
		for (i = ENO_POLICY_TEPS_MAX; i-- > 0;) {
			if (i >= pol->n_teps)
				continue;
			tep = pol->teps[i] & ENO_SUB_GLT;
			if (tep >= ENO_TEP_MIN && eno_offer_ok(&a, tep)) {
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
	const struct eno_syn_info *a, *b;
	const __u8 *b_opt;
	__u32 b_len, pos = 2, n;
	struct eno_sub sub;
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

	a = local_b ? &pi : &li;
	b = local_b ? &li : &pi;
	b_opt = local_b ? local : peer;
	b_len = local_b ? local_len : peer_len;
	for (n = 0; n < TCPINC_ENO_OPT_MAX; n++) {
		if (eno_next_sub(b_opt, b_len, &pos, &sub) != ENO_SUB_GLOBAL &&
		    sub.type != ENO_SUB_TEP)
			break;
		if (sub.type != ENO_SUB_TEP)
			continue;
		if (!eno_offer_ok(a, sub.byte) ||
		    eno_set_has(b->invalid, sub.byte))
			continue;
		/* B may resume only what A offered to resume (RFC 8548 §5.1) */
		if (eno_set_has(b->resume, sub.byte) &&
		    !eno_set_has(a->resume, sub.byte))
			continue;
		res->tep = sub.byte;
	}
	res->reason = TCPINC_FB_NO_COMMON_TEP;
	if (!res->tep)
		return res->reason;
	res->role = local_b ? 1 : 0;
	res->reason = TCPINC_R_NEGOTIATED;
	return res->reason;
}

#endif /* TCPINC_ENO_WIRE_H */
