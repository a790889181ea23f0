// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Key schedule recomputed by hand from raw HMAC-SHA256 calls, following
 * RFC 8548 §4.3 literally, for fixed inputs.
 */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>

#include "proto/keysched.h"
#include "test.h"

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

/* Varargs need exact types: (ptr, size_t) pairs. */
#define P(p, n) (const uint8_t *)(p), (size_t)(n)

static const uint8_t c1 = 1, c2 = 2;
static const uint8_t k_nextk = 0x01, k_sessid = 0x02, k_rekey = 0x03;
static const uint8_t k_a = 0x04, k_b = 0x05, k_resume = 0x06;

static uint8_t n_a[32], transcript[8], init1[79], init2[77], es[32];

static void inputs(void)
{
	size_t i;

	test_unhex("45042123 45040123", transcript, sizeof(transcript));
	for (i = 0; i < sizeof(init1); i++)
		init1[i] = (uint8_t)(i * 3);
	for (i = 0; i < sizeof(init2); i++)
		init2[i] = (uint8_t)(200 - i);
	for (i = 0; i < 32; i++) {
		n_a[i] = init1[15 + i];
		es[i] = (uint8_t)(i ^ 0x5a);
	}
}

static void test_fresh_schedule_by_hand(void)
{
	uint8_t prk[32], hprk[32], mk[32], hmk[32], t1[32], t2[32];
	uint8_t k[44], hk[64], sid[33], hsid[32];

	inputs();
	/* PRK = Extract(N_A, transcript | Init1 | Init2 | ES) */
	hmac(hprk, n_a, 32, P(transcript, sizeof(transcript)),
	     P(init1, sizeof(init1)), P(init2, sizeof(init2)),
	     P(es, sizeof(es)), NULL);
	CHECK_EQ(tcpinc_keysched_prk(prk, n_a, transcript, sizeof(transcript),
				     init1, sizeof(init1), init2, sizeof(init2),
				     es, sizeof(es)),
		 0);
	CHECK_MEM(prk, hprk, 32);

	/* mk[0] = CPRF(ss[0], CONST_REKEY, 32) = T(1) */
	hmac(hmk, hprk, 32, P(&k_rekey, 1), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_mk0(mk, prk, NULL, 0), 0);
	CHECK_MEM(mk, hmk, 32);

	/* k_ab[0]: 44 bytes = T(1) | T(2)[0..12) */
	hmac(t1, hmk, 32, P(&k_a, 1), P(&c1, 1), NULL);
	hmac(t2, hmk, 32, P(t1, 32), P(&k_a, 1), P(&c2, 1), NULL);
	memcpy(hk, t1, 32);
	memcpy(hk + 32, t2, 32);
	CHECK_EQ(tcpinc_keysched_traffic(k, 44, mk, true), 0);
	CHECK_MEM(k, hk, 44);
	CHECK_EQ(tcpinc_keysched_traffic(k, 28, mk, true), 0);
	CHECK_MEM(k, hk, 28);

	/* k_ba[0] */
	hmac(t1, hmk, 32, P(&k_b, 1), P(&c1, 1), NULL);
	hmac(t2, hmk, 32, P(t1, 32), P(&k_b, 1), P(&c2, 1), NULL);
	memcpy(hk, t1, 32);
	memcpy(hk + 32, t2, 32);
	CHECK_EQ(tcpinc_keysched_traffic(k, 44, mk, false), 0);
	CHECK_MEM(k, hk, 44);

	/* session_id = 0x23 | CPRF(ss[0], CONST_SESSID, 32) */
	hmac(hsid, hprk, 32, P(&k_sessid, 1), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_session_id(sid, 0x23, prk, NULL, 0), 0);
	CHECK_EQ(sid[0], 0x23);
	CHECK_MEM(sid + 1, hsid, 32);

	/* mk[1] = CPRF(mk[0], CONST_REKEY, 32), and mk[2]. */
	hmac(hmk, hmk, 32, P(&k_rekey, 1), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_next_mk(mk), 0);
	CHECK_MEM(mk, hmk, 32);
	hmac(hmk, hmk, 32, P(&k_rekey, 1), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_next_mk(mk), 0);
	CHECK_MEM(mk, hmk, 32);
	/* k_ab[2] from mk[2] */
	hmac(t1, hmk, 32, P(&k_a, 1), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_traffic(k, 28, mk, true), 0);
	CHECK_MEM(k, t1, 28);
}

/* Resumption pieces: sn after CONST for mk[0]/SESSID, none for resume. */
static void test_resumption_derivations(void)
{
	uint8_t ss[32], hss[32], t1[32], out[32], sid[33];
	const uint8_t sn[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	uint8_t res[18];

	inputs();
	memcpy(ss, es, 32);
	hmac(t1, ss, 32, P(&k_rekey, 1), P(sn, sizeof(sn)), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_mk0(out, ss, sn, sizeof(sn)), 0);
	CHECK_MEM(out, t1, 32);

	hmac(t1, ss, 32, P(&k_sessid, 1), P(sn, sizeof(sn)), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_session_id(sid, 0xa3, ss, sn, sizeof(sn)), 0);
	CHECK_EQ(sid[0], 0xa3);
	CHECK_MEM(sid + 1, t1, 32);

	hmac(t1, ss, 32, P(&k_resume, 1), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_resume(res, ss), 0);
	CHECK_MEM(res, t1, 18);

	hmac(hss, ss, 32, P(&k_nextk, 1), P(&c1, 1), NULL);
	CHECK_EQ(tcpinc_keysched_next_ss(ss), 0);
	CHECK_MEM(ss, hss, 32);
}

/*
 * sn[i] = nonce_a | nonce_b (original roles) with nonce lengths 0..8 each:
 * mk[0] and the session ID take CONST | sn, by hand.
 */
static void test_sn_lengths_by_hand(void)
{
	static const size_t lens[][2] = {{0, 0}, {8, 8}, {0, 8},
					 {8, 0}, {1, 7}, {5, 2}};
	uint8_t ss[32], na[8], nb[8], sn[16], hsn[16], t1[32], out[32];
	uint8_t sid[33];
	size_t i;

	inputs();
	memcpy(ss, es, 32);
	for (i = 0; i < 8; i++) {
		na[i] = (uint8_t)(0xa0 + i);
		nb[i] = (uint8_t)(0xb0 + i);
	}
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t la = lens[i][0], lb = lens[i][1];

		memcpy(hsn, na, la);
		memcpy(hsn + la, nb, lb);
		CHECK_EQ(tcpinc_keysched_sn(sn, na, la, nb, lb),
			 (int)(la + lb));
		CHECK_MEM(sn, hsn, la + lb);
		hmac(t1, ss, 32, P(&k_rekey, 1), P(hsn, la + lb), P(&c1, 1),
		     NULL);
		CHECK_EQ(tcpinc_keysched_mk0(out, ss, sn, la + lb), 0);
		CHECK_MEM(out, t1, 32);
		hmac(t1, ss, 32, P(&k_sessid, 1), P(hsn, la + lb), P(&c1, 1),
		     NULL);
		CHECK_EQ(tcpinc_keysched_session_id(sid, 0xa4, ss, sn, la + lb),
			 0);
		CHECK_EQ(sid[0], 0xa4);
		CHECK_MEM(sid + 1, t1, 32);
	}
	/* 17 bytes of sn is refused. */
	CHECK_EQ(tcpinc_keysched_mk0(out, ss, hsn, 17), -EINVAL);
}

/* Every input of the PRK matters, in order. */
static void test_prk_binds_inputs(void)
{
	uint8_t p0[32], p1[32];

	inputs();
	CHECK_EQ(tcpinc_keysched_prk(p0, n_a, transcript, 8, init1, 79, init2,
				     77, es, 32),
		 0);
	transcript[7] ^= 1;
	CHECK_EQ(tcpinc_keysched_prk(p1, n_a, transcript, 8, init1, 79, init2,
				     77, es, 32),
		 0);
	CHECK(memcmp(p0, p1, 32) != 0);
	transcript[7] ^= 1;
	/* Moving a byte from Init1's end to Init2's start changes it. */
	CHECK_EQ(tcpinc_keysched_prk(p1, n_a, transcript, 8, init1, 78, init2,
				     77, es, 32),
		 0);
	CHECK(memcmp(p0, p1, 32) != 0);
	n_a[0] ^= 1;
	CHECK_EQ(tcpinc_keysched_prk(p1, n_a, transcript, 8, init1, 79, init2,
				     77, es, 32),
		 0);
	CHECK(memcmp(p0, p1, 32) != 0);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_fresh_schedule_by_hand);
	TEST_RUN(test_resumption_derivations);
	TEST_RUN(test_sn_lengths_by_hand);
	TEST_RUN(test_prk_binds_inputs);
	return TEST_EXIT();
}
