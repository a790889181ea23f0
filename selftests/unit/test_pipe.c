// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpincd's spliced plain relay (tcpincd/pipe.c) between real loopback TCP
 * sockets: every byte arrives once and in order, EOF and "nothing now" are
 * told apart, and at an urgent mark, where splice() gives nothing although
 * the socket has bytes, one recv() (what conn.c does) keeps the stream whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcpincd/pipe.c"
#include "test.h"
#include "test_net.h"

/* A connected loopback TCP pair: *w writes, *r (non-blocking) reads. */
static void tcp_pair(int *w, int *r)
{
	int one = 1;

	test_tcp_pair(w, r);
	CHECK_EQ(fcntl(*r, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(setsockopt(*r, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one)), 0);
}

/* Read everything fd has within a short while (it is non-blocking). */
static size_t read_all(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	int idle = 0;

	while (got < cap && idle < 200) {
		ssize_t n = recv(fd, buf + got, cap - got, 0);

		if (n > 0) {
			got += (size_t)n;
			idle = 0;
		} else {
			usleep(1000);
			idle++;
		}
	}
	return got;
}

static void test_bytes_move_in_order(void)
{
	static uint8_t src[512 * 1024], dst[sizeof(src)];
	struct tcpincd_pipe p;
	int sw, sr, dw, dr, fl;
	size_t sent = 0, got = 0;
	bool eof = false, more, progress;

	randombytes_buf(src, sizeof(src));
	tcp_pair(&sw, &sr);
	tcp_pair(&dw, &dr);
	fl = fcntl(sw, F_GETFL);
	CHECK_EQ(fcntl(sw, F_SETFL, fl | O_NONBLOCK), 0);
	CHECK_EQ(tcpincd_pipe_open(&p), 0);
	while (got < sizeof(src)) {
		ssize_t n = 0;

		if (sent < sizeof(src))
			n = send(sw, src + sent, sizeof(src) - sent, 0);
		if (n > 0)
			sent += (size_t)n;
		more = true;
		if (!p.len)
			CHECK(tcpincd_pipe_fill(&p, sr, false, &eof, &more) >=
			      0);
		progress = false;
		CHECK_EQ(tcpincd_pipe_drain(&p, dw, &progress), 0);
		n = recv(dr, dst + got, sizeof(dst) - got, 0);
		if (n > 0)
			got += (size_t)n;
		if (test_cur_failed)
			break;
	}
	CHECK_EQ(got, sizeof(src));
	CHECK_MEM(dst, src, sizeof(src));
	CHECK(!eof);
	tcpincd_pipe_close(&p);
	CHECK_EQ(p.rd, -1);
	close(sw);
	close(sr);
	close(dw);
	close(dr);
}

static void test_nothing_then_eof(void)
{
	struct tcpincd_pipe p;
	bool eof = false, more = true;
	int w, r;

	tcp_pair(&w, &r);
	CHECK_EQ(tcpincd_pipe_open(&p), 0);
	/* nothing yet: 0, not EOF, and no more reads until told */
	CHECK_EQ(tcpincd_pipe_fill(&p, r, false, &eof, &more), 0);
	CHECK(!eof && !more);
	CHECK_EQ(tcpincd_pipe_fill(&p, r, false, &eof, &more), 0);
	close(w);
	usleep(20000);
	more = true;
	CHECK_EQ(tcpincd_pipe_fill(&p, r, false, &eof, &more), 0);
	CHECK(eof);
	CHECK_EQ(p.len, 0u);
	tcpincd_pipe_close(&p);
	close(r);
}

/*
 * gather (what kernel TLS sockets get): repeated splices stop once the pipe
 * holds its size or refuses more, and one that fails after bytes moved
 * leaves *more set, since a
 * full pipe and an empty socket look alike; the next fill into an empty
 * pipe tells. Nothing is lost or reordered on the way.
 */
static void test_gather_fills_the_pipe(void)
{
	static uint8_t src[1024 * 1024], dst[sizeof(src)];
	struct tcpincd_pipe p;
	bool eof = false, more = true, progress;
	int sw, sr, dw, dr, fl, rounds = 0;
	size_t sent = 0, got = 0;
	ssize_t n;

	randombytes_buf(src, sizeof(src));
	tcp_pair(&sw, &sr);
	tcp_pair(&dw, &dr);
	fl = fcntl(sw, F_GETFL);
	CHECK_EQ(fcntl(sw, F_SETFL, fl | O_NONBLOCK), 0);
	CHECK_EQ(fcntl(dw, F_SETFL, O_NONBLOCK), 0);
	CHECK_EQ(tcpincd_pipe_open(&p), 0);
	CHECK(p.cap >= 4096);
	while (got < sizeof(src) && rounds++ < 100000 && !test_cur_failed) {
		if (sent < sizeof(src)) {
			n = send(sw, src + sent, sizeof(src) - sent, 0);
			if (n > 0)
				sent += (size_t)n;
		}
		if (!p.len) {
			more = true;
			n = tcpincd_pipe_fill(&p, sr, true, &eof, &more);
			CHECK(n >= 0);
			if (n > 0)
				CHECK(more);
		}
		progress = false;
		CHECK_EQ(tcpincd_pipe_drain(&p, dw, &progress), 0);
		n = recv(dr, dst + got, sizeof(dst) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	CHECK_EQ(got, sizeof(src));
	CHECK_MEM(dst, src, sizeof(src));
	/* drained and the socket empty: the next fill says so */
	more = true;
	CHECK_EQ(tcpincd_pipe_fill(&p, sr, true, &eof, &more), 0);
	CHECK(!more && !eof);
	close(sw);
	usleep(20000);
	more = true;
	CHECK_EQ(tcpincd_pipe_fill(&p, sr, true, &eof, &more), 0);
	CHECK(eof);
	tcpincd_pipe_close(&p);
	close(sr);
	close(dw);
	close(dr);
}

/*
 * Bytes then a reset: the gathering fill returns the bytes, and the reset,
 * which the socket reports only once, comes with the next call instead of
 * being lost (and read as EOF).
 */
static void test_gather_keeps_a_reset(void)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	static uint8_t src[4096];
	struct tcpincd_pipe p;
	bool eof = false, more = true;
	int w, r;

	randombytes_buf(src, sizeof(src));
	tcp_pair(&w, &r);
	CHECK_EQ(send(w, src, sizeof(src), 0), (ssize_t)sizeof(src));
	usleep(20000);
	CHECK_EQ(setsockopt(w, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(w);
	usleep(20000);
	CHECK_EQ(tcpincd_pipe_open(&p), 0);
	CHECK_EQ(tcpincd_pipe_fill(&p, r, true, &eof, &more),
		 (ssize_t)sizeof(src));
	CHECK(more && !eof);
	CHECK_EQ(tcpincd_pipe_fill(&p, r, true, &eof, &more), -ECONNRESET);
	CHECK(!eof);
	tcpincd_pipe_close(&p);
	close(r);
}

/* "abc" URG "X" "def": spliced where splice can, recv() at the mark. */
static void test_urgent_mark(void)
{
	uint8_t out[16];
	struct tcpincd_pipe p;
	bool eof = false, more, progress;
	int sw, sr, dw, dr, inq, rounds;
	size_t got;

	tcp_pair(&sw, &sr);
	tcp_pair(&dw, &dr);
	CHECK_EQ(send(sw, "abc", 3, 0), 3);
	CHECK_EQ(send(sw, "X", 1, MSG_OOB), 1);
	CHECK_EQ(send(sw, "def", 3, 0), 3);
	usleep(20000);
	CHECK_EQ(tcpincd_pipe_open(&p), 0);
	for (rounds = 0; rounds < 10; rounds++) {
		ssize_t n;

		more = true;
		n = tcpincd_pipe_fill(&p, sr, false, &eof, &more);
		CHECK(n >= 0);
		progress = false;
		CHECK_EQ(tcpincd_pipe_drain(&p, dw, &progress), 0);
		if (n)
			continue;
		inq = 0;
		CHECK_EQ(ioctl(sr, SIOCINQ, &inq), 0);
		if (inq <= 0)
			break;
		/* stuck at the mark: the copy path takes the urgent byte */
		n = recv(sr, out, sizeof(out), 0);
		CHECK(n > 0);
		if (n > 0)
			CHECK_EQ(send(dw, out, (size_t)n, 0), n);
	}
	got = read_all(dr, out, 7);
	CHECK_EQ(got, 7u);
	CHECK_MEM(out, "abcXdef", 7);
	tcpincd_pipe_close(&p);
	close(sw);
	close(sr);
	close(dw);
	close(dr);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_bytes_move_in_order);
	TEST_RUN(test_nothing_then_eof);
	TEST_RUN(test_gather_fills_the_pipe);
	TEST_RUN(test_gather_keeps_a_reset);
	TEST_RUN(test_urgent_mark);
	return TEST_EXIT();
}
