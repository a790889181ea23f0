/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Ephemeral key agreement per tcpcrypt TEP (RFC 8548 §5). Each TEP is a
 * table entry so P-256, P-521 and X448 can be added next to X25519.
 */
#ifndef TCPINC_PROTO_ECDH_H
#define TCPINC_PROTO_ECDH_H

#include <stddef.h>
#include <stdint.h>

#define TCPINC_TEP_X25519 0x23
/* Largest private key, wire public key and ES of any TEP we may add. */
#define TCPINC_KEX_PRIV_MAX 66
#define TCPINC_KEX_PUB_MAX  69
#define TCPINC_KEX_ES_MAX   66

struct tcpinc_kex {
	uint8_t tep; /* v = 0 form */
	size_t priv_len;
	size_t pub_len; /* PK_LEN on the wire, prefix included */
	size_t es_len;
	/* Fresh key pair; priv must be guarded memory. 0 or -errno. */
	int (*keygen)(uint8_t *priv, uint8_t *pub);
	/* ES from our priv and the peer's wire key: 0 or -EKEYREJECTED. */
	int (*derive)(uint8_t *es, const uint8_t *priv, const uint8_t *peer);
};

/* The TEP's key agreement (v bit ignored), NULL if unsupported. */
const struct tcpinc_kex *tcpinc_kex_find(uint8_t tep);

#endif /* TCPINC_PROTO_ECDH_H */
