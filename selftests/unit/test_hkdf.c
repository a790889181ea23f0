// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* HKDF-SHA256 against RFC 5869 Appendix A.1-A.3; CPRF == HKDF-Expand. */
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>

#include "proto/hkdf.h"
#include "test.h"

struct hkdf_vec {
	const char *ikm, *salt, *info, *prk, *okm;
	size_t l;
};

static const struct hkdf_vec vecs[] = {
	{/* A.1 */
	 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	 "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
	 "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
	 "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	 "34007208d5b887185865",
	 42},
	{/* A.2 */
	 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	 "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
	 "404142434445464748494a4b4c4d4e4f",
	 "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
	 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	 "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
	 "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
	 "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
	 "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	 "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
	 "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
	 "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
	 "cc30c58179ec3e87c14c01d5c1f3434f1d87",
	 82},
	{/* A.3: no salt, no info */
	 "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
	 "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
	 "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	 "9d201395faa4b61a96c8",
	 42},
};

static void run_vec(const struct hkdf_vec *v, bool split)
{
	uint8_t ikm[128], salt[128], info[128], prk[32], eprk[32];
	uint8_t okm[128], eokm[128];
	size_t ni = test_unhex(v->ikm, ikm, sizeof(ikm));
	size_t ns = test_unhex(v->salt, salt, sizeof(salt));
	size_t nf = test_unhex(v->info, info, sizeof(info));
	size_t i;

	CHECK_EQ(test_unhex(v->prk, eprk, sizeof(eprk)), 32);
	CHECK_EQ(test_unhex(v->okm, eokm, sizeof(eokm)), v->l);
	if (!split) {
		CHECK_EQ(tcpinc_hkdf_extract(prk, salt, ns, ikm, ni), 0);
	} else {
		/* Incremental Extract, one byte per update. */
		struct tcpinc_hkdf_extract x;

		CHECK_EQ(tcpinc_hkdf_extract_init(&x, salt, ns), 0);
		for (i = 0; i < ni; i++)
			CHECK_EQ(tcpinc_hkdf_extract_update(&x, ikm + i, 1), 0);
		CHECK_EQ(tcpinc_hkdf_extract_final(&x, prk), 0);
	}
	CHECK_MEM(prk, eprk, 32);
	CHECK_EQ(tcpinc_cprf(okm, v->l, prk, 32, info, nf), 0);
	CHECK_MEM(okm, eokm, v->l);
	/* Every prefix length gives the prefix of the output. */
	for (i = 0; i <= v->l; i++) {
		memset(okm, 0, sizeof(okm));
		CHECK_EQ(tcpinc_cprf(okm, i, prk, 32, info, nf), 0);
		CHECK_MEM(okm, eokm, i);
	}
}

static void test_rfc5869_a1(void)
{
	run_vec(&vecs[0], false);
	run_vec(&vecs[0], true);
}

static void test_rfc5869_a2(void)
{
	run_vec(&vecs[1], false);
	run_vec(&vecs[1], true);
}

static void test_rfc5869_a3(void)
{
	run_vec(&vecs[2], false);
	run_vec(&vecs[2], true);
}

/*
 * CPRF(K, CONST, L) per RFC 8548 is T(n) = HMAC(K, T(n-1) | CONST | n):
 * compute it by hand with HMAC and compare with the HKDF-Expand code.
 */
static void test_cprf_is_expand(void)
{
	uint8_t k[32], t1[32], t2[32], hand[64], out[64], c = 0x03, n;
	crypto_auth_hmacsha256_state st;

	for (n = 0; n < 32; n++)
		k[n] = n * 7 + 1;
	n = 1;
	CHECK_EQ(crypto_auth_hmacsha256_init(&st, k, 32), 0);
	CHECK_EQ(crypto_auth_hmacsha256_update(&st, &c, 1), 0);
	CHECK_EQ(crypto_auth_hmacsha256_update(&st, &n, 1), 0);
	CHECK_EQ(crypto_auth_hmacsha256_final(&st, t1), 0);
	n = 2;
	CHECK_EQ(crypto_auth_hmacsha256_init(&st, k, 32), 0);
	CHECK_EQ(crypto_auth_hmacsha256_update(&st, t1, 32), 0);
	CHECK_EQ(crypto_auth_hmacsha256_update(&st, &c, 1), 0);
	CHECK_EQ(crypto_auth_hmacsha256_update(&st, &n, 1), 0);
	CHECK_EQ(crypto_auth_hmacsha256_final(&st, t2), 0);
	memcpy(hand, t1, 32);
	memcpy(hand + 32, t2, 32);
	CHECK_EQ(tcpinc_cprf(out, 44, k, 32, &c, 1), 0);
	CHECK_MEM(out, hand, 44);
	CHECK_EQ(tcpinc_cprf(out, 64, k, 32, &c, 1), 0);
	CHECK_MEM(out, hand, 64);
	/* In place (key and output alias), as the mk[j] ratchet does. */
	memcpy(out, k, 32);
	CHECK_EQ(tcpinc_cprf(out, 32, out, 32, &c, 1), 0);
	CHECK_MEM(out, t1, 32);
}

static void test_cprf_limit(void)
{
	static uint8_t out[TCPINC_CPRF_MAX + 1];
	uint8_t k[32] = {1};

	CHECK_EQ(tcpinc_cprf(out, TCPINC_CPRF_MAX, k, 32, NULL, 0), 0);
	CHECK_EQ(tcpinc_cprf(out, TCPINC_CPRF_MAX + 1, k, 32, NULL, 0),
		 -EINVAL);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_rfc5869_a1);
	TEST_RUN(test_rfc5869_a2);
	TEST_RUN(test_rfc5869_a3);
	TEST_RUN(test_cprf_is_expand);
	TEST_RUN(test_cprf_limit);
	return TEST_EXIT();
}
