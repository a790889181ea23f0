// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Key agreement of TEPs 0x21 (P-256), 0x22 (P-521) and 0x24 (X448):
 * known answers, wire encoding and every rejection case.
 *
 * P-256/P-521 vectors: NIST CAVP "ECC CDH Primitive" (KAS ECC CDH, SP
 * 800-56A), COUNT 0 and 1 of each curve (dIUT, QCAVS, QIUT, ZIUT). The
 * compressed wire forms below were computed from them and the whole set
 * was cross-checked twice outside this code: with pure-integer affine
 * point arithmetic in Python (decompression, d * G = QIUT, x(d * QCAVS) =
 * ZIUT) and with python-cryptography's ECDH.
 * X448: RFC 7748 §5.2 (two vectors, the iterated one after 1 and 1000
 * rounds) and §6.2, also recomputed with python-cryptography.
 */
#include <errno.h>
#include <sodium.h>

#include "proto/ecdh.h"
#include "test.h"

#define MAXB 80

struct nist_vec {
	uint8_t tep;
	const char *priv, *pub, *peer, *es;
};

/* pub/peer in wire form: pubkey_len (counting itself) | 02/03 | x. */
static const struct nist_vec nist_vecs[] = {
	{
		TCPINC_TEP_P256,
		"7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a5"
		"34",
		"002303ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385ed281"
		"d8a6b230",
		"002302700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc83"
		"8833d287",
		"46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd"
		"7b",
	},
	{
		TCPINC_TEP_P256,
		"38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5ca"
		"f5",
		"002303119f2f047902782ab0c9e27a54aff5eb9b964829ca99c06b02ddba95"
		"b0a3f6d0",
		"002303809f04289c64348c01515eb03d5ce7ac1a8cb9498f5caa50197e58d4"
		"3a86a7ae",
		"057d636096cb80b67a8c038c890e887d1adfa4195e9b3ce241c8a778c59cda"
		"67",
	},
	{
		TCPINC_TEP_P521,
		"017eecc07ab4b329068fba65e56a1f8890aa935e57134ae0ffcce802735151"
		"f4eac6564f6ee9974c5e6887a1fefee5743ae2241bfeb95d5ce31ddcb6f9ed"
		"b4d6fc47",
		"00450300602f9d0cf9e526b29e22381c203c48a886c2b0673033366314f1ff"
		"bcba240ba42f4ef38a76174635f91e6b4ed34275eb01c8467d05ca80315bf1"
		"a7bbd945f550a5",
		"00450200685a48e86c79f0f0875f7bc18d25eb5fc8c0b07e5da4f4370f3a94"
		"90340854334b1e1b87fa395464c60626124a4e70d0f785601d37c09870ebf1"
		"76666877a2046d",
		"005fc70477c3e63bc3954bd0df3ea0d1f41ee21746ed95fc5e1fdf90930d5e"
		"136672d72cc770742d1711c3c3a4c334a0ad9759436a4d3c5bf6e74b9578fa"
		"c148c831",
	},
	{
		TCPINC_TEP_P521,
		"00816f19c1fb10ef94d4a1d81c156ec3d1de08b66761f03f06ee4bb9dcebbb"
		"fe1eaa1ed49a6a990838d8ed318c14d74cc872f95d05d07ad50f621ceb620c"
		"d905cfb8",
		"00450200d45615ed5d37fde699610a62cd43ba76bedd8f85ed31005fe00d64"
		"50fbbd101291abd96d4945a8b57bc73b3fe9f4671105309ec9b6879d0551d9"
		"30dac8ba45d255",
		"00450201df277c152108349bc34d539ee0cf06b24f5d3500677b4445453ccc"
		"21409453aafb8a72a0be9ebe54d12270aa51b3ab7f316aa5e74a951c5e53f7"
		"4cd95fc29aee7a",
		"000b3920ac830ade812c8f96805da2236e002acbbf13596a9ab254d44d0e91"
		"b6255ebf1229f366fb5a05c5884ef46032c26d42189273ca4efa4c3db6bd12"
		"a6853759",
	},
};

static void test_table(void)
{
	static const struct {
		uint8_t tep;
		size_t priv, pub, es;
	} want[] = {
		{0x21, 32, 35, 32},
		{0x22, 66, 69, 66},
		{0x23, 32, 32, 32},
		{0x24, 56, 56, 56},
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct tcpinc_kex *k = tcpinc_kex_find(want[i].tep);

		CHECK(k != NULL);
		if (!k)
			continue;
		CHECK_EQ(k->tep, want[i].tep);
		CHECK(tcpinc_kex_find(want[i].tep | TCPINC_TEP_V) == k);
		CHECK_EQ(k->priv_len, want[i].priv);
		CHECK_EQ(k->pub_len, want[i].pub);
		CHECK_EQ(k->es_len, want[i].es);
		CHECK(k->priv_len <= TCPINC_KEX_PRIV_MAX);
		CHECK(k->pub_len <= TCPINC_KEX_PUB_MAX);
		CHECK(k->es_len <= TCPINC_KEX_ES_MAX);
		CHECK(k->name != NULL);
	}
	CHECK(tcpinc_kex_find(0x00) == NULL);
	CHECK(tcpinc_kex_find(0x1f) == NULL);
	CHECK(tcpinc_kex_find(0x25) == NULL);
	CHECK(tcpinc_kex_find(0xa5) == NULL);
}

static void test_nist_cavp(void)
{
	uint8_t priv[MAXB], pub[MAXB], peer[MAXB], es[MAXB], out[MAXB];
	size_t i;

	for (i = 0; i < sizeof(nist_vecs) / sizeof(nist_vecs[0]); i++) {
		const struct nist_vec *v = &nist_vecs[i];
		const struct tcpinc_kex *k = tcpinc_kex_find(v->tep);

		CHECK_EQ(test_unhex(v->priv, priv, MAXB), k->priv_len);
		CHECK_EQ(test_unhex(v->pub, pub, MAXB), k->pub_len);
		CHECK_EQ(test_unhex(v->peer, peer, MAXB), k->pub_len);
		CHECK_EQ(test_unhex(v->es, es, MAXB), k->es_len);
		/* d * G, compressed, with the length prefix. */
		memset(out, 0, sizeof(out));
		CHECK_EQ(k->pubgen(out, priv), 0);
		CHECK_MEM(out, pub, k->pub_len);
		CHECK_EQ(k->check(peer), 0);
		CHECK_EQ(k->check(pub), 0);
		memset(out, 0xee, sizeof(out));
		CHECK_EQ(k->derive(out, priv, peer), 0);
		CHECK_MEM(out, es, k->es_len);
		/* -Q has the same x, so d * (-Q) has the same x as d * Q. */
		peer[2] ^= 1;
		CHECK_EQ(k->check(peer), 0);
		CHECK_EQ(k->derive(out, priv, peer), 0);
		CHECK_MEM(out, es, k->es_len);
	}
}

/* Both sides of fresh key pairs agree; public keys round-trip. */
static void test_keygen_agree_roundtrip(void)
{
	static const uint8_t teps[] = {0x21, 0x22, 0x23, 0x24};
	uint8_t *pa, *pb; /* private keys in guarded memory */
	uint8_t ka[MAXB], kb[MAXB], k2[MAXB], s1[MAXB], s2[MAXB];
	size_t i, round;

	pa = sodium_malloc(TCPINC_KEX_PRIV_MAX);
	pb = sodium_malloc(TCPINC_KEX_PRIV_MAX);
	CHECK(pa && pb);
	if (!pa || !pb)
		return;
	for (i = 0; i < sizeof(teps); i++) {
		const struct tcpinc_kex *k = tcpinc_kex_find(teps[i]);

		for (round = 0; round < 8; round++) {
			CHECK_EQ(k->keygen(pa, ka), 0);
			CHECK_EQ(k->keygen(pb, kb), 0);
			CHECK(memcmp(pa, pb, k->priv_len) != 0);
			CHECK(memcmp(ka, kb, k->pub_len) != 0);
			/* Encoding: the prefix counts itself. */
			if (k->pub_len != k->es_len) {
				CHECK_EQ((size_t)(ka[0] << 8 | ka[1]),
					 k->pub_len);
				CHECK(ka[2] == 2 || ka[2] == 3);
			}
			CHECK_EQ(k->check(ka), 0);
			CHECK_EQ(k->pubgen(k2, pa), 0);
			CHECK_MEM(k2, ka, k->pub_len);
			CHECK_EQ(k->derive(s1, pa, kb), 0);
			CHECK_EQ(k->derive(s2, pb, ka), 0);
			CHECK_MEM(s1, s2, k->es_len);
		}
	}
	sodium_free(pa);
	sodium_free(pb);
}

/* Expect check() and derive() to refuse w; es must come back zeroed. */
static void reject(const struct tcpinc_kex *k, const uint8_t *priv,
		   const uint8_t *w)
{
	uint8_t es[MAXB], zero[MAXB] = {0};

	CHECK_EQ(k->check(w), -EKEYREJECTED);
	memset(es, 0x5a, sizeof(es));
	CHECK_EQ(k->derive(es, priv, w), -EKEYREJECTED);
	CHECK_MEM(es, zero, k->es_len);
}

static void nist_rejections(const struct nist_vec *v)
{
	const struct tcpinc_kex *k = tcpinc_kex_find(v->tep);
	size_t flen = k->es_len, pk = k->pub_len;
	uint8_t priv[MAXB], good[MAXB], w[MAXB];
	static const uint8_t prefixes[] = {0x00, 0x01, 0x04, 0x05,
					   0x06, 0x07, 0x82, 0xff};
	size_t i;

	test_unhex(v->priv, priv, MAXB);
	test_unhex(v->peer, good, MAXB);
	CHECK_EQ(k->check(good), 0);

	/* Point prefix: only 02/03 (compressed). */
	for (i = 0; i < sizeof(prefixes); i++) {
		memcpy(w, good, pk);
		w[2] = prefixes[i];
		reject(k, priv, w);
	}

	/* pubkey_len: not counting itself, off by one, zero, huge. */
	memcpy(w, good, pk);
	w[0] = 0;
	w[1] = (uint8_t)(pk - 2);
	reject(k, priv, w);
	w[1] = (uint8_t)(pk - 1);
	reject(k, priv, w);
	w[1] = (uint8_t)(pk + 1);
	reject(k, priv, w);
	w[1] = 0;
	reject(k, priv, w);
	w[0] = 0xff;
	w[1] = 0xff;
	reject(k, priv, w);
	/* The length in the high byte instead (little-endian). */
	w[0] = (uint8_t)pk;
	w[1] = 0;
	reject(k, priv, w);

	/* An uncompressed point, as the 2016 code sent them: its own
	 * correct length 2 + 1 + 2 * flen, then 04 | x | y. The receiver
	 * reads PK_LEN bytes: both the length and the 04 give it away. */
	memcpy(w, good, pk);
	w[0] = (uint8_t)((3 + 2 * flen) >> 8);
	w[1] = (uint8_t)(3 + 2 * flen);
	w[2] = 0x04;
	reject(k, priv, w);
	/* ... and with a (lying) compressed-size length. */
	w[0] = good[0];
	w[1] = good[1];
	reject(k, priv, w);

	/* The point at infinity: IEEE 1363 encodes it as one 00 byte. */
	memset(w, 0, pk);
	w[1] = 3;
	reject(k, priv, w);
	memcpy(w, good, 2);
	reject(k, priv, w); /* 00 prefix, x = 0 */

	/* x not on the curve (x = 1 for P-256, 3 for P-521: x^3 - 3x + b
	 * is a non-residue), both parities. */
	memset(w + 3, 0, flen);
	w[2] = 0x02;
	w[pk - 1] = v->tep == TCPINC_TEP_P256 ? 1 : 3;
	reject(k, priv, w);
	w[2] = 0x03;
	reject(k, priv, w);
	/* x = 0 is on both curves: the same bytes with x = 0 pass. */
	w[pk - 1] = 0;
	CHECK_EQ(k->check(w), 0);

	/* x >= p: all-ones x, and x = p (which would be x = 0). */
	memset(w + 3, 0xff, flen);
	reject(k, priv, w);
	if (v->tep == TCPINC_TEP_P256) {
		test_unhex(
			"ffffffff00000001000000000000000000000000ffffffffffff"
			"ffffffffffff",
			w + 3, flen);
	} else {
		memset(w + 3, 0xff, flen);
		w[3] = 0x01; /* p = 2^521 - 1 */
	}
	w[2] = 0x02;
	reject(k, priv, w);
	w[2] = 0x03;
	reject(k, priv, w);
	/* P-521: x with bits above 521 set, else valid. */
	if (v->tep == TCPINC_TEP_P521) {
		memcpy(w, good, pk);
		w[3] |= 0x02;
		reject(k, priv, w);
	}

	/* Flipping a bit of x mostly lands off the curve; whatever the
	 * verdict, check() and derive() must agree. */
	for (i = 3; i < pk; i++) {
		uint8_t es[MAXB];
		int c, d;

		memcpy(w, good, pk);
		w[i] ^= 0x10;
		c = k->check(w);
		d = k->derive(es, priv, w);
		CHECK(c == 0 || c == -EKEYREJECTED);
		CHECK_EQ(c, d);
	}
}

static void test_nist_rejections(void)
{
	nist_rejections(&nist_vecs[0]);
	nist_rejections(&nist_vecs[2]);
}

/* Private scalars outside [1, n-1] are refused, not reduced. */
static void test_nist_bad_scalar(void)
{
	uint8_t d[MAXB], out[MAXB], peer[MAXB];
	const struct tcpinc_kex *k256 = tcpinc_kex_find(TCPINC_TEP_P256);
	const struct tcpinc_kex *k521 = tcpinc_kex_find(TCPINC_TEP_P521);

	memset(d, 0, sizeof(d));
	CHECK_EQ(k256->pubgen(out, d), -EINVAL);
	CHECK_EQ(k521->pubgen(out, d), -EINVAL);
	test_unhex(nist_vecs[0].peer, peer, MAXB);
	CHECK_EQ(k256->derive(out, d, peer), -EINVAL);
	/* n of P-256 */
	test_unhex(
		"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63"
		"2551",
		d, 32);
	CHECK_EQ(k256->pubgen(out, d), -EINVAL);
	d[31] = 0x50; /* n - 1 is fine */
	CHECK_EQ(k256->pubgen(out, d), 0);
	memset(d, 0xff, 66);
	CHECK_EQ(k521->pubgen(out, d), -EINVAL);
}

static const struct tcpinc_kex *x448(void)
{
	return tcpinc_kex_find(TCPINC_TEP_X448);
}

static void x448_dh(const char *scalar, const char *u, const char *want)
{
	uint8_t k[56], pu[56], w[56], out[56];

	CHECK_EQ(test_unhex(scalar, k, 56), 56);
	CHECK_EQ(test_unhex(u, pu, 56), 56);
	CHECK_EQ(test_unhex(want, w, 56), 56);
	CHECK_EQ(x448()->check(pu), 0);
	CHECK_EQ(x448()->derive(out, k, pu), 0);
	CHECK_MEM(out, w, 56);
}

static void test_x448_rfc7748_5_2(void)
{
	x448_dh("3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121"
		"700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3",
		"06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9"
		"814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086",
		"ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239f"
		"e14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f");
	x448_dh("203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c5"
		"38345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f",
		"0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b"
		"165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db",
		"884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7"
		"ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d");
}

static void test_x448_rfc7748_5_2_iterated(void)
{
	uint8_t k[56] = {5}, u[56] = {5}, r[56], w1[56], w1000[56];
	int i;

	test_unhex("3f482c8a9f19b01e6c46ee9711d9dc14fd4bf67af30765c2ae2b846a"
		   "4d23a8cd0db897086239492caf350b51f833868b9bc2b3bca9cf4113",
		   w1, 56);
	test_unhex("aa3b4749d55b9daf1e5b00288826c467274ce3ebbdd5c17b975e09d4"
		   "af6c67cf10d087202db88286e2b79fceea3ec353ef54faa26e219f38",
		   w1000, 56);
	for (i = 1; i <= 1000; i++) {
		CHECK_EQ(x448()->derive(r, k, u), 0);
		memcpy(u, k, 56);
		memcpy(k, r, 56);
		if (i == 1)
			CHECK_MEM(k, w1, 56);
	}
	CHECK_MEM(k, w1000, 56);
}

static void test_x448_rfc7748_6_2(void)
{
	uint8_t a[56], b[56], pa[56], pb[56], wa[56], wb[56], w[56];
	uint8_t s1[56], s2[56];

	test_unhex("9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28d"
		   "d9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
		   a, 56);
	test_unhex("9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c"
		   "22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
		   wa, 56);
	test_unhex("1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d"
		   "6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
		   b, 56);
	test_unhex("3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b430"
		   "27d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
		   wb, 56);
	test_unhex("07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282b"
		   "b60c0b56fd2464c335543936521c24403085d59a449a5037514a879d",
		   w, 56);
	CHECK_EQ(x448()->pubgen(pa, a), 0);
	CHECK_EQ(x448()->pubgen(pb, b), 0);
	CHECK_MEM(pa, wa, 56);
	CHECK_MEM(pb, wb, 56);
	CHECK_EQ(x448()->derive(s1, a, pb), 0);
	CHECK_EQ(x448()->derive(s2, b, pa), 0);
	CHECK_MEM(s1, w, 56);
	CHECK_MEM(s2, w, 56);
}

/*
 * Low-order u (0 and 1) and their non-canonical forms p and p + 1 give
 * an all-zero X448 result for every (clamped) scalar: RFC 8548 §5 MUST
 * abort. p = 2^448 - 2^224 - 1, little-endian.
 */
static void test_x448_zero_secret_rejected(void)
{
	uint8_t a[56], pa[56], b[56], pb[56], s1[56], s2[56];
	uint8_t u[4][56], es[56], zero[56] = {0};
	size_t i;

	memset(u, 0, sizeof(u));
	u[1][0] = 1; /* u = 1 */
	memset(u[2], 0xff, 56); /* u = p */
	u[2][28] = 0xfe;
	memset(u[3] + 28, 0xff, 28); /* u = p + 1 = 2^448 - 2^224 */
	CHECK_EQ(x448()->keygen(a, pa), 0);
	for (i = 0; i < 4; i++) {
		memset(es, 0xaa, sizeof(es));
		CHECK_EQ(x448()->check(u[i]), 0); /* any 56 bytes decode */
		CHECK_EQ(x448()->derive(es, a, u[i]), -EKEYREJECTED);
		CHECK_MEM(es, zero, 56);
	}
	/* A valid peer key still works with the same private key. */
	CHECK_EQ(x448()->keygen(b, pb), 0);
	CHECK_EQ(x448()->derive(s1, a, pb), 0);
	CHECK_EQ(x448()->derive(s2, b, pa), 0);
	CHECK_MEM(s1, s2, 56);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_table);
	TEST_RUN(test_nist_cavp);
	TEST_RUN(test_keygen_agree_roundtrip);
	TEST_RUN(test_nist_rejections);
	TEST_RUN(test_nist_bad_scalar);
	TEST_RUN(test_x448_rfc7748_5_2);
	TEST_RUN(test_x448_rfc7748_5_2_iterated);
	TEST_RUN(test_x448_rfc7748_6_2);
	TEST_RUN(test_x448_zero_secret_rejected);
	return TEST_EXIT();
}
