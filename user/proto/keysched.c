// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tcpcrypt key derivations on top of HKDF-SHA256. */
#include <errno.h>
#include <string.h>

#include "proto/hkdf.h"
#include "proto/keysched.h"

int tcpinc_keysched_prk(uint8_t prk[TCPINC_K_LEN], const uint8_t *n_a,
			const uint8_t *transcript, size_t transcript_len,
			const uint8_t *init1, size_t init1_len,
			const uint8_t *init2, size_t init2_len,
			const uint8_t *es, size_t es_len)
{
	struct tcpinc_hkdf_extract x;
	int err;

	err = tcpinc_hkdf_extract_init(&x, n_a, 32);
	if (!err)
		err = tcpinc_hkdf_extract_update(&x, transcript,
						 transcript_len);
	if (!err)
		err = tcpinc_hkdf_extract_update(&x, init1, init1_len);
	if (!err)
		err = tcpinc_hkdf_extract_update(&x, init2, init2_len);
	if (!err)
		err = tcpinc_hkdf_extract_update(&x, es, es_len);
	if (err) {
		sodium_memzero(&x, sizeof(x));
		return err;
	}
	return tcpinc_hkdf_extract_final(&x, prk);
}

/* CPRF(key, c | sn, len); out may alias key. */
static int cprf_const(uint8_t *out, size_t len, const uint8_t *key, uint8_t c,
		      const uint8_t *sn, size_t sn_len)
{
	uint8_t info[1 + TCPINC_SN_MAX];

	if (sn_len > TCPINC_SN_MAX)
		return -EINVAL;
	info[0] = c;
	if (sn_len)
		memcpy(info + 1, sn, sn_len);
	return tcpinc_cprf(out, len, key, TCPINC_K_LEN, info, 1 + sn_len);
}

int tcpinc_keysched_next_ss(uint8_t ss[TCPINC_K_LEN])
{
	return cprf_const(ss, TCPINC_K_LEN, ss, TCPINC_CONST_NEXTK, NULL, 0);
}

int tcpinc_keysched_mk0(uint8_t mk[TCPINC_K_LEN],
			const uint8_t ss[TCPINC_K_LEN], const uint8_t *sn,
			size_t sn_len)
{
	return cprf_const(mk, TCPINC_K_LEN, ss, TCPINC_CONST_REKEY, sn, sn_len);
}

int tcpinc_keysched_next_mk(uint8_t mk[TCPINC_K_LEN])
{
	return cprf_const(mk, TCPINC_K_LEN, mk, TCPINC_CONST_REKEY, NULL, 0);
}

int tcpinc_keysched_traffic(uint8_t *k, size_t len,
			    const uint8_t mk[TCPINC_K_LEN], bool key_a)
{
	return cprf_const(k, len, mk,
			  key_a ? TCPINC_CONST_KEY_A : TCPINC_CONST_KEY_B, NULL,
			  0);
}

int tcpinc_keysched_session_id(uint8_t *sid, uint8_t tep,
			       const uint8_t ss[TCPINC_K_LEN],
			       const uint8_t *sn, size_t sn_len)
{
	sid[0] = tep;
	return cprf_const(sid + 1, TCPINC_K_LEN, ss, TCPINC_CONST_SESSID, sn,
			  sn_len);
}

int tcpinc_keysched_resume(uint8_t out[TCPINC_RESUME_LEN],
			   const uint8_t ss[TCPINC_K_LEN])
{
	return cprf_const(out, TCPINC_RESUME_LEN, ss, TCPINC_CONST_RESUME, NULL,
			  0);
}

int tcpinc_keysched_sn(uint8_t sn[TCPINC_SN_MAX], const uint8_t *nonce_a,
		       size_t nonce_a_len, const uint8_t *nonce_b,
		       size_t nonce_b_len)
{
	if (nonce_a_len > TCPINC_RESUME_NONCE_MAX ||
	    nonce_b_len > TCPINC_RESUME_NONCE_MAX ||
	    (nonce_a_len && !nonce_a) || (nonce_b_len && !nonce_b))
		return -EINVAL;
	if (nonce_a_len)
		memcpy(sn, nonce_a, nonce_a_len);
	if (nonce_b_len)
		memcpy(sn + nonce_a_len, nonce_b, nonce_b_len);
	return (int)(nonce_a_len + nonce_b_len);
}
