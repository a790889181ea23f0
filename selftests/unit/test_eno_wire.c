// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests of the TCP-ENO codec (include/tcpinc/eno_wire.h). */
#include <tcpinc/eno_wire.h>

#include "test.h"

static const struct eno_policy pol_default = ENO_POLICY_DEFAULT;

/* Hex option into buf; returns its length. */
static __u32 opt(const char *hex, __u8 *buf)
{
	return (__u32)test_unhex(hex, buf, TCPINC_ENO_OPT_MAX);
}

static int parse_hex(const char *hex, struct eno_syn_info *info)
{
	__u8 buf[TCPINC_ENO_OPT_MAX];

	return eno_parse_syn(buf, opt(hex, buf), info);
}

/* Decide with options given in hex ("" = the peer sent no ENO option). */
static int decide_hex(const struct eno_policy *pol, const char *local,
		      const char *peer, int passive, struct eno_result *res)
{
	__u8 l[TCPINC_ENO_OPT_MAX], p[TCPINC_ENO_OPT_MAX];

	return eno_decide(pol, l, opt(local, l), p, opt(peer, p), passive, res);
}

static void test_digest_transcript_example(void)
{
	struct eno_result ra, rb;
	struct eno_syn_info info;

	/* RFC 8547 §4.3: A sends 45 04 21 23, B answers 45 04 01 23 */
	CHECK_EQ(parse_hex("45 04 21 23", &info), 0);
	CHECK_EQ(info.gopt, 0);
	CHECK_EQ(info.gopt_explicit, 0);
	CHECK_EQ(info.n_teps, 2);
	CHECK_EQ(info.syn_tep, 0x23);
	CHECK(eno_set_has(&info.seen, 0x21) && eno_set_has(&info.seen, 0x23));

	CHECK_EQ(decide_hex(&pol_default, "45 04 21 23", "45 04 01 23", 0, &ra),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(ra.role, 0);
	CHECK_EQ(ra.tep, 0x23);
	CHECK_EQ(ra.peer_gopt, 0x01);

	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23", "45 04 21 23", 1, &rb),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(rb.role, 1);
	CHECK_EQ(rb.tep, 0x23);
	CHECK_EQ(rb.peer_gopt, 0x00);
}

static void test_build_syn(void)
{
	struct eno_policy pol = ENO_POLICY_DEFAULT;
	__u8 out[TCPINC_ENO_OPT_MAX], want[TCPINC_ENO_OPT_MAX];
	__u32 n, dropped;

	n = eno_build_syn(&pol, TCPINC_ENO_OPT_MAX, out, &dropped);
	CHECK_EQ(n, 3);
	CHECK_EQ(dropped, 0);
	CHECK_MEM(out, want, opt("45 03 23", want));

	/* explicit global suboption only when non-zero; z bits never sent */
	pol.gopt = TCPINC_GOPT_A | 0x1c;
	n = eno_build_syn(&pol, TCPINC_ENO_OPT_MAX, out, &dropped);
	CHECK_EQ(n, opt("45 04 02 23", want));
	CHECK_MEM(out, want, n);

	/* several TEPs in the given order; bytes that are not TEPs dropped */
	pol.gopt = 0;
	pol.n_teps = 4;
	pol.teps[0] = 0x21;
	pol.teps[1] = 0x05;
	pol.teps[2] = 0xa4;
	pol.teps[3] = 0x23;
	n = eno_build_syn(&pol, TCPINC_ENO_OPT_MAX, out, &dropped);
	CHECK_EQ(n, opt("45 04 21 23", want));
	CHECK_MEM(out, want, n);

	/* the result is always a valid option */
	{
		struct eno_syn_info info;

		CHECK_EQ(eno_parse_syn(out, n, &info), 0);
	}
}

static void test_build_answer(void)
{
	struct eno_policy pol = ENO_POLICY_DEFAULT;
	__u8 a[TCPINC_ENO_OPT_MAX], out[TCPINC_ENO_OPT_MAX];
	__u8 want[TCPINC_ENO_OPT_MAX];
	__u32 n;

	/* A offered 0x23: answer exactly one TEP with explicit b=1 */
	n = eno_build_answer(&pol, a, opt("45 03 23", a), out);
	CHECK_EQ(n, opt("45 04 01 23", want));
	CHECK_MEM(out, want, n);

	/* A's order is irrelevant; resumption offer implies fresh (v=0) */
	n = eno_build_answer(
		&pol, a, opt("45 0e 24 a3 01 02 03 04 05 06 07 08 09 21", a),
		out);
	CHECK_EQ(n, opt("45 04 01 23", want));
	CHECK_MEM(out, want, n);
	n = eno_build_answer(
		&pol, a, opt("45 0e 24 21 a3 01 02 03 04 05 06 07 08 09", a),
		out);
	CHECK_EQ(n, opt("45 04 01 23", want));
	CHECK_MEM(out, want, n);

	/* nothing usable in a well-formed option: vacuous 45 03 01 */
	n = eno_build_answer(&pol, a, opt("45 03 21", a), out);
	CHECK_EQ(n, opt("45 03 01", want));
	CHECK_MEM(out, want, n);
	n = eno_build_answer(&pol, a, opt("45 02", a), out);
	CHECK_EQ(n, 3);
	CHECK_MEM(out, want, n);
	/* A claims b=1: roles would conflict */
	n = eno_build_answer(&pol, a, opt("45 04 01 23", a), out);
	CHECK_EQ(n, 3);
	CHECK_MEM(out, want, n);
	/* 0x23 repeated: invalid under tcpcrypt */
	n = eno_build_answer(&pol, a, opt("45 04 23 23", a), out);
	CHECK_EQ(n, 3);

	/* no option, or an ill-formed one (ignored): no ENO at all */
	CHECK_EQ(eno_build_answer(&pol, a, 0, out), 0);
	CHECK_EQ(eno_build_answer(&pol, a, opt("45 04 81 23", a), out), 0);
	CHECK_EQ(eno_build_answer(&pol, a, opt("45 05 23", a), out), 0);

	/* our a bit is carried; mandatory AA needs A's a bit */
	pol.gopt = TCPINC_GOPT_A;
	n = eno_build_answer(&pol, a, opt("45 03 23", a), out);
	CHECK_EQ(n, opt("45 04 03 23", want));
	CHECK_MEM(out, want, n);
	pol.aa_mandatory = 1;
	n = eno_build_answer(&pol, a, opt("45 03 23", a), out);
	CHECK_EQ(n, opt("45 03 03", want));
	CHECK_MEM(out, want, n);
	n = eno_build_answer(&pol, a, opt("45 04 02 23", a), out);
	CHECK_EQ(n, opt("45 04 03 23", want));
	CHECK_MEM(out, want, n);

	/* our most preferred (last) TEP that A offered */
	pol = (struct eno_policy){.n_teps = 3, .teps = {0x21, 0x23, 0x24}};
	n = eno_build_answer(&pol, a, opt("45 04 23 21", a), out);
	CHECK_EQ(n, opt("45 04 01 23", want));
	CHECK_MEM(out, want, n);
}

static void test_vacuous(void)
{
	struct eno_result r;
	struct eno_syn_info info;

	CHECK_EQ(parse_hex("45 03 01", &info), 0);
	CHECK_EQ(info.n_teps, 0);
	CHECK_EQ(info.gopt, 0x01);
	CHECK_EQ(info.gopt_explicit, 1);

	/* B's vacuous answer to our SYN */
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 03 01", 0, &r),
		 TCPINC_FB_VACUOUS);
	CHECK_EQ(r.peer_gopt, 0x01);
	/* A's vacuous probe */
	CHECK_EQ(decide_hex(&pol_default, "45 03 01", "45 02", 1, &r),
		 TCPINC_FB_VACUOUS);
	/* our own vacuous answer: nothing in common */
	CHECK_EQ(decide_hex(&pol_default, "45 03 01", "45 03 21", 1, &r),
		 TCPINC_FB_NO_COMMON_TEP);
	CHECK_EQ(r.tep, 0);
}

static void test_length_byte(void)
{
	struct eno_syn_info info;

	/* 0x82 = 3 data bytes, then TEP 0xa3 (v=1), then TEP 0x21 */
	CHECK_EQ(parse_hex("45 08 82 a3 aa bb cc 21", &info), 0);
	CHECK_EQ(info.n_teps, 2);
	CHECK(eno_set_has(&info.seen, 0x23) && eno_set_has(&info.seen, 0x21));
	CHECK(!eno_set_has(&info.seen, 0x2a)); /* data is not a TEP */
	CHECK_EQ(info.syn_tep, 0x21);
	CHECK_EQ(info.syn_tep_data_len, 0);
	/* same with the length-byte TEP last */
	CHECK_EQ(parse_hex("45 08 21 82 a3 aa bb cc", &info), 0);
	CHECK_EQ(info.syn_tep, 0xa3);
	CHECK_EQ(info.syn_tep_data_off, 5);
	CHECK_EQ(info.syn_tep_data_len, 3);

	/* 0x9f = 32 bytes: exactly fills a 36-byte option */
	CHECK_EQ(parse_hex("45 24 9f ff"
			   "00000000000000000000000000000000"
			   "00000000000000000000000000000000",
			   &info),
		 0);
	CHECK_EQ(info.syn_tep, 0xff);
	CHECK_EQ(info.syn_tep_data_off, 4);
	CHECK_EQ(info.syn_tep_data_len, 32);
	CHECK(eno_set_has(&info.invalid, 0x7f)); /* 32 > 17 resume bytes */

	/* overrun: data would run past the end of the option */
	CHECK_EQ(parse_hex("45 06 82 a3 aa bb", &info), -1);
	CHECK_EQ(parse_hex("45 04 80 a3", &info), -1);
	CHECK_EQ(parse_hex("45 03 80", &info), -1);
	CHECK_EQ(parse_hex("45 24 9f ff"
			   "00000000000000000000000000000000"
			   "000000000000000000000000000000",
			   &info),
		 -1);
	/* followed by a byte < 0xa0: global, v=0 TEP, another length byte */
	CHECK_EQ(parse_hex("45 05 80 01 aa", &info), -1);
	CHECK_EQ(parse_hex("45 05 80 23 aa", &info), -1);
	CHECK_EQ(parse_hex("45 06 80 80 a3 aa", &info), -1);
	CHECK_EQ(parse_hex("45 05 80 9f aa", &info), -1);
	/* 0xa0 (v=1, glt 0x20) is the smallest byte allowed after it */
	CHECK_EQ(parse_hex("45 05 80 a0 aa", &info), 0);
	CHECK(eno_set_has(&info.seen, 0x20));

	/* a bad length byte anywhere disables, even after a good TEP */
	{
		struct eno_result r;

		CHECK_EQ(decide_hex(&pol_default, "45 03 23",
				    "45 06 01 23 81 23", 0, &r),
			 TCPINC_FB_SYN_MALFORMED);
		CHECK_EQ(decide_hex(&pol_default, "45 04 01 23",
				    "45 05 23 82 a3", 1, &r),
			 TCPINC_FB_SYN_MALFORMED);
	}
}

static void test_data_to_end(void)
{
	struct eno_syn_info info;

	/* v=1 TEP without length byte: swallows the rest, bytes < 0x20 too */
	CHECK_EQ(parse_hex("45 07 21 a3 01 80 23", &info), 0);
	CHECK_EQ(info.syn_tep, 0xa3);
	CHECK_EQ(info.syn_tep_data_off, 4);
	CHECK_EQ(info.syn_tep_data_len, 3);
	CHECK_EQ(info.gopt_explicit, 0); /* the 01 was data, not a gopt */
	CHECK_EQ(info.n_teps, 2);
	CHECK(!eno_set_has(&info.seen, 0x01));

	/* v=1 as the very last byte: zero bytes of data, still a TEP */
	CHECK_EQ(parse_hex("45 03 a3", &info), 0);
	CHECK_EQ(info.syn_tep, 0xa3);
	CHECK_EQ(info.syn_tep_data_len, 0);
	CHECK(eno_set_has(&info.seen, 0x23));
	CHECK(!eno_set_has(&info.resume, 0x23));

	/* data longer than 32 bytes is allowed for the last suboption */
	CHECK_EQ(parse_hex("45 28 a3"
			   "0102030405060708091011121314151617181920"
			   "2122232425262728293031323334353637",
			   &info),
		 0);
	CHECK_EQ(info.n_teps, 1);
	CHECK_EQ(info.syn_tep_data_off, 3);
	CHECK_EQ(info.syn_tep_data_len, 37);
}

static void test_global_suboptions(void)
{
	struct eno_syn_info info;
	struct eno_result r;

	/* first one wins, later ones are ignored */
	CHECK_EQ(parse_hex("45 05 01 00 23", &info), 0);
	CHECK_EQ(info.gopt, 0x01);
	CHECK_EQ(parse_hex("45 06 00 23 01 03", &info), 0);
	CHECK_EQ(info.gopt, 0x00);
	CHECK_EQ(info.gopt_explicit, 1);
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 05 01 00 23", 0, &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 05 00 01 23", 0, &r),
		 TCPINC_FB_ROLE_CONFLICT);

	/* implicit 0x00 */
	CHECK_EQ(parse_hex("45 03 23", &info), 0);
	CHECK_EQ(info.gopt, 0);
	CHECK_EQ(info.gopt_explicit, 0);

	/* reserved z bits are ignored on receipt */
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 04 1d 23", 0, &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.peer_gopt, 0x1d);
	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23", "45 04 1c 23", 1, &r),
		 TCPINC_R_NEGOTIATED);
}

static void test_roles(void)
{
	struct eno_policy aa = ENO_POLICY_DEFAULT;
	struct eno_result r;

	/* both b=0: simultaneous open with defaults, or an echoed option */
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 03 23", 0, &r),
		 TCPINC_FB_ROLE_CONFLICT);
	/* both b=1: active opener set b and met a passive opener */
	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23", "45 04 01 23", 0, &r),
		 TCPINC_FB_ROLE_CONFLICT);
	/* a passive opener's own option must say b=1 */
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 04 01 23", 1, &r),
		 TCPINC_FB_SYN_MALFORMED);
	/* an active opener with b=1 is host B (simultaneous open) */
	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23", "45 03 23", 0, &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.role, 1);

	/* a bit: mandatory application-aware mode */
	aa.aa_mandatory = 1;
	CHECK_EQ(decide_hex(&aa, "45 03 23", "45 04 01 23", 0, &r),
		 TCPINC_FB_AA_MANDATORY);
	CHECK_EQ(decide_hex(&aa, "45 03 23", "45 04 03 23", 0, &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.peer_gopt, 0x03);
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 04 03 23", 0, &r),
		 TCPINC_R_NEGOTIATED);
	/* role conflict is reported before the a bit */
	CHECK_EQ(decide_hex(&aa, "45 03 23", "45 03 23", 0, &r),
		 TCPINC_FB_ROLE_CONFLICT);
}

static void test_no_tep(void)
{
	struct eno_result r;

	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 04 01 21", 0, &r),
		 TCPINC_FB_NO_COMMON_TEP);
	CHECK_EQ(r.tep, 0);
	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23", "45 04 21 24", 1, &r),
		 TCPINC_FB_NO_COMMON_TEP);
	/* global suboptions only: vacuous */
	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23", "45 04 00 00", 1, &r),
		 TCPINC_FB_VACUOUS);
	/* no option at all, per side */
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "", 0, &r),
		 TCPINC_FB_SYNACK_NO_ENO);
	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23", "", 1, &r),
		 TCPINC_FB_SYN_NO_ENO);
}

static void test_last_valid_tep_in_b(void)
{
	struct eno_result r;

	/* B lists increasing priority; A's order does not matter */
	CHECK_EQ(decide_hex(&pol_default, "45 05 24 21 23", "45 05 01 21 24", 0,
			    &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0x24);
	CHECK_EQ(decide_hex(&pol_default, "45 05 01 21 24", "45 05 24 21 23", 1,
			    &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0x24);
	/* last in B that A also has, not last in B */
	CHECK_EQ(decide_hex(&pol_default, "45 04 21 23", "45 05 01 23 22", 0,
			    &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0x23);
	/* not first match in A */
	CHECK_EQ(decide_hex(&pol_default, "45 04 23 21", "45 05 01 23 21", 0,
			    &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0x21);
	/* a repeated TEP is invalid, the earlier valid one wins */
	CHECK_EQ(decide_hex(&pol_default, "45 05 21 23 23", "45 05 01 21 23", 0,
			    &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0x21);
	CHECK_EQ(decide_hex(&pol_default, "45 04 21 23", "45 06 01 21 23 23", 0,
			    &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0x21);
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 05 01 23 23", 0, &r),
		 TCPINC_FB_NO_COMMON_TEP);
}

static void test_v_bit(void)
{
	struct eno_result r;

	/* v ignored in matching, B's v kept in the result */
	CHECK_EQ(decide_hex(&pol_default, "45 03 23", "45 04 01 a3", 0, &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0xa3);
	/* B's v=1 with < 9 data bytes: fresh, still valid */
	CHECK_EQ(decide_hex(&pol_default, "45 03 23",
			    "45 0c 01 a3 01 02 03 04 05 06 07 08", 0, &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0xa3);
	/* B resuming what A did not offer to resume: invalid */
	CHECK_EQ(decide_hex(&pol_default, "45 03 23",
			    "45 0d 01 a3 01 02 03 04 05 06 07 08 09", 0, &r),
		 TCPINC_FB_NO_COMMON_TEP);
	/* both offered resumption */
	CHECK_EQ(decide_hex(&pol_default,
			    "45 0e 21 a3 11 12 13 14 15 16 17 18 19 1a",
			    "45 0d 01 a3 01 02 03 04 05 06 07 08 09", 0, &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0xa3);
	/* A's resumption offer implies fresh: B answers 0x23 */
	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23",
			    "45 0c a3 01 02 03 04 05 06 07 08 09", 1, &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0x23);
	/* resumption data over 17 bytes is invalid */
	CHECK_EQ(decide_hex(&pol_default, "45 04 01 23",
			    "45 15 a3 01 02 03 04 05 06 07 08 09 10 11 12 13 "
			    "14 15 16 17 18",
			    1, &r),
		 TCPINC_FB_NO_COMMON_TEP);
	/* length-byte form of the same, with a lower-priority fallback */
	CHECK_EQ(decide_hex(&pol_default, "45 04 21 23",
			    "45 0f 01 21 88 a3 01 02 03 04 05 06 07 08 09", 0,
			    &r),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(r.tep, 0x21);
}

static void test_empty_and_framing(void)
{
	struct eno_syn_info info;
	__u8 buf[TCPINC_ENO_OPT_MAX] = {0x45, 0x02};

	/* empty contents: a valid, vacuous option with implicit gopt */
	CHECK_EQ(parse_hex("45 02", &info), 0);
	CHECK_EQ(info.n_teps, 0);
	CHECK_EQ(info.gopt, 0);
	/* framing: kind, length byte must match, 2..40 bytes */
	CHECK_EQ(parse_hex("46 03 23", &info), -1);
	CHECK_EQ(parse_hex("45 04 23", &info), -1);
	CHECK_EQ(parse_hex("45 02 23", &info), -1);
	CHECK_EQ(parse_hex("45", &info), -1);
	CHECK_EQ(eno_parse_syn(buf, 0, &info), -1);
	CHECK_EQ(eno_parse_syn(buf, 41, &info), -1);
	buf[1] = 1;
	CHECK_EQ(eno_parse_syn(buf, 1, &info), -1);
}

static void test_max_length(void)
{
	__u8 buf[TCPINC_ENO_OPT_MAX];
	struct eno_syn_info info;
	struct eno_result r;
	__u8 local[3] = {0x45, 0x03, 0x23};
	int i;

	/* 38 one-byte TEPs 0x20..0x45, 0x23 in the middle */
	buf[0] = 0x45;
	buf[1] = TCPINC_ENO_OPT_MAX;
	for (i = 2; i < TCPINC_ENO_OPT_MAX; i++)
		buf[i] = 0x20 + (i - 2);
	CHECK_EQ(eno_parse_syn(buf, TCPINC_ENO_OPT_MAX, &info), 0);
	CHECK_EQ(info.n_teps, 38);
	CHECK_EQ(info.syn_tep, 0x45);
	CHECK_EQ(eno_decide(&pol_default, local, 3, buf, TCPINC_ENO_OPT_MAX, 1,
			    &r),
		 TCPINC_FB_SYN_MALFORMED); /* our b=0 as passive */

	/* 38 global suboptions: valid, vacuous */
	for (i = 2; i < TCPINC_ENO_OPT_MAX; i++)
		buf[i] = 0x1f;
	CHECK_EQ(eno_parse_syn(buf, TCPINC_ENO_OPT_MAX, &info), 0);
	CHECK_EQ(info.n_teps, 0);

	/* length byte 0x9f + TEP + 32 bytes + 0x23 + 0x80 + 0xa4 = 38 */
	buf[2] = 0x9f;
	buf[3] = 0xa1;
	for (i = 4; i < 36; i++)
		buf[i] = 0x01;
	buf[36] = 0x23;
	buf[37] = 0x80;
	buf[38] = 0xa4;
	buf[39] = 0x55;
	CHECK_EQ(eno_parse_syn(buf, TCPINC_ENO_OPT_MAX, &info), 0);
	CHECK_EQ(info.n_teps, 3);
	CHECK_EQ(info.syn_tep, 0xa4);
	{
		__u8 ans[5] = {0x45, 0x04, 0x01, 0x23};

		CHECK_EQ(eno_decide(&pol_default, ans, 4, buf,
				    TCPINC_ENO_OPT_MAX, 1, &r),
			 TCPINC_R_NEGOTIATED);
		CHECK_EQ(r.tep, 0x23);
	}
	/* one byte short of the length byte's data */
	buf[1] = 39;
	CHECK_EQ(eno_parse_syn(buf, 39, &info), -1);
}

/* Every strict prefix of a valid option is rejected (its length byte lies). */
static void test_prefix_truncation(void)
{
	static const char *const valid[] = {
		"45 02",
		"45 03 23",
		"45 03 01",
		"45 04 01 23",
		"45 04 21 23",
		"45 08 82 a3 aa bb cc 21",
		"45 0d 01 a3 01 02 03 04 05 06 07 08 09",
		"45 07 21 a3 01 80 23",
	};
	static const __u8 local[3] = {0x45, 0x03, 0x23};
	unsigned int v;

	for (v = 0; v < sizeof(valid) / sizeof(valid[0]); v++) {
		__u8 buf[TCPINC_ENO_OPT_MAX], cut[TCPINC_ENO_OPT_MAX];
		__u32 len = opt(valid[v], buf), k;
		struct eno_syn_info info;
		struct eno_result r;

		CHECK_EQ(eno_parse_syn(buf, len, &info), 0);
		for (k = 0; k < len; k++) {
			/* truncated as is: length byte disagrees */
			CHECK_EQ(eno_parse_syn(buf, k, &info), -1);
			/* truncated with its length byte fixed up */
			memcpy(cut, buf, k);
			if (k >= 2) {
				cut[1] = k;
				(void)eno_parse_syn(cut, k, &info);
			}
			/* deciding never reads past k, never enables on it */
			CHECK_EQ(eno_decide(&pol_default, local, 3, buf, k, 0,
					    &r),
				 k ? TCPINC_FB_SYN_MALFORMED
				   : TCPINC_FB_SYNACK_NO_ENO);
		}
	}
	/* a length byte whose data got cut off, length fixed up */
	{
		struct eno_syn_info info;

		CHECK_EQ(parse_hex("45 07 82 a3 aa bb", &info), -1);
		CHECK_EQ(parse_hex("45 06 82 a3 aa bb", &info), -1);
		CHECK_EQ(parse_hex("45 05 82 a3 aa", &info), -1);
		CHECK_EQ(parse_hex("45 04 82 a3", &info), -1);
		CHECK_EQ(parse_hex("45 03 82", &info), -1);
	}
}

static void test_tcp_opts_count(void)
{
	__u8 o[40];
	__u32 off, n;

	/* MSS, SACK-perm, TS, NOP, wscale, ENO: as in a Linux SYN */
	n = test_unhex("020405b4 0402 080a0000000100000000 01 030307 450323", o,
		       sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 1);
	CHECK_EQ(off, 20);
	/* two ENO options */
	n = test_unhex("450323 01 45040123", o, sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 2);
	CHECK_EQ(off, 0);
	/* several saturate at 2; the first is found after other options */
	n = test_unhex("01 0303 07 4502 4502 4502", o, sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 2);
	CHECK_EQ(off, 4);
	/* ENO after EOL does not count */
	n = test_unhex("0101 00 450323", o, sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 0);
	/* a bad length before it stops the walk */
	n = test_unhex("0801 450323", o, sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 0);
	n = test_unhex("450323 0850", o, sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 1);
	/* an ENO option that overruns the header */
	n = test_unhex("01 450623", o, sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 0);
	/* kind byte as the last byte */
	n = test_unhex("010145", o, sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 0);
	/* more than 40 bytes is not a TCP option area */
	CHECK_EQ(eno_tcp_opts_count(o, 41, &off), 0);
	/* non-SYN form 45 02 */
	n = test_unhex("0101080a00000001000000024502", o, sizeof(o));
	CHECK_EQ(eno_tcp_opts_count(o, n, &off), 1);
	CHECK_EQ(off, 12);
}

/* Option fit (RFC 8547 §4.6): fewer TEPs, the most preferred kept. */
static void test_build_syn_trim(void)
{
	struct eno_policy pol = ENO_POLICY_DEFAULT;
	__u8 out[TCPINC_ENO_OPT_MAX], want[TCPINC_ENO_OPT_MAX];
	struct eno_syn_info info;
	__u32 n, dropped, i;

	pol.n_teps = 4;
	pol.teps[0] = 0x21;
	pol.teps[1] = 0x22;
	pol.teps[2] = 0x24;
	pol.teps[3] = 0x23;
	n = eno_build_syn(&pol, 6, out, &dropped);
	CHECK_EQ(n, 6);
	CHECK_EQ(dropped, 0);
	n = eno_build_syn(&pol, 5, out, &dropped);
	CHECK_EQ(n, opt("45 05 22 24 23", want));
	CHECK_MEM(out, want, n);
	CHECK_EQ(dropped, 1);
	n = eno_build_syn(&pol, 4, out, &dropped);
	CHECK_EQ(n, opt("45 04 24 23", want));
	CHECK_MEM(out, want, n);
	CHECK_EQ(dropped, 2);
	n = eno_build_syn(&pol, 3, out, &dropped);
	CHECK_EQ(n, opt("45 03 23", want));
	CHECK_MEM(out, want, n);
	CHECK_EQ(dropped, 3);
	/* the BPF way: trim the full option, same bytes */
	{
		__u8 full[TCPINC_ENO_OPT_MAX];
		__u32 len =
			eno_build_syn(&pol, TCPINC_ENO_OPT_MAX, full, &dropped);

		CHECK_EQ(eno_trim_syn(full, len, 4, full),
			 opt("45 04 24 23", want));
		CHECK_MEM(full, want, 4);
		CHECK_EQ(eno_trim_syn(full, 4, 2, full), 0);
	}
	/* not even one TEP beside the global suboption: no option */
	pol.gopt = TCPINC_GOPT_A;
	CHECK_EQ(eno_build_syn(&pol, 3, out, &dropped), 0);
	n = eno_build_syn(&pol, 4, out, &dropped);
	CHECK_EQ(n, opt("45 04 02 23", want));
	CHECK_MEM(out, want, n);

	/* the whole option space: 38 TEPs; 18 of them in 20 bytes */
	pol.gopt = 0;
	pol.n_teps = ENO_POLICY_TEPS_MAX;
	for (i = 0; i < ENO_POLICY_TEPS_MAX; i++)
		pol.teps[i] = 0x30 + i;
	n = eno_build_syn(&pol, 60, out, &dropped);
	CHECK_EQ(n, TCPINC_ENO_OPT_MAX);
	CHECK_EQ(dropped, 0);
	CHECK_EQ(eno_parse_syn(out, n, &info), 0);
	CHECK_EQ(info.n_teps, ENO_POLICY_TEPS_MAX);
	n = eno_build_syn(&pol, 20, out, &dropped);
	CHECK_EQ(n, 20);
	CHECK_EQ(dropped, ENO_POLICY_TEPS_MAX - 18);
	CHECK_EQ(out[2], 0x30 + ENO_POLICY_TEPS_MAX - 18);
	CHECK_EQ(out[19], 0x30 + ENO_POLICY_TEPS_MAX - 1);
	CHECK_EQ(eno_parse_syn(out, n, &info), 0);
}

/*
 * Simultaneous open (RFC 8547 §4.6): each side decides as an active opener
 * on its own SYN and the peer's; exactly one b=1 gives opposite roles and
 * the same TEP, the same b on both sides fails.
 */
static void test_simultaneous_open(void)
{
	struct eno_policy pa = ENO_POLICY_DEFAULT, pb = ENO_POLICY_DEFAULT;
	__u8 sa[TCPINC_ENO_OPT_MAX], sb[TCPINC_ENO_OPT_MAX];
	struct eno_result ra, rb;
	__u32 la, lb, dropped;

	pb.gopt = TCPINC_GOPT_B;
	la = eno_build_syn(&pa, TCPINC_ENO_OPT_MAX, sa, &dropped);
	lb = eno_build_syn(&pb, TCPINC_ENO_OPT_MAX, sb, &dropped);
	CHECK_EQ(lb, 4);
	CHECK_EQ(sb[2], TCPINC_GOPT_B);
	CHECK_EQ(eno_decide(&pa, sa, la, sb, lb, 0, &ra), TCPINC_R_NEGOTIATED);
	CHECK_EQ(eno_decide(&pb, sb, lb, sa, la, 0, &rb), TCPINC_R_NEGOTIATED);
	CHECK_EQ(ra.role, 0);
	CHECK_EQ(rb.role, 1);
	CHECK_EQ(ra.tep, rb.tep);
	CHECK_EQ(ra.tep, TCPINC_TEP_CURVE25519);
	/* both default b=0, or both b=1 */
	CHECK_EQ(eno_decide(&pa, sa, la, sa, la, 0, &ra),
		 TCPINC_FB_ROLE_CONFLICT);
	CHECK_EQ(eno_decide(&pb, sb, lb, sb, lb, 0, &rb),
		 TCPINC_FB_ROLE_CONFLICT);
}

/* Application-aware bit and mandatory mode (RFC 8547 §4.5). */
static void test_aa_answer(void)
{
	struct eno_policy pol = ENO_POLICY_DEFAULT;
	__u8 peer[TCPINC_ENO_OPT_MAX], out[TCPINC_ENO_OPT_MAX],
		want[TCPINC_ENO_OPT_MAX];
	struct eno_result res;
	__u32 n;

	/* our a bit is carried in the answer; the peer's is reported */
	pol.gopt = TCPINC_GOPT_A;
	n = eno_build_answer(&pol, peer, opt("45 04 02 23", peer), out);
	CHECK_EQ(n, opt("45 04 03 23", want));
	CHECK_MEM(out, want, n);
	CHECK_EQ(eno_decide(&pol, out, n, peer, 4, 1, &res),
		 TCPINC_R_NEGOTIATED);
	CHECK_EQ(res.peer_gopt, TCPINC_GOPT_A);
	/* mandatory: a peer without a=1 gets the vacuous answer */
	pol.aa_mandatory = 1;
	n = eno_build_answer(&pol, peer, opt("45 03 23", peer), out);
	CHECK_EQ(n, opt("45 03 03", want));
	CHECK_MEM(out, want, n);
	CHECK_EQ(eno_decide(&pol, out, n, peer, 3, 1, &res),
		 TCPINC_FB_AA_MANDATORY);
	/* mandatory as A: B's a=0 disables */
	CHECK_EQ(decide_hex(&pol, "45 04 02 23", "45 04 01 23", 0, &res),
		 TCPINC_FB_AA_MANDATORY);
	CHECK_EQ(decide_hex(&pol, "45 04 02 23", "45 04 03 23", 0, &res),
		 TCPINC_R_NEGOTIATED);
}

/* B chooses among all four tcpcrypt TEPs by its own preference (§4.6). */
static void test_answer_preference(void)
{
	static const struct {
		__u8 n;
		__u8 teps[ENO_ANSWER_TEPS_MAX];
		const char *a, *want;
	} cases[] = {
		/* B's last (most preferred) TEP that A offered, A's order moot */
		{4, {0x21, 0x22, 0x23, 0x24}, "45 05 21 23 24", "45 04 01 24"},
		{4, {0x24, 0x23, 0x22, 0x21}, "45 05 21 23 24", "45 04 01 21"},
		{1, {0x24}, "45 05 21 23 24", "45 04 01 24"},
		{1, {0x21}, "45 05 24 23 21", "45 04 01 21"},
		{2, {0x21, 0x22}, "45 06 21 22 23 24", "45 04 01 22"},
		{3, {0x24, 0x22, 0x23}, "45 04 24 22", "45 04 01 22"},
		/* v ignored: a resumption offer for 0x24 counts as 0x24 */
		{2, {0x21, 0x24}, "45 0d 21 a4 01 02 03 04 05 06 07 08 09",
		 "45 04 01 24"},
		{2, {0x23, 0x24}, "45 0d 23 a4 01 02 03 04 05 06 07 08 09",
		 "45 04 01 24"},
		/* A repeated our favourite: invalid, the next one is chosen */
		{2, {0x21, 0x24}, "45 05 21 24 24", "45 04 01 21"},
		{2, {0x23, 0x24}, "45 0e 23 24 a4 01 02 03 04 05 06 07 08 09",
		 "45 04 01 23"},
		/* nothing in common: vacuous */
		{1, {0x22}, "45 04 21 23", "45 03 01"},
		{3, {0x21, 0x22, 0x24}, "45 03 23", "45 03 01"},
	};
	__u8 a[TCPINC_ENO_OPT_MAX], out[TCPINC_ENO_OPT_MAX];
	__u8 again[TCPINC_ENO_OPT_MAX], want[TCPINC_ENO_OPT_MAX];
	struct eno_policy pol;
	struct eno_result ra, rb;
	__u32 i, n, alen, wlen;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pol = (struct eno_policy){.n_teps = cases[i].n};
		memcpy(pol.teps, cases[i].teps, cases[i].n);
		alen = opt(cases[i].a, a);
		wlen = opt(cases[i].want, want);
		n = eno_build_answer(&pol, a, alen, out);
		CHECK_EQ(n, wlen);
		CHECK_MEM(out, want, wlen);
		/* a pure function: recomputed at establishment, same bytes */
		CHECK_EQ(eno_build_answer(&pol, a, alen, again), n);
		CHECK_MEM(again, out, n);
		if (wlen < 4) {
			CHECK_EQ(eno_decide(&pol, out, n, a, alen, 1, &rb),
				 TCPINC_FB_NO_COMMON_TEP);
			continue;
		}
		/* both sides agree on the TEP the answer names */
		CHECK_EQ(eno_decide(&pol, out, n, a, alen, 1, &rb),
			 TCPINC_R_NEGOTIATED);
		CHECK_EQ(rb.tep, want[3]);
		CHECK_EQ(rb.role, 1);
		CHECK_EQ(eno_decide(&pol_default, a, alen, out, n, 0, &ra),
			 TCPINC_R_NEGOTIATED);
		CHECK_EQ(ra.tep, want[3]);
		CHECK_EQ(ra.role, 0);
	}
}

int main(void)
{
	TEST_RUN(test_digest_transcript_example);
	TEST_RUN(test_build_syn);
	TEST_RUN(test_build_answer);
	TEST_RUN(test_answer_preference);
	TEST_RUN(test_vacuous);
	TEST_RUN(test_length_byte);
	TEST_RUN(test_data_to_end);
	TEST_RUN(test_global_suboptions);
	TEST_RUN(test_roles);
	TEST_RUN(test_no_tep);
	TEST_RUN(test_last_valid_tep_in_b);
	TEST_RUN(test_v_bit);
	TEST_RUN(test_empty_and_framing);
	TEST_RUN(test_max_length);
	TEST_RUN(test_prefix_truncation);
	TEST_RUN(test_tcp_opts_count);
	TEST_RUN(test_build_syn_trim);
	TEST_RUN(test_simultaneous_open);
	TEST_RUN(test_aa_answer);
	return TEST_EXIT();
}
