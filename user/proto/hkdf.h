/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HKDF-SHA256 (RFC 5869) as tcpcrypt uses it (RFC 8548 §4.2):
 * Extract(salt, IKM) and CPRF(K, CONST, L) = HKDF-Expand(K, info=CONST, L).
 * Extract is incremental so the key schedule can hash
 * transcript | Init1 | Init2 | ES without concatenating them.
 */
#ifndef TCPINC_PROTO_HKDF_H
#define TCPINC_PROTO_HKDF_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#define TCPINC_HASH_LEN 32
/* HKDF-Expand limit: the block counter is one octet. */
#define TCPINC_CPRF_MAX (255 * TCPINC_HASH_LEN)

struct tcpinc_hkdf_extract {
	crypto_auth_hmacsha256_state st;
};

int tcpinc_hkdf_extract_init(struct tcpinc_hkdf_extract *x, const uint8_t *salt,
			     size_t salt_len);
int tcpinc_hkdf_extract_update(struct tcpinc_hkdf_extract *x,
			       const uint8_t *data, size_t len);
/* Writes the 32-byte PRK and wipes the state. */
int tcpinc_hkdf_extract_final(struct tcpinc_hkdf_extract *x,
			      uint8_t prk[TCPINC_HASH_LEN]);
/* One-shot Extract. */
int tcpinc_hkdf_extract(uint8_t prk[TCPINC_HASH_LEN], const uint8_t *salt,
			size_t salt_len, const uint8_t *ikm, size_t ikm_len);

/*
 * CPRF = HKDF-Expand-SHA256: out_len bytes (at most TCPINC_CPRF_MAX) from
 * key and info. out may alias key (the key is absorbed first).
 * Returns 0 or -EINVAL.
 */
int tcpinc_cprf(uint8_t *out, size_t out_len, const uint8_t *key,
		size_t key_len, const uint8_t *info, size_t info_len);

#endif /* TCPINC_PROTO_HKDF_H */
