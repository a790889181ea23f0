// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Control channel framing: requests, fd passing, response lines, limits. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ctl.h"
#include "test.h"

static int pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

static void test_round_trip_with_fd(void)
{
	char buf[TCPINC_CTL_BUF_SIZE], line[TCPINC_CTL_BUF_SIZE], *argv[8];
	char *req[] = {"attach", "/sys/fs/cgroup/web"};
	struct stat a, b;
	int sv[2], dir, got = -1, argc;

	CHECK_EQ(pair(sv), 0);
	dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dir >= 0);
	CHECK_EQ(tcpinc_ctl_request(sv[0], 2, req, dir), 0);
	argc = tcpinc_ctl_read_request(sv[1], buf, sizeof(buf), argv, 8, &got);
	CHECK_EQ(argc, 2);
	if (argc == 2) {
		CHECK(!strcmp(argv[0], "attach"));
		CHECK(!strcmp(argv[1], "/sys/fs/cgroup/web"));
	}
	/* The passed fd is a new descriptor for the same directory. */
	CHECK(got >= 0 && got != dir);
	CHECK(fstat(dir, &a) == 0 && fstat(got, &b) == 0);
	CHECK(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	CHECK(fcntl(got, F_GETFD) & FD_CLOEXEC);

	CHECK_EQ(tcpinc_ctl_send_line(sv[1], "ok"), 0);
	CHECK_EQ(tcpinc_ctl_send_line(sv[1], "pid\t%d", 1234), 0);
	close(sv[1]);
	CHECK_EQ(tcpinc_ctl_recv_line(sv[0], line, sizeof(line)), 2);
	CHECK(!strcmp(line, "ok"));
	CHECK_EQ(tcpinc_ctl_recv_line(sv[0], line, sizeof(line)), 8);
	CHECK(!strcmp(line, "pid\t1234"));
	/* End of response: the server closed. */
	CHECK_EQ(tcpinc_ctl_recv_line(sv[0], line, sizeof(line)), 0);
	close(sv[0]);
	close(dir);
	if (got >= 0)
		close(got);
}

static void test_no_fd(void)
{
	char buf[TCPINC_CTL_BUF_SIZE], *argv[4], *req[] = {"ping"};
	int sv[2], got = 99;

	CHECK_EQ(pair(sv), 0);
	CHECK_EQ(tcpinc_ctl_request(sv[0], 1, req, -1), 0);
	CHECK_EQ(
		tcpinc_ctl_read_request(sv[1], buf, sizeof(buf), argv, 4, &got),
		1);
	CHECK(!strcmp(argv[0], "ping"));
	CHECK_EQ(got, -1);
	close(sv[0]);
	close(sv[1]);
}

static void test_empty_fields(void)
{
	char buf[TCPINC_CTL_BUF_SIZE], line[TCPINC_CTL_BUF_SIZE], *argv[8];
	char *req[] = {"x", "", "y", ""};
	const char *conn = "conn\t10.0.0.1:1\t10.0.0.2:2\tA\tplain\tsyn_no_eno"
			   "\t\t\t\t0\t0";
	int sv[2], got;

	CHECK_EQ(pair(sv), 0);
	CHECK_EQ(tcpinc_ctl_request(sv[0], 4, req, -1), 0);
	CHECK_EQ(
		tcpinc_ctl_read_request(sv[1], buf, sizeof(buf), argv, 8, &got),
		4);
	CHECK(!strcmp(argv[0], "x") && !strcmp(argv[1], "") &&
	      !strcmp(argv[2], "y") && !strcmp(argv[3], ""));
	/* Empty fields inside a line survive verbatim. */
	CHECK_EQ(tcpinc_ctl_send_line(sv[1], "%s", conn), 0);
	CHECK_EQ(tcpinc_ctl_recv_line(sv[0], line, sizeof(line)),
		 (ssize_t)strlen(conn));
	CHECK(!strcmp(line, conn));
	/* An empty line would read as end of response: refused. */
	CHECK_EQ(tcpinc_ctl_send_line(sv[1], "%s", ""), -EINVAL);
	/* So is an empty request (one empty word). */
	CHECK_EQ(tcpinc_ctl_request(sv[0], 1, (char *[]){""}, -1), -EINVAL);
	CHECK_EQ(tcpinc_ctl_request(sv[0], 0, req, -1), -EINVAL);
	close(sv[0]);
	close(sv[1]);
}

static void test_oversized(void)
{
	char buf[TCPINC_CTL_BUF_SIZE], line[TCPINC_CTL_BUF_SIZE], *argv[4];
	char *big = malloc(TCPINC_CTL_MSG_MAX + 2), *req[] = {"ping", NULL};
	int sv[2], got = 99;

	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'a', TCPINC_CTL_MSG_MAX + 1);
	big[TCPINC_CTL_MSG_MAX + 1] = '\0';
	CHECK_EQ(pair(sv), 0);

	/* The client refuses to build it... */
	req[1] = big + 5; /* "ping" + NUL + 4092 bytes = 4097 */
	CHECK_EQ(tcpinc_ctl_request(sv[0], 2, req, -1), -EMSGSIZE);
	/* ...and exactly TCPINC_CTL_MSG_MAX bytes is still fine. */
	req[1] = big + 6;
	CHECK_EQ(tcpinc_ctl_request(sv[0], 2, req, -1), 0);
	CHECK_EQ(
		tcpinc_ctl_read_request(sv[1], buf, sizeof(buf), argv, 4, &got),
		2);
	CHECK_EQ(strlen(argv[1]), (size_t)TCPINC_CTL_MSG_MAX - 5);

	/* The server rejects one sent raw, and the next request still parses. */
	CHECK_EQ(send(sv[0], big, TCPINC_CTL_MSG_MAX + 1, 0),
		 TCPINC_CTL_MSG_MAX + 1);
	CHECK_EQ(
		tcpinc_ctl_read_request(sv[1], buf, sizeof(buf), argv, 4, &got),
		-EMSGSIZE);
	CHECK_EQ(got, -1);
	req[1] = "again";
	CHECK_EQ(tcpinc_ctl_request(sv[0], 2, req, -1), 0);
	CHECK_EQ(
		tcpinc_ctl_read_request(sv[1], buf, sizeof(buf), argv, 4, &got),
		2);
	CHECK(!strcmp(argv[1], "again"));

	/* Lines: too long to send, too long for the reader's buffer. */
	CHECK_EQ(tcpinc_ctl_send_line(sv[1], "%s", big), -EMSGSIZE);
	CHECK_EQ(tcpinc_ctl_send_line(sv[1], "%s", "0123456789"), 0);
	CHECK_EQ(tcpinc_ctl_recv_line(sv[0], line, 8), -EMSGSIZE);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

static void test_too_many_words(void)
{
	char buf[TCPINC_CTL_BUF_SIZE], *argv[TCPINC_CTL_MAX_ARGS];
	char *req[TCPINC_CTL_MAX_ARGS + 1];
	int sv[2], got, i;

	for (i = 0; i <= TCPINC_CTL_MAX_ARGS; i++)
		req[i] = "w";
	CHECK_EQ(pair(sv), 0);
	CHECK_EQ(tcpinc_ctl_request(sv[0], TCPINC_CTL_MAX_ARGS + 1, req, -1),
		 -EINVAL);
	CHECK_EQ(tcpinc_ctl_request(sv[0], 3, req, -1), 0);
	CHECK_EQ(
		tcpinc_ctl_read_request(sv[1], buf, sizeof(buf), argv, 2, &got),
		-E2BIG);
	close(sv[0]);
	close(sv[1]);
}

static void test_two_fds_rejected(void)
{
	char buf[TCPINC_CTL_BUF_SIZE], *argv[4], data[] = "attach\0/x";
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} ctrl = {0};
	struct iovec iov = {data, sizeof(data) - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	int sv[2], fds[2] = {0, 1}, got = 99;

	CHECK_EQ(pair(sv), 0);
	msg.msg_control = ctrl.space;
	msg.msg_controllen = sizeof(ctrl.space);
	ctrl.hdr.cmsg_level = SOL_SOCKET;
	ctrl.hdr.cmsg_type = SCM_RIGHTS;
	ctrl.hdr.cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(&ctrl.hdr), fds, sizeof(fds));
	CHECK_EQ(sendmsg(sv[0], &msg, 0), (ssize_t)iov.iov_len);
	CHECK_EQ(
		tcpinc_ctl_read_request(sv[1], buf, sizeof(buf), argv, 4, &got),
		-EBADMSG);
	CHECK_EQ(got, -1);
	close(sv[0]);
	close(sv[1]);
}

/* The real abstract socket, unless a daemon of this netns holds it. */
static void test_listen_connect(void)
{
	char buf[TCPINC_CTL_BUF_SIZE], *argv[4], *req[] = {"ping"};
	int l, c, s, got;

	l = tcpinc_ctl_listen();
	if (l == -EADDRINUSE) {
		printf("# test_listen_connect: a daemon is running, skipped\n");
		return;
	}
	CHECK(l >= 0);
	CHECK_EQ(tcpinc_ctl_listen(), -EADDRINUSE);
	c = tcpinc_ctl_connect();
	CHECK(c >= 0);
	s = tcpinc_ctl_accept(l);
	CHECK(s >= 0);
	CHECK_EQ(tcpinc_ctl_request(c, 1, req, -1), 0);
	CHECK_EQ(tcpinc_ctl_read_request(s, buf, sizeof(buf), argv, 4, &got),
		 1);
	close(s);
	close(c);
	/* A probe queues a connection that closes at once: do it last. */
	CHECK_EQ(tcpinc_ctl_bound(), 1);
	close(l);
	CHECK_EQ(tcpinc_ctl_connect(), -ECONNREFUSED);
	CHECK_EQ(tcpinc_ctl_bound(), 0);
}

int main(void)
{
	TEST_RUN(test_round_trip_with_fd);
	TEST_RUN(test_no_fd);
	TEST_RUN(test_empty_fields);
	TEST_RUN(test_oversized);
	TEST_RUN(test_too_many_words);
	TEST_RUN(test_two_fds_rejected);
	TEST_RUN(test_listen_connect);
	return TEST_EXIT();
}
