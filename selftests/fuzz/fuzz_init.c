// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the Init1/Init2 parsers, the public-key parsers of
 * every TEP and the session's Init handling. Input: byte 0 = control
 * (bit 0: feed as host A, i.e. Init2, else as host B, i.e. Init1; bits
 * 1-7: chunk size - 1), byte 1 = TEP (bits 0-1: 0x23, 0x21, 0x22, 0x24;
 * bit 2: also run a full key agreement on the first public key of the
 * stream; bits 3-4: the session's AEAD list, see aead_cfgs[]), then the
 * stream.
 *
 * Public keys: the first PK_LEN bytes of the stream, and the public key
 * fields of whatever Init messages parse, go through check() for every
 * TEP. P-256/P-521 verdicts are compared with a reference built directly
 * on OpenSSL (length prefix counting itself, 02/03, decodable point), an
 * accepted point must re-encode to the same bytes, and derive() must
 * agree with check().
 *
 * Speed: the sessions do their key agreement through fuzz_kex[]
 * (tcpinc_session_new_with_kex()): one fixed key pair per TEP, made once
 * in LLVMFuzzerInitialize() by the real pubgen(), instead of a fresh one
 * per input (up to 0.6 ms for X448), and the real derive() memoized on
 * (TEP, peer key): a pure function for a fixed private key. Everything
 * else (parsing, key validation, key schedule, AEAD setup) runs for real
 * and an input always takes the same path, so crashes reproduce.
 *
 * Key hygiene: the sodium_malloc() of fuzz_guarded.h traps when a
 * session frees secrets it did not wipe, and after each input the
 * session must hold exactly what its state allows (no private key or ES
 * once ready or dead, nothing at all once dead).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>

#include "fuzz_guarded.h"
#include "proto/ecdh.h"
#include "proto/init_msg.h"
#include "proto/session.h"
#include "proto/session_ext.h"

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

/*
 * ---- The sessions' key agreement -------------------------------------
 * keygen(): the TEP's fixed key pair (priv_for(), public key from the
 * real pubgen()). derive(): for X25519 and P-256 (0.1 ms at most) the
 * real one. For P-521 and X448 (0.7 and 0.9 ms, nearly all of it
 * OpenSSL's ladder, which the session does not look into) a stand-in
 * with the real verdict: check() for P-521 (cofactor 1 and a valid
 * scalar: only a bad point fails), the small-order u for X448; its ES is
 * the peer key's bytes. pubkey() compares the stand-in's verdict with
 * the real derive() for every key it derives in full. check() and the
 * real derive() are pure functions of the peer key (the private key is
 * fixed), so memo[] caches them without changing any result.
 */

static struct tcpinc_kex fuzz_kex[4]; /* by index into teps[] */
static uint8_t fixed_pub[4][TCPINC_KEX_PUB_MAX];

static size_t tep_index(uint8_t tep)
{
	size_t t;

	for (t = 0; t < 4 && teps[t] != tep; t++)
		;
	check(t < 4);
	return t;
}

static int fixed_keygen(size_t t, uint8_t *priv, uint8_t *pub)
{
	memcpy(priv, priv_for(teps[t]), fuzz_kex[t].priv_len);
	memcpy(pub, fixed_pub[t], fuzz_kex[t].pub_len);
	return 0;
}

#define MEMO 1024

static struct memo {
	uint8_t tep; /* 0: empty */
	bool have_check, have_derive;
	int check_err, derive_err;
	uint8_t peer[TCPINC_KEX_PUB_MAX];
	uint8_t es[TCPINC_KEX_ES_MAX];
} memo[MEMO];

static struct memo *memo_of(size_t t, const uint8_t *peer)
{
	size_t i, len = tcpinc_kex_find(teps[t])->pub_len;
	uint32_t h = 2166136261u ^ (uint32_t)t;
	struct memo *m;

	for (i = 0; i < len; i++)
		h = (h ^ peer[i]) * 16777619u;
	m = &memo[h % MEMO];
	if (m->tep != teps[t] || memcmp(m->peer, peer, len)) {
		memset(m, 0, sizeof(*m));
		m->tep = teps[t];
		memcpy(m->peer, peer, len);
	}
	return m;
}

static void memo_put_check(size_t t, const uint8_t *peer, int err)
{
	struct memo *m = memo_of(t, peer);

	m->have_check = true;
	m->check_err = err;
}

static int memo_check(size_t t, const uint8_t *peer)
{
	struct memo *m = memo_of(t, peer);

	if (!m->have_check) {
		m->check_err = tcpinc_kex_find(teps[t])->check(peer);
		m->have_check = true;
	}
	return m->check_err;
}

/* The real derive() with the fixed private key of TEP index t. */
static int real_derive(size_t t, uint8_t *es, const uint8_t *priv,
		       const uint8_t *peer)
{
	const struct tcpinc_kex *real = tcpinc_kex_find(teps[t]);
	struct memo *m = memo_of(t, peer);

	check(!memcmp(priv, priv_for(teps[t]), real->priv_len));
	if (!m->have_derive) {
		memset(es, 0xa5, real->es_len);
		m->derive_err = real->derive(es, priv, peer);
		memcpy(m->es, es, real->es_len);
		m->have_derive = true;
	}
	memcpy(es, m->es, real->es_len);
	return m->derive_err;
}

/* X448 inputs (u mod p, p = 2^448 - 2^224 - 1) that give an all-zero ES:
 * 0, 1, p - 1, as 0, 1, p - 1, p, p + 1 on the wire (little-endian). */
static bool x448_small_order(const uint8_t *u)
{
	uint8_t c[5][56];
	size_t i;

	memset(c, 0, sizeof(c));
	c[1][0] = 1;
	memset(c[2], 0xff, 56); /* p - 1 */
	c[2][0] = 0xfe;
	c[2][28] = 0xfe;
	memset(c[3], 0xff, 56); /* p */
	c[3][28] = 0xfe;
	memset(c[4] + 28, 0xff, 28); /* p + 1 = 2^448 - 2^224 */
	for (i = 0; i < 5; i++)
		if (!memcmp(u, c[i], 56))
			return true;
	return false;
}

static int standin_derive(size_t t, uint8_t *es, const uint8_t *peer)
{
	const struct tcpinc_kex *k = tcpinc_kex_find(teps[t]);
	int err;

	if (teps[t] == 0x22)
		err = memo_check(t, peer);
	else
		err = x448_small_order(peer) ? -EKEYREJECTED : 0;
	if (err)
		memset(es, 0, k->es_len);
	else
		memcpy(es, peer + k->pub_len - k->es_len, k->es_len);
	return err;
}

static int fuzz_derive(size_t t, uint8_t *es, const uint8_t *priv,
		       const uint8_t *peer)
{
	if (teps[t] == 0x23 || teps[t] == 0x21)
		return real_derive(t, es, priv, peer);
	check(!memcmp(priv, priv_for(teps[t]), fuzz_kex[t].priv_len));
	return standin_derive(t, es, peer);
}

#define FUZZ_KEX(t)                                             \
	static int keygen_##t(uint8_t *priv, uint8_t *pub)      \
	{                                                       \
		return fixed_keygen(t, priv, pub);              \
	}                                                       \
	static int derive_##t(uint8_t *es, const uint8_t *priv, \
			      const uint8_t *peer)              \
	{                                                       \
		return fuzz_derive(t, es, priv, peer);          \
	}
FUZZ_KEX(0)
FUZZ_KEX(1)
FUZZ_KEX(2)
FUZZ_KEX(3)

static void fuzz_kex_init(void)
{
	static int (*const keygen[4])(uint8_t *, uint8_t *) = {
		keygen_0, keygen_1, keygen_2, keygen_3};
	static int (*const derive[4])(uint8_t *, const uint8_t *,
				      const uint8_t *) = {derive_0, derive_1,
							  derive_2, derive_3};
	size_t t;

	for (t = 0; t < 4; t++) {
		const struct tcpinc_kex *real = tcpinc_kex_find(teps[t]);

		check(real != NULL);
		fuzz_kex[t] = *real;
		fuzz_kex[t].keygen = keygen[t];
		fuzz_kex[t].derive = derive[t];
		check(real->pubgen(fixed_pub[t], priv_for(teps[t])) == 0);
	}
}

/* The X448 stand-in agrees with the real derive() around its list. */
static void x448_standin_selftest(void)
{
	static const int8_t d0[] = {0, 1, 2, -1, -2};
	uint8_t u[56], es[56], es2[56];
	size_t t = tep_index(0x24), i, j;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < sizeof(d0); j++) {
			/* base (0, p - 1 or p + 1) + d0[j] */
			memset(u, 0, sizeof(u));
			if (i == 1) {
				memset(u, 0xff, sizeof(u));
				u[0] = 0xfe;
				u[28] = 0xfe;
			} else if (i == 2) {
				memset(u + 28, 0xff, 28);
			}
			if (d0[j] < 0 && !i)
				continue;
			u[0] = (uint8_t)(u[0] + d0[j]);
			check(real_derive(t, es, priv_x, u) ==
			      standin_derive(t, es2, u));
		}
	}
}

/* The session's AEAD list (byte 1 bits 3-4); NULL = the defaults. */
static const uint16_t aead_one[] = {TCPINC_AEAD_AES_128_GCM};
static const uint16_t aead_two[] = {TCPINC_AEAD_CHACHA20_POLY1305,
				    TCPINC_AEAD_AES_256_GCM};
static const uint16_t aead_dup[] = {
	TCPINC_AEAD_AES_256_GCM, TCPINC_AEAD_CHACHA20_POLY1305,
	TCPINC_AEAD_AES_128_GCM, TCPINC_AEAD_AES_256_GCM};
static const struct {
	const uint16_t *list;
	size_t n;
} aead_cfgs[4] = {
	{NULL, 0},
	{aead_one, 1},
	{aead_two, 2},
	{aead_dup, 4},
};

/* One wire public key (k->pub_len bytes at w) through one TEP. */
static void pubkey(const struct tcpinc_kex *k, const uint8_t *w, bool full)
{
	uint8_t es[TCPINC_KEX_ES_MAX], es2[TCPINC_KEX_ES_MAX];
	size_t i, t = tep_index(k->tep);
	int c, d;

	c = k->check(w);
	check(c == 0 || c == -EKEYREJECTED);
	if (k->tep == 0x21)
		check(c == nist_reference(groups[0], 32, w));
	else if (k->tep == 0x22)
		check(c == nist_reference(groups[1], 66, w));
	else
		check(c == 0); /* raw u-coordinates */
	memo_put_check(t, w, c);
	if (!full)
		return;
	memset(es, 0xa5, sizeof(es));
	d = real_derive(t, es, priv_for(k->tep), w);
	check(d == 0 || d == -EKEYREJECTED);
	/* NIST: cofactor 1, valid d, so only a bad point fails. */
	if (k->tep == 0x21 || k->tep == 0x22)
		check(d == c);
	if (d)
		for (i = 0; i < k->es_len; i++)
			check(es[i] == 0);
	/* The sessions' stand-in gives the same verdict. */
	if (k->tep == 0x22 || k->tep == 0x24)
		check(standin_derive(t, es2, w) == d);
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
	fuzz_kex_init();
	x448_standin_selftest();
	return 0;
}

/* After an input: the session holds just what its state allows. */
static void check_held(struct tcpinc_session *s, bool role_a, bool started)
{
	struct tcpinc_secrets_held h;

	tcpinc_session_get_secrets_held(s, &h);
	check(!h.es && !h.scratch);
	if (tcpinc_session_error(s)) {
		check(!h.priv && !h.ss && !h.mk_tx && !h.mk_rx && !h.tx_key &&
		      !h.rx_key);
	} else if (tcpinc_session_ready(s)) {
		/* The stream cannot hold a valid frame: no FINp seen. */
		check(!h.priv && h.ss && h.mk_tx && h.mk_rx && h.tx_key &&
		      h.rx_key);
	} else {
		/* Waiting for an Init: only A's private key. */
		check(h.priv == (role_a && started));
		check(!h.ss && !h.mk_tx && !h.mk_rx && !h.tx_key && !h.rx_key);
	}
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
	size_t chunk, done = 0, shown = 0, t, own_len = 0;
	const uint8_t *in;
	ssize_t r;

	if (size < 2)
		return 0;
	in = data + 2;
	size -= 2;
	cfg.tep = teps[data[1] & 3];
	cfg.aeads = aead_cfgs[(data[1] >> 3) & 3].list;
	cfg.naeads = aead_cfgs[(data[1] >> 3) & 3].n;
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
	s = tcpinc_session_new_with_kex(&cfg, &fuzz_kex[data[1] & 3]);
	check(s != NULL);
	check_held(s, cfg.role == 0, false);
	if (cfg.role == 0) {
		check(tcpinc_session_start(s, &io) == 0);
		own_len = io.net_len;
		check(own_len == tcpinc_init1_len(cfg.naeads ? cfg.naeads : 3,
						  k->pub_len));
	}
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
	if (cfg.role == 1 && io.net_len) {
		/* B answered with exactly one Init2 naming an AEAD of its
		 * list (it may have died on what followed). */
		struct tcpinc_session_info info;
		struct tcpinc_init2 m2;

		check(tcpinc_init2_parse(net, io.net_len, k->pub_len, &m2) ==
		      (ssize_t)tcpinc_init2_len(k->pub_len));
		check(io.net_len == tcpinc_init2_len(k->pub_len));
		check(tcpinc_session_get_info(s, &info) == 0);
		check(m2.cipher == info.aead);
		check(!memcmp(m2.pub, fixed_pub[data[1] & 3], k->pub_len));
	} else if (cfg.role == 1) {
		check(!tcpinc_session_ready(s));
	} else {
		check(io.net_len == own_len);
	}
	check(io.net_len <= io.net_cap && io.app_len <= io.app_cap);
	check_held(s, cfg.role == 0, true);
	tcpinc_session_free(s);
	return 0;
}
