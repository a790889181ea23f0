// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Experiment relay: 127.0.0.1:5000 -> DST:5001, one forked child per
 * connection, splice(2) both ways through 256 KiB pipes (tcpincd's plain
 * relay). With "redirect" it also publishes its network socket and the
 * bytes it forwarded for egress.bpf.c. Usage: relay DST splice|redirect PIN
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PIPE_SZ (256 << 10)

struct egress_state {
	__u32 base, ready;
	__u64 fwd;
};

static int state_fd = -1, net_fd = -1;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Move what fd has into to through pipe p; bytes moved, 0 at EOF. */
static ssize_t move(int fd, int to, int p[2])
{
	ssize_t r, w, done = 0;

	r = splice(fd, NULL, p[1], NULL, PIPE_SZ, SPLICE_F_MOVE);
	if (r < 0)
		die("splice in");
	while (done < r) {
		w = splice(p[0], NULL, to, NULL, r - done, SPLICE_F_MOVE);
		if (w <= 0)
			die("splice out");
		done += w;
	}
	return r;
}

static void pump(int a, int n, int redirect)
{
	struct pollfd pf[2] = { { .fd = a, .events = POLLIN },
				{ .fd = n, .events = POLLIN } };
	struct egress_state st;
	struct sockaddr_in pa;
	socklen_t len = sizeof(pa);
	int up[2], down[2], live = 2;
	__u64 sock = n;
	__u32 port;

	if (getpeername(a, (struct sockaddr *)&pa, &len))
		die("getpeername");
	port = ntohs(pa.sin_port);
	if (redirect) {
		if (bpf_map_lookup_elem(state_fd, &port, &st))
			die("state lookup");
		if (bpf_map_update_elem(net_fd, &port, &sock, BPF_ANY))
			die("net update");
		st.ready = 1;
		if (bpf_map_update_elem(state_fd, &port, &st, BPF_ANY))
			die("state update");
	}
	if (pipe2(up, 0) || pipe2(down, 0))
		die("pipe2");
	if (fcntl(up[0], F_SETPIPE_SZ, PIPE_SZ) < 0 ||
	    fcntl(down[0], F_SETPIPE_SZ, PIPE_SZ) < 0)
		die("F_SETPIPE_SZ");
	while (live) {
		if (poll(pf, 2, -1) < 0)
			die("poll");
		if (pf[0].revents) {
			ssize_t r = move(a, n, up);

			if (!r) {
				shutdown(n, SHUT_WR);
				pf[0].fd = -1;
				live--;
			} else if (redirect) {
				st.fwd += r;
				if (bpf_map_update_elem(state_fd, &port, &st,
							BPF_ANY))
					die("state update");
			}
		}
		if (pf[1].revents && !move(n, a, down)) {
			shutdown(a, SHUT_WR);
			pf[1].fd = -1;
			live--;
		}
	}
	exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in la = { .sin_family = AF_INET,
				  .sin_port = htons(5000),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in da = { .sin_family = AF_INET,
				  .sin_port = htons(5001) };
	int redirect, l, one = 1;
	char path[256];

	if (argc != 4 || inet_pton(AF_INET, argv[1], &da.sin_addr) != 1) {
		fprintf(stderr, "usage: relay DST splice|redirect PIN\n");
		return 2;
	}
	redirect = !strcmp(argv[2], "redirect");
	if (redirect) {
		snprintf(path, sizeof(path), "%s/state", argv[3]);
		state_fd = bpf_obj_get(path);
		snprintf(path, sizeof(path), "%s/net", argv[3]);
		net_fd = bpf_obj_get(path);
		if (state_fd < 0 || net_fd < 0)
			die("bpf_obj_get");
	}
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&la, sizeof(la)) || listen(l, 64))
		die("listen");
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int a = accept(l, NULL, NULL), n;

		if (a < 0)
			continue;
		n = socket(AF_INET, SOCK_STREAM, 0);
		if (n < 0 || connect(n, (struct sockaddr *)&da, sizeof(da)) ||
		    setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
		    setsockopt(n, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one))) {
			perror("relay connection");
		} else if (!fork()) {
			close(l);
			pump(a, n, redirect);
		}
		close(a);
		if (n >= 0)
			close(n);
	}
}
