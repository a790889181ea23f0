/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Unit tests that need real sockets: a connected loopback TCP pair. */
#ifndef TCPINC_UNIT_TEST_NET_H
#define TCPINC_UNIT_TEST_NET_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"

/* *a connected to *b (accepted) over 127.0.0.1, both blocking. */
static inline void test_tcp_pair(int *a, int *b)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0);
	CHECK_EQ(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_EQ(listen(l, 1), 0);
	CHECK_EQ(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	*a = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(connect(*a, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*b = accept(l, NULL, NULL);
	CHECK(*b >= 0);
	close(l);
}

#endif
