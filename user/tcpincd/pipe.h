/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One direction of a plain relayed connection moved in the kernel:
 * socket -> pipe -> socket with splice(2), so the received pages are
 * passed on, not copied through tcpincd.
 */
#ifndef TCPINCD_PIPE_H
#define TCPINCD_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tcpincd_pipe {
	int rd, wr; /* -1: none (the copy path carries the bytes) */
	size_t len; /* bytes in the pipe */
	size_t cap; /* its size (F_GETPIPE_SZ; a slot may hold more than a page) */
	int err; /* -errno that ended a gathering fill, for the next call */
};

#define TCPINCD_PIPE_NONE ((struct tcpincd_pipe){ .rd = -1, .wr = -1 })

/* A non-blocking pipe. 0 or -errno (then p stays NONE). */
int tcpincd_pipe_open(struct tcpincd_pipe *p);

void tcpincd_pipe_close(struct tcpincd_pipe *p);

/*
 * Move what fd has into the pipe, if *more says it may have bytes. One
 * splice() takes all a TCP socket has queued, but only one record of a
 * kernel TLS socket: gather repeats it until the pipe holds its size, or
 * refuses more, or fd has no more. Returns bytes, 0 (nothing, or EOF: *eof
 * set) or -errno; an error after bytes moved is returned by the next call.
 * Clears *more when fd had nothing to give.
 */
ssize_t tcpincd_pipe_fill(struct tcpincd_pipe *p, int fd, bool gather,
			  bool *eof, bool *more);

/* Move the pipe's bytes to fd, as far as fd takes them. 0 or -errno. */
int tcpincd_pipe_drain(struct tcpincd_pipe *p, int fd, bool *progress);

#endif
