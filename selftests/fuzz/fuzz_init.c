// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the Init1/Init2 parsers, the public-key parsers of
 * every TEP and the session's Init handling. Input: byte 0 = control
 * (bit 0: feed as host A, i.e. Init2, else as host B, i.e. Init1; bits
 * 1-7: chunk size - 1), byte 1 = TEP (bits 0-1: 0x23, 0x21, 0x22, 0x24;
 * bit 2: also run a full key agreement on the first public key of the
 * stream), then the stream.
 *
 * Public keys: the first PK_LEN bytes of the stream, and the public key
 * fields of whatever Init messages parse, go through check() for every
 * TEP. P-256/P-521 verdicts are compared with a reference built directly
 * on OpenSSL (length prefix counting itself, 02/03, decodable point), an
 * accepted point must re-encode to the same bytes, and derive() must
 * agree with check().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include "proto/ecdh.h"
#include "proto/init_msg.h"
#include "proto/session.h"

static uint8_t net[1 << 17], app[1 << 17];

static const uint8_t teps[4] = {0x23, 0x21, 0x22, 0x24};

/* Fixed private keys (the test vectors' own) for derive(). */
static const uint8_t priv_p256[32] = {
	0x7d, 0x7d, 0xc5, 0xf7, 0x1e, 0xb2, 0x9d, 0xda, 0xf8, 0x0d, 0x62,
	0x14, 0x63, 0x2e, 0xea, 0xe0, 0x3d, 0x90, 0x58, 0xaf, 0x1f, 0xb6,
	0xd2, 0x2e, 0xd8, 0x0b, 0xad, 0xb6, 0x2b, 0xc1, 0xa5, 0x34};
static uint8_t priv_p521[66] = {0x01, 0x7e, 0xec, 0xc0, 0x7a, 0xb4};
static uint8_t priv_x[56] = {0x3d, 0x26, 0x2f, 0xdd, 0xf9, 0xec, 0x8e};

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

/* Reference verdict for a P-256/P-521 wire key, straight on OpenSSL. */
static EC_GROUP *groups[2]; /* P-256, P-521 */

static int nist_reference(const EC_GROUP *g, size_t flen, const uint8_t *w)
{
	EC_POINT *pt;
	uint8_t again[1 + 66];
	int ok;

	if (((size_t)w[0] << 8 | w[1]) != 3 + flen || (w[2] != 2 && w[2] != 3))
		return -EKEYREJECTED;
	pt = EC_POINT_new(g);
	check(pt != NULL);
	ok = EC_POINT_oct2point(g, pt, w + 2, 1 + flen, NULL) == 1;
	if (ok) {
		/* Canonical: re-encoding gives the same bytes back. */
		check(EC_POINT_is_on_curve(g, pt, NULL) == 1);
		check(EC_POINT_point2oct(g, pt, POINT_CONVERSION_COMPRESSED,
					 again, 1 + flen, NULL) == 1 + flen);
		check(!memcmp(again, w + 2, 1 + flen));
	}
	EC_POINT_free(pt);
	ERR_clear_error();
	return ok ? 0 : -EKEYREJECTED;
}

static const uint8_t *priv_for(uint8_t tep)
{
	switch (tep) {
	case 0x21:
		return priv_p256;
	case 0x22:
		return priv_p521;
	default:
		return priv_x;
	}
}

/* One wire public key (k->pub_len bytes at w) through one TEP. */
static void pubkey(const struct tcpinc_kex *k, const uint8_t *w, bool full)
{
	uint8_t es[TCPINC_KEX_ES_MAX];
	int c, d;
	size_t i;

	c = k->check(w);
	check(c == 0 || c == -EKEYREJECTED);
	if (k->tep == 0x21)
		check(c == nist_reference(groups[0], 32, w));
	else if (k->tep == 0x22)
		check(c == nist_reference(groups[1], 66, w));
	else
		check(c == 0); /* raw u-coordinates */
	if (!full)
		return;
	memset(es, 0xa5, sizeof(es));
	d = k->derive(es, priv_for(k->tep), w);
	check(d == 0 || d == -EKEYREJECTED);
	/* NIST: cofactor 1, valid d, so only a bad point fails. */
	if (k->tep == 0x21 || k->tep == 0x22)
		check(d == c);
	if (d)
		for (i = 0; i < k->es_len; i++)
			check(es[i] == 0);
}

static void parsers(const uint8_t *in, size_t len, size_t pk_len,
		    const struct tcpinc_kex *k)
{
	struct tcpinc_init1 m1;
	struct tcpinc_init2 m2;
	ssize_t r;

	r = tcpinc_init1_parse(in, len, pk_len, &m1);
	check(r >= -EPROTO && r != -1);
	if (r > 0) {
		check((size_t)r <= len && r <= TCPINC_INIT_MAX);
		check(m1.nciphers >= 1 && m1.len == (size_t)r);
		check(m1.pub + pk_len <= in + r && m1.nonce > in);
		/* Any prefix only asks for more bytes. */
		check(tcpinc_init1_parse(in, (size_t)r - 1, pk_len, &m1) == 0);
		check(tcpinc_init1_parse(in, 9, pk_len, &m1) == 0);
		check(tcpinc_init1_parse(in, (size_t)r, pk_len, &m1) == r);
		pubkey(k, m1.pub, false);
	} else if (r == 0) {
		check(len < TCPINC_INIT_MAX);
	} else {
		check(r == -EPROTO);
	}
	r = tcpinc_init2_parse(in, len, pk_len, &m2);
	if (r > 0) {
		check((size_t)r <= len && r <= TCPINC_INIT_MAX);
		check(m2.pub + pk_len <= in + r);
		check(tcpinc_init2_parse(in, (size_t)r - 1, pk_len, &m2) == 0);
		pubkey(k, m2.pub, false);
	} else {
		check(r == 0 || r == -EPROTO);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Complete the vectors' private keys (any valid scalar will do). */
	size_t i;

	(void)argc;
	(void)argv;
	groups[0] = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	groups[1] = EC_GROUP_new_by_curve_name(NID_secp521r1);
	check(groups[0] && groups[1]);
	for (i = 6; i < sizeof(priv_p521); i++)
		priv_p521[i] = (uint8_t)(i * 7);
	for (i = 7; i < sizeof(priv_x); i++)
		priv_x[i] = (uint8_t)(i * 13);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcpinc_session_cfg cfg = {0};
	const struct tcpinc_kex *k;
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
	size_t t;

	if (size < 2)
		return 0;
	in = data + 2;
	size -= 2;
	cfg.tep = teps[data[1] & 3];
	k = tcpinc_kex_find(cfg.tep);
	check(k != NULL);
	parsers(in, size, k->pub_len, k);
	/* The stream's first bytes as a public key of every TEP. */
	for (t = 0; t < 4; t++) {
		const struct tcpinc_kex *kt = tcpinc_kex_find(teps[t]);

		if (size >= kt->pub_len)
			pubkey(kt, in, kt == k && (data[1] & 4));
	}

	cfg.role = data[0] & 1 ? 0 : 1;
	chunk = (size_t)(data[0] >> 1) + 1;
	/*
	 * A generates its key pair up front, which costs up to 0.3 ms for
	 * P-521 and X448. Garbage that is not even the start of an Init2
	 * gets the same -EPROTO for every TEP, so only X25519 runs it.
	 */
	if (cfg.role == 0 && cfg.tep != 0x23) {
		struct tcpinc_init2 m2;

		if (tcpinc_init2_parse(in, size, k->pub_len, &m2) < 0)
			return 0;
	}
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
