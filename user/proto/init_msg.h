/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tcpcrypt Init1/Init2 (RFC 8548 §5.1). message_len counts the whole
 * message; a receiver accepts and skips trailing "ignored" bytes, which the
 * key schedule still hashes as part of the transmitted message.
 */
#ifndef TCPINC_PROTO_INIT_MSG_H
#define TCPINC_PROTO_INIT_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TCPINC_INIT1_MAGIC 0x15101a0eU
#define TCPINC_INIT2_MAGIC 0x097105e0U
#define TCPINC_NONCE_LEN   32
/* magic, message_len, nciphers */
#define TCPINC_INIT1_HDR_LEN 9
/* magic, message_len, sym_cipher */
#define TCPINC_INIT2_HDR_LEN 10

struct tcpinc_init1 {
	const uint8_t *ciphers; /* nciphers 2-byte big-endian AEAD ids */
	size_t nciphers;
	const uint8_t *nonce; /* N_A */
	const uint8_t *pub; /* Pub_A, pk_len bytes */
	size_t len; /* message_len */
};

struct tcpinc_init2 {
	uint16_t cipher;
	const uint8_t *nonce; /* N_B */
	const uint8_t *pub; /* Pub_B */
	size_t len;
};

/* Length of an Init1 with n ciphers. */
static inline size_t tcpinc_init1_len(size_t n, size_t pk_len)
{
	return TCPINC_INIT1_HDR_LEN + 2 * n + TCPINC_NONCE_LEN + pk_len;
}

static inline size_t tcpinc_init2_len(size_t pk_len)
{
	return TCPINC_INIT2_HDR_LEN + TCPINC_NONCE_LEN + pk_len;
}

/* i-th AEAD id offered in a parsed Init1. */
static inline uint16_t tcpinc_init1_cipher(const struct tcpinc_init1 *m,
					   size_t i)
{
	return (uint16_t)(m->ciphers[2 * i] << 8 | m->ciphers[2 * i + 1]);
}

/*
 * Build a message with no ignored bytes. Returns its length, -ENOBUFS if
 * cap is too small, -EINVAL for K = 0, K > 255 or > TCPINC_INIT_MAX.
 */
ssize_t tcpinc_init1_build(uint8_t *out, size_t cap, const uint16_t *ciphers,
			   size_t n, const uint8_t nonce[TCPINC_NONCE_LEN],
			   const uint8_t *pub, size_t pk_len);
ssize_t tcpinc_init2_build(uint8_t *out, size_t cap, uint16_t cipher,
			   const uint8_t nonce[TCPINC_NONCE_LEN],
			   const uint8_t *pub, size_t pk_len);

/*
 * Parse a message at the start of in[0..len). Returns message_len once all
 * of it is present, 0 if more bytes are needed, -EPROTO as soon as the
 * bytes present prove it malformed (bad magic, message_len too short for
 * the fields or above TCPINC_INIT_MAX, K = 0). m points into in.
 */
ssize_t tcpinc_init1_parse(const uint8_t *in, size_t len, size_t pk_len,
			   struct tcpinc_init1 *m);
ssize_t tcpinc_init2_parse(const uint8_t *in, size_t len, size_t pk_len,
			   struct tcpinc_init2 *m);

#endif /* TCPINC_PROTO_INIT_MSG_H */
