// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* X25519 (TEP 0x23) on libsodium. */
#include <errno.h>
#include <sodium.h>

#include "proto/ecdh.h"

static int x25519_keygen(uint8_t *priv, uint8_t *pub)
{
	randombytes_buf(priv, crypto_scalarmult_SCALARBYTES);
	if (crypto_scalarmult_base(pub, priv))
		return -EIO;
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

static const struct tcpinc_kex kex_table[] = {
	{
		.tep = TCPINC_TEP_X25519,
		.priv_len = crypto_scalarmult_SCALARBYTES,
		.pub_len = crypto_scalarmult_BYTES,
		.es_len = crypto_scalarmult_BYTES,
		.keygen = x25519_keygen,
		.derive = x25519_derive,
	},
};

const struct tcpinc_kex *tcpinc_kex_find(uint8_t tep)
{
	size_t i;

	for (i = 0; i < sizeof(kex_table) / sizeof(kex_table[0]); i++)
		if (kex_table[i].tep == (tep & 0x7f))
			return &kex_table[i];
	return NULL;
}
