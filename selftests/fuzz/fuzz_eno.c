// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the TCP-ENO codec (include/tcpinc/eno_wire.h).
 *
 * Input: one flags byte, one split byte, then bytes cut at the split into
 * our option and the peer's. Besides memory safety (ASan/UBSan), it checks
 * the codec against a reference parser written the obvious way (digest
 * §1.4.2, jumping over suboptions), and invariants of the decision: our
 * answers are always well-formed, and a negotiated TEP is present in both
 * options with the roles the b bits give.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tcpinc/eno_wire.h>

#define FLAG_PASSIVE	  0x01
#define FLAG_AA_MANDATORY 0x02
#define FLAG_OUR_A	  0x04
#define FLAG_MORE_TEPS	  0x08 /* offer 0x21 0x24 0x23 instead of 0x23 */

#define ASSERT(c)                \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

struct ref_info {
	int valid;
	int gopt; /* -1 if none */
	int n_teps;
	uint8_t teps[TCPINC_ENO_OPT_MAX];
	uint8_t data_len[TCPINC_ENO_OPT_MAX];
};

/* Reference: the straightforward parser of RFC 8547 §4.1. */
static void ref_parse(const uint8_t *opt, size_t len, struct ref_info *r)
{
	size_t i = 2;

	memset(r, 0, sizeof(*r));
	r->gopt = -1;
	if (len < 2 || len > TCPINC_ENO_OPT_MAX || opt[0] != TCPINC_ENO_KIND ||
	    opt[1] != len)
		return;
	while (i < len) {
		uint8_t c = opt[i];

		if (c < 0x20) {
			if (r->gopt < 0)
				r->gopt = c;
			i++;
		} else if (c < 0x80) {
			r->data_len[r->n_teps] = 0;
			r->teps[r->n_teps++] = c;
			i++;
		} else if (c < 0xa0) {
			size_t l = (c & 0x1f) + 1;

			if (i + 1 >= len || opt[i + 1] < 0xa0 ||
			    i + 2 + l > len)
				return;
			r->data_len[r->n_teps] = l;
			r->teps[r->n_teps++] = opt[i + 1];
			i += 2 + l;
		} else {
			r->data_len[r->n_teps] = len - i - 1;
			r->teps[r->n_teps++] = c;
			i = len;
		}
	}
	r->valid = 1;
}

static void check_parse(const uint8_t *opt, size_t len)
{
	struct eno_syn_info info;
	struct ref_info ref;
	int ret = eno_parse_syn(opt, len, &info);
	int i;

	ref_parse(opt, len, &ref);
	ASSERT((ret == 0) == ref.valid);
	if (ret)
		return;
	ASSERT(info.gopt == (ref.gopt < 0 ? 0 : ref.gopt));
	ASSERT(info.gopt_explicit == (ref.gopt >= 0));
	ASSERT(info.n_teps == ref.n_teps);
	if (ref.n_teps) {
		ASSERT(info.syn_tep == ref.teps[ref.n_teps - 1]);
		ASSERT(info.syn_tep_data_len == ref.data_len[ref.n_teps - 1]);
		ASSERT(info.syn_tep_data_off + info.syn_tep_data_len <= len);
	}
	for (i = 0; i < ref.n_teps; i++)
		ASSERT(eno_set_has(&info.seen, ref.teps[i]));
}

static void check_decision(const struct eno_policy *pol, const uint8_t *local,
			   size_t local_len, const uint8_t *peer,
			   size_t peer_len, int passive)
{
	struct eno_syn_info li, pi;
	struct eno_result res;
	int reason;

	reason = eno_decide(pol, local, local_len, peer, peer_len, passive,
			    &res);
	ASSERT(reason == res.reason);
	ASSERT(reason >= TCPINC_R_NEGOTIATED && reason < TCPINC_R_FIRST_AB);
	if (reason != TCPINC_R_NEGOTIATED) {
		ASSERT(res.tep == 0);
		return;
	}
	ASSERT(eno_parse_syn(local, local_len, &li) == 0);
	ASSERT(eno_parse_syn(peer, peer_len, &pi) == 0);
	ASSERT((li.gopt & TCPINC_GOPT_B) != (pi.gopt & TCPINC_GOPT_B));
	ASSERT(res.role == !!(li.gopt & TCPINC_GOPT_B));
	ASSERT(!passive || res.role == 1);
	ASSERT(res.peer_gopt == pi.gopt);
	ASSERT((res.tep & ENO_SUB_GLT) >= ENO_TEP_MIN);
	ASSERT(eno_set_has(&li.seen, res.tep) &&
	       eno_set_has(&pi.seen, res.tep));
	ASSERT(!eno_set_has(&li.invalid, res.tep));
	ASSERT(!eno_set_has(&pi.invalid, res.tep));
	/* res.tep is a byte of B's option as sent, v bit included */
	ASSERT(res.role ? eno_set_has(&li.seen, res.tep)
			: eno_set_has(&pi.seen, res.tep));
	if (pol->aa_mandatory)
		ASSERT(pi.gopt & TCPINC_GOPT_A);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eno_policy pol = ENO_POLICY_DEFAULT;
	uint8_t local[TCPINC_ENO_OPT_MAX], peer[TCPINC_ENO_OPT_MAX];
	uint8_t ours[TCPINC_ENO_OPT_MAX], trimmed[TCPINC_ENO_OPT_MAX];
	size_t local_len, peer_len, split;
	struct eno_syn_info info;
	uint32_t off, n, dropped, room, full;
	uint8_t flags;

	if (size < 2)
		return 0;
	flags = data[0];
	split = data[1];
	data += 2;
	size -= 2;
	if (split > size)
		split = size;
	local_len = split < sizeof(local) ? split : sizeof(local);
	peer_len = size - split < sizeof(peer) ? size - split : sizeof(peer);
	memcpy(local, data, local_len);
	memcpy(peer, data + split, peer_len);

	pol.aa_mandatory = !!(flags & FLAG_AA_MANDATORY);
	pol.gopt = flags & FLAG_OUR_A ? TCPINC_GOPT_A : 0;
	if (flags & FLAG_MORE_TEPS) {
		pol.n_teps = 3;
		pol.teps[0] = TCPINC_TEP_P256;
		pol.teps[1] = TCPINC_TEP_CURVE448;
		pol.teps[2] = TCPINC_TEP_CURVE25519;
	}

	/* the walker over TCP options never reads past its input */
	n = eno_tcp_opts_count(peer, peer_len, &off);
	ASSERT(n <= 2);
	ASSERT(!n || (off + 1 < peer_len && peer[off] == TCPINC_ENO_KIND &&
		      off + peer[off + 1] <= peer_len));

	check_parse(local, local_len);
	check_parse(peer, peer_len);

	/* raw options on both sides */
	check_decision(&pol, local, local_len, peer, peer_len,
		       flags & FLAG_PASSIVE);

	/* as active opener: our real SYN option against the peer's bytes */
	n = eno_build_syn(&pol, TCPINC_ENO_OPT_MAX, ours, &dropped);
	ASSERT(!dropped);
	ASSERT(eno_parse_syn(ours, n, &info) == 0);
	check_decision(&pol, ours, n, peer, peer_len, 0);

	/* in less room: fewer TEPs, the most preferred kept, or none; the
	 * BPF side trims the full option instead, to the same bytes */
	room = flags >> 4;
	full = n;
	memcpy(trimmed, ours, full);
	n = eno_build_syn(&pol, room, ours, &dropped);
	ASSERT(eno_trim_syn(trimmed, full, room, trimmed) == n);
	ASSERT(!n || !memcmp(trimmed, ours, n));
	if (n) {
		ASSERT(n <= room && n == full - dropped);
		ASSERT(eno_parse_syn(ours, n, &info) == 0);
		ASSERT(info.n_teps >= 1 &&
		       info.syn_tep == pol.teps[pol.n_teps - 1]);
	} else {
		ASSERT(room < full - pol.n_teps + 1);
	}

	/* as passive opener: our real answer, always well-formed, b=1 */
	n = eno_build_answer(&pol, peer, peer_len, ours);
	if (!n) {
		ASSERT(eno_parse_syn(peer, peer_len, &info) != 0);
		return 0;
	}
	ASSERT(eno_parse_syn(ours, n, &info) == 0);
	ASSERT(info.gopt_explicit && (info.gopt & TCPINC_GOPT_B));
	ASSERT(info.n_teps <= 1);
	ASSERT(eno_decide(&pol, ours, n, peer, peer_len, 1,
			  &(struct eno_result){0}) != TCPINC_FB_SYN_MALFORMED);
	check_decision(&pol, ours, n, peer, peer_len, 1);
	/* an answer with a TEP negotiates unless A's ACK later lacks ENO */
	if (info.n_teps == 1)
		ASSERT(eno_decide(&pol, ours, n, peer, peer_len, 1,
				  &(struct eno_result){0}) ==
		       TCPINC_R_NEGOTIATED);
	return 0;
}
