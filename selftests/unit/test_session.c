// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Two in-memory sessions, A and B, talking through their net_out buffers:
 * handshake, bulk data, FINp, rekey, tampering and negotiation failures.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>

#include "proto/frame.h"
#include "proto/init_msg.h"
#include "proto/keysched.h"
#include "proto/session.h"
#include "proto/session_ext.h"
#include "test.h"

#define BUF (3u << 20)
#define MIB (1u << 20)

static const uint8_t transcript[] = {0x45, 0x04, 0x21, 0x23,
				     0x45, 0x04, 0x01, 0x23};

/* One host: its session, what it sent (net_out, the whole stream) and
 * what it received (app_out), plus how much of the peer's stream it has
 * been shown and has consumed. */
struct end {
	struct tcpinc_session *s;
	struct tcpinc_io io;
	size_t delivered, consumed;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void end_init(struct end *e)
{
	memset(e, 0, sizeof(*e));
	e->io.net_out = malloc(BUF);
	e->io.app_out = malloc(BUF);
	e->io.net_cap = e->io.app_cap = BUF;
	CHECK(e->io.net_out && e->io.app_out);
}

static void end_fini(struct end *e)
{
	tcpinc_session_free(e->s);
	free(e->io.net_out);
	free(e->io.app_out);
}

static struct tcpinc_session_cfg cfg_of(int role, const uint16_t *aeads,
					size_t n)
{
	struct tcpinc_session_cfg c = {
		.role = (uint8_t)role,
		.tep = 0x23,
		.transcript = transcript,
		.transcript_len = sizeof(transcript),
		.aeads = aeads,
		.naeads = n,
	};
	return c;
}

/* Show `me` up to n more bytes of the peer's stream; 0 or -errno. */
static int deliver(struct end *me, struct end *peer, size_t n)
{
	ssize_t r;

	me->delivered += n;
	if (me->delivered > peer->io.net_len)
		me->delivered = peer->io.net_len;
	if (me->delivered == me->consumed)
		return 0;
	r = tcpinc_session_input(me->s, peer->io.net_out + me->consumed,
				 me->delivered - me->consumed, &me->io);
	if (r < 0)
		return (int)r;
	CHECK((size_t)r <= me->delivered - me->consumed);
	me->consumed += (size_t)r;
	return 0;
}

/* Deliver everything both ways in chunks of 1..maxchunk bytes. */
static int pump(struct end *a, struct end *b, uint32_t maxchunk)
{
	int err, i;

	for (i = 0; i < 10000000; i++) {
		if (a->consumed == b->io.net_len &&
		    b->consumed == a->io.net_len)
			return 0;
		err = deliver(b, a, 1 + rnd(maxchunk));
		if (err)
			return err;
		err = deliver(a, b, 1 + rnd(maxchunk));
		if (err)
			return err;
	}
	return -ETIMEDOUT;
}

static void pair_new(struct end *a, struct end *b, const uint16_t *la,
		     size_t na, const uint16_t *lb, size_t nb)
{
	struct tcpinc_session_cfg ca = cfg_of(0, la, na);
	struct tcpinc_session_cfg cb = cfg_of(1, lb, nb);

	end_init(a);
	end_init(b);
	a->s = tcpinc_session_new(&ca);
	b->s = tcpinc_session_new(&cb);
	CHECK(a->s && b->s);
	CHECK_EQ(tcpinc_session_start(a->s, &a->io), 0);
	CHECK_EQ(tcpinc_session_start(b->s, &b->io), 0);
}

static void check_same_sid(struct end *a, struct end *b)
{
	struct tcpinc_session_info ia, ib;
	uint8_t zero[TCPINC_SESSID_LEN - 1] = {0};

	CHECK_EQ(tcpinc_session_get_info(a->s, &ia), 0);
	CHECK_EQ(tcpinc_session_get_info(b->s, &ib), 0);
	CHECK_EQ(ia.session_id[0], 0x23);
	CHECK_MEM(ia.session_id, ib.session_id, TCPINC_SESSID_LEN);
	CHECK(memcmp(ia.session_id + 1, zero, sizeof(zero)) != 0);
	CHECK_EQ(ia.aead, ib.aead);
}

/* Send all of data from x, fed in random pieces with random net room. */
static int send_all(struct end *x, const uint8_t *data, size_t len, bool fin)
{
	size_t done = 0;
	ssize_t r;

	while (done < len || fin) {
		size_t piece = 1 + rnd(200000), cap = x->io.net_cap;

		if (piece > len - done)
			piece = len - done;
		/* Sometimes offer little room, to get short frames. */
		if (!rnd(4) && x->io.net_len + 64 + rnd(3000) < cap)
			x->io.net_cap = x->io.net_len + 64 + rnd(3000);
		r = tcpinc_session_output(x->s, data + done, piece,
					  fin && done + piece == len, &x->io);
		x->io.net_cap = cap;
		if (r < 0)
			return (int)r;
		done += (size_t)r;
		if (fin && done == len && (size_t)r == piece)
			break;
	}
	return 0;
}

static void test_handshake_one_block(void)
{
	struct end a, b;
	struct tcpinc_session_info ia;

	pair_new(&a, &b, NULL, 0, NULL, 0);
	CHECK_EQ(a.io.net_len, 79); /* 73 + 2 * 3 AEADs */
	CHECK_EQ(b.io.net_len, 0);
	CHECK(!tcpinc_session_ready(a.s));
	CHECK(!tcpinc_session_ready(b.s));
	CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
	CHECK_EQ(ia.aead, 0);
	CHECK_EQ(ia.session_id[0], 0);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"x", 1, false,
				       &a.io),
		 -EAGAIN);

	CHECK_EQ(deliver(&b, &a, BUF), 0);
	CHECK_EQ(b.consumed, 79);
	CHECK(tcpinc_session_ready(b.s));
	CHECK_EQ(b.io.net_len, 74);
	/* B may send at once: its frame follows Init2 in one buffer. */
	CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"hi from b", 9,
				       false, &b.io),
		 9);
	CHECK_EQ(b.io.net_len, 74 + 29);
	CHECK_EQ(deliver(&a, &b, BUF), 0);
	CHECK_EQ(a.consumed, 74 + 29);
	CHECK(tcpinc_session_ready(a.s));
	CHECK_EQ(a.io.app_len, 9);
	CHECK_MEM(a.io.app_out, "hi from b", 9);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"hi from a", 9,
				       false, &a.io),
		 9);
	CHECK_EQ(deliver(&b, &a, BUF), 0);
	CHECK_EQ(b.io.app_len, 9);
	CHECK_MEM(b.io.app_out, "hi from a", 9);
	check_same_sid(&a, &b);
	CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
	CHECK_EQ(ia.aead, TCPINC_AEAD_AES_128_GCM);
	CHECK_EQ(ia.local_gen, 0);
	CHECK_EQ(ia.remote_gen, 0);
	CHECK(!a.io.eof && !b.io.eof);
	end_fini(&a);
	end_fini(&b);
}

static void test_handshake_byte_at_a_time(void)
{
	struct end a, b;
	size_t i;

	pair_new(&a, &b, NULL, 0, NULL, 0);
	for (i = 1; i < 79; i++) {
		CHECK_EQ(deliver(&b, &a, 1), 0);
		CHECK_EQ(b.consumed, 0); /* partial Init1 left to us */
	}
	CHECK_EQ(deliver(&b, &a, 1), 0);
	CHECK_EQ(b.consumed, 79);
	CHECK(tcpinc_session_ready(b.s));
	CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"abc", 3, false,
				       &b.io),
		 3);
	for (i = 1; i < 74; i++) {
		CHECK_EQ(deliver(&a, &b, 1), 0);
		CHECK_EQ(a.consumed, 0);
	}
	CHECK_EQ(deliver(&a, &b, 1), 0);
	CHECK_EQ(a.consumed, 74);
	CHECK(tcpinc_session_ready(a.s));
	/* The frame, byte by byte too: nothing until its last byte. */
	for (i = 1; i < 23; i++) {
		CHECK_EQ(deliver(&a, &b, 1), 0);
		CHECK_EQ(a.consumed, 74);
		CHECK_EQ(a.io.app_len, 0);
	}
	CHECK_EQ(deliver(&a, &b, 1), 0);
	CHECK_EQ(a.consumed, 74 + 23);
	CHECK_EQ(a.io.app_len, 3);
	CHECK_MEM(a.io.app_out, "abc", 3);
	check_same_sid(&a, &b);
	end_fini(&a);
	end_fini(&b);
}

/* 1 MiB each way, random chunking, FINp at the end, SHA-256 equal. */
static void bulk(const uint16_t *la, size_t na, uint16_t want)
{
	uint8_t ha[32], hb[32], ra[32], rb[32];
	struct tcpinc_session_info ia;
	uint8_t *da = malloc(MIB), *db = malloc(MIB);
	struct end a, b;
	int round;

	CHECK(da && db);
	randombytes_buf(da, MIB);
	randombytes_buf(db, MIB);
	pair_new(&a, &b, la, na, NULL, 0);
	CHECK_EQ(pump(&a, &b, 50), 0);
	CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
	CHECK_EQ(ia.aead, want);
	check_same_sid(&a, &b);
	for (round = 0; round < 4; round++) {
		size_t q = MIB / 4;

		CHECK_EQ(send_all(&a, da + round * q, q, round == 3), 0);
		CHECK_EQ(send_all(&b, db + round * q, q, round == 3), 0);
		CHECK_EQ(pump(&a, &b, round == 0 ? 7 : 100000), 0);
	}
	CHECK_EQ(a.io.app_len, MIB);
	CHECK_EQ(b.io.app_len, MIB);
	crypto_hash_sha256(ha, da, MIB);
	crypto_hash_sha256(hb, db, MIB);
	crypto_hash_sha256(ra, b.io.app_out, b.io.app_len);
	crypto_hash_sha256(rb, a.io.app_out, a.io.app_len);
	CHECK_MEM(ha, ra, 32);
	CHECK_MEM(hb, rb, 32);
	CHECK(a.io.eof && b.io.eof);
	end_fini(&a);
	end_fini(&b);
	free(da);
	free(db);
}

static void test_bulk_aes128gcm(void)
{
	static const uint16_t l[] = {TCPINC_AEAD_AES_128_GCM};

	bulk(l, 1, l[0]);
}

static void test_bulk_aes256gcm(void)
{
	static const uint16_t l[] = {TCPINC_AEAD_AES_256_GCM};

	bulk(l, 1, l[0]);
}

static void test_bulk_chacha20poly1305(void)
{
	static const uint16_t l[] = {TCPINC_AEAD_CHACHA20_POLY1305};

	bulk(l, 1, l[0]);
}

static void handshake(struct end *a, struct end *b)
{
	pair_new(a, b, NULL, 0, NULL, 0);
	CHECK_EQ(pump(a, b, 1000), 0);
	CHECK(tcpinc_session_ready(a->s) && tcpinc_session_ready(b->s));
}

static void test_fin_eof_and_half_close(void)
{
	struct end a, b;

	handshake(&a, &b);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"bye", 3, false,
				       &a.io),
		 3);
	CHECK_EQ(pump(&a, &b, 1000), 0);
	CHECK(!b.io.eof); /* data alone is not EOF */
	CHECK_EQ(tcpinc_session_output(a.s, NULL, 0, true, &a.io), 0);
	CHECK_EQ(pump(&a, &b, 1000), 0);
	CHECK(b.io.eof);
	CHECK_EQ(b.io.app_len, 3);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"x", 1, false,
				       &a.io),
		 -EPIPE);
	CHECK_EQ(tcpinc_session_rekey(a.s, &a.io), -EPIPE);
	/* B can still talk; A gets it, then B's FINp with data. */
	CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"later", 5, true,
				       &b.io),
		 5);
	CHECK_EQ(pump(&a, &b, 1000), 0);
	CHECK(a.io.eof);
	CHECK_EQ(a.io.app_len, 5);
	CHECK_MEM(a.io.app_out, "later", 5);
	end_fini(&a);
	end_fini(&b);
}

static void test_data_after_fin(void)
{
	struct end a, b;

	handshake(&a, &b);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"end", 3, true,
				       &a.io),
		 3);
	a.io.net_out[a.io.net_len++] = 0; /* one stray byte after FINp */
	CHECK_EQ(deliver(&b, &a, BUF), -EPIPE);
	CHECK(b.io.eof);
	CHECK_EQ(b.io.app_len, 3);
	CHECK(!tcpinc_session_ready(b.s));
	CHECK_EQ(tcpinc_session_error(b.s), -EPIPE);
	end_fini(&a);
	end_fini(&b);
}

/* x rekeys mid-stream; y must echo once; data intact. */
static void rekey_from(struct end *x, struct end *y, struct end *a,
		       struct end *b, uint32_t gen)
{
	struct tcpinc_session_info ix, iy;
	static uint8_t d[100000];
	size_t ylen, yapp = y->io.app_len;

	randombytes_buf(d, sizeof(d));
	CHECK_EQ(send_all(x, d, 50000, false), 0);
	CHECK_EQ(tcpinc_session_rekey(x->s, &x->io), 0);
	/* Only one empty rekey frame while the peer lags. */
	CHECK_EQ(tcpinc_session_rekey(x->s, &x->io), -EBUSY);
	CHECK_EQ(send_all(x, d + 50000, 50000, false), 0);
	CHECK_EQ(tcpinc_session_get_info(x->s, &ix), 0);
	CHECK_EQ(ix.local_gen, gen);
	CHECK_EQ(ix.remote_gen, gen - 1);
	/* y reads it all: one 20-byte rekey=1 frame comes back. */
	ylen = y->io.net_len;
	CHECK_EQ(deliver(y, x, BUF), 0);
	CHECK_EQ(y->io.net_len, ylen + TCPINC_FRAME_OVERHEAD);
	CHECK_EQ(y->io.net_out[ylen], TCPINC_FRAME_CTL_REKEY);
	CHECK_EQ(tcpinc_session_get_info(y->s, &iy), 0);
	CHECK_EQ(iy.local_gen, gen);
	CHECK_EQ(iy.remote_gen, gen);
	CHECK_EQ(y->io.app_len - yapp, sizeof(d));
	CHECK_MEM(y->io.app_out + yapp, d, sizeof(d));
	CHECK_EQ(pump(a, b, 3000), 0);
	CHECK_EQ(tcpinc_session_get_info(x->s, &ix), 0);
	CHECK_EQ(ix.remote_gen, gen); /* the echo was seen */
	CHECK_EQ(ix.local_gen, gen);
}

static void test_rekey_both_initiators(void)
{
	static const uint8_t msg[] = "after three rekeys";
	struct end a, b;

	handshake(&a, &b);
	rekey_from(&a, &b, &a, &b, 1);
	rekey_from(&b, &a, &a, &b, 2);
	rekey_from(&a, &b, &a, &b, 3);
	/* New keys carry data both ways. */
	b.io.app_len = a.io.app_len = 0;
	CHECK_EQ(tcpinc_session_output(a.s, msg, sizeof(msg), false, &a.io),
		 (ssize_t)sizeof(msg));
	CHECK_EQ(tcpinc_session_output(b.s, msg, sizeof(msg), false, &b.io),
		 (ssize_t)sizeof(msg));
	CHECK_EQ(pump(&a, &b, 5), 0);
	CHECK_EQ(a.io.app_len, sizeof(msg));
	CHECK_EQ(b.io.app_len, sizeof(msg));
	CHECK_MEM(a.io.app_out, msg, sizeof(msg));
	CHECK_MEM(b.io.app_out, msg, sizeof(msg));
	end_fini(&a);
	end_fini(&b);
}

/* Both rekey at once: no echo (neither lags after the other's frame). */
static void test_rekey_simultaneous(void)
{
	struct tcpinc_session_info ia, ib;
	size_t la, lb;
	struct end a, b;

	handshake(&a, &b);
	CHECK_EQ(tcpinc_session_rekey(a.s, &a.io), 0);
	CHECK_EQ(tcpinc_session_rekey(b.s, &b.io), 0);
	la = a.io.net_len;
	lb = b.io.net_len;
	CHECK_EQ(pump(&a, &b, 7), 0);
	CHECK_EQ(a.io.net_len, la);
	CHECK_EQ(b.io.net_len, lb);
	CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
	CHECK_EQ(tcpinc_session_get_info(b.s, &ib), 0);
	CHECK(ia.local_gen == 1 && ia.remote_gen == 1);
	CHECK(ib.local_gen == 1 && ib.remote_gen == 1);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"ok", 2, false,
				       &a.io),
		 2);
	CHECK_EQ(pump(&a, &b, 7), 0);
	CHECK_EQ(b.io.app_len, 2);
	end_fini(&a);
	end_fini(&b);
}

/* After our FINp a peer rekey is not echoed, and nothing breaks. */
static void test_rekey_after_fin_not_echoed(void)
{
	struct end a, b;
	size_t lb;

	handshake(&a, &b);
	CHECK_EQ(tcpinc_session_output(b.s, NULL, 0, true, &b.io), 0);
	CHECK_EQ(pump(&a, &b, 100), 0);
	lb = b.io.net_len;
	CHECK_EQ(tcpinc_session_rekey(a.s, &a.io), 0);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"z", 1, false,
				       &a.io),
		 1);
	CHECK_EQ(pump(&a, &b, 100), 0);
	CHECK_EQ(b.io.net_len, lb);
	CHECK_EQ(b.io.app_len, 1);
	end_fini(&a);
	end_fini(&b);
}

static void tamper_at(size_t pos_in_frame)
{
	struct end a, b;
	size_t start;

	handshake(&a, &b);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"first", 5, false,
				       &a.io),
		 5);
	start = a.io.net_len;
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"secret", 6, false,
				       &a.io),
		 6);
	a.io.net_out[start + pos_in_frame] ^= 0x40;
	CHECK_EQ(deliver(&b, &a, BUF), -EBADMSG);
	/* "first" arrived; nothing of the tampered frame did. */
	CHECK_EQ(b.io.app_len, 5);
	CHECK_MEM(b.io.app_out, "first", 5);
	CHECK(!tcpinc_session_ready(b.s));
	CHECK_EQ(tcpinc_session_input(b.s, a.io.net_out, 1, &b.io), -EBADMSG);
	CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"x", 1, false,
				       &b.io),
		 -EBADMSG);
	end_fini(&a);
	end_fini(&b);
}

static void test_tamper(void)
{
	size_t pos;

	/* Header (rekey bit, reserved bit), flags, data, tag. */
	tamper_at(0);
	for (pos = 3; pos < 26; pos++)
		tamper_at(pos);
}

static void test_truncated_frame_waits(void)
{
	struct end a, b;
	size_t base;

	handshake(&a, &b);
	base = b.consumed;
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"0123456789", 10,
				       false, &a.io),
		 10);
	CHECK_EQ(deliver(&b, &a, 29), 0); /* frame is 30 bytes */
	CHECK_EQ(b.consumed, base);
	CHECK_EQ(b.io.app_len, 0);
	CHECK(tcpinc_session_ready(b.s));
	CHECK_EQ(deliver(&b, &a, 1), 0);
	CHECK_EQ(b.consumed, base + 30);
	CHECK_EQ(b.io.app_len, 10);
	end_fini(&a);
	end_fini(&b);
}

/* A frame is not consumed unless its plaintext fits in app_out. */
static void test_app_room(void)
{
	static uint8_t d[5000];
	struct end a, b;
	size_t base;

	handshake(&a, &b);
	base = b.consumed;
	CHECK_EQ(tcpinc_session_output(a.s, d, sizeof(d), false, &a.io),
		 (ssize_t)sizeof(d));
	b.io.app_cap = 4999;
	CHECK_EQ(deliver(&b, &a, BUF), 0);
	CHECK_EQ(b.consumed, base);
	CHECK_EQ(b.io.app_len, 0);
	b.io.app_cap = 5000;
	CHECK_EQ(deliver(&b, &a, 0), 0);
	CHECK_EQ(b.consumed, base + sizeof(d) + 20);
	CHECK_EQ(b.io.app_len, sizeof(d));
	b.io.app_cap = BUF;
	end_fini(&a);
	end_fini(&b);
}

/* Net room for Init2 and for a rekey echo is needed before consuming. */
static void test_net_room(void)
{
	struct end a, b;
	size_t base;

	pair_new(&a, &b, NULL, 0, NULL, 0);
	b.io.net_cap = 73;
	CHECK_EQ(deliver(&b, &a, BUF), 0);
	CHECK_EQ(b.consumed, 0);
	b.io.net_cap = BUF;
	CHECK_EQ(deliver(&b, &a, 0), 0);
	CHECK_EQ(b.consumed, 79);
	CHECK_EQ(pump(&a, &b, 100), 0);

	CHECK_EQ(tcpinc_session_rekey(a.s, &a.io), 0);
	base = b.consumed;
	b.io.net_cap = b.io.net_len + 19;
	CHECK_EQ(deliver(&b, &a, BUF), 0);
	CHECK_EQ(b.consumed, base);
	b.io.net_cap = BUF;
	CHECK_EQ(deliver(&b, &a, 0), 0);
	CHECK_EQ(b.consumed, base + 20);
	/* Output into little room makes small frames, never overflows. */
	b.io.net_cap = b.io.net_len + 25;
	CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"0123456789", 10,
				       false, &b.io),
		 5);
	CHECK_EQ(b.io.net_len, b.io.net_cap);
	CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"56789", 5, false,
				       &b.io),
		 0);
	b.io.net_cap = BUF;
	CHECK_EQ(tcpinc_session_rekey(b.s, &b.io), 0); /* echo came first */
	end_fini(&a);
	end_fini(&b);
}

/*
 * A FINp that does not fit is never reported as sent: a bare FINp gets
 * -ENOBUFS (nothing sent, session alive), data + FINp a short count
 * (found by fuzz_frame: a bare FINp into 19 bytes of room returned 0).
 */
static void test_fin_without_room(void)
{
	struct tcpinc_session_cfg ca = cfg_of(0, NULL, 0);
	struct tcpinc_session_cfg cb = cfg_of(1, NULL, 0);
	uint8_t ss[32] = {9};
	struct end a, b;
	size_t len;

	end_init(&a);
	end_init(&b);
	a.s = tcpinc_session_new_keyed(&ca, TCPINC_AEAD_AES_128_GCM, ss);
	b.s = tcpinc_session_new_keyed(&cb, TCPINC_AEAD_AES_128_GCM, ss);
	CHECK(a.s && b.s);
	a.io.net_cap = TCPINC_FRAME_OVERHEAD - 1;
	CHECK_EQ(tcpinc_session_output(a.s, NULL, 0, true, &a.io), -ENOBUFS);
	CHECK_EQ(a.io.net_len, 0);
	CHECK_EQ(tcpinc_session_error(a.s), 0);
	/* Room for 2 of 3 data bytes: 2 consumed, no FINp. */
	a.io.net_cap = TCPINC_FRAME_OVERHEAD + 2;
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"xyz", 3, true,
				       &a.io),
		 2);
	len = a.io.net_len;
	CHECK_EQ(len, TCPINC_FRAME_OVERHEAD + 2);
	a.io.net_cap = BUF;
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"z", 1, true,
				       &a.io),
		 1);
	CHECK_EQ(tcpinc_session_output(a.s, NULL, 0, true, &a.io), -EPIPE);
	CHECK_EQ(pump(&a, &b, 7), 0);
	CHECK(b.io.eof);
	CHECK_EQ(b.io.app_len, 3);
	CHECK_MEM(b.io.app_out, "xyz", 3);
	/* B's bare FINp with room is one empty frame. */
	CHECK_EQ(tcpinc_session_output(b.s, NULL, 0, true, &b.io), 0);
	CHECK_EQ(b.io.net_len, TCPINC_FRAME_OVERHEAD);
	CHECK_EQ(pump(&a, &b, 7), 0);
	CHECK(a.io.eof);
	end_fini(&a);
	end_fini(&b);
}

static void test_transcript_mismatch(void)
{
	static const uint8_t other[] = {0x45, 0x04, 0x21, 0x23,
					0x45, 0x04, 0x01, 0x22};
	struct tcpinc_session_cfg ca = cfg_of(0, NULL, 0);
	struct tcpinc_session_cfg cb = cfg_of(1, NULL, 0);
	struct tcpinc_session_info ia, ib;
	struct end a, b;

	end_init(&a);
	end_init(&b);
	cb.transcript = other;
	a.s = tcpinc_session_new(&ca);
	b.s = tcpinc_session_new(&cb);
	CHECK(a.s && b.s);
	CHECK_EQ(tcpinc_session_start(a.s, &a.io), 0);
	CHECK_EQ(deliver(&b, &a, BUF), 0);
	CHECK(tcpinc_session_ready(b.s));
	CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"hello", 5, false,
				       &b.io),
		 5);
	CHECK_EQ(deliver(&a, &b, BUF), -EBADMSG);
	CHECK_EQ(a.io.app_len, 0);
	CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
	CHECK_EQ(tcpinc_session_get_info(b.s, &ib), 0);
	CHECK(memcmp(ia.session_id, ib.session_id, TCPINC_SESSID_LEN) != 0);
	end_fini(&a);
	end_fini(&b);
}

static void test_init2_unoffered_aead(void)
{
	static const uint16_t only128[] = {TCPINC_AEAD_AES_128_GCM};
	static const uint16_t forged[] = {0x0002, 0x0010, 0x0000, 0xffff};
	struct end a, b;
	size_t i;

	for (i = 0; i < 4; i++) {
		pair_new(&a, &b, only128, 1, NULL, 0);
		CHECK_EQ(deliver(&b, &a, BUF), 0);
		CHECK_EQ(b.io.net_out[9], 0x01);
		b.io.net_out[8] = forged[i] >> 8;
		b.io.net_out[9] = forged[i] & 0xff;
		CHECK_EQ(deliver(&a, &b, BUF), -ENOPROTOOPT);
		CHECK(!tcpinc_session_ready(a.s));
		end_fini(&a);
		end_fini(&b);
	}
}

static void test_no_common_aead(void)
{
	static const uint16_t la[] = {TCPINC_AEAD_CHACHA20_POLY1305};
	static const uint16_t lb[] = {TCPINC_AEAD_AES_128_GCM,
				      TCPINC_AEAD_AES_256_GCM};
	struct end a, b;

	pair_new(&a, &b, la, 1, lb, 2);
	CHECK_EQ(deliver(&b, &a, BUF), -ENOPROTOOPT);
	CHECK_EQ(b.io.net_len, 0);
	CHECK_EQ(tcpinc_session_error(b.s), -ENOPROTOOPT);
	end_fini(&a);
	end_fini(&b);
}

static void test_aead_negotiation(void)
{
	static const uint16_t l128[] = {0x0001}, l256[] = {0x0002};
	static const uint16_t lcc[] = {0x0010};
	static const uint16_t b_128_cc[] = {0x0001, 0x0010};
	static const uint16_t b_cc_256[] = {0x0010, 0x0002};
	static const uint16_t a_256_128[] = {0x0002, 0x0001};
	static const uint16_t b_128_256[] = {0x0001, 0x0002};
	static const uint16_t a_cc_256_128[] = {0x0010, 0x0002, 0x0001};
	static const struct {
		const uint16_t *la, *lb;
		size_t na, nb;
		uint16_t want;
	} cases[] = {
		{NULL, NULL, 0, 0, 0x0001},
		{NULL, b_128_cc, 0, 2, 0x0010},
		{NULL, b_cc_256, 0, 2, 0x0002},
		{lcc, NULL, 1, 0, 0x0010},
		{l256, NULL, 1, 0, 0x0002},
		{l128, b_128_cc, 1, 2, 0x0001},
		{a_256_128, b_128_256, 2, 2, 0x0002},
		{a_cc_256_128, b_cc_256, 3, 2, 0x0002},
		{lcc, b_128_cc, 1, 2, 0x0010},
	};
	struct tcpinc_session_info ia, ib;
	struct end a, b;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pair_new(&a, &b, cases[i].la, cases[i].na, cases[i].lb,
			 cases[i].nb);
		CHECK_EQ(pump(&a, &b, 13), 0);
		CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
		CHECK_EQ(tcpinc_session_get_info(b.s, &ib), 0);
		CHECK_EQ(ia.aead, cases[i].want);
		CHECK_EQ(ib.aead, cases[i].want);
		CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"ab", 2,
					       true, &a.io),
			 2);
		CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"ba", 2,
					       true, &b.io),
			 2);
		CHECK_EQ(pump(&a, &b, 13), 0);
		CHECK(a.io.app_len == 2 && !memcmp(a.io.app_out, "ba", 2));
		CHECK(b.io.app_len == 2 && !memcmp(b.io.app_out, "ab", 2));
		CHECK(a.io.eof && b.io.eof);
		end_fini(&a);
		end_fini(&b);
	}
}

static void test_bad_init_input(void)
{
	static const uint8_t http[] = "GET / HTTP/1.1\r\n";
	uint8_t init1[128], pub0[32] = {0}, n[32] = {0};
	static const uint16_t l[] = {1};
	struct end a, b;
	ssize_t len;

	pair_new(&a, &b, NULL, 0, NULL, 0);
	CHECK_EQ(tcpinc_session_input(b.s, http, 3, &b.io), -EPROTO);
	CHECK_EQ(tcpinc_session_input(a.s, http, sizeof(http), &a.io), -EPROTO);
	end_fini(&a);
	end_fini(&b);

	/* An all-zero (small-order) public key. */
	pair_new(&a, &b, NULL, 0, NULL, 0);
	len = tcpinc_init1_build(init1, sizeof(init1), l, 1, n, pub0, 32);
	CHECK_EQ(len, 75);
	CHECK_EQ(tcpinc_session_input(b.s, init1, (size_t)len, &b.io),
		 -EKEYREJECTED);
	CHECK_EQ(b.io.net_len, 0);
	end_fini(&a);
	end_fini(&b);
}

/*
 * Play host B by hand against a real A: Init2 with trailing "ignored"
 * bytes, keys computed with the key-schedule functions over the whole
 * Init2. A must accept; hashing Init2 without the trailer must fail.
 */
static void manual_b(bool hash_trailer)
{
	uint8_t privb[32], pubb[32], nb[32], es[32], prk[32], mk[32], k[28];
	uint8_t wire[256], sid[33];
	struct tcpinc_session_cfg ca = cfg_of(0, NULL, 0);
	struct tcpinc_session_info ia;
	struct tcpinc_frame_key fk;
	struct tcpinc_init1 m1;
	struct end a;
	ssize_t n, i2;

	end_init(&a);
	a.s = tcpinc_session_new(&ca);
	CHECK(a.s != NULL);
	CHECK_EQ(tcpinc_session_start(a.s, &a.io), 0);
	CHECK_EQ(tcpinc_init1_parse(a.io.net_out, a.io.net_len, 32, &m1), 79);
	randombytes_buf(privb, 32);
	randombytes_buf(nb, 32);
	CHECK_EQ(crypto_scalarmult_base(pubb, privb), 0);
	i2 = tcpinc_init2_build(wire, sizeof(wire), 0x0001, nb, pubb, 32);
	CHECK_EQ(i2, 74);
	memcpy(wire + 74, "\x01\x02\x03\x04\x05", 5);
	wire[7] = 79;
	i2 = 79;
	CHECK_EQ(crypto_scalarmult(es, privb, m1.pub), 0);
	CHECK_EQ(tcpinc_keysched_prk(prk, m1.nonce, transcript,
				     sizeof(transcript), a.io.net_out, 79, wire,
				     hash_trailer ? 79 : 74, es, 32),
		 0);
	CHECK_EQ(tcpinc_keysched_mk0(mk, prk, NULL, 0), 0);
	CHECK_EQ(tcpinc_keysched_traffic(k, 28, mk, false), 0); /* k_ba */
	CHECK_EQ(tcpinc_frame_key_init(&fk, 0x0001, k, true), 0);
	/* First frame at B's stream offset len(Init2) = 79. */
	n = tcpinc_frame_seal(&fk, (uint64_t)i2, false, 0,
			      (const uint8_t *)"trailer ok", 10, wire + i2,
			      sizeof(wire) - (size_t)i2);
	CHECK_EQ(n, 30);
	if (hash_trailer) {
		CHECK_EQ(tcpinc_session_input(a.s, wire, 109, &a.io), 109);
		CHECK_EQ(a.io.app_len, 10);
		CHECK_MEM(a.io.app_out, "trailer ok", 10);
		CHECK_EQ(tcpinc_keysched_session_id(sid, 0x23, prk, NULL, 0),
			 0);
		CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
		CHECK_MEM(ia.session_id, sid, 33);
		/* Resumption state: ss[1] = CPRF(PRK, CONST_NEXTK, 32) by
		 * hand, and resume[1] from it. */
		{
			static const uint8_t nextk_1[] = {0x01, 0x01};
			static const uint8_t resume_1[] = {0x06, 0x01};
			struct tcpinc_resume_state st;
			uint8_t ss1[32], r1[32];

			CHECK_EQ(crypto_auth_hmacsha256(ss1, nextk_1, 2, prk),
				 0);
			CHECK_EQ(crypto_auth_hmacsha256(r1, resume_1, 2, ss1),
				 0);
			CHECK_EQ(tcpinc_session_take_resume_state(a.s, &st), 0);
			if (st.ss) {
				CHECK_MEM(st.ss, ss1, 32);
				CHECK_MEM(st.resume, r1, 18);
				CHECK_EQ(st.index, 1);
				CHECK_EQ(st.orig_role, 0);
				CHECK_EQ(st.tep, 0x23);
				CHECK_EQ(st.aead, 0x0001);
			}
			tcpinc_resume_state_clear(&st);
		}
	} else {
		CHECK_EQ(tcpinc_session_input(a.s, wire, 109, &a.io), -EBADMSG);
		CHECK_EQ(a.io.app_len, 0);
	}
	tcpinc_frame_key_free(&fk);
	end_fini(&a);
}

static void test_manual_b_init2_trailer_hashed(void)
{
	manual_b(true);
	manual_b(false);
}

/* Play host A by hand: Init1 with 3 trailing bytes, K = 1. */
static void test_manual_a_init1_trailer(void)
{
	uint8_t priva[32], puba[32], na[32], es[32], prk[32], mk[32];
	uint8_t kab[28], kba[28], init1[128], fr[64], out[64], flags;
	static const uint16_t l[] = {0x0001};
	struct tcpinc_session_cfg cb = cfg_of(1, NULL, 0);
	struct tcpinc_frame_key tx, rx;
	struct tcpinc_init2 m2;
	struct end b;
	ssize_t n;

	end_init(&b);
	b.s = tcpinc_session_new(&cb);
	CHECK(b.s != NULL);
	randombytes_buf(priva, 32);
	randombytes_buf(na, 32);
	CHECK_EQ(crypto_scalarmult_base(puba, priva), 0);
	CHECK_EQ(tcpinc_init1_build(init1, sizeof(init1), l, 1, na, puba, 32),
		 75);
	memcpy(init1 + 75, "xyz", 3);
	init1[7] = 78;
	CHECK_EQ(tcpinc_session_input(b.s, init1, 78, &b.io), 78);
	CHECK_EQ(tcpinc_init2_parse(b.io.net_out, b.io.net_len, 32, &m2), 74);
	CHECK_EQ(m2.cipher, 0x0001);
	CHECK_EQ(crypto_scalarmult(es, priva, m2.pub), 0);
	CHECK_EQ(tcpinc_keysched_prk(prk, na, transcript, sizeof(transcript),
				     init1, 78, b.io.net_out, 74, es, 32),
		 0);
	CHECK_EQ(tcpinc_keysched_mk0(mk, prk, NULL, 0), 0);
	CHECK_EQ(tcpinc_keysched_traffic(kab, 28, mk, true), 0);
	CHECK_EQ(tcpinc_keysched_traffic(kba, 28, mk, false), 0);
	CHECK_EQ(tcpinc_frame_key_init(&tx, 1, kab, true), 0);
	CHECK_EQ(tcpinc_frame_key_init(&rx, 1, kba, false), 0);
	/* A's first frame sits at offset 78, B's at 74. */
	n = tcpinc_frame_seal(&tx, 78, false, 0, (const uint8_t *)"from a", 6,
			      fr, sizeof(fr));
	CHECK_EQ(tcpinc_session_input(b.s, fr, (size_t)n, &b.io), n);
	CHECK_EQ(b.io.app_len, 6);
	CHECK_MEM(b.io.app_out, "from a", 6);
	CHECK_EQ(tcpinc_session_output(b.s, (const uint8_t *)"from b", 6, false,
				       &b.io),
		 6);
	CHECK_EQ(b.io.net_len, 74 + 26);
	if (b.io.net_len == 74 + 26) { /* else out could overflow */
		CHECK_EQ(tcpinc_frame_open(&rx, 74, b.io.net_out + 74, out,
					   &flags, NULL),
			 6);
		CHECK_MEM(out, "from b", 6);
	}
	tcpinc_frame_key_free(&tx);
	tcpinc_frame_key_free(&rx);
	end_fini(&b);
}

static void test_keyed_pair(void)
{
	struct tcpinc_session_cfg ca = cfg_of(0, NULL, 0);
	struct tcpinc_session_cfg cb = cfg_of(1, NULL, 0);
	uint8_t ss[32] = {7};
	struct end a, b;

	end_init(&a);
	end_init(&b);
	a.s = tcpinc_session_new_keyed(&ca, TCPINC_AEAD_AES_256_GCM, ss);
	b.s = tcpinc_session_new_keyed(&cb, TCPINC_AEAD_AES_256_GCM, ss);
	CHECK(a.s && b.s);
	CHECK(tcpinc_session_ready(a.s) && tcpinc_session_ready(b.s));
	check_same_sid(&a, &b);
	CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"k", 1, false,
				       &a.io),
		 1);
	CHECK_EQ(a.io.net_len, 21); /* first frame at offset 0 */
	CHECK_EQ(pump(&a, &b, 3), 0);
	CHECK_EQ(b.io.app_len, 1);
	CHECK(tcpinc_session_new_keyed(&ca, 0x0003, ss) == NULL);
	end_fini(&a);
	end_fini(&b);
}

/* Init1 and Init2 lengths with K = 3 offered AEADs, per TEP. */
static const struct {
	uint8_t tep;
	size_t init1, init2;
} tep_sizes[] = {
	{0x21, 76 + 6, 77},
	{0x22, 110 + 6, 111},
	{0x23, 73 + 6, 74},
	{0x24, 97 + 6, 98},
};

static void pair_new_tep(struct end *a, struct end *b, uint8_t tep,
			 const uint16_t *lb, size_t nb)
{
	struct tcpinc_session_cfg ca = cfg_of(0, NULL, 0);
	struct tcpinc_session_cfg cb = cfg_of(1, lb, nb);

	ca.tep = cb.tep = tep;
	end_init(a);
	end_init(b);
	a->s = tcpinc_session_new(&ca);
	b->s = tcpinc_session_new(&cb);
	CHECK(a->s && b->s);
	CHECK_EQ(tcpinc_session_start(a->s, &a->io), 0);
	CHECK_EQ(tcpinc_session_start(b->s, &b->io), 0);
}

/*
 * Every TEP with every AEAD (A offers all three, B accepts only one):
 * Init sizes, one session ID starting with the TEP byte, data both ways,
 * a rekey, FINp.
 */
static void test_every_tep_every_aead(void)
{
	struct tcpinc_session_info ia, ib;
	uint8_t da[3000], db[3000];
	size_t t, i;

	randombytes_buf(da, sizeof(da));
	randombytes_buf(db, sizeof(db));
	for (t = 0; t < sizeof(tep_sizes) / sizeof(tep_sizes[0]); t++) {
		for (i = 0; i < 3; i++) {
			static const uint16_t ids[] = {0x0001, 0x0002, 0x0010};
			uint8_t tep = tep_sizes[t].tep;
			struct end a, b;

			pair_new_tep(&a, &b, tep, &ids[i], 1);
			if (!a.s || !b.s) {
				end_fini(&a);
				end_fini(&b);
				continue;
			}
			CHECK_EQ(a.io.net_len, tep_sizes[t].init1);
			CHECK_EQ(deliver(&b, &a, BUF), 0);
			CHECK_EQ(b.io.net_len, tep_sizes[t].init2);
			CHECK_EQ(pump(&a, &b, 17), 0);
			CHECK(tcpinc_session_ready(a.s) &&
			      tcpinc_session_ready(b.s));
			CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
			CHECK_EQ(tcpinc_session_get_info(b.s, &ib), 0);
			CHECK_EQ(ia.session_id[0], tep);
			CHECK_MEM(ia.session_id, ib.session_id,
				  TCPINC_SESSID_LEN);
			CHECK_EQ(ia.aead, ids[i]);
			CHECK_EQ(ib.aead, ids[i]);
			CHECK_EQ(send_all(&a, da, sizeof(da), false), 0);
			CHECK_EQ(send_all(&b, db, sizeof(db), false), 0);
			CHECK_EQ(pump(&a, &b, 100), 0);
			CHECK_EQ(tcpinc_session_rekey(b.s, &b.io), 0);
			CHECK_EQ(send_all(&a, da, 10, true), 0);
			CHECK_EQ(send_all(&b, db, 10, true), 0);
			CHECK_EQ(pump(&a, &b, 100), 0);
			CHECK_EQ(a.io.app_len, sizeof(db) + 10);
			CHECK_EQ(b.io.app_len, sizeof(da) + 10);
			CHECK_MEM(a.io.app_out, db, sizeof(db));
			CHECK_MEM(b.io.app_out, da, sizeof(da));
			CHECK(a.io.eof && b.io.eof);
			end_fini(&a);
			end_fini(&b);
		}
	}
}

/*
 * Bad public keys in a real exchange abort with -EKEYREJECTED, on B
 * (Init1) and on A (Init2), for every TEP, with nothing sent by B.
 */
static void test_bad_pubkey_every_tep(void)
{
	size_t t, v;

	for (t = 0; t < sizeof(tep_sizes) / sizeof(tep_sizes[0]); t++) {
		uint8_t tep = tep_sizes[t].tep;
		bool nist = tep == 0x21 || tep == 0x22;
		size_t pk = tep_sizes[t].init2 - 42;

		for (v = 0; v < 4; v++) {
			struct end a, b;
			uint8_t *pub;

			pair_new_tep(&a, &b, tep, NULL, 0);
			if (!a.s || !b.s) {
				end_fini(&a);
				end_fini(&b);
				continue;
			}
			/* Pub_A is the last pk bytes of Init1. */
			pub = a.io.net_out + a.io.net_len - pk;
			if (!nist) {
				/* u = 0 or u = 1: all-zero ES. */
				memset(pub, 0, pk);
				pub[0] = v & 1;
			} else if (v == 0) {
				pub[2] = 0x04; /* uncompressed prefix */
			} else if (v == 1) {
				pub[1] -= 2; /* pubkey_len without itself */
			} else if (v == 2) {
				memset(pub + 3, 0xff, pk - 3); /* x >= p */
			} else {
				memset(pub + 3, 0, pk - 3); /* P-256: x = 1 */
				pub[pk - 1] =
					tep == 0x21 ? 1 : 3; /* off curve */
			}
			CHECK_EQ(deliver(&b, &a, BUF), -EKEYREJECTED);
			CHECK_EQ(b.io.net_len, 0);
			CHECK_EQ(tcpinc_session_error(b.s), -EKEYREJECTED);
			end_fini(&a);
			end_fini(&b);

			/* The same damage to Pub_B in Init2, seen by A. */
			pair_new_tep(&a, &b, tep, NULL, 0);
			if (!a.s || !b.s) {
				end_fini(&a);
				end_fini(&b);
				continue;
			}
			CHECK_EQ(deliver(&b, &a, BUF), 0);
			CHECK_EQ(b.io.net_len, tep_sizes[t].init2);
			pub = b.io.net_out + 42;
			if (!nist) {
				memset(pub, 0, pk);
				pub[0] = v & 1;
			} else if (v == 0) {
				pub[2] = 0x04;
			} else if (v == 1) {
				pub[1] -= 2;
			} else if (v == 2) {
				memset(pub + 3, 0xff, pk - 3);
			} else {
				memset(pub + 3, 0, pk - 3);
				pub[pk - 1] = tep == 0x21 ? 1 : 3;
			}
			CHECK_EQ(deliver(&a, &b, BUF), -EKEYREJECTED);
			CHECK(!tcpinc_session_ready(a.s));
			end_fini(&a);
			end_fini(&b);
		}
	}
}

static void test_bad_cfg(void)
{
	static const uint16_t bad[] = {0x0001, 0x0004};
	struct tcpinc_session_cfg c = cfg_of(0, NULL, 0);
	struct tcpinc_io io = {0};

	c.tep = 0x25; /* not a tcpcrypt TEP */
	CHECK(tcpinc_session_new(&c) == NULL);
	c.tep = 0x1f; /* a global suboption byte, no TEP */
	CHECK(tcpinc_session_new(&c) == NULL);
	c.tep = 0xa3; /* resumption not supported by this API */
	CHECK(tcpinc_session_new(&c) == NULL);
	c = cfg_of(2, NULL, 0);
	CHECK(tcpinc_session_new(&c) == NULL);
	c = cfg_of(0, bad, 2);
	CHECK(tcpinc_session_new(&c) == NULL);
	c = cfg_of(0, NULL, 0);
	{
		struct tcpinc_session *s = tcpinc_session_new(&c);

		CHECK(s != NULL);
		/* A needs room for Init1; input before start is misuse. */
		CHECK_EQ(tcpinc_session_start(s, &io), -ENOBUFS);
		CHECK_EQ(tcpinc_session_input(s, (const uint8_t *)"x", 1, &io),
			 -EINVAL);
		tcpinc_session_free(s);
	}
	tcpinc_session_free(NULL);
}

/*
 * TEP 0x20 (record mode): the X25519 exchange under TEP byte 0x20, each
 * side consuming its Init message and nothing after it, then raw keys
 * that match across the two ends and the key schedule, taken once.
 */
static void test_record_mode(void)
{
	static const uint16_t ids[] = {0x0001, 0x0002, 0x0010};
	static const uint8_t junk[] = {0x17, 0x03, 0x03, 0x00, 0x05};
	struct tcpinc_record_keys ka, kb;
	struct tcpinc_secrets_held h;
	struct tcpinc_session_info ia, ib;
	size_t i, init1, init2;

	for (i = 0; i < 3; i++) {
		struct end a, b;

		pair_new_tep(&a, &b, 0x20, &ids[i], 1);
		init1 = a.io.net_len;
		CHECK_EQ(init1, (size_t)(73 + 6));
		/* a record right behind Init1 stays unconsumed */
		memcpy(a.io.net_out + a.io.net_len, junk, sizeof(junk));
		a.io.net_len += sizeof(junk);
		CHECK_EQ(deliver(&b, &a, BUF), 0);
		CHECK_EQ(b.consumed, init1);
		CHECK(tcpinc_session_ready(b.s));
		init2 = b.io.net_len;
		memcpy(b.io.net_out + b.io.net_len, junk, sizeof(junk));
		b.io.net_len += sizeof(junk);
		CHECK_EQ(deliver(&a, &b, BUF), 0);
		CHECK_EQ(a.consumed, init2);
		CHECK(tcpinc_session_ready(a.s));
		/* more input changes nothing */
		CHECK_EQ(tcpinc_session_input(a.s, junk, sizeof(junk), &a.io),
			 0);

		CHECK_EQ(tcpinc_session_get_info(a.s, &ia), 0);
		CHECK_EQ(tcpinc_session_get_info(b.s, &ib), 0);
		CHECK_EQ(ia.session_id[0], 0x20);
		CHECK_MEM(ia.session_id, ib.session_id, TCPINC_SESSID_LEN);
		CHECK_EQ(ia.aead, ids[i]);

		CHECK_EQ(tcpinc_session_output(a.s, junk, 1, false, &a.io),
			 -EOPNOTSUPP);
		CHECK_EQ(tcpinc_session_rekey(b.s, &b.io), -EOPNOTSUPP);
		tcpinc_session_get_secrets_held(a.s, &h);
		CHECK(h.record_keys && !h.mk_tx && !h.mk_rx && !h.tx_key &&
		      !h.rx_key);

		CHECK_EQ(tcpinc_session_take_record_keys(a.s, &ka), 0);
		CHECK_EQ(tcpinc_session_take_record_keys(b.s, &kb), 0);
		CHECK_EQ(ka.aead, ids[i]);
		CHECK_EQ(ka.key_len, ids[i] == 0x0001 ? 16u : 32u);
		CHECK_MEM(ka.tx_key, kb.rx_key, ka.key_len);
		CHECK_MEM(ka.tx_iv, kb.rx_iv, 12);
		CHECK_MEM(ka.rx_key, kb.tx_key, ka.key_len);
		CHECK_MEM(ka.rx_iv, kb.tx_iv, 12);
		CHECK(memcmp(ka.tx_key, ka.rx_key, ka.key_len) != 0);
		CHECK(memcmp(ka.tx_iv, ka.rx_iv, 12) != 0);
		CHECK_EQ(tcpinc_session_take_record_keys(a.s, &ka), -ENOENT);
		tcpinc_session_get_secrets_held(a.s, &h);
		CHECK(!h.record_keys);
		end_fini(&a);
		end_fini(&b);
	}
}

/* Record keys are k_ab[0] / k_ba[0] of the key schedule, by role. */
static void test_record_keys_from_schedule(void)
{
	struct tcpinc_session_cfg c = cfg_of(1, NULL, 0);
	uint8_t ss[TCPINC_K_LEN], mk[TCPINC_K_LEN], kab[48], kba[48];
	struct tcpinc_record_keys k;
	struct tcpinc_session *s;

	randombytes_buf(ss, sizeof(ss));
	CHECK_EQ(tcpinc_keysched_mk0(mk, ss, NULL, 0), 0);
	CHECK_EQ(tcpinc_keysched_traffic(kab, 16 + 12, mk, true), 0);
	CHECK_EQ(tcpinc_keysched_traffic(kba, 16 + 12, mk, false), 0);
	c.tep = 0x20;
	s = tcpinc_session_new_keyed(&c, 0x0001, ss);
	CHECK(s != NULL);
	CHECK_EQ(tcpinc_session_take_record_keys(s, &k), 0);
	CHECK_MEM(k.tx_key, kba, 16); /* B sends with k_ba */
	CHECK_MEM(k.tx_iv, kba + 16, 12);
	CHECK_MEM(k.rx_key, kab, 16);
	CHECK_MEM(k.rx_iv, kab + 16, 12);
	tcpinc_session_free(s);
	/* a frame-mode session has no record keys */
	c.tep = 0x23;
	s = tcpinc_session_new_keyed(&c, 0x0001, ss);
	CHECK(s != NULL);
	CHECK_EQ(tcpinc_session_take_record_keys(s, &k), -EINVAL);
	tcpinc_session_free(s);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_handshake_one_block);
	TEST_RUN(test_handshake_byte_at_a_time);
	TEST_RUN(test_bulk_aes128gcm);
	TEST_RUN(test_bulk_aes256gcm);
	TEST_RUN(test_bulk_chacha20poly1305);
	TEST_RUN(test_fin_eof_and_half_close);
	TEST_RUN(test_data_after_fin);
	TEST_RUN(test_rekey_both_initiators);
	TEST_RUN(test_rekey_simultaneous);
	TEST_RUN(test_rekey_after_fin_not_echoed);
	TEST_RUN(test_tamper);
	TEST_RUN(test_truncated_frame_waits);
	TEST_RUN(test_app_room);
	TEST_RUN(test_net_room);
	TEST_RUN(test_fin_without_room);
	TEST_RUN(test_transcript_mismatch);
	TEST_RUN(test_init2_unoffered_aead);
	TEST_RUN(test_no_common_aead);
	TEST_RUN(test_aead_negotiation);
	TEST_RUN(test_bad_init_input);
	TEST_RUN(test_manual_b_init2_trailer_hashed);
	TEST_RUN(test_manual_a_init1_trailer);
	TEST_RUN(test_keyed_pair);
	TEST_RUN(test_every_tep_every_aead);
	TEST_RUN(test_bad_pubkey_every_tep);
	TEST_RUN(test_bad_cfg);
	TEST_RUN(test_record_mode);
	TEST_RUN(test_record_keys_from_schedule);
	return TEST_EXIT();
}
