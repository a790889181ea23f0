/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Additions to the session.h API, kept apart so session.h stays as agreed. */
#ifndef TCPINC_PROTO_SESSION_EXT_H
#define TCPINC_PROTO_SESSION_EXT_H

#include "proto/session.h"

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
