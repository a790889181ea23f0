// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libtcpinc: thin getsockopt wrappers that return -errno (see tcpinc.h). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include <tcpinc.h>

static int get_int(int fd, int opt)
{
	socklen_t len = sizeof(int);
	int v = 0;

	if (getsockopt(fd, IPPROTO_TCP, opt, &v, &len) < 0)
		return -errno;
	/* A short answer is no answer: never guess the missing bytes. */
	if (len != sizeof(int) || v < 0)
		return -EINVAL;
	return v;
}

int tcpinc_get_session_id(int fd, uint8_t *buf, size_t *len)
{
	uint8_t id[TCPINC_SESSID_MAX];
	socklen_t n = sizeof(id);

	if (!buf || !len)
		return -EFAULT;
	if (getsockopt(fd, IPPROTO_TCP, TCP_ENO_SESSID, id, &n) < 0)
		return -errno;
	/* An empty ID must never pass for a session (draft §3). */
	if (n == 0)
		return -EINVAL;
	if (n > *len)
		return -ENOBUFS;
	memcpy(buf, id, n);
	*len = n;
	return 0;
}

int tcpinc_get_role(int fd)
{
	int v = get_int(fd, TCP_ENO_ROLE);

	return v < 0 || v == TCP_ENO_ROLE_A || v == TCP_ENO_ROLE_B ? v
								   : -EINVAL;
}

int tcpinc_get_negtep(int fd)
{
	int v = get_int(fd, TCP_ENO_NEGTEP);

	/* TEP identifiers are 0x20-0x7f, with or without the v bit. */
	return v < 0 || ((v & 0x7f) >= 0x20 && v <= 0xff) ? v : -EINVAL;
}
