// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target for the frame path of tcpinc_session_input(): two
 * sessions A and B keyed from a fixed secret exchange frames sealed with
 * the real keys, so the fuzzer gets past the tag check. The input is a
 * program: byte 0 picks the AEAD, then one op per byte (low 3 bits):
 *   0 A sends  1 B sends       (len: 2 bytes, data: from the input;
 *                               op bit 3 = FINp)
 *   2 A rekey  3 B rekey
 *   4 tamper: 2 bytes position, 1 byte XOR, into the undelivered part of
 *     A->B (op bit 3 clear) or B->A
 *   5 deliver to B, 6 deliver to A (2 bytes: how many more bytes)
 *   7 A->B hand-made frame: control byte, flags byte, 1 byte data length;
 *     sealed with A's key so reserved bits, URGp, FINp and rekey paths
 *     run. The frame is also opened directly with tcpinc_frame_open()
 *     (urgent field returned), once more with one byte flipped (bad
 *     tag) and as a header with clen below the minimum.
 * Op bit 4 makes the op short of room: for 0-3 one more byte is the
 * room left in net_out (partial output, -ENOBUFS); for 5 and 6 two more
 * bytes are the room in app_out (x 32) and in net_out (rekey echo).
 * At the end everything left is delivered with room to spare. Checked:
 * application bytes are always a prefix of what the peer sent; EOF only
 * after FINp; without tampering or hand-made frames, nothing fails and
 * all arrives; and (fuzz_guarded.h) no session frees unwiped secrets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_guarded.h"
#include "proto/aead.h"
#include "proto/frame.h"
#include "proto/keysched.h"
#include "proto/session.h"
#include "proto/session_ext.h"

#define WIRE (1u << 20)
#define ROOM (TCPINC_FRAME_MAX + TCPINC_INIT_MAX)

static const uint16_t aeads[] = {TCPINC_AEAD_AES_128_GCM,
				 TCPINC_AEAD_AES_256_GCM,
				 TCPINC_AEAD_CHACHA20_POLY1305};
static const uint8_t ss[32] = {0x42, 0x13, 0x37};

struct end {
	struct tcpinc_session *s;
	struct tcpinc_io io; /* net_out = the whole stream sent */
	uint8_t *sent; /* application bytes the peer must see, in order */
	size_t sent_len;
	size_t delivered, consumed; /* of the peer's stream */
	bool dead, fin_sent;
	bool handmade; /* frames the session did not make are in net_out */
};

static struct end ends[2];

/* A's sending mk[hf_gen] for hand-made frames, advanced as A's
 * generation grows instead of from mk[0] for every frame. */
static uint8_t hf_mk[32];
static uint32_t hf_gen;

struct cursor {
	const uint8_t *p;
	size_t n;
};

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static uint8_t get8(struct cursor *c)
{
	if (!c->n)
		return 0;
	c->n--;
	return *c->p++;
}

static size_t get16(struct cursor *c)
{
	size_t hi = get8(c);

	return hi << 8 | get8(c);
}

/* Buffers are allocated once: per-run malloc of megabytes is slow. */
static uint8_t *bufs[6];

static void setup(uint16_t aead)
{
	int i;

	for (i = 0; i < 6; i++) {
		if (!bufs[i])
			bufs[i] = malloc(WIRE);
		check(bufs[i] != NULL);
	}
	for (i = 0; i < 2; i++) {
		struct tcpinc_session_cfg cfg = {.role = (uint8_t)i,
						 .tep = 0x23};
		struct end *e = &ends[i];

		memset(e, 0, sizeof(*e));
		e->s = tcpinc_session_new_keyed(&cfg, aead, ss);
		check(e->s != NULL);
		e->io.net_out = bufs[3 * i];
		e->io.net_cap = WIRE;
		e->io.app_out = bufs[3 * i + 1];
		e->io.app_cap = WIRE;
		e->sent = bufs[3 * i + 2];
	}
}

static void hf_reset(void)
{
	check(tcpinc_keysched_mk0(hf_mk, ss, NULL, 0) == 0);
	hf_gen = 0;
}

static void teardown(void)
{
	tcpinc_session_free(ends[0].s);
	tcpinc_session_free(ends[1].s);
}

/* Received bytes are always a prefix of what the peer sent. */
static void check_prefix(struct end *me, struct end *peer)
{
	check(me->io.app_len <= peer->sent_len);
	check(!memcmp(me->io.app_out, peer->sent, me->io.app_len));
	check(!me->io.eof || peer->fin_sent);
}

/* Limit the room left in an io to app/net bytes (SIZE_MAX: no limit). */
static void squeeze(struct tcpinc_io *io, size_t app, size_t net)
{
	if (app != SIZE_MAX && io->app_len + app < io->app_cap)
		io->app_cap = io->app_len + app;
	if (net != SIZE_MAX && io->net_len + net < io->net_cap)
		io->net_cap = io->net_len + net;
}

static void unsqueeze(struct tcpinc_io *io)
{
	io->app_cap = io->net_cap = WIRE;
}

static void deliver_room(struct end *me, struct end *peer, size_t n,
			 bool strict, size_t app, size_t net)
{
	ssize_t r;

	if (me->dead)
		return;
	me->delivered += n;
	if (me->delivered > peer->io.net_len)
		me->delivered = peer->io.net_len;
	squeeze(&me->io, app, net);
	r = tcpinc_session_input(me->s, peer->io.net_out + me->consumed,
				 me->delivered - me->consumed, &me->io);
	unsqueeze(&me->io);
	if (r < 0) {
		check(!strict);
		check(r == -EBADMSG || r == -EPIPE);
		me->dead = true;
	} else {
		check((size_t)r <= me->delivered - me->consumed);
		me->consumed += (size_t)r;
	}
	check_prefix(me, peer);
}

static void deliver(struct end *me, struct end *peer, size_t n, bool strict)
{
	deliver_room(me, peer, n, strict, SIZE_MAX, SIZE_MAX);
}

static bool has_room(struct end *e, size_t n)
{
	return e->io.net_len + n + ROOM <= e->io.net_cap &&
	       e->sent_len + n <= WIRE;
}

static void do_send(struct end *e, struct cursor *c, bool fin, size_t room)
{
	size_t len = get16(c) % 4096;
	ssize_t r;

	if (len > c->n)
		len = c->n;
	if (!has_room(e, len + 1024) || e->dead)
		return;
	squeeze(&e->io, SIZE_MAX, room);
	r = tcpinc_session_output(e->s, c->p, len, fin, &e->io);
	unsqueeze(&e->io);
	if (r >= 0) {
		check(!e->fin_sent || e->handmade);
		memcpy(e->sent + e->sent_len, c->p, (size_t)r);
		e->sent_len += (size_t)r;
		if (fin && (size_t)r == len)
			e->fin_sent = true;
	} else {
		/* -ENOBUFS: a bare FINp and no room for it. */
		check(r == -EPIPE || r == -EBADMSG ||
		      (r == -ENOBUFS && fin && !len &&
		       room < TCPINC_FRAME_OVERHEAD));
	}
	c->p += len;
	c->n -= len;
}

static void a_mk(uint8_t mk[32], uint32_t gen)
{
	if (gen < hf_gen) {
		check(tcpinc_keysched_mk0(hf_mk, ss, NULL, 0) == 0);
		hf_gen = 0;
	}
	for (; hf_gen < gen; hf_gen++)
		check(tcpinc_keysched_next_mk(hf_mk) == 0);
	memcpy(mk, hf_mk, 32);
}

/*
 * The frame f (flen bytes at stream offset off, sealed with k) through
 * tcpinc_frame_open() directly: as sealed, with one byte flipped, and
 * as a header whose clen is too small.
 */
static void open_direct(const uint8_t *f, size_t flen, uint64_t off,
			uint16_t aead, const uint8_t *k, uint8_t flags,
			const uint8_t *data, size_t len, uint8_t pick)
{
	static uint8_t copy[3 + 1 + 255 + 16], out[255];
	struct tcpinc_frame_key fk;
	uint16_t urgent = 0xa5a5;
	uint8_t fl = 0;
	ssize_t n;
	size_t pos, i;

	check(flen <= sizeof(copy) && len <= sizeof(out));
	check(tcpinc_frame_key_init(&fk, aead, k, false) == 0);
	check(tcpinc_frame_data_max(f) == len);
	memset(out, 0x5a, sizeof(out));
	n = tcpinc_frame_open(&fk, off, f, out, &fl, &urgent);
	if ((flags & TCPINC_FRAME_FL_URG) && len < 2) {
		/* No room for the urgent field. */
		check(n == -EBADMSG);
		for (i = 0; i < len; i++)
			check(out[i] == 0);
	} else if (flags & TCPINC_FRAME_FL_URG) {
		check(n == (ssize_t)len - 2 && fl == flags);
		check(urgent == (data[0] << 8 | data[1]));
		check(!memcmp(out, data + 2, len - 2));
	} else {
		check(n == (ssize_t)len && fl == flags && urgent == 0xa5a5);
		check(!memcmp(out, data, len));
	}

	/* A bad tag: the control byte (AD), ciphertext or tag changed;
	 * clen stays, so the frame keeps its length. */
	memcpy(copy, f, flen);
	pos = pick % (flen - 2);
	pos = pos ? pos + 2 : 0;
	copy[pos] ^= (uint8_t)(1u << (pick & 7));
	memset(out, 0x5a, sizeof(out));
	check(tcpinc_frame_open(&fk, off, copy, out, &fl, &urgent) == -EBADMSG);
	for (i = 0; i < len; i++)
		check(out[i] == 0);

	/* clen below flags + tag: rejected from the header alone. */
	copy[1] = 0;
	copy[2] = pick % TCPINC_FRAME_CLEN_MIN;
	check(tcpinc_frame_data_max(copy) == 0);
	check(tcpinc_frame_open(&fk, off, copy, out, &fl, &urgent) == -EBADMSG);
	tcpinc_frame_key_free(&fk);
}

/* Seal a frame by hand with A's current (or next, if rekey) key. */
static void hand_frame(struct cursor *c, uint16_t aead)
{
	struct end *a = &ends[0];
	uint8_t control = get8(c), flags = get8(c), mk[32], k[44];
	uint8_t nonce[12], *f = a->io.net_out + a->io.net_len;
	size_t len = get8(c), klen = tcpinc_aead_key_len(aead), plen, i;
	struct tcpinc_session_info info;
	struct tcpinc_aead ae;
	uint64_t off = a->io.net_len; /* offsets start at 0 when keyed */

	if (len > c->n)
		len = c->n;
	if (!has_room(a, len + 64) || a->fin_sent)
		return;
	check(tcpinc_session_get_info(a->s, &info) == 0);
	a_mk(mk, info.local_gen + (control & 1));
	check(tcpinc_keysched_traffic(k, klen + 12, mk, true) == 0);
	plen = 1 + len;
	f[0] = control;
	f[1] = (uint8_t)((plen + 16) >> 8);
	f[2] = (uint8_t)(plen + 16);
	f[3] = flags;
	memcpy(f + 4, c->p, len);
	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(off >> (56 - 8 * i));
	for (i = 0; i < 12; i++)
		nonce[i] ^= k[klen + i];
	check(tcpinc_aead_init(&ae, aead, k, true) == 0);
	check(tcpinc_aead_encrypt(&ae, nonce, f, 3, f + 3, plen, f + 3,
				  f + 3 + plen) == 0);
	tcpinc_aead_free(&ae);
	open_direct(f, 3 + plen + 16, off, aead, k, flags, c->p, len,
		    control ^ flags ^ (uint8_t)len);
	a->io.net_len += 3 + plen + 16;
	a->handmade = true;
	/* Authentic data B may deliver (the urgent field is not data). */
	if (!(flags & 2)) {
		memcpy(a->sent + a->sent_len, c->p, len);
		a->sent_len += len;
	} else if (len >= 2) {
		memcpy(a->sent + a->sent_len, c->p + 2, len - 2);
		a->sent_len += len - 2;
	}
	if (flags & 1)
		a->fin_sent = true;
	c->p += len;
	c->n -= len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cursor c = {data, size};
	struct end *a = &ends[0], *b = &ends[1];
	uint16_t aead;
	bool strict = true;
	int i;

	if (size < 1)
		return 0;
	aead = aeads[get8(&c) % 3];
	setup(aead);
	hf_reset();
	for (i = 0; c.n && i < 4096; i++) {
		uint8_t op = get8(&c);
		struct end *x;
		size_t pos, room = SIZE_MAX;
		uint8_t v;

		if ((op & 0x10) && (op & 7) < 4)
			room = get8(&c);
		switch (op & 7) {
		case 0:
		case 1:
			do_send(&ends[op & 1], &c, op & 8, room);
			break;
		case 2:
		case 3:
			x = &ends[op & 1];
			if (!x->dead && has_room(x, 64)) {
				int r;

				squeeze(&x->io, SIZE_MAX, room);
				r = tcpinc_session_rekey(x->s, &x->io);
				unsqueeze(&x->io);
				check(r == 0 || r == -EBUSY || r == -EPIPE ||
				      r == -EBADMSG ||
				      (r == -ENOBUFS &&
				       room < TCPINC_FRAME_OVERHEAD));
			}
			break;
		case 4:
			/* x is the receiver whose undelivered bytes change. */
			x = op & 8 ? a : b;
			pos = get16(&c);
			v = get8(&c);
			{
				struct end *src = x == a ? b : a;

				if (!v || x->consumed >= src->io.net_len)
					break;
				pos = x->consumed +
				      pos % (src->io.net_len - x->consumed);
				src->io.net_out[pos] ^= v;
				strict = false;
			}
			break;
		case 5:
		case 6:
			x = (op & 7) == 5 ? b : a;
			pos = get16(&c);
			if (op & 0x10) {
				size_t app = (size_t)get8(&c) * 32;

				deliver_room(x, x == a ? b : a, pos, strict,
					     app, get8(&c));
			} else {
				deliver(x, x == a ? b : a, pos, strict);
			}
			break;
		case 7:
			hand_frame(&c, aead);
			strict = false;
			break;
		}
	}
	/* Drain: rekey echoes may bounce once more. */
	for (i = 0; i < 4; i++) {
		deliver(b, a, WIRE, strict);
		deliver(a, b, WIRE, strict);
	}
	if (strict) {
		check(a->io.app_len == b->sent_len);
		check(b->io.app_len == a->sent_len);
		check(a->io.eof == b->fin_sent);
		check(b->io.eof == a->fin_sent);
	}
	teardown();
	return 0;
}
