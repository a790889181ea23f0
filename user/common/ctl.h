/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Control channel between the tcpinc CLI and tcpincd.
 *
 * An abstract AF_UNIX SOCK_SEQPACKET socket named "tcpinc/ctl". Abstract
 * names are scoped to the network namespace, so each namespace has its own
 * tcpincd and `ip netns exec NS tcpinc show` reaches NS's daemon whatever
 * mount namespace the command runs in.
 *
 * Request: one message, the words of the command separated by NUL bytes,
 * optionally with one file descriptor (SCM_RIGHTS), e.g. "attach\0/path"
 * plus an O_DIRECTORY fd of the cgroup (paths differ between mount
 * namespaces; the fd does not).
 * Response: one message per line. The first is "ok" or "error\t<message>";
 * data lines follow; the server then closes the connection.
 *
 * Commands and their data lines (fields separated by one TAB; an absent
 * value is an empty field):
 *   ping    -> "pid\t<pid>", "pin\t<pin dir or empty>"
 *   show    -> "conn\t<local>\t<remote>\t<role A|B>\t<state encrypted|plain|negotiating>\t
 *               <reason>\t<tep 0xNN>\t<aead 0xNNNN>\t<session id hex>\t<bytes_in>\t<bytes_out>"
 *              (local/remote as IP:PORT or [IP6]:PORT, as the application sees them)
 *   stats   -> "counter\t<name>\t<value>" per counter, in a fixed order
 *   attach  (fd of a cgroup v2 dir, path word for display) -> no data lines
 *   detach  (fd of a cgroup v2 dir, path word for display) -> no data lines
 *   cgroups -> "cgroup\t<path as given at attach>" per attached cgroup
 *   down    -> no data lines; the daemon then cleans up and exits
 */
#ifndef TCPINC_COMMON_CTL_H
#define TCPINC_COMMON_CTL_H

#include <stddef.h>
#include <sys/types.h>

#define TCPINC_CTL_NAME "tcpinc/ctl"
#define TCPINC_CTL_MSG_MAX 4096
#define TCPINC_CTL_MAX_ARGS 16

/* Server: a listening socket, or -EADDRINUSE if a daemon already has it. */
int tcpinc_ctl_listen(void);
/* Client: a connected socket, or -ECONNREFUSED when no daemon runs here. */
int tcpinc_ctl_connect(void);

/* Client: send argv[0..argc) and an optional fd (-1 for none). 0 or -errno. */
int tcpinc_ctl_request(int sock, int argc, char *const argv[], int pass_fd);
/*
 * Client: next response line into buf, NUL-terminated. Returns its length,
 * 0 when the server closed (end of response), or -errno.
 */
ssize_t tcpinc_ctl_recv_line(int sock, char *buf, size_t cap);

/*
 * Server: read one request. Words are stored in buf; argv[] points into it.
 * *passed_fd is the fd that came with it, or -1. Returns argc or -errno.
 */
int tcpinc_ctl_read_request(int sock, char *buf, size_t cap, char **argv,
			    int max_args, int *passed_fd);
/* Server: send one response line (printf format, no newline). 0 or -errno. */
int tcpinc_ctl_send_line(int sock, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Additions (tcpinc CLI author).
 *
 * Buffer size for a whole request or response line plus its terminating NUL:
 * pass at least this as cap to tcpinc_ctl_read_request/recv_line. Longer
 * requests or lines fail with -EMSGSIZE. tcpinc_ctl_read_request also fails
 * with -EPERM when the peer's uid is neither 0 nor the server's euid (any
 * process of the netns can reach the abstract socket), -ECONNRESET when the
 * client closed without a request (as `tcpinc down` probes do: ignore
 * them), -E2BIG beyond max_args words, -EBADMSG for more than one fd.
 * Client sockets time out after 10 s (-ETIMEDOUT).
 */
#define TCPINC_CTL_BUF_SIZE (TCPINC_CTL_MSG_MAX + 1)

/*
 * Server: accept one client (close-on-exec, 2 s send/receive timeouts so a
 * stuck client cannot wedge the daemon). The fd, or -errno.
 */
int tcpinc_ctl_accept(int listen_sock);

/*
 * Client: whether a daemon holds the control socket name of this netns,
 * without blocking or waiting for it to answer: 1, 0, or -errno.
 */
int tcpinc_ctl_bound(void);

#endif /* TCPINC_COMMON_CTL_H */
