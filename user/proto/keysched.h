/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tcpcrypt key schedule (RFC 8548 §3.3-3.5): PRK, ss[i], mk[j], traffic
 * keys, session IDs and the resumption identifiers and session nonces.
 */
#ifndef TCPINC_PROTO_KEYSCHED_H
#define TCPINC_PROTO_KEYSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCPINC_CONST_NEXTK  0x01
#define TCPINC_CONST_SESSID 0x02
#define TCPINC_CONST_REKEY  0x03
#define TCPINC_CONST_KEY_A  0x04
#define TCPINC_CONST_KEY_B  0x05
#define TCPINC_CONST_RESUME 0x06

#define TCPINC_K_LEN	  32
#define TCPINC_RESUME_LEN 18
/* Session nonce sn[i] = nonce_a | nonce_b, 0..8 bytes each. */
#define TCPINC_RESUME_NONCE_MAX 8
#define TCPINC_SN_MAX		(2 * TCPINC_RESUME_NONCE_MAX)
/* Half a resumption identifier, as sent in a resumption suboption. */
#define TCPINC_RESUME_HALF (TCPINC_RESUME_LEN / 2)
/* Traffic key = AEAD key | 12-byte nonce randomizer NR. */
#define TCPINC_TRAFFIC_KEY_MAX 44

/* PRK = ss[0] = Extract(N_A, transcript | Init1 | Init2 | ES). */
int tcpinc_keysched_prk(uint8_t prk[TCPINC_K_LEN], const uint8_t *n_a,
			const uint8_t *transcript, size_t transcript_len,
			const uint8_t *init1, size_t init1_len,
			const uint8_t *init2, size_t init2_len,
			const uint8_t *es, size_t es_len);
/* ss[i+1] = CPRF(ss[i], CONST_NEXTK, K_LEN), in place. */
int tcpinc_keysched_next_ss(uint8_t ss[TCPINC_K_LEN]);
/* mk[0] = CPRF(ss[i], CONST_REKEY | sn[i], K_LEN); sn empty when fresh. */
int tcpinc_keysched_mk0(uint8_t mk[TCPINC_K_LEN],
			const uint8_t ss[TCPINC_K_LEN], const uint8_t *sn,
			size_t sn_len);
/* mk[j] = CPRF(mk[j-1], CONST_REKEY, K_LEN), in place. */
int tcpinc_keysched_next_mk(uint8_t mk[TCPINC_K_LEN]);
/* k_ab[j] (key_a true) or k_ba[j] of len = ae_key_len + 12 bytes. */
int tcpinc_keysched_traffic(uint8_t *k, size_t len,
			    const uint8_t mk[TCPINC_K_LEN], bool key_a);
/* TEP byte | CPRF(ss[i], CONST_SESSID | sn[i], K_LEN): 33 bytes. */
int tcpinc_keysched_session_id(uint8_t *sid, uint8_t tep,
			       const uint8_t ss[TCPINC_K_LEN],
			       const uint8_t *sn, size_t sn_len);
/*
 * resume[i] = CPRF(ss[i], CONST_RESUME, 18): the resumption identifier
 * naming ss[i]. Bytes 0..8 are sent by the host that was A in the ss[0]
 * session, bytes 9..17 by the one that was B (TCPINC_RESUME_HALF each).
 */
int tcpinc_keysched_resume(uint8_t out[TCPINC_RESUME_LEN],
			   const uint8_t ss[TCPINC_K_LEN]);
/*
 * sn[i] = nonce_a | nonce_b, each 0..TCPINC_RESUME_NONCE_MAX bytes, where
 * nonce_a is the resumption nonce of the host that was A in the ORIGINAL
 * (ss[0]) session, not of the host that is A now. Returns the length of
 * sn (0..TCPINC_SN_MAX) or -EINVAL.
 */
int tcpinc_keysched_sn(uint8_t sn[TCPINC_SN_MAX], const uint8_t *nonce_a,
		       size_t nonce_a_len, const uint8_t *nonce_b,
		       size_t nonce_b_len);

#endif /* TCPINC_PROTO_KEYSCHED_H */
