// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* X25519 (TEP 0x23): RFC 7748 §5.2 and §6.1, small-order rejection. */
#include <errno.h>
#include <sodium.h>

#include "proto/ecdh.h"
#include "test.h"

static const struct tcpinc_kex *kex(void)
{
	return tcpinc_kex_find(TCPINC_TEP_X25519);
}

static void check_dh(const char *scalar, const char *u, const char *want)
{
	uint8_t k[32], pu[32], w[32], out[32];

	CHECK_EQ(test_unhex(scalar, k, 32), 32);
	CHECK_EQ(test_unhex(u, pu, 32), 32);
	CHECK_EQ(test_unhex(want, w, 32), 32);
	CHECK_EQ(kex()->derive(out, k, pu), 0);
	CHECK_MEM(out, w, 32);
}

static void test_rfc7748_5_2(void)
{
	CHECK(kex() != NULL);
	CHECK(tcpinc_kex_find(0xa3) == kex()); /* v bit ignored */
	CHECK(tcpinc_kex_find(0x25) == NULL);
	CHECK(tcpinc_kex_find(0x1f) == NULL);
	/* TEP 0x20: X25519's own key agreement */
	CHECK(tcpinc_kex_find(0x20) == kex());
	CHECK(tcpinc_kex_find(0xa0) == kex());
	CHECK_EQ(kex()->pub_len, 32);
	check_dh("a546e36bf0527c9d3b16154b82465edd"
		 "62144c0ac1fc5a18506a2244ba449ac4",
		 "e6db6867583030db3594c1a424b15f7c"
		 "726624ec26b3353b10a903a6d0ab1c4c",
		 "c3da55379de9c6908e94ea4df28d084f"
		 "32eccf03491c71f754b4075577a28552");
	check_dh("4b66e9d4d1b4673c5ad22691957d6af5"
		 "c11b6421e0ea01d42ca4169e7918ba0d",
		 "e5210f12786811d3f4b7959d0538ae2c"
		 "31dbe7106fc03c3efc4cd549c715a493",
		 "95cbde9476e8907d7aade45cb4b873f8"
		 "8b595a68799fa152e6f8f7647aac7957");
}

static void test_rfc7748_5_2_iterated(void)
{
	uint8_t k[32] = {9}, u[32] = {9}, r[32], w1[32], w1000[32];
	int i;

	test_unhex("422c8e7a6227d7bca1350b3e2bb7279f"
		   "7897b87bb6854b783c60e80311ae3079",
		   w1, 32);
	test_unhex("684cf59ba83309552800ef566f2f4d3c"
		   "1c3887c49360e3875f2eb94d99532c51",
		   w1000, 32);
	for (i = 1; i <= 1000; i++) {
		CHECK_EQ(kex()->derive(r, k, u), 0);
		memcpy(u, k, 32);
		memcpy(k, r, 32);
		if (i == 1)
			CHECK_MEM(k, w1, 32);
	}
	CHECK_MEM(k, w1000, 32);
}

static void test_rfc7748_6_1(void)
{
	uint8_t a[32], b[32], pa[32], pb[32], wa[32], wb[32], s1[32], s2[32];
	uint8_t w[32];

	test_unhex("77076d0a7318a57d3c16c17251b26645"
		   "df4c2f87ebc0992ab177fba51db92c2a",
		   a, 32);
	test_unhex("8520f0098930a754748b7ddcb43ef75a"
		   "0dbf3a0d26381af4eba4a98eaa9b4e6a",
		   wa, 32);
	test_unhex("5dab087e624a8a4b79e17f8b83800ee6"
		   "6f3bb1292618b6fd1c2f8b27ff88e0eb",
		   b, 32);
	test_unhex("de9edb7d7b7dc1b4d35b61c2ece43537"
		   "3f8343c85b78674dadfc7e146f882b4f",
		   wb, 32);
	test_unhex("4a5d9d5ba4ce2de1728e3bf480350f25"
		   "e07e21c947d19e3376f09b3c1e161742",
		   w, 32);
	CHECK_EQ(kex()->pubgen(pa, a), 0);
	CHECK_EQ(kex()->pubgen(pb, b), 0);
	CHECK_MEM(pa, wa, 32);
	CHECK_MEM(pb, wb, 32);
	/* Raw u-coordinates: any 32 bytes pass the encoding check. */
	CHECK_EQ(kex()->check(pa), 0);
	CHECK_EQ(kex()->check(pb), 0);
	CHECK_EQ(kex()->derive(s1, a, pb), 0);
	CHECK_EQ(kex()->derive(s2, b, pa), 0);
	CHECK_MEM(s1, w, 32);
	CHECK_MEM(s2, w, 32);
}

static void test_keygen_agree(void)
{
	uint8_t a[32], b[32], pa[32], pb[32], s1[32], s2[32];

	CHECK_EQ(kex()->keygen(a, pa), 0);
	CHECK_EQ(kex()->keygen(b, pb), 0);
	CHECK(memcmp(pa, pb, 32) != 0);
	CHECK_EQ(kex()->derive(s1, a, pb), 0);
	CHECK_EQ(kex()->derive(s2, b, pa), 0);
	CHECK_MEM(s1, s2, 32);
}

/* Small-order points give an all-zero secret, which must be rejected. */
static void test_zero_secret_rejected(void)
{
	uint8_t a[32], pa[32], es[32], zero[32] = {0}, one[32] = {1};

	CHECK_EQ(kex()->keygen(a, pa), 0);
	memset(es, 0xaa, sizeof(es));
	CHECK_EQ(kex()->derive(es, a, zero), -EKEYREJECTED);
	CHECK_MEM(es, zero, 32);
	CHECK_EQ(kex()->derive(es, a, one), -EKEYREJECTED);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_rfc7748_5_2);
	TEST_RUN(test_rfc7748_5_2_iterated);
	TEST_RUN(test_rfc7748_6_1);
	TEST_RUN(test_keygen_agree);
	TEST_RUN(test_zero_secret_rejected);
	return TEST_EXIT();
}
