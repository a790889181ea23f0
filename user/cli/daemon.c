// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One request/response exchange with tcpincd per call (see common/ctl.h). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ctl.h"

void sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	int n;

	while (*p) {
		n = utf8_len(p);
		if (!n || *p < 0x20 || *p == 0x7f) {
			*p = '?';
			n = 1;
		}
		p += n;
	}
}

int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

int split_fields(char *line, char **field, int max)
{
	int n = 0;

	if (max < 1)
		return 0;
	field[n++] = line;
	for (; *line; line++) {
		if (*line != '\t')
			continue;
		if (n == max)
			break; /* later fields are ignored, not merged */
		*line = '\0';
		field[n++] = line + 1;
	}
	if (*line == '\t')
		*line = '\0';
	return n;
}

int daemon_not_running(void)
{
	return cli_error("tcpincd is not running in this network namespace "
			 "(try 'tcpinc up')");
}

static int recv_error(ssize_t err)
{
	if (err == -ETIMEDOUT)
		return cli_error("tcpincd did not answer in time");
	return cli_error("reading from tcpincd: %s", strerror((int)-err));
}

static int exchange(int sock, int argc, char *const argv[], int fd,
		    daemon_line_fn fn, void *ctx)
{
	char line[TCPINC_CTL_BUF_SIZE];
	ssize_t n;
	int err;

	err = tcpinc_ctl_request(sock, argc, argv, fd);
	if (err)
		return cli_error("sending to tcpincd: %s", strerror(-err));
	n = tcpinc_ctl_recv_line(sock, line, sizeof(line));
	if (n < 0)
		return recv_error(n);
	if (n == 0)
		return cli_error(
			"tcpincd closed the connection without a reply");
	if (!strncmp(line, "error\t", 6) || !strcmp(line, "error")) {
		sanitize(line);
		return cli_error("%s", line[5] ? line + 6 : "tcpincd failed");
	}
	if (strcmp(line, "ok")) {
		sanitize(line);
		return cli_error("unexpected reply from tcpincd: '%s'", line);
	}
	while ((n = tcpinc_ctl_recv_line(sock, line, sizeof(line))) > 0) {
		if (fn && fn(line, ctx))
			return 1;
	}
	return n < 0 ? recv_error(n) : 0;
}

int daemon_call(int argc, char *const argv[], int fd, daemon_line_fn fn,
		void *ctx)
{
	int sock, ret;

	sock = tcpinc_ctl_connect();
	if (sock == -ECONNREFUSED)
		return DAEMON_DOWN;
	if (sock < 0)
		return cli_error("connecting to tcpincd: %s", strerror(-sock));
	ret = exchange(sock, argc, argv, fd, fn, ctx);
	if (close(sock) < 0 && !ret)
		return cli_error("closing the control socket: %s",
				 strerror(errno));
	return ret;
}

/* Quietly: `up` and `run` only want to know whether to start one. */
bool daemon_running(void)
{
	char *argv[] = {"ping"};
	char line[TCPINC_CTL_BUF_SIZE];
	bool ok;
	int sock;

	sock = tcpinc_ctl_connect();
	if (sock < 0)
		return false;
	ok = !tcpinc_ctl_request(sock, 1, argv, -1) &&
	     tcpinc_ctl_recv_line(sock, line, sizeof(line)) > 0 &&
	     !strcmp(line, "ok");
	close(sock);
	return ok;
}
