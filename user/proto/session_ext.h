/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Additions to the session.h API, kept apart so session.h stays as agreed. */
#ifndef TCPINC_PROTO_SESSION_EXT_H
#define TCPINC_PROTO_SESSION_EXT_H

#include "proto/session.h"

/*
 * What session.h leaves open, as implemented:
 * - tcpinc_session_new() returns NULL for a TEP other than 0x23, a TEP with
 *   v = 1 (no resumption through this API), an unknown AEAD id or more
 *   than TCPINC_SESSION_AEADS_MAX of them. B needs no tcpinc_session_start().
 * - tcpinc_session_start() as A: -ENOBUFS (nothing sent, may retry) if
 *   net_out lacks room for Init1. tcpinc_session_input() on A before
 *   start: -EINVAL (the session stays usable).
 * - tcpinc_session_rekey() always appends its empty rekey=1 frame at once.
 *   -EBUSY (not fatal) while the previous rekey is unanswered: RFC 8548
 *   §4.6 allows one empty rekey frame outstanding. -ENOBUFS (not fatal)
 *   with under TCPINC_FRAME_OVERHEAD bytes of room, -EAGAIN before ready,
 *   -EPIPE after FINp was sent.
 * - Received URGp frames: the urgent field is dropped and the data is
 *   delivered inline. Reserved control/flags bits are ignored.
 * - A peer's rekey after our FINp is not answered (nothing may follow it).
 */

/* Most AEADs a cfg may list. */
#define TCPINC_SESSION_AEADS_MAX 16

/*
 * A session that skips the Init exchange: ss[0] is given, frames start at
 * stream offset 0 both ways and it is ready at once. cfg->transcript is
 * unused and cfg->role picks k_ab/k_ba. For tests and fuzzing (and the
 * basis of a future resumption path). NULL on error.
 */
struct tcpinc_session *
tcpinc_session_new_keyed(const struct tcpinc_session_cfg *cfg, uint16_t aead,
			 const uint8_t ss[32]);

/* The error that killed the session, or 0 while it is alive. */
int tcpinc_session_error(const struct tcpinc_session *s);

#endif /* TCPINC_PROTO_SESSION_EXT_H */
