// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "tcpincd/log.h"

int tcpincd_verbose;

void tcpincd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("tcpincd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* A ring of libbpf output; the verifier's reason is at its end. */
static char libbpf_ring[8192];
static size_t libbpf_len;

/* Keep the newest bytes; the ring always stays NUL-terminated. */
static void append_ring(const char *p, size_t n)
{
	const size_t cap = sizeof(libbpf_ring) - 1;

	if (n >= cap) {
		p += n - cap;
		n = cap;
	}
	if (libbpf_len + n > cap) {
		size_t drop = libbpf_len + n - cap;

		memmove(libbpf_ring, libbpf_ring + drop, libbpf_len - drop);
		libbpf_len -= drop;
	}
	memcpy(libbpf_ring + libbpf_len, p, n);
	libbpf_len += n;
	libbpf_ring[libbpf_len] = '\0';
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	static char line[65536]; /* a whole verifier log comes as one message */
	int n;

	if (level == LIBBPF_DEBUG && !tcpincd_verbose)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (tcpincd_verbose)
		fputs(line, stderr);
	append_ring(line, (size_t)n);
	return 0;
}

void tcpincd_libbpf_capture(void)
{
	libbpf_set_print(libbpf_print);
}

const char *tcpincd_libbpf_tail(void)
{
	const char *p = libbpf_ring;
	size_t lines = 0;
	size_t i;

	/* The last 12 lines are enough to show the verifier's complaint. */
	for (i = libbpf_len; i > 0; i--) {
		if (libbpf_ring[i - 1] == '\n' && ++lines > 12) {
			p = libbpf_ring + i;
			break;
		}
	}
	return p;
}
