// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control channel framing (see ctl.h). SOCK_SEQPACKET keeps message
 * boundaries, so a request is one message and each response line is one
 * message; nothing here parses a byte stream.
 *
 * Words are separated by NUL, not terminated by it: "attach\0/path" is two
 * words, "a\0\0b" is three with an empty middle one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/ctl.h"

/* The client gives up on a daemon that accepts but never answers. */
#define CTL_CLIENT_TIMEOUT_S 10
/* A stuck client must not hold the daemon's control loop for long. */
#define CTL_SERVER_TIMEOUT_S 2

static socklen_t ctl_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* sun_path[0] stays NUL: abstract name, scoped to the netns */
	memcpy(sun->sun_path + 1, TCPINC_CTL_NAME, strlen(TCPINC_CTL_NAME));
	return offsetof(struct sockaddr_un, sun_path) + 1 +
	       strlen(TCPINC_CTL_NAME);
}

int tcpinc_ctl_listen(void)
{
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun);
	int fd, err;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, len) < 0 || listen(fd, 64) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tcpinc_ctl_connect(void)
{
	struct timeval tv = {.tv_sec = CTL_CLIENT_TIMEOUT_S};
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun);
	int fd, err;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Before connect: it blocks on a daemon whose backlog is full. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		err = errno == ENOENT	? -ECONNREFUSED
		      : errno == EAGAIN ? -ETIMEDOUT
					: -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tcpinc_ctl_bound(void)
{
	struct sockaddr_un sun;
	socklen_t len = ctl_addr(&sun);
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (struct sockaddr *)&sun, len) < 0 ? -errno : 1;
	close(fd);
	/* A full backlog (EAGAIN) still means someone holds the name. */
	if (ret == -EAGAIN)
		return 1;
	if (ret == -ECONNREFUSED || ret == -ENOENT)
		return 0;
	return ret;
}

int tcpinc_ctl_accept(int listen_sock)
{
	struct timeval tv = {.tv_sec = CTL_SERVER_TIMEOUT_S};
	int fd, err;

	do {
		fd = accept4(listen_sock, NULL, NULL, SOCK_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tcpinc_ctl_request(int sock, int argc, char *const argv[], int pass_fd)
{
	char buf[TCPINC_CTL_MSG_MAX];
	union {
		struct cmsghdr hdr;
		char space[CMSG_SPACE(sizeof(int))];
	} ctrl;
	struct iovec iov;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	size_t len = 0, n;
	int i;

	if (argc < 1 || argc > TCPINC_CTL_MAX_ARGS)
		return -EINVAL;
	for (i = 0; i < argc; i++) {
		n = strlen(argv[i]);
		if (len + n + (i > 0) > sizeof(buf))
			return -EMSGSIZE;
		if (i > 0)
			buf[len++] = '\0';
		memcpy(buf + len, argv[i], n);
		len += n;
	}
	/* An empty datagram reads as end-of-file on the other side. */
	if (!len)
		return -EINVAL;
	iov.iov_base = buf;
	iov.iov_len = len;
	if (pass_fd >= 0) {
		memset(&ctrl, 0, sizeof(ctrl));
		msg.msg_control = ctrl.space;
		msg.msg_controllen = sizeof(ctrl.space);
		ctrl.hdr.cmsg_level = SOL_SOCKET;
		ctrl.hdr.cmsg_type = SCM_RIGHTS;
		ctrl.hdr.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&ctrl.hdr), &pass_fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	return 0;
}

ssize_t tcpinc_ctl_recv_line(int sock, char *buf, size_t cap)
{
	struct iovec iov = {.iov_base = buf, .iov_len = cap ? cap - 1 : 0};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (cap < 2)
		return -EINVAL;
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	buf[n] = '\0';
	/* A NUL inside a line would silently cut it short for the caller. */
	if (memchr(buf, '\0', n))
		return -EBADMSG;
	return n;
}

/* The first fd of the SCM_RIGHTS data (or -1); any others are closed. */
static int take_fds(struct msghdr *msg, int *count)
{
	struct cmsghdr *c;
	int first = -1, fd;
	size_t i, n;

	*count = 0;
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int),
			       sizeof(int));
			if (first < 0)
				first = fd;
			else
				close(fd);
			(*count)++;
		}
	}
	return first;
}

/*
 * Only root, or a client running as the server's own user, may drive the
 * daemon: any process of the netns can reach the abstract socket.
 */
static int check_peer(int sock)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (cred.uid != 0 && cred.uid != geteuid())
		return -EPERM;
	return 0;
}

int tcpinc_ctl_read_request(int sock, char *buf, size_t cap, char **argv,
			    int max_args, int *passed_fd)
{
	union {
		struct cmsghdr hdr;
		/* room for a few fds so extra ones are seen and closed */
		char space[CMSG_SPACE(4 * sizeof(int))];
	} ctrl;
	size_t room = cap ? cap - 1 : 0;
	struct iovec iov = {.iov_base = buf};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	int argc, nfds, fd, err;
	ssize_t n, i;

	*passed_fd = -1;
	if (cap < 2 || max_args < 1)
		return -EINVAL;
	err = check_peer(sock);
	if (err)
		return err;
	if (room > TCPINC_CTL_MSG_MAX)
		room = TCPINC_CTL_MSG_MAX;
	iov.iov_len = room;
	msg.msg_control = ctrl.space;
	msg.msg_controllen = sizeof(ctrl.space);
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	fd = take_fds(&msg, &nfds);
	if (n == 0) {
		err = -ECONNRESET; /* closed without a request */
		goto fail;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		err = -EMSGSIZE;
		goto fail;
	}
	if ((msg.msg_flags & MSG_CTRUNC) || nfds > 1) {
		err = -EBADMSG;
		goto fail;
	}
	buf[n] = '\0';
	argv[0] = buf;
	argc = 1;
	for (i = 0; i < n; i++) {
		if (buf[i])
			continue;
		if (argc == max_args || argc == TCPINC_CTL_MAX_ARGS) {
			err = -E2BIG;
			goto fail;
		}
		argv[argc++] = buf + i + 1;
	}
	*passed_fd = fd;
	return argc;
fail:
	if (fd >= 0)
		close(fd);
	return err;
}

int tcpinc_ctl_send_line(int sock, const char *fmt, ...)
{
	char line[TCPINC_CTL_MSG_MAX + 1];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= sizeof(line))
		return -EMSGSIZE;
	/* An empty message would read as the end of the response. */
	if (n == 0)
		return -EINVAL;
	if (send(sock, line, n, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}
