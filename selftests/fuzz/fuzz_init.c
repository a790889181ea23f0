// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the Init1/Init2 parsers and the session's Init
 * handling. Input: byte 0 = control (bit 0: feed as host A, i.e. Init2,
 * else as host B, i.e. Init1; bits 1-7: chunk size - 1), then the stream.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto/init_msg.h"
#include "proto/session.h"

#define PK_LEN 32

static uint8_t net[1 << 17], app[1 << 17];

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void parsers(const uint8_t *in, size_t len)
{
	struct tcpinc_init1 m1;
	struct tcpinc_init2 m2;
	ssize_t r;

	r = tcpinc_init1_parse(in, len, PK_LEN, &m1);
	check(r >= -EPROTO && r != -1);
	if (r > 0) {
		check((size_t)r <= len && r <= TCPINC_INIT_MAX);
		check(m1.nciphers >= 1 && m1.len == (size_t)r);
		check(m1.pub + PK_LEN <= in + r && m1.nonce > in);
		/* Any prefix only asks for more bytes. */
		check(tcpinc_init1_parse(in, (size_t)r - 1, PK_LEN, &m1) == 0);
		check(tcpinc_init1_parse(in, 9, PK_LEN, &m1) == 0);
		check(tcpinc_init1_parse(in, (size_t)r, PK_LEN, &m1) == r);
	} else if (r == 0) {
		check(len < TCPINC_INIT_MAX);
	} else {
		check(r == -EPROTO);
	}
	r = tcpinc_init2_parse(in, len, PK_LEN, &m2);
	if (r > 0) {
		check((size_t)r <= len && r <= TCPINC_INIT_MAX);
		check(m2.pub + PK_LEN <= in + r);
		check(tcpinc_init2_parse(in, (size_t)r - 1, PK_LEN, &m2) == 0);
	} else {
		check(r == 0 || r == -EPROTO);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcpinc_session_cfg cfg = {.tep = 0x23};
	struct tcpinc_io io = {
		.net_out = net,
		.net_cap = sizeof(net),
		.app_out = app,
		.app_cap = sizeof(app),
	};
	struct tcpinc_session *s;
	size_t chunk, done = 0, shown = 0;
	const uint8_t *in;
	ssize_t r;

	if (size < 1)
		return 0;
	in = data + 1;
	size--;
	parsers(in, size);

	cfg.role = data[0] & 1 ? 0 : 1;
	chunk = (size_t)(data[0] >> 1) + 1;
	s = tcpinc_session_new(&cfg);
	check(s != NULL);
	if (cfg.role == 0)
		check(tcpinc_session_start(s, &io) == 0);
	/* Present the stream growing by `chunk` bytes, re-presenting
	 * whatever was not consumed, as tcpincd does. */
	while (shown < size) {
		shown = shown + chunk < size ? shown + chunk : size;
		r = tcpinc_session_input(s, in + done, shown - done, &io);
		if (r < 0) {
			check(r == -EPROTO || r == -ENOPROTOOPT ||
			      r == -EKEYREJECTED || r == -EBADMSG ||
			      r == -EPIPE);
			check(!tcpinc_session_ready(s));
			/* Dead stays dead. */
			check(tcpinc_session_input(s, in, size, &io) == r);
			break;
		}
		check((size_t)r <= shown - done);
		done += (size_t)r;
		/* Never more than one Init unconsumed once it is complete. */
		check(tcpinc_session_ready(s) ||
		      shown - done <= TCPINC_INIT_MAX);
	}
	check(io.net_len <= io.net_cap && io.app_len <= io.app_cap);
	tcpinc_session_free(s);
	return 0;
}
