// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* AES-GCM and ChaCha20-Poly1305 via OpenSSL EVP, contexts reused. */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>

#include "proto/aead.h"
#include "proto/session.h"

static const EVP_CIPHER *aead_cipher(uint16_t id)
{
	switch (id) {
	case TCPINC_AEAD_AES_128_GCM:
		return EVP_aes_128_gcm();
	case TCPINC_AEAD_AES_256_GCM:
		return EVP_aes_256_gcm();
	case TCPINC_AEAD_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	}
	return NULL;
}

size_t tcpinc_aead_key_len(uint16_t id)
{
	switch (id) {
	case TCPINC_AEAD_AES_128_GCM:
		return 16;
	case TCPINC_AEAD_AES_256_GCM:
	case TCPINC_AEAD_CHACHA20_POLY1305:
		return 32;
	}
	return 0;
}

bool tcpinc_aead_supported(uint16_t id)
{
	return tcpinc_aead_key_len(id) != 0;
}

int tcpinc_aead_init(struct tcpinc_aead *a, uint16_t id, const uint8_t *key,
		     bool enc)
{
	const EVP_CIPHER *c = aead_cipher(id);
	EVP_CIPHER_CTX *ctx;

	a->ctx = NULL;
	if (!c)
		return -ENOPROTOOPT;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	/* Cipher first, then the IV length, then the key: the order
	 * OpenSSL documents for AEAD modes. */
	if (EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
				TCPINC_AEAD_NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, enc) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		return -ENOMEM;
	}
	a->ctx = ctx;
	a->id = id;
	a->enc = enc;
	return 0;
}

void tcpinc_aead_free(struct tcpinc_aead *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->ctx); /* cleanses the key schedule */
	a->ctx = NULL;
	a->id = 0;
}

static int aead_run(struct tcpinc_aead *a, const uint8_t *nonce,
		    const uint8_t *ad, size_t ad_len,
		    const struct tcpinc_aead_buf *bufs, size_t n)
{
	EVP_CIPHER_CTX *ctx = a->ctx;
	int outl;
	size_t i;

	if (!ctx || ad_len > INT_MAX)
		return -EINVAL;
	/* Only the nonce changes: the key schedule stays in ctx. */
	if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, nonce, a->enc) != 1)
		return -EIO;
	if (ad_len && EVP_CipherUpdate(ctx, NULL, &outl, ad, (int)ad_len) != 1)
		return -EIO;
	for (i = 0; i < n; i++) {
		if (!bufs[i].len)
			continue;
		if (bufs[i].len > INT_MAX)
			return -EINVAL;
		/* GCM and ChaCha20-Poly1305 are stream modes: outl == len. */
		if (EVP_CipherUpdate(ctx, bufs[i].out, &outl, bufs[i].in,
				     (int)bufs[i].len) != 1 ||
		    (size_t)outl != bufs[i].len)
			return -EIO;
	}
	return 0;
}

int tcpinc_aead_seal(struct tcpinc_aead *a,
		     const uint8_t nonce[TCPINC_AEAD_NONCE_LEN],
		     const uint8_t *ad, size_t ad_len,
		     const struct tcpinc_aead_buf *bufs, size_t n,
		     uint8_t tag[TCPINC_AEAD_TAG_LEN])
{
	uint8_t dummy[16];
	int outl, err;

	if (!a->enc)
		return -EINVAL;
	err = aead_run(a, nonce, ad, ad_len, bufs, n);
	if (err)
		return err;
	if (EVP_CipherFinal_ex(a->ctx, dummy, &outl) != 1 || outl != 0)
		return -EIO;
	if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG,
				TCPINC_AEAD_TAG_LEN, tag) != 1)
		return -EIO;
	return 0;
}

int tcpinc_aead_open(struct tcpinc_aead *a,
		     const uint8_t nonce[TCPINC_AEAD_NONCE_LEN],
		     const uint8_t *ad, size_t ad_len,
		     const struct tcpinc_aead_buf *bufs, size_t n,
		     const uint8_t tag[TCPINC_AEAD_TAG_LEN])
{
	uint8_t dummy[16];
	int outl, err;

	if (a->enc)
		return -EINVAL;
	err = aead_run(a, nonce, ad, ad_len, bufs, n);
	if (err)
		return err == -EIO ? -EBADMSG : err;
	/* OpenSSL takes a non-const pointer but only copies the tag. */
	if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG,
				TCPINC_AEAD_TAG_LEN, (void *)tag) != 1)
		return -EIO;
	if (EVP_CipherFinal_ex(a->ctx, dummy, &outl) != 1)
		return -EBADMSG;
	return 0;
}

int tcpinc_aead_encrypt(struct tcpinc_aead *a,
			const uint8_t nonce[TCPINC_AEAD_NONCE_LEN],
			const uint8_t *ad, size_t ad_len, const uint8_t *in,
			size_t len, uint8_t *out,
			uint8_t tag[TCPINC_AEAD_TAG_LEN])
{
	struct tcpinc_aead_buf b = {.in = in, .out = out, .len = len};

	return tcpinc_aead_seal(a, nonce, ad, ad_len, &b, 1, tag);
}

int tcpinc_aead_decrypt(struct tcpinc_aead *a,
			const uint8_t nonce[TCPINC_AEAD_NONCE_LEN],
			const uint8_t *ad, size_t ad_len, const uint8_t *in,
			size_t len, uint8_t *out,
			const uint8_t tag[TCPINC_AEAD_TAG_LEN])
{
	struct tcpinc_aead_buf b = {.in = in, .out = out, .len = len};

	return tcpinc_aead_open(a, nonce, ad, ad_len, &b, 1, tag);
}
