/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef TCPINCD_ADDR_H
#define TCPINCD_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#include <tcpinc/shared.h>

#define TCPINCD_ADDRSTRLEN 64 /* "[v6]:port" */

/* "1.2.3.4:80" or "[2001:db8::1]:80" (v4-mapped v6 shown as IPv4). */
void tcpincd_addr_str(const struct sockaddr_storage *ss, char *buf, size_t cap);
/* Convert between sockaddr and struct tcpinc_endpoint. */
void tcpincd_ep_from_sa(struct tcpinc_endpoint *ep,
			const struct sockaddr_storage *ss);
socklen_t tcpincd_sa_from_ep(struct sockaddr_storage *ss,
			     const struct tcpinc_endpoint *ep);

/*
 * A non-blocking, close-on-exec TCP socket with urgent data inline
 * (SO_OOBINLINE) and no Nagle (TCP_NODELAY): every socket tcpincd relays
 * from. fd or -errno.
 */
int tcpincd_stream_socket(int family);

#endif
