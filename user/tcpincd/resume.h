/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The session-resumption cache (RFC 8548 §3.5): ss[i+1] of finished key
 * exchanges, in guarded memory only, bounded in number and age, wiped on
 * expiry, on `tcpinc flush` and when tcpincd stops.
 *
 * Chains are reserved by direction, as §3.5 allows: a secret from a
 * connection we opened serves only our next connection to that peer (we
 * stay the original A), one from a connection we accepted only the peer's
 * next connection to us (original B; its identifier is in the ENO
 * program's resume_ids map). So two hosts never both spend the same ss[i]
 * on crossing SYNs. One chain per peer for our connections (the newest);
 * up to 8 for the peer's, whose attachments may not all resume.
 */
#ifndef TCPINCD_RESUME_H
#define TCPINCD_RESUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <tcpinc/shared.h>

#include "proto/session_ext.h"

/* tcpincd --resume-lifetime, --resume-max, --resume-nonce-len */
int tcpincd_resume_option(const char *name, const char *arg, char *err,
			  size_t errlen);
/* tcpincd --resume: the host's default for attachments that do not say. */
extern bool tcpincd_resume_default;

/*
 * Keep st (ownership moves to the cache; *st is emptied) for the next
 * connection with peer: one we open (passive = false) or accept (passive =
 * true: its identifier goes into resume_ids). Returns 0 or -errno (the
 * secret is wiped then).
 */
int tcpincd_resume_put(const struct sockaddr_storage *peer, bool passive,
		       struct tcpinc_resume_state *st);

/*
 * Active: take the secret for our next connection to peer, if any and
 * unexpired, with a fresh nonce for our suboption. 0, or -ENOENT.
 */
int tcpincd_resume_take_active(const struct sockaddr_storage *peer,
			       struct tcpinc_resume_state *out,
			       uint8_t *nonce, size_t *nonce_len);

/*
 * Passive: take the secret the ENO program agreed to resume under key
 * (removing it from resume_ids). 0, or -ENOENT.
 */
int tcpincd_resume_take_passive(const struct tcpinc_resume_key *key,
				struct tcpinc_resume_state *out);

/* Wipe what is past its lifetime (from the 1 s tick). */
void tcpincd_resume_expire(void);

/* Wipe the secrets shared with peer (NULL: all). Returns how many. */
unsigned int tcpincd_resume_flush(const struct sockaddr_storage *peer);

/* For `show`: each cached secret's peer, direction, index and age. */
typedef void (*tcpincd_resume_visit_fn)(const struct sockaddr_storage *peer,
					bool passive, uint32_t index,
					uint8_t tep, uint64_t age, void *ctx);
void tcpincd_resume_list(tcpincd_resume_visit_fn fn, void *ctx);

#endif
