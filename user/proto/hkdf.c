// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* HKDF-SHA256 Extract and Expand (CPRF) on libsodium's HMAC-SHA256. */
#include <errno.h>
#include <string.h>

#include "proto/hkdf.h"

int tcpinc_hkdf_extract_init(struct tcpinc_hkdf_extract *x, const uint8_t *salt,
			     size_t salt_len)
{
	/* RFC 5869: a missing salt is HashLen zero bytes; HMAC pads the
	 * same way, so an empty key gives the same result. */
	if (crypto_auth_hmacsha256_init(&x->st, salt, salt_len))
		return -EINVAL;
	return 0;
}

int tcpinc_hkdf_extract_update(struct tcpinc_hkdf_extract *x,
			       const uint8_t *data, size_t len)
{
	if (!len)
		return 0;
	if (crypto_auth_hmacsha256_update(&x->st, data, len))
		return -EINVAL;
	return 0;
}

int tcpinc_hkdf_extract_final(struct tcpinc_hkdf_extract *x,
			      uint8_t prk[TCPINC_HASH_LEN])
{
	int err = 0;

	if (crypto_auth_hmacsha256_final(&x->st, prk))
		err = -EINVAL;
	/* The state holds the keyed inner/outer hashes. */
	sodium_memzero(x, sizeof(*x));
	return err;
}

int tcpinc_hkdf_extract(uint8_t prk[TCPINC_HASH_LEN], const uint8_t *salt,
			size_t salt_len, const uint8_t *ikm, size_t ikm_len)
{
	struct tcpinc_hkdf_extract x;
	int err;

	err = tcpinc_hkdf_extract_init(&x, salt, salt_len);
	if (!err)
		err = tcpinc_hkdf_extract_update(&x, ikm, ikm_len);
	if (err) {
		sodium_memzero(&x, sizeof(x));
		return err;
	}
	return tcpinc_hkdf_extract_final(&x, prk);
}

int tcpinc_cprf(uint8_t *out, size_t out_len, const uint8_t *key,
		size_t key_len, const uint8_t *info, size_t info_len)
{
	crypto_auth_hmacsha256_state keyed, st;
	uint8_t t[TCPINC_HASH_LEN];
	size_t done = 0, n;
	uint8_t ctr;
	int err = 0;

	if (out_len > TCPINC_CPRF_MAX)
		return -EINVAL;
	/* Key once, then copy the keyed state per block: one key setup
	 * instead of one per T(n). Also makes out aliasing key safe. */
	if (crypto_auth_hmacsha256_init(&keyed, key, key_len)) {
		sodium_memzero(&keyed, sizeof(keyed));
		return -EINVAL;
	}
	for (ctr = 1; done < out_len; ctr++) {
		st = keyed;
		if (ctr > 1 &&
		    crypto_auth_hmacsha256_update(&st, t, sizeof(t))) {
			err = -EINVAL;
			break;
		}
		if ((info_len &&
		     crypto_auth_hmacsha256_update(&st, info, info_len)) ||
		    crypto_auth_hmacsha256_update(&st, &ctr, 1) ||
		    crypto_auth_hmacsha256_final(&st, t)) {
			err = -EINVAL;
			break;
		}
		n = out_len - done < sizeof(t) ? out_len - done : sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	sodium_memzero(&keyed, sizeof(keyed));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(t, sizeof(t));
	return err;
}
