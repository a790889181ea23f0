/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef TCPINCD_LOG_H
#define TCPINCD_LOG_H

#include <stdio.h>

extern int tcpincd_verbose;

/* Messages go to stderr (a file in daemon mode: TCPINCD_LOG, else nowhere). */
void tcpincd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define tcpincd_dbg(...)                                 \
	do {                                             \
		if (tcpincd_verbose)                     \
			tcpincd_log(__VA_ARGS__);        \
	} while (0)

/* Keep libbpf's messages (the verifier log among them) for error reports. */
void tcpincd_libbpf_capture(void);
/* The last lines libbpf printed, for a start-up error message. */
const char *tcpincd_libbpf_tail(void);

#endif
