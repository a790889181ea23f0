/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keep-alive for applications that asked for it (SO_KEEPALIVE): tcpcrypt
 * rekeys (RFC 8548 §3.9) on frame connections, the kernel's keep-alive on
 * the network socket of plain and kernel TLS ones; see keepalive.c.
 */
#ifndef TCPINCD_KEEPALIVE_H
#define TCPINCD_KEEPALIVE_H

#include <stdbool.h>
#include <stdint.h>

struct conn;

/* Per-connection state, at the end of struct conn. Times in ms. */
struct conn_ka {
	bool known; /* ka_by_port read since the mode was decided */
	bool on; /* the application has SO_KEEPALIVE on */
	bool entry; /* ka_by_port holds an entry of ours */
	bool net_stale; /* settings changed since last copied to net.fd */
	uint32_t idle, intvl, cnt; /* seconds, seconds, probes */
	uint64_t last_heard; /* a frame from the peer, or keep-alive start */
	uint64_t last_probe;
	uint32_t probes; /* probes since the peer was last heard */
};

/* tick.c, once a second: probe idle connections, abort silent ones. */
void keepalive_tick(void);
/* conn.c: frames from the peer were received (a rekey answer or any). */
void keepalive_heard(struct conn *c);
/* conn.c, when a connection is released: forget its ka_by_port entry. */
void keepalive_conn_free(struct conn *c);

#endif
