/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * AEADs of RFC 8548 §7 on OpenSSL EVP. One context per direction is keyed
 * once and reused for every frame; per message only the nonce changes.
 * The tag is always 16 bytes and the nonce 12 for the three AEADs.
 */
#ifndef TCPINC_PROTO_AEAD_H
#define TCPINC_PROTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCPINC_AEAD_TAG_LEN   16
#define TCPINC_AEAD_NONCE_LEN 12
#define TCPINC_AEAD_KEY_MAX   32

struct tcpinc_aead {
	void *ctx; /* EVP_CIPHER_CTX, keyed */
	uint16_t id;
	bool enc;
};

/* A contiguous piece of input for seal/open. */
struct tcpinc_aead_buf {
	const uint8_t *in;
	uint8_t *out; /* may equal in */
	size_t len;
};

/* Key length of AEAD id, or 0 if unsupported. */
size_t tcpinc_aead_key_len(uint16_t id);
bool tcpinc_aead_supported(uint16_t id);

/* Set up a context for one direction. Returns 0, -ENOPROTOOPT, -ENOMEM. */
int tcpinc_aead_init(struct tcpinc_aead *a, uint16_t id, const uint8_t *key,
		     bool enc);
/* Free the context; OpenSSL cleanses the key schedule. */
void tcpinc_aead_free(struct tcpinc_aead *a);

/*
 * Encrypt the concatenation of bufs[0..n-1] (each written to its own out)
 * and write the tag. Splitting lets a frame's flags byte and its data come
 * from different places without a copy. Returns 0 or -EIO.
 */
int tcpinc_aead_seal(struct tcpinc_aead *a,
		     const uint8_t nonce[TCPINC_AEAD_NONCE_LEN],
		     const uint8_t *ad, size_t ad_len,
		     const struct tcpinc_aead_buf *bufs, size_t n,
		     uint8_t tag[TCPINC_AEAD_TAG_LEN]);
/*
 * Decrypt and verify. Returns 0 or -EBADMSG; on failure the out buffers
 * hold unauthenticated bytes the caller must not use.
 */
int tcpinc_aead_open(struct tcpinc_aead *a,
		     const uint8_t nonce[TCPINC_AEAD_NONCE_LEN],
		     const uint8_t *ad, size_t ad_len,
		     const struct tcpinc_aead_buf *bufs, size_t n,
		     const uint8_t tag[TCPINC_AEAD_TAG_LEN]);

/* One-shot helpers (out may equal in): out = ct, then tag. */
int tcpinc_aead_encrypt(struct tcpinc_aead *a,
			const uint8_t nonce[TCPINC_AEAD_NONCE_LEN],
			const uint8_t *ad, size_t ad_len, const uint8_t *in,
			size_t len, uint8_t *out,
			uint8_t tag[TCPINC_AEAD_TAG_LEN]);
int tcpinc_aead_decrypt(struct tcpinc_aead *a,
			const uint8_t nonce[TCPINC_AEAD_NONCE_LEN],
			const uint8_t *ad, size_t ad_len, const uint8_t *in,
			size_t len, uint8_t *out,
			const uint8_t tag[TCPINC_AEAD_TAG_LEN]);

#endif /* TCPINC_PROTO_AEAD_H */
