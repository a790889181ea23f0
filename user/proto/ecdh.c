// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpcrypt key agreements (see ecdh.h): X25519 on libsodium; P-256, P-521
 * (EC_POINT API, constant-time ladders inside OpenSSL) and X448 (EVP) on
 * OpenSSL 3.
 */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "proto/ecdh.h"

/* Fresh private keys: tries before giving up on out-of-range scalars. */
#define KEYGEN_TRIES 64

/* ---- X25519 (libsodium) ----------------------------------------------- */

static int x25519_pubgen(uint8_t *pub, const uint8_t *priv)
{
	if (crypto_scalarmult_base(pub, priv))
		return -EIO;
	return 0;
}

static int x25519_keygen(uint8_t *priv, uint8_t *pub)
{
	int err;

	randombytes_buf(priv, crypto_scalarmult_SCALARBYTES);
	err = x25519_pubgen(pub, priv);
	if (err)
		sodium_memzero(priv, crypto_scalarmult_SCALARBYTES);
	return err;
}

static int x_check(const uint8_t *peer)
{
	/* RFC 7748 decoding takes any string of the right length. */
	(void)peer;
	return 0;
}

static int x25519_derive(uint8_t *es, const uint8_t *priv, const uint8_t *peer)
{
	/* libsodium fails on an all-zero result (small-order peer key);
	 * check again ourselves since RFC 8548 §5 makes it a MUST. */
	if (crypto_scalarmult(es, priv, peer) ||
	    sodium_is_zero(es, crypto_scalarmult_BYTES)) {
		sodium_memzero(es, crypto_scalarmult_BYTES);
		return -EKEYREJECTED;
	}
	return 0;
}

/* ---- X448 (OpenSSL EVP) ----------------------------------------------- */

#define X448_LEN 56

static int x448_pubgen(uint8_t *pub, const uint8_t *priv)
{
	EVP_PKEY *k;
	size_t len = X448_LEN;
	int err = 0;

	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X448, NULL, priv, X448_LEN);
	if (!k) {
		ERR_clear_error();
		return -ENOMEM;
	}
	if (EVP_PKEY_get_raw_public_key(k, pub, &len) != 1 || len != X448_LEN)
		err = -EIO;
	/* Frees (and cleanses) OpenSSL's copy of the private key. */
	EVP_PKEY_free(k);
	if (err)
		ERR_clear_error();
	return err;
}

static int x448_keygen(uint8_t *priv, uint8_t *pub)
{
	int err;

	randombytes_buf(priv, X448_LEN);
	err = x448_pubgen(pub, priv);
	if (err)
		sodium_memzero(priv, X448_LEN);
	return err;
}

static int x448_derive(uint8_t *es, const uint8_t *priv, const uint8_t *peer)
{
	EVP_PKEY *k, *p;
	EVP_PKEY_CTX *c = NULL;
	size_t len = X448_LEN;
	int err = -ENOMEM;

	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X448, NULL, priv, X448_LEN);
	p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X448, NULL, peer, X448_LEN);
	if (k && p)
		c = EVP_PKEY_CTX_new(k, NULL);
	if (c) {
		/* OpenSSL's X448 fails on an all-zero result; so do we. */
		err = -EKEYREJECTED;
		if (EVP_PKEY_derive_init(c) == 1 &&
		    EVP_PKEY_derive_set_peer(c, p) == 1 &&
		    EVP_PKEY_derive(c, es, &len) == 1 && len == X448_LEN &&
		    !sodium_is_zero(es, X448_LEN))
			err = 0;
	}
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(p);
	EVP_PKEY_free(k);
	if (err) {
		sodium_memzero(es, X448_LEN);
		ERR_clear_error();
	}
	return err;
}

/* ---- NIST P-256 / P-521 (OpenSSL EC_POINT) ---------------------------- */

struct nist_curve {
	int nid;
	size_t flen; /* bytes of a field element and of a scalar */
	uint8_t top_mask; /* bits of the first scalar byte that may be set */
};

static const struct nist_curve p256 = {NID_X9_62_prime256v1, 32, 0xff};
static const struct nist_curve p521 = {NID_secp521r1, 66, 0x01};

/*
 * The groups are built once and then only read (every EC_POINT call
 * takes a const EC_GROUP), so threads may share them. Never freed.
 */
static EC_GROUP *group_p256, *group_p521;
static pthread_once_t groups_once = PTHREAD_ONCE_INIT;

static void groups_init(void)
{
	group_p256 = EC_GROUP_new_by_curve_name(p256.nid);
	group_p521 = EC_GROUP_new_by_curve_name(p521.nid);
	ERR_clear_error();
}

/* Everything one operation needs; nist_end() frees it. */
struct nist_op {
	const struct nist_curve *cv;
	const EC_GROUP *g;
	BN_CTX *ctx;
	BIGNUM *d; /* secret scalar */
};

static int nist_begin(struct nist_op *op, const struct nist_curve *cv)
{
	op->cv = cv;
	op->d = NULL;
	op->ctx = NULL;
	if (pthread_once(&groups_once, groups_init))
		return -ENOMEM;
	op->g = cv == &p256 ? group_p256 : group_p521;
	if (!op->g)
		return -ENOMEM;
	op->ctx = BN_CTX_secure_new();
	if (!op->ctx)
		return -ENOMEM;
	return 0;
}

static void nist_end(struct nist_op *op)
{
	BN_clear_free(op->d);
	BN_CTX_free(op->ctx);
	ERR_clear_error();
}

/* op->d = priv as a scalar: 0, -EINVAL unless 1 <= d < n, -ENOMEM. */
static int nist_scalar(struct nist_op *op, const uint8_t *priv)
{
	op->d = BN_secure_new();
	if (!op->d)
		return -ENOMEM;
	BN_set_flags(op->d, BN_FLG_CONSTTIME);
	if (!BN_bin2bn(priv, (int)op->cv->flen, op->d))
		return -ENOMEM;
	if (BN_is_zero(op->d) || BN_cmp(op->d, EC_GROUP_get0_order(op->g)) >= 0)
		return -EINVAL;
	return 0;
}

static size_t nist_pk_len(const struct nist_curve *cv)
{
	return 2 + 1 + cv->flen;
}

/* Wire form: pubkey_len (counting itself) | compressed point. */
static int nist_encode(struct nist_op *op, const EC_POINT *pt, uint8_t *pub)
{
	size_t pk = nist_pk_len(op->cv);

	pub[0] = (uint8_t)(pk >> 8);
	pub[1] = (uint8_t)pk;
	if (EC_POINT_point2oct(op->g, pt, POINT_CONVERSION_COMPRESSED, pub + 2,
			       pk - 2, op->ctx) != pk - 2)
		return -EIO;
	return 0;
}

/* The framing of a wire public key, before any arithmetic. */
static int nist_frame_ok(const struct nist_curve *cv, const uint8_t *peer)
{
	if (((size_t)peer[0] << 8 | peer[1]) != nist_pk_len(cv))
		return -EKEYREJECTED;
	/* Compressed only: 04 (uncompressed), 06/07 (hybrid), 00 no. */
	if (peer[2] != 0x02 && peer[2] != 0x03)
		return -EKEYREJECTED;
	return 0;
}

/* Parse and validate (IEEE 1363 §A.16.10) a wire public key into pt. */
static int nist_decode(struct nist_op *op, const uint8_t *peer, EC_POINT *pt)
{
	size_t pk = nist_pk_len(op->cv);

	if (nist_frame_ok(op->cv, peer))
		return -EKEYREJECTED;
	/* Fails for x >= p and for x with no square root (not on the
	 * curve); the explicit checks below are belt and braces. */
	if (EC_POINT_oct2point(op->g, pt, peer + 2, pk - 2, op->ctx) != 1)
		return -EKEYREJECTED;
	if (EC_POINT_is_at_infinity(op->g, pt) ||
	    EC_POINT_is_on_curve(op->g, pt, op->ctx) != 1)
		return -EKEYREJECTED;
	/* Cofactor 1 for both curves: every other point has order n. */
	return 0;
}

static int nist_pubgen(const struct nist_curve *cv, uint8_t *pub,
		       const uint8_t *priv)
{
	struct nist_op op;
	EC_POINT *pt = NULL;
	int err;

	err = nist_begin(&op, cv);
	if (!err)
		err = nist_scalar(&op, priv);
	if (!err) {
		pt = EC_POINT_new(op.g);
		err = pt ? 0 : -ENOMEM;
	}
	if (!err && EC_POINT_mul(op.g, pt, op.d, NULL, NULL, op.ctx) != 1)
		err = -EIO;
	if (!err)
		err = nist_encode(&op, pt, pub);
	EC_POINT_clear_free(pt);
	nist_end(&op);
	return err;
}

static int nist_keygen(const struct nist_curve *cv, uint8_t *priv, uint8_t *pub)
{
	int i, err = -EIO;

	/* Rejection sampling of d in [1, n-1]. */
	for (i = 0; i < KEYGEN_TRIES; i++) {
		randombytes_buf(priv, cv->flen);
		priv[0] &= cv->top_mask;
		err = nist_pubgen(cv, pub, priv);
		if (err != -EINVAL)
			break;
	}
	if (err)
		sodium_memzero(priv, cv->flen);
	return err == -EINVAL ? -EIO : err;
}

static int nist_check(const struct nist_curve *cv, const uint8_t *peer)
{
	struct nist_op op;
	EC_POINT *pt = NULL;
	int err;

	if (nist_frame_ok(cv, peer))
		return -EKEYREJECTED;
	err = nist_begin(&op, cv);
	if (!err) {
		pt = EC_POINT_new(op.g);
		err = pt ? 0 : -ENOMEM;
	}
	if (!err)
		err = nist_decode(&op, peer, pt);
	EC_POINT_free(pt);
	nist_end(&op);
	return err;
}

/* ECSVDP-DH: ES = x(d * Q), fixed length. */
static int nist_derive(const struct nist_curve *cv, uint8_t *es,
		       const uint8_t *priv, const uint8_t *peer)
{
	EC_POINT *q = NULL, *r = NULL;
	BIGNUM *x = NULL;
	struct nist_op op;
	int err;

	if (nist_frame_ok(cv, peer)) {
		sodium_memzero(es, cv->flen);
		return -EKEYREJECTED;
	}
	err = nist_begin(&op, cv);
	if (!err) {
		q = EC_POINT_new(op.g);
		r = EC_POINT_new(op.g);
		x = BN_secure_new();
		err = q && r && x ? 0 : -ENOMEM;
	}
	if (!err)
		err = nist_decode(&op, peer, q);
	if (!err)
		err = nist_scalar(&op, priv);
	if (!err && EC_POINT_mul(op.g, r, NULL, q, op.d, op.ctx) != 1)
		err = -EIO;
	if (!err && EC_POINT_is_at_infinity(op.g, r))
		err = -EKEYREJECTED;
	if (!err &&
	    EC_POINT_get_affine_coordinates(op.g, r, x, NULL, op.ctx) != 1)
		err = -EIO;
	if (!err && BN_bn2binpad(x, es, (int)cv->flen) != (int)cv->flen)
		err = -EIO;
	if (err)
		sodium_memzero(es, cv->flen);
	BN_clear_free(x);
	EC_POINT_clear_free(r);
	EC_POINT_free(q);
	nist_end(&op);
	return err;
}

static int p256_keygen(uint8_t *priv, uint8_t *pub)
{
	return nist_keygen(&p256, priv, pub);
}

static int p256_pubgen(uint8_t *pub, const uint8_t *priv)
{
	return nist_pubgen(&p256, pub, priv);
}

static int p256_check(const uint8_t *peer)
{
	return nist_check(&p256, peer);
}

static int p256_derive(uint8_t *es, const uint8_t *priv, const uint8_t *peer)
{
	return nist_derive(&p256, es, priv, peer);
}

static int p521_keygen(uint8_t *priv, uint8_t *pub)
{
	return nist_keygen(&p521, priv, pub);
}

static int p521_pubgen(uint8_t *pub, const uint8_t *priv)
{
	return nist_pubgen(&p521, pub, priv);
}

static int p521_check(const uint8_t *peer)
{
	return nist_check(&p521, peer);
}

static int p521_derive(uint8_t *es, const uint8_t *priv, const uint8_t *peer)
{
	return nist_derive(&p521, es, priv, peer);
}

/* ---- table ------------------------------------------------------------ */

static const struct tcpinc_kex kex_table[] = {
	{
		.tep = TCPINC_TEP_P256,
		.name = "TCPCRYPT_ECDHE_P256",
		.priv_len = 32,
		.pub_len = 35,
		.es_len = 32,
		.keygen = p256_keygen,
		.pubgen = p256_pubgen,
		.check = p256_check,
		.derive = p256_derive,
	},
	{
		.tep = TCPINC_TEP_P521,
		.name = "TCPCRYPT_ECDHE_P521",
		.priv_len = 66,
		.pub_len = 69,
		.es_len = 66,
		.keygen = p521_keygen,
		.pubgen = p521_pubgen,
		.check = p521_check,
		.derive = p521_derive,
	},
	{
		.tep = TCPINC_TEP_X25519,
		.name = "TCPCRYPT_ECDHE_Curve25519",
		.priv_len = crypto_scalarmult_SCALARBYTES,
		.pub_len = crypto_scalarmult_BYTES,
		.es_len = crypto_scalarmult_BYTES,
		.keygen = x25519_keygen,
		.pubgen = x25519_pubgen,
		.check = x_check,
		.derive = x25519_derive,
	},
	{
		.tep = TCPINC_TEP_X448,
		.name = "TCPCRYPT_ECDHE_Curve448",
		.priv_len = X448_LEN,
		.pub_len = X448_LEN,
		.es_len = X448_LEN,
		.keygen = x448_keygen,
		.pubgen = x448_pubgen,
		.check = x_check,
		.derive = x448_derive,
	},
};

const struct tcpinc_kex *tcpinc_kex_find(uint8_t tep)
{
	size_t i;

	tep &= ~TCPINC_TEP_V;
	/* TEP 0x20 agrees on keys exactly as 0x23 does (docs/tep-0x20.md) */
	if (tep == TCPINC_TEP_REC_X25519)
		tep = TCPINC_TEP_X25519;
	for (i = 0; i < sizeof(kex_table) / sizeof(kex_table[0]); i++)
		if (kex_table[i].tep == tep)
			return &kex_table[i];
	return NULL;
}
