// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tcpincd/addr.h"

void tcpincd_addr_str(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
	char ip[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, cap, "%s:%u", ip, ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], ip,
				  sizeof(ip));
			snprintf(buf, cap, "%s:%u", ip, ntohs(in6->sin6_port));
		} else {
			inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
			snprintf(buf, cap, "[%s]:%u", ip,
				 ntohs(in6->sin6_port));
		}
	} else {
		snprintf(buf, cap, "?");
	}
}

void tcpincd_ep_from_sa(struct tcpinc_endpoint *ep,
			const struct sockaddr_storage *ss)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		ep->addr[10] = 0xff;
		ep->addr[11] = 0xff;
		memcpy(&ep->addr[12], &in->sin_addr, 4);
		ep->port = ntohs(in->sin_port);
		ep->family = AF_INET;
	} else {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		memcpy(ep->addr, &in6->sin6_addr, 16);
		ep->port = ntohs(in6->sin6_port);
		ep->family = IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) ? AF_INET :
								     AF_INET6;
	}
}

socklen_t tcpincd_sa_from_ep(struct sockaddr_storage *ss,
			     const struct tcpinc_endpoint *ep)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == AF_INET) {
		struct sockaddr_in *in = (void *)ss;

		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, &ep->addr[12], 4);
		in->sin_port = htons(ep->port);
		return sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (void *)ss;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, ep->addr, 16);
		in6->sin6_port = htons(ep->port);
		return sizeof(*in6);
	}
}

int tcpincd_stream_socket(int family)
{
	int fd, one = 1;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * Urgent data stays in the byte stream at its place: without this,
	 * recv() skips the urgent byte and the relay would lose it. tcpinc
	 * does not convey urgency (it never sends URGp), only the data.
	 */
	/*
	 * No Nagle: tcpincd writes whole frames and batches, and holding a
	 * small frame back for an ACK only adds latency to what the
	 * application already decided to send. Accepted sockets inherit it.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}
