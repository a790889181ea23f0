/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Additions to the session.h API, kept apart so session.h stays as agreed. */
#ifndef TCPINC_PROTO_SESSION_EXT_H
#define TCPINC_PROTO_SESSION_EXT_H

#include "proto/ecdh.h"
#include "proto/keysched.h"
#include "proto/session.h"

/*
 * What session.h leaves open, as implemented:
 * - tcpinc_session_new() accepts the TEPs 0x21 (P-256), 0x22 (P-521),
 *   0x23 (X25519) and 0x24 (X448) with v = 0. It returns NULL for any
 *   other TEP, a TEP with v = 1 (resumed sessions come from
 *   tcpinc_session_new_resumed() below), an unknown AEAD id or more than
 *   TCPINC_SESSION_AEADS_MAX of them. B needs no tcpinc_session_start().
 * - tcpinc_session_start() on a session without Init exchange (keyed or
 *   resumed) returns 0 and sends nothing.
 * - tcpinc_session_start() as A: -ENOBUFS (nothing sent, may retry) if
 *   net_out lacks room for Init1. tcpinc_session_input() on A before
 *   start: -EINVAL (the session stays usable).
 * - tcpinc_session_rekey() always appends its empty rekey=1 frame at once.
 *   -EBUSY (not fatal) while the previous rekey is unanswered: RFC 8548
 *   §4.6 allows one empty rekey frame outstanding. -ENOBUFS (not fatal)
 *   with under TCPINC_FRAME_OVERHEAD bytes of room, -EAGAIN before ready,
 *   -EPIPE after FINp was sent.
 * - tcpinc_session_output() with fin set and len 0 (a bare FINp):
 *   -ENOBUFS (not fatal, nothing sent) with under TCPINC_FRAME_OVERHEAD
 *   bytes of room, since 0 would mean the FINp went out. With len > 0 a
 *   return value below len says the FINp has not been sent.
 * - Received URGp frames: the urgent field is dropped and the data is
 *   delivered inline. Reserved control/flags bits are ignored.
 * - A peer's rekey after our FINp is not answered (nothing may follow it).
 */

/* Most AEADs a cfg may list. */
#define TCPINC_SESSION_AEADS_MAX 16

/*
 * A session that skips the Init exchange: ss[0] is given, frames start at
 * stream offset 0 both ways and it is ready at once. cfg->transcript is
 * unused and cfg->role picks k_ab/k_ba. For tests and fuzzing. NULL on
 * error.
 */
struct tcpinc_session *
tcpinc_session_new_keyed(const struct tcpinc_session_cfg *cfg, uint16_t aead,
			 const uint8_t ss[32]);

/* The error that killed the session, or 0 while it is alive. */
int tcpinc_session_error(const struct tcpinc_session *s);

/*
 * ---- Session resumption (RFC 8548 §3.5) ----------------------------------
 *
 * Every session, fresh or resumed, uses one session secret ss[i] (ss[0] =
 * PRK for a fresh one). Once it is ready, mk[0] has been computed from
 * ss[i], ss[i] has been replaced by ss[i+1] = CPRF(ss[i], CONST_NEXTK, 32)
 * and only ss[i+1] is held, for a later connection to the same peer. A
 * resumption cache takes it with tcpinc_session_take_resume_state(), or
 * the caller discards it with tcpinc_session_forget_resume_state() (the
 * "no caching" policy); otherwise tcpinc_session_free() wipes it.
 *
 * The next connection resumes with tcpinc_session_new_resumed(): no Init
 * messages, frames at stream offset 0 both ways, keys from ss[i+1] and the
 * session nonce of the two SYNs' resumption suboptions. Its own successor
 * ss[i+2] is then available the same way.
 *
 * Roles: a host keeps the role it had in the ss[0] session (orig_role) for
 * every session of the chain, whatever its TCP-ENO role now: orig_role 0
 * (it was A) always encrypts with k_ab, sends resume[i][0..8] and its
 * resumption nonce is nonce_a; orig_role 1 encrypts with k_ba, sends
 * resume[i][9..17] and its nonce is nonce_b.
 */

/* What a cache keeps for one resumable session secret. */
struct tcpinc_resume_state {
	/* ss[index]: TCPINC_K_LEN bytes in sodium_malloc'ed (guarded)
	 * memory, owned by the holder; NULL when empty. */
	uint8_t *ss;
	/* resume[index] = CPRF(ss[index], CONST_RESUME, 18): the original
	 * A's identifier half (bytes 0..8) then the original B's. */
	uint8_t resume[TCPINC_RESUME_LEN];
	uint32_t index; /* i of ss[i], >= 1 */
	uint8_t tep; /* the TEP of the chain, v = 0 form (0x21..0x24) */
	uint16_t aead; /* AEAD of the ss[0] session, kept for the chain */
	uint8_t orig_role; /* role in the ss[0] session: 0 = A, 1 = B */
};

/*
 * Move ss[i+1] and what goes with it out of a ready session into *out
 * (which is overwritten, not cleared: clear it first if it held a state).
 * Returns 0, -EAGAIN before the session is ready, -ENOENT if already taken
 * or forgotten, the session's error if it died (secrets are wiped then),
 * -ENOMEM. On error *out is left empty (out->ss == NULL).
 */
int tcpinc_session_take_resume_state(struct tcpinc_session *s,
				     struct tcpinc_resume_state *out);
/* Wipe ss[i+1] in the session without handing it out. */
void tcpinc_session_forget_resume_state(struct tcpinc_session *s);
/* Wipe and free st->ss and zero *st. NULL and empty states are fine. */
void tcpinc_resume_state_clear(struct tcpinc_resume_state *st);

/* The identifier half a host of the given original role sends. */
static inline const uint8_t *
tcpinc_resume_half(const struct tcpinc_resume_state *st, uint8_t orig_role)
{
	return st->resume + (orig_role ? TCPINC_RESUME_HALF : 0);
}

struct tcpinc_resume_cfg {
	/* the negotiated TEP byte as B sent it: v = 1 (0xa1..0xa4); it is
	 * the first byte of the session ID */
	uint8_t tep;
	uint16_t aead; /* from the cached state */
	uint8_t orig_role; /* from the cached state, NOT this connection's */
	/* ss[i] (TCPINC_K_LEN bytes, guarded memory). Wiped by the call,
	 * whatever the result: each ss[i] secures one connection at most. */
	uint8_t *ss;
	uint32_t index; /* i (>= 1); the successor state gets i + 1 */
	/* Resumption nonces (0..TCPINC_RESUME_NONCE_MAX bytes each) by ORIGINAL role: nonce_a is
	 * from the suboption of the host whose orig_role is 0. */
	const uint8_t *nonce_a;
	size_t nonce_a_len;
	const uint8_t *nonce_b;
	size_t nonce_b_len;
};

/*
 * A resumed session, ready at once: mk[0] = CPRF(ss[i], CONST_REKEY |
 * sn[i]), session ID = tep | CPRF(ss[i], CONST_SESSID | sn[i], 32) with
 * sn[i] = nonce_a | nonce_b; then ss[i] is replaced by ss[i+1] (see
 * tcpinc_session_take_resume_state()). tcpinc_session_start() is a no-op.
 * NULL for a TEP without v = 1 or unsupported, an unknown AEAD, orig_role
 * > 1, index 0, a nonce longer than 8 bytes, or no memory.
 */
struct tcpinc_session *
tcpinc_session_new_resumed(const struct tcpinc_resume_cfg *cfg);

/*
 * ---- Key hygiene ------------------------------------------------------
 *
 * tcpinc_session_new() generates a fresh ephemeral key pair for every
 * session (A in tcpinc_session_start(), B when Init1 arrives); nothing is
 * pooled or reused. See struct session_secrets in session.c for when
 * each secret is wiped.
 */

/* Which secrets a session holds right now (for tests). */
struct tcpinc_secrets_held {
	bool priv; /* ephemeral private key */
	bool es; /* ECDH shared secret */
	bool ss; /* ss[i+1], for resumption */
	bool mk_tx, mk_rx; /* mk[gen + 1] per direction */
	bool tx_key, rx_key; /* traffic keys in force (AEAD context, NR) */
	bool scratch; /* traffic key scratch buffer */
	bool record_keys; /* record mode keys not taken yet */
};
void tcpinc_session_get_secrets_held(const struct tcpinc_session *s,
				     struct tcpinc_secrets_held *h);

/*
 * ---- Record mode: TEP 0x20 (docs/tep-0x20.md) -------------------------
 *
 * A session with cfg->tep == TCPINC_TEP_REC_X25519 (0x20) runs the Init1/Init2
 * exchange of TEP 0x23 (X25519) and the same key schedule, with 0x20 in
 * the transcript and as the first byte of the session ID. Once ready it
 * holds the generation-0 traffic keys k_ab[0] and k_ba[0] for the caller
 * to install in kernel TLS (TLS 1.3 records); it never seals or opens a
 * frame: tcpinc_session_output() and tcpinc_session_rekey() return
 * -EOPNOTSUPP, and tcpinc_session_input() consumes the Init message only,
 * leaving whatever follows it.
 */
struct tcpinc_record_keys {
	uint16_t aead; /* the AEAD Init2 chose */
	size_t key_len; /* 16 or 32 */
	/* ours for sending, the peer's for receiving: AEAD key and the
	 * 12-byte nonce randomizer, TLS 1.3's static IV */
	uint8_t tx_key[32], tx_iv[12];
	uint8_t rx_key[32], rx_iv[12];
};

/*
 * Move the record keys out of a ready record-mode session (wiped in it).
 * out should be guarded memory; the caller wipes it. Returns 0, -EINVAL
 * for a frame-mode session, -EAGAIN before ready, -ENOENT once taken, or
 * the session's error.
 */
int tcpinc_session_take_record_keys(struct tcpinc_session *s,
				    struct tcpinc_record_keys *out);

/*
 * FOR FUZZING AND TESTS ONLY: tcpinc_session_new() with *kex (which must
 * outlive the session) doing the key agreement instead of the TEP's
 * own, e.g. one that hands out a precomputed key pair so a fuzzer need
 * not pay for a key generation per input. kex must have the TEP's tep
 * and lengths. Using it in tcpincd would defeat fresh ephemeral keys.
 */
struct tcpinc_session *
tcpinc_session_new_with_kex(const struct tcpinc_session_cfg *cfg,
			    const struct tcpinc_kex *kex);

#endif /* TCPINC_PROTO_SESSION_EXT_H */
