// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Session resumption (RFC 8548 §3.3-3.5): the ss[i] chain handed out by
 * sessions, resumed sessions recomputed by hand from raw HMAC-SHA256
 * calls, and resumed pairs whose TCP-ENO roles differ from the original
 * ones.
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>

#include "proto/ecdh.h"
#include "proto/frame.h"
#include "proto/keysched.h"
#include "proto/session.h"
#include "proto/session_ext.h"
#include "test.h"

#define BUF (1u << 20)

/* HMAC(key, part1 | part2 | ...), parts as (ptr, len), ended by NULL. */
static void hmac(uint8_t out[32], const uint8_t *key, size_t klen, ...)
{
	crypto_auth_hmacsha256_state st;
	const uint8_t *p;
	va_list ap;

	CHECK_EQ(crypto_auth_hmacsha256_init(&st, key, klen), 0);
	va_start(ap, klen);
	while ((p = va_arg(ap, const uint8_t *))) {
		size_t n = va_arg(ap, size_t);

		CHECK_EQ(crypto_auth_hmacsha256_update(&st, p, n), 0);
	}
	va_end(ap);
	CHECK_EQ(crypto_auth_hmacsha256_final(&st, out), 0);
}

#define P(p, n) (const uint8_t *)(p), (size_t)(n)

static const uint8_t c1 = 1, c2 = 2;
static const uint8_t k_nextk = 0x01, k_sessid = 0x02, k_rekey = 0x03;
static const uint8_t k_a = 0x04, k_b = 0x05, k_resume = 0x06;

static const uint16_t aeads[] = {TCPINC_AEAD_AES_128_GCM,
				 TCPINC_AEAD_AES_256_GCM,
				 TCPINC_AEAD_CHACHA20_POLY1305};

/* Traffic key CPRF(mk, c, len) for len <= 64, by hand. */
static void traffic_by_hand(uint8_t *k, size_t len, const uint8_t mk[32],
			    const uint8_t *c)
{
	uint8_t t1[32], t2[32];

	hmac(t1, mk, 32, P(c, 1), P(&c1, 1), NULL);
	hmac(t2, mk, 32, P(t1, 32), P(c, 1), P(&c2, 1), NULL);
	memcpy(k, t1, len < 32 ? len : 32);
	if (len > 32)
		memcpy(k + 32, t2, len - 32);
}

/* One host of an in-memory connection. */
struct end {
	struct tcpinc_session *s;
	struct tcpinc_io io;
	size_t consumed; /* of the peer's net_out */
};

static void end_init(struct end *e)
{
	memset(e, 0, sizeof(*e));
	e->io.net_out = malloc(BUF);
	e->io.app_out = malloc(BUF);
	e->io.net_cap = e->io.app_cap = BUF;
	CHECK(e->io.net_out && e->io.app_out);
}

static void end_fini(struct end *e)
{
	tcpinc_session_free(e->s);
	free(e->io.net_out);
	free(e->io.app_out);
	memset(e, 0, sizeof(*e));
}

/* Deliver everything both ways until quiet; 0 or the first -errno. */
static int pump(struct end *x, struct end *y)
{
	int i;

	for (i = 0; i < 100; i++) {
		struct end *me = i & 1 ? x : y, *peer = i & 1 ? y : x;
		ssize_t r;

		if (x->consumed == y->io.net_len &&
		    y->consumed == x->io.net_len)
			return 0;
		if (me->consumed == peer->io.net_len)
			continue;
		r = tcpinc_session_input(me->s, peer->io.net_out + me->consumed,
					 peer->io.net_len - me->consumed,
					 &me->io);
		if (r < 0)
			return (int)r;
		me->consumed += (size_t)r;
	}
	return -ETIMEDOUT;
}

/* Send msg from x to y and back, check both arrive. */
static void exchange(struct end *x, struct end *y, const char *msg)
{
	size_t n = strlen(msg), xa = x->io.app_len, ya = y->io.app_len;

	CHECK_EQ(tcpinc_session_output(x->s, (const uint8_t *)msg, n, false,
				       &x->io),
		 (ssize_t)n);
	CHECK_EQ(tcpinc_session_output(y->s, (const uint8_t *)msg, n, false,
				       &y->io),
		 (ssize_t)n);
	CHECK_EQ(pump(x, y), 0);
	CHECK_EQ(x->io.app_len - xa, n);
	CHECK_EQ(y->io.app_len - ya, n);
	CHECK(!memcmp(x->io.app_out + xa, msg, n));
	CHECK(!memcmp(y->io.app_out + ya, msg, n));
}

static void check_same_sid(struct end *x, struct end *y, uint8_t tep)
{
	struct tcpinc_session_info ix, iy;

	CHECK_EQ(tcpinc_session_get_info(x->s, &ix), 0);
	CHECK_EQ(tcpinc_session_get_info(y->s, &iy), 0);
	CHECK_EQ(ix.session_id[0], tep);
	CHECK_MEM(ix.session_id, iy.session_id, TCPINC_SESSID_LEN);
}

/* A fresh pair over a real Init exchange: host 0 is A, host 1 is B. */
static void fresh_pair(struct end *a, struct end *b, uint8_t tep, uint16_t aead)
{
	static const uint8_t transcript[] = {0x45, 0x03, 0x21,
					     0x45, 0x03, 0x01};
	struct tcpinc_session_cfg ca = {
		.role = 0,
		.tep = tep,
		.transcript = transcript,
		.transcript_len = sizeof(transcript),
		.aeads = &aead,
		.naeads = 1,
	};
	struct tcpinc_session_cfg cb = ca;

	cb.role = 1;
	end_init(a);
	end_init(b);
	a->s = tcpinc_session_new(&ca);
	b->s = tcpinc_session_new(&cb);
	CHECK(a->s && b->s);
	if (!a->s || !b->s)
		return;
	CHECK_EQ(tcpinc_session_start(a->s, &a->io), 0);
	CHECK_EQ(pump(a, b), 0);
	CHECK(tcpinc_session_ready(a->s) && tcpinc_session_ready(b->s));
}

/* A resumed session from a cached state (which is consumed). */
static struct tcpinc_session *resume(struct tcpinc_resume_state *st,
				     const uint8_t *na, size_t la,
				     const uint8_t *nb, size_t lb)
{
	struct tcpinc_resume_cfg rc = {
		.tep = st->tep | TCPINC_TEP_V,
		.aead = st->aead,
		.orig_role = st->orig_role,
		.ss = st->ss,
		.index = st->index,
		.nonce_a = na,
		.nonce_a_len = la,
		.nonce_b = nb,
		.nonce_b_len = lb,
	};
	struct tcpinc_session *s = tcpinc_session_new_resumed(&rc);

	tcpinc_resume_state_clear(st);
	return s;
}

static void test_sn(void)
{
	static const uint8_t na[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const uint8_t nb[9] = {11, 12, 13, 14, 15, 16, 17, 18, 19};
	uint8_t sn[TCPINC_SN_MAX];

	CHECK_EQ(tcpinc_keysched_sn(sn, NULL, 0, NULL, 0), 0);
	CHECK_EQ(tcpinc_keysched_sn(sn, na, 8, NULL, 0), 8);
	CHECK_MEM(sn, na, 8);
	CHECK_EQ(tcpinc_keysched_sn(sn, NULL, 0, nb, 8), 8);
	CHECK_MEM(sn, nb, 8);
	CHECK_EQ(tcpinc_keysched_sn(sn, na, 3, nb, 8), 11);
	CHECK_MEM(sn, na, 3);
	CHECK_MEM(sn + 3, nb, 8);
	CHECK_EQ(tcpinc_keysched_sn(sn, na, 8, nb, 8), 16);
	CHECK_MEM(sn + 8, nb, 8);
	CHECK_EQ(tcpinc_keysched_sn(sn, na, 9, nb, 0), -EINVAL);
	CHECK_EQ(tcpinc_keysched_sn(sn, na, 0, nb, 9), -EINVAL);
	CHECK_EQ(tcpinc_keysched_sn(sn, NULL, 1, nb, 0), -EINVAL);
}

/*
 * A keyed session from a known ss[0] hands out ss[1] =
 * CPRF(ss[0], CONST_NEXTK, 32) and resume[1] = CPRF(ss[1], CONST_RESUME,
 * 18), both by hand, once; both sides agree, each with its role.
 */
static void test_fresh_state_by_hand(void)
{
	struct tcpinc_session_cfg c = {.tep = 0x23};
	struct tcpinc_resume_state st[2];
	uint8_t ss0[32], ss1[32], res1[32];
	struct tcpinc_session *s[2];
	int r;

	randombytes_buf(ss0, sizeof(ss0));
	hmac(ss1, ss0, 32, P(&k_nextk, 1), P(&c1, 1), NULL);
	hmac(res1, ss1, 32, P(&k_resume, 1), P(&c1, 1), NULL);
	for (r = 0; r < 2; r++) {
		c.role = (uint8_t)r;
		s[r] = tcpinc_session_new_keyed(&c, TCPINC_AEAD_AES_256_GCM,
						ss0);
		CHECK(s[r] != NULL);
		if (!s[r])
			return;
		CHECK_EQ(tcpinc_session_take_resume_state(s[r], &st[r]), 0);
		CHECK(st[r].ss != NULL);
		if (!st[r].ss)
			return;
		CHECK_MEM(st[r].ss, ss1, 32);
		CHECK_MEM(st[r].resume, res1, TCPINC_RESUME_LEN);
		CHECK_EQ(st[r].index, 1);
		CHECK_EQ(st[r].tep, 0x23);
		CHECK_EQ(st[r].aead, TCPINC_AEAD_AES_256_GCM);
		CHECK_EQ(st[r].orig_role, r);
		CHECK(tcpinc_resume_half(&st[r], (uint8_t)r) ==
		      st[r].resume + 9 * r);
		/* Only once. */
		CHECK_EQ(tcpinc_session_take_resume_state(s[r], &st[r]),
			 -ENOENT);
		CHECK(st[r].ss == NULL);
		tcpinc_session_free(s[r]);
	}
}

struct nonces {
	size_t la, lb;
};

static const struct nonces nonce_lens[] = {
	{0, 0}, {8, 8}, {0, 8}, {8, 0}, {3, 5}, {1, 0},
};

/*
 * A resumed session recomputed by hand: session ID, both traffic keys
 * (checked by opening the session's first frame and by feeding it one
 * sealed with the peer's key, both at stream offset 0), and the successor
 * state ss[i+1], resume[i+1].
 */
static void resumed_by_hand(uint8_t orig_role, uint16_t aead,
			    const struct nonces *nl)
{
	uint8_t ss[32], ss_copy[32], mk[32], sid[32], ss2[32], res2[32];
	uint8_t na[8], nb[8], sn[16], kab[44], kba[44], fr[128], out[64];
	size_t klen = tcpinc_aead_key_len(aead) + 12, snl = nl->la + nl->lb;
	struct tcpinc_frame_key tx, rx;
	struct tcpinc_session_info info;
	struct tcpinc_resume_state st;
	struct tcpinc_resume_cfg rc;
	struct tcpinc_session *s;
	struct end e;
	uint8_t flags, zero[32] = {0};
	ssize_t n;

	randombytes_buf(ss, 32);
	randombytes_buf(na, 8);
	randombytes_buf(nb, 8);
	memcpy(ss_copy, ss, 32);
	memcpy(sn, na, nl->la);
	memcpy(sn + nl->la, nb, nl->lb);

	/* By hand, RFC 8548 §3.3-3.5. */
	hmac(mk, ss, 32, P(&k_rekey, 1), P(sn, snl), P(&c1, 1), NULL);
	hmac(sid, ss, 32, P(&k_sessid, 1), P(sn, snl), P(&c1, 1), NULL);
	hmac(ss2, ss, 32, P(&k_nextk, 1), P(&c1, 1), NULL);
	hmac(res2, ss2, 32, P(&k_resume, 1), P(&c1, 1), NULL);
	traffic_by_hand(kab, klen, mk, &k_a);
	traffic_by_hand(kba, klen, mk, &k_b);

	rc = (struct tcpinc_resume_cfg){
		.tep = 0xa3,
		.aead = aead,
		.orig_role = orig_role,
		.ss = ss_copy,
		.index = 4,
		.nonce_a = nl->la ? na : NULL,
		.nonce_a_len = nl->la,
		.nonce_b = nl->lb ? nb : NULL,
		.nonce_b_len = nl->lb,
	};
	s = tcpinc_session_new_resumed(&rc);
	CHECK(s != NULL);
	CHECK_MEM(ss_copy, zero, 32); /* the caller's ss[i] is spent */
	if (!s)
		return;
	end_init(&e);
	e.s = s;
	CHECK(tcpinc_session_ready(s));
	CHECK_EQ(tcpinc_session_start(s, &e.io), 0);
	CHECK_EQ(e.io.net_len, 0);
	CHECK_EQ(tcpinc_session_get_info(s, &info), 0);
	CHECK_EQ(info.session_id[0], 0xa3);
	CHECK_MEM(info.session_id + 1, sid, 32);
	CHECK_EQ(info.aead, aead);

	/* Our frame, at offset 0, opens with the original role's key. */
	CHECK_EQ(tcpinc_frame_key_init(&rx, aead, orig_role ? kba : kab, false),
		 0);
	CHECK_EQ(tcpinc_session_output(s, (const uint8_t *)"resumed", 7, false,
				       &e.io),
		 7);
	CHECK_EQ(e.io.net_len, 27);
	if (e.io.net_len == 27) {
		CHECK_EQ(tcpinc_frame_open(&rx, 0, e.io.net_out, out, &flags,
					   NULL),
			 7);
		CHECK_MEM(out, "resumed", 7);
	}
	/* The peer's frame, sealed by hand at offset 0. */
	CHECK_EQ(tcpinc_frame_key_init(&tx, aead, orig_role ? kab : kba, true),
		 0);
	n = tcpinc_frame_seal(&tx, 0, false, 0, (const uint8_t *)"peer", 4, fr,
			      sizeof(fr));
	CHECK_EQ(n, 24);
	CHECK_EQ(tcpinc_session_input(s, fr, (size_t)n, &e.io), n);
	CHECK_EQ(e.io.app_len, 4);
	CHECK_MEM(e.io.app_out, "peer", 4);

	/* ss[i+1] and resume[i+1] for the next connection. */
	CHECK_EQ(tcpinc_session_take_resume_state(s, &st), 0);
	if (st.ss) {
		CHECK_MEM(st.ss, ss2, 32);
		CHECK_MEM(st.resume, res2, TCPINC_RESUME_LEN);
		CHECK_EQ(st.index, 5);
		CHECK_EQ(st.tep, 0x23);
		CHECK_EQ(st.aead, aead);
		CHECK_EQ(st.orig_role, orig_role);
	}
	tcpinc_resume_state_clear(&st);
	CHECK(st.ss == NULL);
	tcpinc_frame_key_free(&tx);
	tcpinc_frame_key_free(&rx);
	end_fini(&e);
}

static void test_resumed_by_hand(void)
{
	size_t a, n;
	uint8_t r;

	for (r = 0; r < 2; r++)
		for (a = 0; a < 3; a++)
			for (n = 0;
			     n < sizeof(nonce_lens) / sizeof(nonce_lens[0]);
			     n++)
				resumed_by_hand(r, aeads[a], &nonce_lens[n]);
}

/*
 * Fresh connection (host 1 = A, host 2 = B) for each TEP, then resumed
 * connections alternating who is A: keys by original role, nonce_a
 * always from host 1. The chain ss[1], ss[2], ss[3] is walked, and each
 * resumed session ID carries the TEP with v = 1.
 */
static void chain(uint8_t tep, uint16_t aead)
{
	struct tcpinc_resume_state s1, s2;
	uint8_t n1[8], n2[8], prev_sid[TCPINC_SESSID_LEN];
	struct tcpinc_session_info info;
	struct end x, y; /* x: host 1, y: host 2 */
	uint32_t i;

	fresh_pair(&x, &y, tep, aead);
	exchange(&x, &y, "fresh");
	check_same_sid(&x, &y, tep);
	CHECK_EQ(tcpinc_session_get_info(x.s, &info), 0);
	memcpy(prev_sid, info.session_id, TCPINC_SESSID_LEN);
	for (i = 1; i <= 3; i++) {
		size_t l1 = i == 2 ? 0 : 8, l2 = i == 3 ? 2 : 8;

		CHECK_EQ(tcpinc_session_take_resume_state(x.s, &s1), 0);
		CHECK_EQ(tcpinc_session_take_resume_state(y.s, &s2), 0);
		end_fini(&x);
		end_fini(&y);
		if (!s1.ss || !s2.ss) {
			tcpinc_resume_state_clear(&s1);
			tcpinc_resume_state_clear(&s2);
			return;
		}
		CHECK_EQ(s1.index, i);
		CHECK_EQ(s1.orig_role, 0);
		CHECK_EQ(s2.orig_role, 1);
		CHECK_EQ(s1.tep, tep);
		CHECK_EQ(s1.aead, aead);
		/* The SYN exchange would match these halves. */
		CHECK_MEM(s1.resume, s2.resume, TCPINC_RESUME_LEN);
		CHECK_MEM(s1.ss, s2.ss, 32);
		randombytes_buf(n1, sizeof(n1));
		randombytes_buf(n2, sizeof(n2));
		end_init(&x);
		end_init(&y);
		/* Whoever is A or B now, nonce_a is host 1's (orig A). */
		x.s = resume(&s1, n1, l1, n2, l2);
		y.s = resume(&s2, n1, l1, n2, l2);
		CHECK(x.s && y.s);
		if (!x.s || !y.s)
			break;
		CHECK_EQ(pump(&x, &y), 0); /* nothing to say first */
		/* Odd i: host 2 is the active opener and speaks first. */
		if (i & 1)
			exchange(&y, &x, "resumed, roles swapped");
		else
			exchange(&x, &y, "resumed, roles as before");
		check_same_sid(&x, &y, tep | TCPINC_TEP_V);
		CHECK_EQ(tcpinc_session_get_info(x.s, &info), 0);
		CHECK(memcmp(info.session_id + 1, prev_sid + 1, 32) != 0);
		memcpy(prev_sid, info.session_id, TCPINC_SESSID_LEN);
		/* Rekeying works in resumed sessions too. */
		CHECK_EQ(tcpinc_session_rekey(y.s, &y.io), 0);
		exchange(&x, &y, "after rekey");
	}
	end_fini(&x);
	end_fini(&y);
}

static void test_resumed_pairs_every_tep(void)
{
	static const uint8_t teps[] = {0x21, 0x22, 0x23, 0x24};
	size_t t;

	for (t = 0; t < sizeof(teps); t++)
		chain(teps[t], aeads[t % 3]);
}

/* Keys by CURRENT role, or sn by current role, do not interoperate. */
static void test_resume_role_mistakes(void)
{
	struct tcpinc_resume_state s1, s2;
	uint8_t n1[8] = {1}, n2[8] = {2};
	struct tcpinc_resume_cfg rc;
	struct tcpinc_session_info ix, iy;
	struct end x, y;

	/* Host 2 (orig B) is A now and wrongly keys as role 0. */
	fresh_pair(&x, &y, 0x23, TCPINC_AEAD_AES_128_GCM);
	CHECK_EQ(tcpinc_session_take_resume_state(x.s, &s1), 0);
	CHECK_EQ(tcpinc_session_take_resume_state(y.s, &s2), 0);
	end_fini(&x);
	end_fini(&y);
	end_init(&x);
	end_init(&y);
	x.s = resume(&s1, n1, 8, n2, 8);
	s2.orig_role = 0;
	y.s = resume(&s2, n1, 8, n2, 8);
	CHECK(x.s && y.s);
	if (x.s && y.s) {
		/* Same session ID (it ignores roles) but both send with
		 * k_ab: each rejects the other's frame. */
		check_same_sid(&x, &y, 0xa3);
		CHECK_EQ(tcpinc_session_output(y.s, (const uint8_t *)"x", 1,
					       false, &y.io),
			 1);
		CHECK_EQ(pump(&x, &y), -EBADMSG);
	}
	end_fini(&x);
	end_fini(&y);

	/* sn built by current roles on one side: different keys and IDs. */
	fresh_pair(&x, &y, 0x23, TCPINC_AEAD_AES_128_GCM);
	CHECK_EQ(tcpinc_session_take_resume_state(x.s, &s1), 0);
	CHECK_EQ(tcpinc_session_take_resume_state(y.s, &s2), 0);
	end_fini(&x);
	end_fini(&y);
	end_init(&x);
	end_init(&y);
	x.s = resume(&s1, n1, 8, n2, 8);
	rc = (struct tcpinc_resume_cfg){
		.tep = 0xa3,
		.aead = s2.aead,
		.orig_role = s2.orig_role,
		.ss = s2.ss,
		.index = s2.index,
		.nonce_a = n2, /* host 2 is A now: wrong */
		.nonce_a_len = 8,
		.nonce_b = n1,
		.nonce_b_len = 8,
	};
	y.s = tcpinc_session_new_resumed(&rc);
	tcpinc_resume_state_clear(&s2);
	CHECK(x.s && y.s);
	if (x.s && y.s) {
		CHECK_EQ(tcpinc_session_get_info(x.s, &ix), 0);
		CHECK_EQ(tcpinc_session_get_info(y.s, &iy), 0);
		CHECK(memcmp(ix.session_id, iy.session_id, 33) != 0);
		CHECK_EQ(tcpinc_session_output(x.s, (const uint8_t *)"x", 1,
					       false, &x.io),
			 1);
		CHECK_EQ(pump(&x, &y), -EBADMSG);
	}
	end_fini(&x);
	end_fini(&y);
}

static void test_resume_api_edges(void)
{
	uint8_t ss[32], zero[32] = {0}, n[9] = {0};
	struct tcpinc_resume_state st;
	struct tcpinc_resume_cfg rc;
	struct tcpinc_session *s;
	struct end a, b;

	/* Not ready yet (A before Init2), forgotten, dead. */
	fresh_pair(&a, &b, 0x23, TCPINC_AEAD_AES_128_GCM);
	end_fini(&a);
	end_fini(&b);
	{
		struct tcpinc_session_cfg c = {.role = 0, .tep = 0x23};

		end_init(&a);
		a.s = tcpinc_session_new(&c);
		CHECK(a.s != NULL);
		if (a.s) {
			memset(&st, 0x55, sizeof(st));
			CHECK_EQ(tcpinc_session_take_resume_state(a.s, &st),
				 -EAGAIN);
			CHECK(st.ss == NULL);
			CHECK_EQ(tcpinc_session_start(a.s, &a.io), 0);
			CHECK_EQ(tcpinc_session_take_resume_state(a.s, &st),
				 -EAGAIN);
			/* Garbage kills it: the error comes back. */
			CHECK_EQ(tcpinc_session_input(a.s,
						      (const uint8_t *)"GET /",
						      5, &a.io),
				 -EPROTO);
			CHECK_EQ(tcpinc_session_take_resume_state(a.s, &st),
				 -EPROTO);
		}
		end_fini(&a);
	}
	fresh_pair(&a, &b, 0x24, TCPINC_AEAD_CHACHA20_POLY1305);
	tcpinc_session_forget_resume_state(a.s);
	CHECK_EQ(tcpinc_session_take_resume_state(a.s, &st), -ENOENT);
	/* A session killed by a bad frame wipes its ss[i+1]. */
	b.io.net_out[b.io.net_len++] = 0xff;
	b.io.net_out[b.io.net_len++] = 0x00;
	b.io.net_out[b.io.net_len++] = 0x11;
	memset(b.io.net_out + b.io.net_len, 0, 17);
	b.io.net_len += 17;
	CHECK_EQ(pump(&a, &b), -EBADMSG);
	CHECK_EQ(tcpinc_session_take_resume_state(a.s, &st), -EBADMSG);
	/* B is untouched. */
	CHECK_EQ(tcpinc_session_take_resume_state(b.s, &st), 0);
	tcpinc_resume_state_clear(&st);
	end_fini(&a);
	end_fini(&b);
	tcpinc_resume_state_clear(NULL);

	/* Bad resume cfgs: NULL, and ss is wiped anyway. */
	rc = (struct tcpinc_resume_cfg){
		.tep = 0xa3,
		.aead = TCPINC_AEAD_AES_128_GCM,
		.ss = ss,
		.index = 1,
	};
#define BAD(field, value)                                       \
	do {                                                    \
		struct tcpinc_resume_cfg b_ = rc;               \
		b_.field = value;                               \
		memset(ss, 0x77, 32);                           \
		CHECK(tcpinc_session_new_resumed(&b_) == NULL); \
		CHECK_MEM(ss, zero, 32);                        \
	} while (0)
	BAD(tep, 0x23); /* v = 0 */
	BAD(tep, 0xa5); /* unknown TEP */
	BAD(tep, 0x80);
	BAD(aead, 0x0003);
	BAD(orig_role, 2);
	BAD(index, 0);
	rc.nonce_a_len = 9;
	BAD(nonce_a, n);
	rc.nonce_a_len = 0;
	rc.nonce_b_len = 9;
	BAD(nonce_b, n);
	rc.nonce_b_len = 0;
#undef BAD
	rc.ss = NULL;
	CHECK(tcpinc_session_new_resumed(&rc) == NULL);
	/* And the good one, for each TEP byte. */
	for (rc.tep = 0xa1; rc.tep <= 0xa4; rc.tep++) {
		struct tcpinc_session_info info;

		rc.ss = ss;
		memset(ss, 0x77, 32);
		s = tcpinc_session_new_resumed(&rc);
		CHECK(s != NULL);
		CHECK_MEM(ss, zero, 32);
		if (!s)
			continue;
		CHECK_EQ(tcpinc_session_get_info(s, &info), 0);
		CHECK_EQ(info.session_id[0], rc.tep);
		CHECK_EQ(tcpinc_session_take_resume_state(s, &st), 0);
		CHECK_EQ(st.tep, rc.tep & 0x7f);
		CHECK_EQ(st.index, 2);
		tcpinc_resume_state_clear(&st);
		tcpinc_session_free(s);
	}
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_sn);
	TEST_RUN(test_fresh_state_by_hand);
	TEST_RUN(test_resumed_by_hand);
	TEST_RUN(test_resumed_pairs_every_tep);
	TEST_RUN(test_resume_role_mistakes);
	TEST_RUN(test_resume_api_edges);
	return TEST_EXIT();
}
