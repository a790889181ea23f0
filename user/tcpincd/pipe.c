// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "tcpincd/pipe.h"

#define SPLICE_FLAGS (SPLICE_F_NONBLOCK | SPLICE_F_MOVE)
/* More than a pipe holds: one call takes whatever fits. */
#define SPLICE_ASK (1u << 20)
#define PIPE_BYTES (256 * 1024)

int tcpincd_pipe_open(struct tcpincd_pipe *p)
{
	int fds[2], sz;

	*p = TCPINCD_PIPE_NONE;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	p->rd = fds[0];
	p->wr = fds[1];
	/* room for more segments per call (best effort: limits may refuse) */
	fcntl(p->wr, F_SETPIPE_SZ, PIPE_BYTES);
	sz = fcntl(p->wr, F_GETPIPE_SZ);
	p->cap = sz > 0 ? (size_t)sz : 0;
	return 0;
}

void tcpincd_pipe_close(struct tcpincd_pipe *p)
{
	if (p->rd >= 0) {
		close(p->rd);
		close(p->wr);
	}
	*p = TCPINCD_PIPE_NONE;
}

ssize_t tcpincd_pipe_fill(struct tcpincd_pipe *p, int fd, bool gather,
			  bool *eof, bool *more)
{
	ssize_t n, got = 0;

	if (!*more)
		return 0;
	if (p->err) { /* as if this call had met it */
		n = p->err;
		p->err = 0;
		*more = false;
		return n;
	}
	for (;;) {
		do
			n = splice(fd, NULL, p->wr, NULL, SPLICE_ASK,
				   SPLICE_FLAGS);
		while (n < 0 && errno == EINTR);
		/*
		 * After bytes: EAGAIN is a full pipe or an empty socket (the
		 * next call tells); another error is kept for the next call,
		 * since a socket reports its error (a reset) only once.
		 */
		if (n < 0 && got) {
			if (errno != EAGAIN)
				p->err = -errno;
			break;
		}
		if (n < 0) {
			*more = false;
			return errno == EAGAIN ? 0 : -errno;
		}
		if (n == 0) {
			*eof = true;
			break;
		}
		p->len += n;
		got += n;
		if (!gather || p->len >= p->cap)
			break;
	}
	return got;
}

int tcpincd_pipe_drain(struct tcpincd_pipe *p, int fd, bool *progress)
{
	while (p->len) {
		ssize_t n = splice(p->rd, NULL, fd, NULL, p->len, SPLICE_FLAGS);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		p->len -= n;
		*progress = true;
	}
	return 0;
}
