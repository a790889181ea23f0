// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpbench: the load generator of `make bench` (bench/bench.py).
 *
 *   tcpbench server --port P [--bind ADDR] [--lifetime S]
 *   tcpbench client --connect ADDR[,ADDR...] --port P --mode MODE [OPTIONS]
 *
 * The client drives every measurement and prints one JSON object on stdout.
 * Each connection starts with one byte, the operation, which the server
 * serves until the client closes:
 *
 *   'S' sink:    4+4 bytes (warm-up ms, duration ms) follow; the server
 *                reads, counts the bytes of the window [first byte + warm-up,
 *                + duration] and then sends the 16-byte result (bytes, ns).
 *                The client writes until the result arrives (mode send).
 *   'O' source:  the server writes until it reads one byte, then closes;
 *                the client counts what arrives in its window (mode recv).
 *   'E' echo:    4 bytes (size) follow; the server reads size bytes and
 *                writes them back, until EOF (mode rr).
 *   'C' ping:    the server answers one byte and waits for EOF (modes
 *                connect and hold).
 *
 * Every socket has TCP_NODELAY; reads and writes are BUF_SIZE (128 KiB) for
 * every contender; socket buffers are the kernel's defaults (autotuned).
 * Throughput is always measured by the receiver. --cpu KIND:FILE (see
 * cpu_read()) is sampled at the start and end of the client's measurement
 * window; the deltas are printed in
 * microseconds ("cpu_us", in the order given).
 *
 * Everything is bounded: --timeout (client, default 120 s) and --lifetime
 * (server, default 7200 s) are enforced with alarm(), and the server dies
 * with its parent (PR_SET_PDEATHSIG).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE	(128 * 1024)
#define MAX_STREAMS	64
#define MAX_ADDRS	1024
#define MAX_CPU		32
#define MAX_SAMPLES	(4 * 1024 * 1024)

#define OP_SINK		'S'
#define OP_SOURCE	'O'
#define OP_ECHO		'E'
#define OP_PING		'C'

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tcpbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000ull,
			       .tv_nsec = ns % 1000000000ull };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Read exactly len bytes: 0, or -1 on EOF or error (errno 0 on EOF). */
static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, v >> 32);
	put_u32(p + 4, (uint32_t)v);
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) << 32 | get_u32(p + 4);
}

static int parse_addr(const char *s, uint16_t port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* ---- CPU sampling --------------------------------------------------------- */

static const char *cpu_paths[MAX_CPU];
static int n_cpu;

/*
 * Microseconds of CPU consumed so far according to one source, or -1:
 * "cg:FILE" a cgroup v2 cpu.stat (usage_usec), "stat:FILE" the busy time of
 * /proc/stat's first line (user nice system irq softirq steal), "pid:FILE" a
 * /proc/PID/stat (utime + stime). FILE may be /proc/self/fd/N, a file the
 * caller opened before entering the network namespace (ip netns exec hides
 * the host's cgroup mount).
 */
static int64_t cpu_read(const char *src)
{
	static long hz;
	const char *path = strchr(src, ':');
	char buf[4096], *p;
	ssize_t n;
	int fd;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	if (!path)
		return -1;
	fd = open(path + 1, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!strncmp(src, "cg:", 3)) {
		p = strstr(buf, "usage_usec ");
		return p ? strtoll(p + 11, NULL, 10) : -1;
	}
	if (!strncmp(src, "stat:", 5)) {
		/* cpu user nice system idle iowait irq softirq steal */
		unsigned long long v[8] = { 0 };

		if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
			   &v[7]) < 8)
			return -1;
		return (int64_t)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
		       1000000 / hz;
	}
	if (!strncmp(src, "pid:", 4)) {
		unsigned long long ut, st;

		/* utime and stime are fields 14 and 15 */
		p = strrchr(buf, ')');
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u "
				"%*u %*u %llu %llu", &ut, &st) == 2)
			return (int64_t)(ut + st) * 1000000 / hz;
	}
	return -1;
}

static void cpu_sample(int64_t *v)
{
	int i;

	for (i = 0; i < n_cpu; i++)
		v[i] = cpu_read(cpu_paths[i]);
}

static void print_cpu(const int64_t *a, const int64_t *b, uint64_t window)
{
	int i;

	printf(",\"cpu_window_ns\":%llu,\"cpu_us\":[",
	       (unsigned long long)window);
	for (i = 0; i < n_cpu; i++)
		printf("%s%lld", i ? "," : "",
		       a[i] < 0 || b[i] < 0 ? -1LL : (long long)(b[i] - a[i]));
	printf("]");
}

/* ---- server ---------------------------------------------------------------- */

static void *serve_conn(void *arg)
{
	int fd = (int)((intptr_t)arg >> 8);
	uint8_t op = (intptr_t)arg & 0xff, hdr[8], res[16];
	char *buf;

	buf = malloc(BUF_SIZE);
	if (!buf)
		goto out;
	switch (op) {
	case OP_SINK: {
		uint64_t t_first = 0, t_start = 0, t_end = 0, t, counted = 0;
		uint64_t warm, dur;
		bool done = false;
		ssize_t n;

		if (read_full(fd, hdr, 8))
			goto out;
		warm = get_u32(hdr) * 1000000ull;
		dur = get_u32(hdr + 4) * 1000000ull;
		for (;;) {
			n = read(fd, buf, BUF_SIZE);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (done)
				continue; /* drain until the client closes */
			t = now_ns();
			if (!t_first) {
				t_first = t;
				t_start = t + warm;
				t_end = t_start + dur;
				continue;
			}
			if (t < t_start)
				continue;
			counted += n;
			if (t >= t_end) {
				put_u64(res, counted);
				put_u64(res + 8, t - t_start);
				if (write_full(fd, res, sizeof(res)))
					break;
				done = true;
			}
		}
		break;
	}
	case OP_SOURCE: {
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

		memset(buf, 'x', BUF_SIZE);
		for (;;) {
			if (poll(&p, 1, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
				/*
				 * The stop byte (or EOF, or an error): read it,
				 * so that close() sends a FIN, not a reset.
				 */
				while (recv(fd, buf, BUF_SIZE, MSG_DONTWAIT) > 0)
					;
				break;
			}
			if (p.revents & POLLOUT &&
			    write(fd, buf, BUF_SIZE) < 0 && errno != EINTR)
				break;
		}
		break;
	}
	case OP_ECHO: {
		uint32_t size;

		if (read_full(fd, hdr, 4))
			goto out;
		size = get_u32(hdr);
		if (!size || size > BUF_SIZE)
			goto out;
		while (!read_full(fd, buf, size) && !write_full(fd, buf, size))
			;
		break;
	}
	default:
		break;
	}
out:
	free(buf);
	close(fd);
	return NULL;
}

enum { ST_NEW, ST_WAIT_EOF };

struct sconn {
	int fd;
	int state;
};

static void server_spawn_op(int fd, uint8_t op)
{
	pthread_attr_t attr;
	pthread_t th;
	int fl;

	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (pthread_create(&th, &attr, serve_conn,
			   (void *)((intptr_t)fd << 8 | op)))
		close(fd);
	pthread_attr_destroy(&attr);
}

/* Accept every pending connection into the epoll set. */
static void server_accept(int ep, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct sconn *c;
	int fd;

	while ((fd = accept4(lfd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = malloc(sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		set_nodelay(fd);
		c->fd = fd;
		c->state = ST_NEW;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
		}
	}
}

/* A readable connection of the epoll loop; false once it is gone. */
static bool server_event(int ep, struct sconn *c)
{
	char b[256];
	ssize_t r;

	if (c->state == ST_WAIT_EOF) {
		r = read(c->fd, b, sizeof(b));
		return r > 0 || (r < 0 && (errno == EAGAIN || errno == EINTR));
	}
	r = read(c->fd, b, 1);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (r != 1)
		return false;
	if (b[0] != OP_PING) {
		/* the op is consumed: pass it on to a thread */
		epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
		server_spawn_op(c->fd, b[0]);
		c->fd = -1;
		return false;
	}
	if (write(c->fd, b, 1) != 1)
		return false;
	c->state = ST_WAIT_EOF;
	return true;
}

/*
 * One epoll loop accepts and serves the light operations (ping: connection
 * setup, and thousands of idle connections); bulk and echo connections get
 * a thread each, with blocking sockets.
 */
static int server_main(const char *bind_addr, uint16_t port)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	struct sconn lst = { .state = -1 };
	struct sockaddr_storage ss;
	int lfd, ep, one = 1, i, n;
	socklen_t len;

	if (parse_addr(bind_addr, port, &ss, &len))
		die("bad address %s", bind_addr);
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		     0);
	if (lfd < 0)
		die("socket: %m");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&ss, len))
		die("bind %s:%u: %m", bind_addr, port);
	if (listen(lfd, 4096))
		die("listen: %m");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1: %m");
	lst.fd = lfd;
	ev.data.ptr = &lst;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		die("epoll_ctl: %m");
	printf("{\"listening\":%u}\n", port);
	fflush(stdout);

	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %m");
		}
		for (i = 0; i < n; i++) {
			struct sconn *c = evs[i].data.ptr;

			if (c == &lst) {
				server_accept(ep, lfd);
				continue;
			}
			if (server_event(ep, c))
				continue;
			if (c->fd >= 0)
				close(c->fd); /* EOF or error */
			free(c);
		}
	}
	return 0;
}

/* ---- client ---------------------------------------------------------------- */

static struct {
	const char *mode;
	struct sockaddr_storage addrs[MAX_ADDRS];
	socklen_t alens[MAX_ADDRS];
	int n_addrs;
	uint16_t port;
	int streams;
	uint64_t dur_ns, warm_ns;
	uint32_t size;
	long count;
	long warmup_conns;
} opt = {
	.streams = 1,
	.dur_ns = 2000000000ull,
	.warm_ns = 200000000ull,
	.size = 64,
	.count = 1000000,
};

static int dial(long i)
{
	int k = i % opt.n_addrs, fd;

	fd = socket(opt.addrs[k].ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	set_nodelay(fd);
	if (connect(fd, (struct sockaddr *)&opt.addrs[k], opt.alens[k])) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct stream {
	pthread_t th;
	int idx;
	uint64_t bytes, ns;
	int err;
	bool started;
};

static atomic_int n_started, n_done;

static void mark_started(struct stream *s)
{
	if (!s->started) {
		s->started = true;
		atomic_fetch_add(&n_started, 1);
	}
}

/* Mode send: write until the server's result arrives. */
static void *send_stream(void *arg)
{
	struct stream *s = arg;
	uint8_t hdr[9], res[16];
	size_t got = 0;
	uint64_t t_warm = 0;
	char *buf = malloc(BUF_SIZE);
	int fd = dial(s->idx);
	struct pollfd p = { .events = POLLIN | POLLOUT };

	if (fd < 0 || !buf) {
		s->err = errno ? errno : ENOMEM;
		goto out;
	}
	memset(buf, 'x', BUF_SIZE);
	hdr[0] = OP_SINK;
	put_u32(hdr + 1, opt.warm_ns / 1000000);
	put_u32(hdr + 5, opt.dur_ns / 1000000);
	if (write_full(fd, hdr, sizeof(hdr))) {
		s->err = errno;
		goto out;
	}
	p.fd = fd;
	while (got < sizeof(res)) {
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			s->err = errno;
			goto out;
		}
		if (p.revents & POLLIN) {
			ssize_t n = read(fd, res + got, sizeof(res) - got);

			if (n <= 0) {
				s->err = n ? errno : ECONNRESET;
				goto out;
			}
			got += n;
			continue;
		}
		if (p.revents & (POLLERR | POLLHUP)) {
			s->err = ECONNRESET;
			goto out;
		}
		if (write(fd, buf, BUF_SIZE) < 0 && errno != EINTR) {
			s->err = errno;
			goto out;
		}
		if (!t_warm)
			t_warm = now_ns() + opt.warm_ns;
		else if (now_ns() >= t_warm)
			mark_started(s);
	}
	s->bytes = get_u64(res);
	s->ns = get_u64(res + 8);
out:
	mark_started(s);
	atomic_fetch_add(&n_done, 1);
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* Mode recv: count what arrives in the window, then send the stop byte. */
static void *recv_stream(void *arg)
{
	struct stream *s = arg;
	uint64_t t, t_first = 0, t_start = 0, t_end = 0, counted = 0;
	char *buf = malloc(BUF_SIZE);
	uint8_t op = OP_SOURCE;
	bool done = false;
	int fd = dial(s->idx);
	ssize_t n;

	if (fd < 0 || !buf) {
		s->err = errno ? errno : ENOMEM;
		goto out;
	}
	if (write_full(fd, &op, 1)) {
		s->err = errno;
		goto out;
	}
	while (!done) {
		n = read(fd, buf, BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->err = n ? errno : ECONNRESET;
			goto out;
		}
		t = now_ns();
		if (!t_first) {
			t_first = t;
			t_start = t + opt.warm_ns;
			t_end = t_start + opt.dur_ns;
			continue;
		}
		if (t < t_start)
			continue;
		mark_started(s);
		counted += n;
		if (t >= t_end) {
			s->bytes = counted;
			s->ns = t - t_start;
			done = true;
		}
	}
	mark_started(s);
	atomic_fetch_add(&n_done, 1);
	op = 0;
	if (write_full(fd, &op, 1) == 0)
		while ((n = read(fd, buf, BUF_SIZE)) > 0 ||
		       (n < 0 && errno == EINTR))
			;
	close(fd);
	free(buf);
	return NULL;
out:
	mark_started(s);
	atomic_fetch_add(&n_done, 1);
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static void wait_count(atomic_int *c, int n)
{
	while (atomic_load(c) < n)
		sleep_ns(1000000);
}

static int client_bulk(bool send)
{
	struct stream st[MAX_STREAMS];
	int64_t c0[MAX_CPU], c1[MAX_CPU];
	uint64_t t0, t1, bytes = 0;
	double bps = 0;
	int i, err = 0;

	memset(st, 0, sizeof(st));
	for (i = 0; i < opt.streams; i++) {
		st[i].idx = i;
		if (pthread_create(&st[i].th, NULL,
				   send ? send_stream : recv_stream, &st[i]))
			die("pthread_create failed");
	}
	wait_count(&n_started, opt.streams);
	cpu_sample(c0);
	t0 = now_ns();
	wait_count(&n_done, opt.streams);
	cpu_sample(c1);
	t1 = now_ns();
	for (i = 0; i < opt.streams; i++) {
		pthread_join(st[i].th, NULL);
		if (st[i].err || !st[i].ns) {
			err = st[i].err ? st[i].err : EIO;
			continue;
		}
		bytes += st[i].bytes;
		bps += st[i].bytes * 8e9 / st[i].ns;
	}
	printf("{\"mode\":\"%s\",\"streams\":%d,\"ok\":%s,\"error\":\"%s\","
	       "\"bytes\":%llu,\"gbps\":%.4f",
	       opt.mode, opt.streams, err ? "false" : "true",
	       err ? strerror(err) : "", (unsigned long long)bytes, bps / 1e9);
	print_cpu(c0, c1, t1 - t0);
	printf("}\n");
	return err ? 1 : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (n - 1) + 0.5);
	return v[i] / 1000.0;
}

static void print_lat(const char *name, uint64_t *v, size_t n)
{
	double sum = 0;
	size_t i;

	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf(",\"%s_us\":{\"n\":%zu,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
	       "\"p999\":%.3f,\"max\":%.3f,\"mean\":%.3f}",
	       name, n, pct_us(v, n, 0.5), pct_us(v, n, 0.9),
	       pct_us(v, n, 0.99), pct_us(v, n, 0.999),
	       n ? v[n - 1] / 1000.0 : 0, n ? sum / n / 1000.0 : 0);
}

static int client_rr(void)
{
	uint64_t *lat, t, t_start, t_end;
	uint8_t hdr[5];
	size_t n = 0;
	char *buf;
	int fd;

	if (!opt.size || opt.size > BUF_SIZE)
		die("--size must be 1..%d", BUF_SIZE);
	lat = malloc(MAX_SAMPLES * sizeof(*lat));
	buf = malloc(BUF_SIZE);
	if (!lat || !buf)
		die("out of memory");
	memset(buf, 'r', opt.size);
	fd = dial(0);
	if (fd < 0)
		die("connect: %m");
	hdr[0] = OP_ECHO;
	put_u32(hdr + 1, opt.size);
	if (write_full(fd, hdr, sizeof(hdr)))
		die("write: %m");
	t_start = now_ns() + opt.warm_ns;
	t_end = t_start + opt.dur_ns;
	for (;;) {
		t = now_ns();
		if (t >= t_end || n == MAX_SAMPLES)
			break;
		if (write_full(fd, buf, opt.size) ||
		    read_full(fd, buf, opt.size))
			die("round trip %zu: %s", n,
			    errno ? strerror(errno) : "EOF");
		if (t >= t_start)
			lat[n++] = now_ns() - t;
	}
	close(fd);
	printf("{\"mode\":\"rr\",\"ok\":true,\"size\":%u", opt.size);
	print_lat("rtt", lat, n);
	printf("}\n");
	free(lat);
	free(buf);
	return 0;
}

/* One connection: connect, one byte each way; returns the fd or -1. */
static int ping(long i, uint64_t *ttfb)
{
	uint64_t t0 = now_ns();
	uint8_t b = OP_PING;
	int fd = dial(i);

	if (fd < 0)
		return -1;
	if (write_full(fd, &b, 1) || read_full(fd, &b, 1)) {
		close(fd);
		return -1;
	}
	*ttfb = now_ns() - t0;
	return fd;
}

static int client_connect(void)
{
	uint64_t *lat, t0, t1, deadline, ttfb;
	long i, errors = 0, n = 0, k = 0, max;
	int fd;

	max = opt.count < MAX_SAMPLES ? opt.count : MAX_SAMPLES;
	lat = malloc(max * sizeof(*lat));
	if (!lat)
		die("out of memory");
	for (i = 0; i < opt.warmup_conns; i++, k++) {
		fd = ping(k, &ttfb);
		if (fd < 0)
			die("warm-up connection: %m");
		close(fd);
	}
	t0 = now_ns();
	deadline = t0 + opt.dur_ns;
	while (n < max && now_ns() < deadline) {
		fd = ping(k++, &ttfb);
		if (fd < 0) {
			/* a handful of failures are reported, more abort */
			if (++errors > 10 && errors * 10 > n)
				break;
			continue;
		}
		close(fd);
		lat[n++] = ttfb;
	}
	t1 = now_ns();
	printf("{\"mode\":\"connect\",\"ok\":%s,\"conns\":%ld,\"errors\":%ld,"
	       "\"seconds\":%.6f,\"rate\":%.2f",
	       n && errors * 10 <= n ? "true" : "false", n, errors,
	       (t1 - t0) / 1e9, n ? n / ((t1 - t0) / 1e9) : 0.0);
	print_lat("ttfb", lat, n);
	printf("}\n");
	free(lat);
	return n && errors * 10 <= n ? 0 : 1;
}

/*
 * Mode hold: open --count connections (each proven by a ping), print
 * {"ready":N}, keep them idle until standard input is closed or a line is
 * read from it, then close them all.
 */
static int client_hold(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	long i, open_n = 0, errors = 0;
	uint64_t t0, ttfb;
	int *fds, fd;

	fds = calloc(opt.count, sizeof(*fds));
	if (!fds)
		die("out of memory");
	t0 = now_ns();
	for (i = 0; open_n < opt.count && errors < 100; i++) {
		fd = ping(i, &ttfb);
		if (fd < 0) {
			errors++;
			fprintf(stderr, "tcpbench: hold: connection %ld: %m\n",
				open_n);
			sleep_ns(10000000);
			continue;
		}
		fds[open_n++] = fd;
	}
	printf("{\"ready\":%ld,\"errors\":%ld,\"open_s\":%.3f}\n", open_n,
	       errors, (now_ns() - t0) / 1e9);
	fflush(stdout);
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	for (i = 0; i < open_n; i++)
		close(fds[i]);
	free(fds);
	printf("{\"mode\":\"hold\",\"ok\":%s,\"conns\":%ld,\"errors\":%ld}\n",
	       open_n == opt.count ? "true" : "false", open_n, errors);
	return open_n == opt.count ? 0 : 1;
}

/* ---- main ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: tcpbench server --port P [--bind ADDR] [--lifetime S]\n"
		"       tcpbench client --connect ADDR[,ADDR...] --port P\n"
		"                --mode send|recv|rr|connect|hold [--streams N]\n"
		"                [--seconds S] [--warmup S] [--size BYTES]\n"
		"                [--count N] [--warmup-conns N]\n"
		"                [--cpu cg|stat|pid:FILE]...\n"
		"                [--timeout S]\n");
	exit(2);
}

static uint64_t parse_secs(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*end || v < 0 || v > 86400)
		usage();
	return (uint64_t)(v * 1e9);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "bind", required_argument, NULL, 'b' },
		{ "port", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "streams", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "size", required_argument, NULL, 'z' },
		{ "count", required_argument, NULL, 'k' },
		{ "warmup-conns", required_argument, NULL, 'W' },
		{ "cpu", required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *connect_list = NULL, *bind_addr = "0.0.0.0";
	uint64_t timeout = 120000000000ull, lifetime = 7200000000000ull;
	bool server;
	int c;

	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "server"))
		server = true;
	else if (!strcmp(argv[1], "client"))
		server = false;
	else
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			connect_list = optarg;
			break;
		case 'b':
			bind_addr = optarg;
			break;
		case 'p':
			opt.port = atoi(optarg);
			break;
		case 'm':
			opt.mode = optarg;
			break;
		case 'n':
			opt.streams = atoi(optarg);
			break;
		case 's':
			opt.dur_ns = parse_secs(optarg);
			break;
		case 'w':
			opt.warm_ns = parse_secs(optarg);
			break;
		case 'z':
			opt.size = atoi(optarg);
			break;
		case 'k':
			opt.count = atol(optarg);
			break;
		case 'W':
			opt.warmup_conns = atol(optarg);
			break;
		case 't':
			timeout = parse_secs(optarg);
			break;
		case 'l':
			lifetime = parse_secs(optarg);
			break;
		case 'u':
			if (n_cpu == MAX_CPU)
				die("too many --cpu");
			cpu_paths[n_cpu++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !opt.port)
		usage();
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	raise_nofile();
	if (server) {
		alarm(lifetime / 1000000000ull);
		return server_main(bind_addr, opt.port);
	}

	if (!connect_list || !opt.mode)
		usage();
	for (char *list = strdup(connect_list), *sv = NULL,
		  *a = strtok_r(list, ",", &sv);
	     a; a = strtok_r(NULL, ",", &sv)) {
		if (opt.n_addrs == MAX_ADDRS)
			die("too many addresses");
		if (parse_addr(a, opt.port, &opt.addrs[opt.n_addrs],
			       &opt.alens[opt.n_addrs]))
			die("bad address %s", a);
		opt.n_addrs++;
	}
	if (opt.streams < 1 || opt.streams > MAX_STREAMS || opt.count < 1)
		usage();
	alarm((timeout + 999999999ull) / 1000000000ull);
	if (!strcmp(opt.mode, "send"))
		return client_bulk(true);
	if (!strcmp(opt.mode, "recv"))
		return client_bulk(false);
	if (!strcmp(opt.mode, "rr"))
		return client_rr();
	if (!strcmp(opt.mode, "connect"))
		return client_connect();
	if (!strcmp(opt.mode, "hold"))
		return client_hold();
	usage();
}
