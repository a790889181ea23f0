/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One intercepted connection: the application-facing socket (loopback) and
 * the network socket, relayed in plain TCP or through a tcpcrypt session.
 *
 * Outbound: the application connected to our loopback listener (app_fd);
 * we connect to the real destination (net_fd), ENO runs in the SYNs.
 * Inbound: a remote host's SYN was steered to our listener (net_fd, ENO
 * already done at accept); we connect to the service locally (app_fd).
 */
#ifndef TCPINCD_CONN_H
#define TCPINCD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proto/session_ext.h"
#include "tcpincd/keepalive.h"
#include "tcpincd/pipe.h"
#include "tcpincd/tcpincd.h"

struct tcpincd_buf {
	uint8_t *p;
	size_t off; /* start of pending bytes */
	size_t len; /* pending bytes */
	size_t cap;
};

enum conn_mode {
	MODE_PENDING, /* waiting for a connect() to finish */
	MODE_PLAIN,
	MODE_CRYPT, /* tcpcrypt frames; or TEP 0x20 until its keys are in */
	MODE_KTLS, /* TEP 0x20 keyed: kernel TLS on net, spliced like plain */
};

struct conn {
	struct conn *next, *prev;
	struct tcpincd_ev app, net;
	uint32_t app_events, net_events; /* epoll interest now */
	bool outbound;
	uint8_t mode;
	uint8_t role; /* 0 = A, 1 = B */
	uint8_t reason; /* enum tcpinc_reason */
	uint8_t tep;
	struct tcpinc_eno_conn eno; /* negotiation result and transcript */
	uint8_t transcript[2 * TCPINC_ENO_OPT_MAX]; /* A's option, B's option */
	struct tcpinc_session *sess;
	struct tcpinc_session_info info;
	bool info_valid;

	struct tcpincd_buf a2n; /* bytes for the network: plain data or frames */
	struct tcpincd_buf raw; /* crypt: bytes from the network to decrypt */
	struct tcpincd_buf n2a; /* bytes for the application */
	/* plain: the same two directions in the kernel (pipe.h) */
	struct tcpincd_pipe a2n_pipe, n2a_pipe;

	bool app_rd_eof, net_rd_eof; /* read() returned 0 */
	/*
	 * Worth a read(): epoll said readable, or the last read filled what
	 * it asked for. Saves a failing read per socket and pump round.
	 */
	bool app_rd_more, net_rd_more;
	bool app_wr_shut, net_wr_shut; /* we sent our FIN */
	bool fin_queued; /* crypt: our FINp frame is in a2n */
	bool peer_finp; /* crypt: the peer's FINp frame arrived; ktls: its
			 * close_notify */
	bool close_notify_sent; /* ktls: our end of stream is out */
	bool ktls_rx; /* TEP 0x20: the receive key is in the kernel */
	/* TEP 0x20: keys taken from the session, until the send key is in */
	struct tcpinc_record_keys *rec_keys;

	uint64_t bytes_in, bytes_out; /* application bytes, each way */
	/* our current key generation: data, frames, start (monotonic s) */
	uint64_t gen_bytes, gen_frames, gen_start;
	struct sockaddr_storage local, remote; /* as the application sees them */
	uint64_t app_cookie; /* outbound: key of out_by_cookie */
	struct tcpinc_port_key out_key; /* outbound: key of out_by_port */
	struct tcpinc_port_key in_key; /* inbound: key of in_by_port */
	bool in_key_set;
	bool dead; /* closed; freed by conn_reap() */
	/*
	 * Plain inbound connection whose peer may think it is encrypted (our
	 * SYN-ACK had ENO, its ACK did not): nothing goes to the application
	 * until its first bytes are known not to be an Init1.
	 */
	bool init_watch;
	uint64_t net_cookie; /* eno_conns key kept while init_watch */
	struct tcpinc_policy_ref pol; /* of the service's attachment */
	/* the cached secret this connection offered or agreed to resume */
	struct tcpinc_resume_state resume;
	struct conn_ka ka; /* keepalive.c */
};

/* Allocate and link a connection; fds are owned by it from now on. */
struct conn *conn_new(int app_fd, int net_fd, bool outbound);
/*
 * The connect() of the pending side finished (or failed: err != 0).
 * Decides the mode from the ENO result and starts relaying.
 */
void conn_connected(struct conn *c, int err);
/*
 * Outbound: publish the network socket's local address (known as soon as
 * connect() was called) for the application's getsockname().
 */
void conn_publish_local(struct conn *c);
/* Handle an epoll event on one of the connection's sockets. */
void conn_event(struct conn *c, bool is_app, uint32_t events);
/* Reset both sockets (RST) and free; counts `reason`. */
void conn_abort(struct conn *c, unsigned int reason);
/* Close without reset (daemon shutdown). */
void conn_free(struct conn *c);

/* Free the connections closed during the last epoll batch. */
void conn_reap(void);

/* conn_resume.c: the ENO policy and resumption of one connection. */
/* Outbound, before connect(): our SYN option for the attachment. */
void conn_syn_prepare(struct conn *c);
/* Inbound, after accept(): the policy of the service's port. */
void conn_policy_inbound(struct conn *c);
/* After the ENO result: take the secret B agreed to resume, or give up ours. */
void conn_resume_settle(struct conn *c);
/* A resumed session for c (tep has v = 1). 0 or -errno. */
int conn_resume_session(struct conn *c);
/* The session is ready: cache its successor secret, or wipe it. */
void conn_resume_keep(struct conn *c);
/* The AEAD lists for c's role (policy's, or tcpincd's). */
void conn_aeads(const struct conn *c, const uint16_t **aeads, size_t *n);

/* One `show` line's fields. */
const char *conn_state_name(const struct conn *c);

#endif
