// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpincd: the tcpinc helper daemon of one network namespace.
 *
 * Start-up order matters: the control socket first (it is also the lock
 * that keeps one daemon per namespace), then the listeners (the ENO program
 * must know the inbound listener ports before it is loaded), then the BPF
 * objects, and only then the listeners go into the sockmap, which is what
 * turns interception on. Teardown runs in reverse: out of the sockmap (by
 * closing), links destroyed, pins removed, cgroup left.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "common/ctl.h"
#include "proto/guarded.h"
#include "tcpincd/addr.h"
#include "tcpincd/conn.h"
#include "tcpincd/log.h"
#include "tcpincd/plain_peers.h"
#include "tcpincd/policy.h"
#include "tcpincd/resume.h"
#include "tcpincd/tcpincd.h"

/* Released, wiped secret regions kept for reuse (16 KiB of address space each). */
#define GUARDED_POOL 64

struct tcpincd tcpincd = {
	/* RFC 8548 §3.8 sets no numbers: an hour, or far below AEAD limits. */
	.rekey_bytes = 1ULL << 40,
	.rekey_frames = 1ULL << 32,
	.rekey_secs = 3600,
};

/* --rekey-bytes N, --rekey-interval SECONDS (0 turns either off). */
int tcpincd_rekey_option(const char *name, const char *arg, char *err,
			 size_t errlen)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-') {
		snprintf(err, errlen, "--%s: '%s' is not a number", name, arg);
		return -1;
	}
	if (!strcmp(name, "rekey-bytes"))
		tcpincd.rekey_bytes = v;
	else
		tcpincd.rekey_secs = v;
	return v != 0;
}
static struct tcpincd_eno_cfg eno_cfg = TCPINCD_ENO_CFG_DEFAULT;

int tcpincd_ev_add(struct tcpincd_ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	if (epoll_ctl(tcpincd.epfd, EPOLL_CTL_ADD, ev->fd, &e))
		return -errno;
	return 0;
}

int tcpincd_ev_mod(struct tcpincd_ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	if (epoll_ctl(tcpincd.epfd, EPOLL_CTL_MOD, ev->fd, &e))
		return -errno;
	return 0;
}

void tcpincd_ev_del(struct tcpincd_ev *ev)
{
	epoll_ctl(tcpincd.epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

/*
 * A loopback socket, bound (port in *port) but not listening yet: the ENO
 * program sets its options on a listener at listen() time, so listen()
 * must wait until that program is attached.
 */
static int make_listener(int family, uint16_t *port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (void *)&ss;
	struct sockaddr_in6 *in6 = (void *)&ss;
	socklen_t len;
	int fd, one = 1;

	/* accepted sockets inherit SO_OOBINLINE */
	fd = tcpincd_stream_socket(family);
	if (fd < 0)
		return fd;
	if (family == AF_INET) {
		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*in);
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		len = sizeof(*in6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		int e = -errno;

		close(fd);
		return e;
	}
	*port = ntohs(family == AF_INET ? in->sin_port : in6->sin6_port);
	return fd;
}

static int setup(char *err, size_t errlen)
{
	static const int fam[TCPINC_SLOT_MAX] = { AF_INET, AF_INET6, AF_INET,
						  AF_INET6 };
	uint16_t port[TCPINC_SLOT_MAX] = { 0 };
	sigset_t mask;
	int i, e;

	tcpincd.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (tcpincd.epfd < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -errno;
	}
	e = tcpinc_ctl_listen();
	if (e < 0) {
		snprintf(err, errlen, e == -EADDRINUSE ?
			 "already running in this network namespace" :
			 "control socket: %s", strerror(-e));
		return e;
	}
	tcpincd.ctl = (struct tcpincd_ev){ .kind = EV_CTL, .fd = e };

	e = tcpincd_bpf_join_cgroup(&tcpincd.bpf);
	if (e < 0) {
		snprintf(err, errlen, "tcpincd's own cgroup (cgroup v2 needed): %s",
			 strerror(-e));
		return e;
	}
	close(e);

	for (i = 0; i < TCPINC_SLOT_MAX; i++) {
		tcpincd.lst[i] = (struct tcpincd_ev){ .kind = EV_LISTENER,
						      .fd = -1, .slot = i };
		e = make_listener(fam[i], &port[i]);
		if (e < 0 && fam[i] == AF_INET) {
			snprintf(err, errlen, "loopback listener: %s",
				 strerror(-e));
			return e;
		}
		/* No IPv6 in this namespace: IPv4 only. */
		tcpincd.lst[i].fd = e < 0 ? -1 : e;
	}

	e = tcpincd_bpf_load(&tcpincd.bpf, port[TCPINC_SLOT_IN4],
			     port[TCPINC_SLOT_IN6], &eno_cfg, err, errlen);
	if (e)
		return e;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	e = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (e < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -errno;
	}
	tcpincd.sig = (struct tcpincd_ev){ .kind = EV_SIGNAL, .fd = e };
	e = tcpincd_tick_start();
	if (e) {
		snprintf(err, errlen, "timerfd: %s", strerror(-e));
		return e;
	}
	if (tcpincd_ev_add(&tcpincd.sig, EPOLLIN) ||
	    tcpincd_ev_add(&tcpincd.ctl, EPOLLIN)) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		return -errno;
	}
	for (i = 0; i < TCPINC_SLOT_MAX; i++) {
		if (tcpincd.lst[i].fd < 0)
			continue;
		e = listen(tcpincd.lst[i].fd, 4096) ? -errno : 0;
		if (!e)
			e = tcpincd_ev_add(&tcpincd.lst[i], EPOLLIN);
		if (!e)
			e = tcpincd_bpf_set_listener(&tcpincd.bpf, i,
						     tcpincd.lst[i].fd);
		if (e) {
			snprintf(err, errlen, "listener %d: %s", i,
				 strerror(-e));
			return e;
		}
	}
	return 0;
}

static void teardown(void)
{
	int i;

	while (tcpincd.conns)
		conn_free(tcpincd.conns);
	conn_reap();
	tcpincd_resume_flush(NULL);
	tcpinc_guarded_pool_drain();
	for (i = 0; i < TCPINC_SLOT_MAX; i++)
		if (tcpincd.lst[i].fd >= 0)
			close(tcpincd.lst[i].fd);
	if (tcpincd.bpf.svc)
		tcpincd_bpf_unload(&tcpincd.bpf);
	if (tcpincd.ctl.fd > 0)
		close(tcpincd.ctl.fd);
	if (tcpincd.timer.fd > 0)
		close(tcpincd.timer.fd);
}

static void run(void)
{
	struct epoll_event evs[64];
	struct signalfd_siginfo si;
	int n, i;

	while (!tcpincd.stopping) {
		n = epoll_wait(tcpincd.epfd, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			tcpincd_log("epoll_wait: %s", strerror(errno));
			return;
		}
		for (i = 0; i < n; i++) {
			struct tcpincd_ev *ev = evs[i].data.ptr;

			switch (ev->kind) {
			case EV_LISTENER:
				tcpincd_accept(ev);
				break;
			case EV_CTL:
				tcpincd_ctl_accept();
				break;
			case EV_SIGNAL:
				while (read(ev->fd, &si, sizeof(si)) == sizeof(si))
					if (si.ssi_signo != SIGHUP)
						tcpincd.stopping = true;
				break;
			case EV_TIMER:
				tcpincd_tick();
				break;
			case EV_CONN_APP:
			case EV_CONN_NET:
				conn_event(ev->owner, ev->kind == EV_CONN_APP,
					   evs[i].events);
				break;
			}
		}
		conn_reap();
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tcpincd [-d|--daemon] [-v] [--eno-...] | --cleanup | "
		   "--version\n"
		   "  normally started by 'tcpinc up'; see tcpincd(8)\n");
}

/* Redirect stdio of the detached daemon; TCPINCD_LOG names a log file. */
static void detach_stdio(void)
{
	const char *log = getenv("TCPINCD_LOG");
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int logfd = log ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			       0600) :
			  -1;

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(logfd >= 0 ? logfd : null, 2);
		close(null);
	}
	if (logfd >= 0)
		close(logfd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "daemon", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "cleanup", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "eno-aa", no_argument, NULL, 'E' },
		{ "eno-aa-mandatory", no_argument, NULL, 'E' },
		{ "eno-active-b", no_argument, NULL, 'E' },
		{ "eno-syn-retries", required_argument, NULL, 'E' },
		{ "eno-teps", required_argument, NULL, 'E' },
		{ "eno-offer-raw", required_argument, NULL, 'E' },
		{ "no-ktls", no_argument, NULL, 'E' },
		{ "aeads", required_argument, NULL, 'E' },
		{ "aead-prefs", required_argument, NULL, 'E' },
		{ "rekey-bytes", required_argument, NULL, 'R' },
		{ "rekey-interval", required_argument, NULL, 'R' },
		{ "plain-peer-ttl", required_argument, NULL, 'P' },
		{ "resume", no_argument, NULL, 'S' },
		{ "resume-lifetime", required_argument, NULL, 'S' },
		{ "resume-max", required_argument, NULL, 'S' },
		{ "resume-nonce-len", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	char err[8192] = "";
	bool daemonize = false;
	int ready[2] = { -1, -1 };
	int opt, e, idx, ret;

	while ((opt = getopt_long(argc, argv, "dvh", opts, &idx)) != -1) {
		switch (opt) {
		case 'd':
			daemonize = true;
			break;
		case 'v':
			tcpincd_verbose = 1;
			break;
		case 'C':
			if (geteuid())
				goto not_root;
			e = tcpincd_cleanup_stale();
			if (e)
				fprintf(stderr, "tcpincd: cleanup: %s\n",
					strerror(-e));
			return e ? 1 : 0;
		case 'V':
			printf("tcpincd %s\n", TCPINC_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'E':
			if (tcpincd_eno_cfg_option(&eno_cfg, opts[idx].name,
						   optarg, err, sizeof(err))) {
				fprintf(stderr, "tcpincd: %s\n", err);
				return 2;
			}
			break;
		case 'P':
			if (tcpincd_plain_peers_option(optarg, err,
						       sizeof(err))) {
				fprintf(stderr, "tcpincd: %s\n", err);
				return 2;
			}
			break;
		case 'S':
			if (tcpincd_resume_option(opts[idx].name, optarg, err,
						  sizeof(err))) {
				fprintf(stderr, "tcpincd: %s\n", err);
				return 2;
			}
			break;
		case 'R':
			ret = tcpincd_rekey_option(opts[idx].name, optarg, err,
						   sizeof(err));
			if (ret < 0) {
				fprintf(stderr, "tcpincd: %s\n", err);
				return 2;
			}
			if (ret)
				eno_cfg.frames_wanted = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (geteuid())
		goto not_root;
	if (tcpincd_eno_cfg_ktls(&eno_cfg, err, sizeof(err))) {
		fprintf(stderr, "tcpincd: %s\n", err);
		return 2;
	}
	/* Resumption needs frames: kernel TLS sessions are not resumed. */
	tcpincd_policy_host(&eno_cfg, tcpincd_resume_default);
	/* no core file or ptrace peek may show keys held outside sodium */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		tcpincd_log("PR_SET_DUMPABLE: %s", strerror(errno));
	if (sodium_init() < 0) {
		fprintf(stderr, "tcpincd: libsodium initialisation failed\n");
		return 1;
	}
	/* wiped session regions are reused: no mmap/mlock/munmap per connection */
	tcpinc_guarded_pool_set(GUARDED_POOL);
	tcpincd_libbpf_capture();

	if (daemonize) {
		pid_t pid;

		if (pipe2(ready, O_CLOEXEC)) {
			perror("tcpincd: pipe");
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			perror("tcpincd: fork");
			return 1;
		}
		if (pid > 0) {
			/* Parent: exit when the daemon is ready or failed. */
			char msg[8192];
			ssize_t n;

			close(ready[1]);
			n = read(ready[0], msg, sizeof(msg) - 1);
			if (n == 2 && !memcmp(msg, "ok", 2))
				return 0;
			if (n > 0) {
				msg[n] = '\0';
				fprintf(stderr, "tcpincd: %s\n", msg);
			} else {
				fprintf(stderr, "tcpincd: exited during start-up\n");
			}
			return 1;
		}
		close(ready[0]);
		setsid();
	}

	e = setup(err, sizeof(err));
	if (e) {
		if (daemonize) {
			if (write(ready[1], err, strlen(err)) < 0)
				_exit(1);
		} else {
			fprintf(stderr, "tcpincd: %s\n", err);
		}
		teardown();
		return 1;
	}
	if (daemonize) {
		detach_stdio();
		if (write(ready[1], "ok", 2) != 2)
			tcpincd_log("start-up pipe: %s", strerror(errno));
		close(ready[1]);
	}
	tcpincd_dbg("ready (pid %d)", getpid());
	run();
	teardown();
	return 0;

not_root:
	fprintf(stderr, "tcpincd: must be run as root\n");
	return 1;
}
