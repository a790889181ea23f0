/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Ephemeral key agreement per tcpcrypt TEP (RFC 8548 §5), one table entry
 * per TEP:
 *
 *   TEP   curve   priv  wire public key (PK_LEN)             ES
 *   0x21  P-256   32    pubkey_len(2) | 02/03 | x(32)   = 35  x(32)
 *   0x22  P-521   66    pubkey_len(2) | 02/03 | x(66)   = 69  x(66)
 *   0x23  X25519  32    u(32), raw                      = 32  32
 *   0x24  X448    56    u(56), raw                      = 56  56
 *
 * NIST curves: priv is the scalar d, big-endian, fixed length, 1 <= d < n.
 * pubkey_len counts its own two bytes (35 / 69; the RFC figure numbers the
 * structure's bytes 0..L-1 with pubkey_len = L). Only compressed points
 * (IEEE 1363 §E.2.3.2) are sent or accepted. ES is the x-coordinate of
 * d * Q (ECSVDP-DH, cofactor 1) as a fixed-length field element.
 * X25519/X448: RFC 7748 functions; an all-zero ES is rejected.
 *
 * Private keys are raw bytes the caller keeps in guarded memory
 * (sodium_malloc); OpenSSL objects made from them live only for the
 * duration of one call and are cleansed when freed.
 */
#ifndef TCPINC_PROTO_ECDH_H
#define TCPINC_PROTO_ECDH_H

#include <stddef.h>
#include <stdint.h>

#define TCPINC_TEP_P256	  0x21
#define TCPINC_TEP_P521	  0x22
#define TCPINC_TEP_X25519 0x23
#define TCPINC_TEP_X448	  0x24
/* TEP 0x20 (docs/tep-0x20.md): the X25519 exchange, records after it. */
#define TCPINC_TEP_REC_X25519 0x20
/* The v bit of a TEP byte: set in resumption suboptions and session IDs. */
#define TCPINC_TEP_V 0x80
/* Largest private key, wire public key and ES of any TEP. */
#define TCPINC_KEX_PRIV_MAX 66
#define TCPINC_KEX_PUB_MAX  69
#define TCPINC_KEX_ES_MAX   66

struct tcpinc_kex {
	uint8_t tep; /* v = 0 form */
	const char *name;
	size_t priv_len;
	size_t pub_len; /* PK_LEN on the wire, length prefix included */
	size_t es_len;
	/* Fresh key pair; priv must be guarded memory. 0 or -errno (priv
	 * wiped then). */
	int (*keygen)(uint8_t *priv, uint8_t *pub);
	/* The wire public key of a private key: 0, -EINVAL (bad scalar),
	 * -ENOMEM or -EIO. */
	int (*pubgen)(uint8_t *pub, const uint8_t *priv);
	/*
	 * Check a received wire public key alone: 0 or -EKEYREJECTED (bad
	 * length prefix, not a compressed point, x >= p, not on the curve).
	 * X25519/X448 accept any 32/56 bytes here (RFC 7748 decoding); their
	 * small-order inputs show up as an all-zero ES in derive().
	 */
	int (*check)(const uint8_t *peer);
	/*
	 * ES from our priv and the peer's wire key: 0, -EKEYREJECTED
	 * (check() failed, or all-zero/infinity result), -EINVAL (bad
	 * private key) or -ENOMEM. On error es is zeroed.
	 */
	int (*derive)(uint8_t *es, const uint8_t *priv, const uint8_t *peer);
};

/* The TEP's key agreement (v bit ignored), NULL if unsupported. */
const struct tcpinc_kex *tcpinc_kex_find(uint8_t tep);

#endif /* TCPINC_PROTO_ECDH_H */
