// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Frames: layout, nonce/AD construction, round trip, tampering. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>

#include "proto/frame.h"
#include "proto/session.h"
#include "test.h"

static const uint16_t aeads[] = {TCPINC_AEAD_AES_128_GCM,
				 TCPINC_AEAD_AES_256_GCM,
				 TCPINC_AEAD_CHACHA20_POLY1305};

static void keys(uint16_t id, struct tcpinc_frame_key *e,
		 struct tcpinc_frame_key *d, uint8_t k[44])
{
	int i;

	for (i = 0; i < 44; i++)
		k[i] = (uint8_t)(0x11 * i + id);
	CHECK_EQ(tcpinc_frame_key_init(e, id, k, true), 0);
	CHECK_EQ(tcpinc_frame_key_init(d, id, k, false), 0);
}

static void test_roundtrip_all_aeads(void)
{
	static const size_t sizes[] = {
		0, 1, 15, 16, 17, 1000, TCPINC_FRAME_DATA_MAX};
	static const uint64_t offs[] = {0, 79, 0x123456789abcdefULL,
					UINT64_MAX - 70000};
	static uint8_t data[TCPINC_FRAME_DATA_MAX], fr[TCPINC_FRAME_MAX];
	static uint8_t inplace[TCPINC_FRAME_MAX], out[TCPINC_FRAME_DATA_MAX];
	struct tcpinc_frame_key e, d;
	size_t a, i, j;
	uint8_t k[44], flags;
	ssize_t n;

	randombytes_buf(data, sizeof(data));
	for (a = 0; a < 3; a++) {
		keys(aeads[a], &e, &d, k);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			for (j = 0; j < 4; j++) {
				size_t len = sizes[i];
				bool fin = j & 1, rk = j & 2;

				n = tcpinc_frame_seal(
					&e, offs[j], rk,
					fin ? TCPINC_FRAME_FL_FIN : 0, data,
					len, fr, sizeof(fr));
				CHECK_EQ(n, (ssize_t)(len + 20));
				CHECK_EQ(fr[0], rk ? 1 : 0);
				CHECK_EQ((size_t)(fr[1] << 8 | fr[2]),
					 len + 17);
				CHECK_EQ(tcpinc_frame_len(fr, 3), len + 20);
				CHECK_EQ(tcpinc_frame_data_max(fr), len);
				/* sealed in place: the very same frame */
				memset(inplace, 0xa5, sizeof(inplace));
				memcpy(inplace + TCPINC_FRAME_DATA_OFF, data,
				       len);
				n = tcpinc_frame_seal(
					&e, offs[j], rk,
					fin ? TCPINC_FRAME_FL_FIN : 0,
					inplace + TCPINC_FRAME_DATA_OFF, len,
					inplace, sizeof(inplace));
				CHECK_EQ(n, (ssize_t)(len + 20));
				CHECK_MEM(inplace, fr, len + 20);
				n = tcpinc_frame_open(&d, offs[j], inplace, out,
						      &flags, NULL);
				CHECK_EQ(n, (ssize_t)len);
				CHECK_MEM(out, data, len);
				CHECK_EQ(flags, fin ? TCPINC_FRAME_FL_FIN : 0);
			}
		}
		/* Limits. */
		CHECK_EQ(tcpinc_frame_seal(&e, 0, false, 0, data,
					   TCPINC_FRAME_DATA_MAX + 1, fr,
					   sizeof(fr)),
			 -EMSGSIZE);
		CHECK_EQ(tcpinc_frame_seal(&e, 0, false, 0, data, 10, fr, 29),
			 -ENOBUFS);
		CHECK_EQ(tcpinc_frame_seal(&e, 0, false, 0, data, 10, fr, 30),
			 30);
		tcpinc_frame_key_free(&e);
		tcpinc_frame_key_free(&d);
	}
	CHECK_EQ(TCPINC_FRAME_DATA_MAX + TCPINC_FRAME_OVERHEAD,
		 TCPINC_FRAME_MAX);
}

/*
 * The frame is exactly AEAD(K, N = (0^4 | BE64(off)) ^ NR, AD = header,
 * flags | data): rebuild it with the raw AEAD and compare.
 */
static void test_nonce_and_ad_by_hand(void)
{
	uint8_t k[44], fr[64], ct[64], tag[16], pt[8], nonce[12], ad[3];
	const uint64_t off = 0x0102030405060708ULL;
	struct tcpinc_frame_key e, d;
	struct tcpinc_aead raw;
	size_t a;
	int i;

	for (a = 0; a < 3; a++) {
		size_t kl = tcpinc_aead_key_len(aeads[a]);

		keys(aeads[a], &e, &d, k);
		CHECK_EQ(tcpinc_frame_seal(&e, off, true, TCPINC_FRAME_FL_FIN,
					   (const uint8_t *)"tcpinc!", 7, fr,
					   sizeof(fr)),
			 27);
		ad[0] = 0x01;
		ad[1] = 0x00;
		ad[2] = 24;
		CHECK_MEM(fr, ad, 3);
		memset(nonce, 0, 4);
		for (i = 0; i < 8; i++)
			nonce[4 + i] = (uint8_t)(off >> (56 - 8 * i));
		for (i = 0; i < 12; i++)
			nonce[i] ^= k[kl + i];
		pt[0] = TCPINC_FRAME_FL_FIN;
		memcpy(pt + 1, "tcpinc!", 7);
		CHECK_EQ(tcpinc_aead_init(&raw, aeads[a], k, true), 0);
		CHECK_EQ(
			tcpinc_aead_encrypt(&raw, nonce, ad, 3, pt, 8, ct, tag),
			0);
		CHECK_MEM(fr + 3, ct, 8);
		CHECK_MEM(fr + 11, tag, 16);
		tcpinc_aead_free(&raw);
		tcpinc_frame_key_free(&e);
		tcpinc_frame_key_free(&d);
	}
}

/* Flip every bit of header, ciphertext and tag: never accepted. */
static void test_tamper_every_bit(void)
{
	static uint8_t fr[TCPINC_FRAME_MAX], bad[TCPINC_FRAME_MAX];
	static uint8_t out[TCPINC_FRAME_DATA_MAX];
	struct tcpinc_frame_key e, d;
	uint8_t k[44], flags;
	size_t a, bit, flen;

	for (a = 0; a < 3; a++) {
		keys(aeads[a], &e, &d, k);
		flen = (size_t)tcpinc_frame_seal(&e, 500, false, 0,
						 (const uint8_t *)"0123456789",
						 10, fr, sizeof(fr));
		CHECK_EQ(flen, 30);
		for (bit = 0; bit < flen * 8; bit++) {
			/* Rest of the buffer zero: a flipped clen makes a
			 * longer "frame" that must fail too. */
			memset(bad, 0, sizeof(bad));
			memcpy(bad, fr, flen);
			bad[bit / 8] ^= 1 << (bit % 8);
			CHECK_EQ(tcpinc_frame_open(&d, 500, bad, out, &flags,
						   NULL),
				 -EBADMSG);
		}
		/* Wrong offset (by one, and a different frame's). */
		CHECK_EQ(tcpinc_frame_open(&d, 501, fr, out, &flags, NULL),
			 -EBADMSG);
		CHECK_EQ(tcpinc_frame_open(&d, 470, fr, out, &flags, NULL),
			 -EBADMSG);
		/* Failed opens wiped the output and kept the key usable. */
		CHECK(sodium_is_zero(out, 10));
		CHECK_EQ(tcpinc_frame_open(&d, 500, fr, out, &flags, NULL), 10);
		CHECK_MEM(out, "0123456789", 10);
		tcpinc_frame_key_free(&e);
		tcpinc_frame_key_free(&d);
	}
}

static void test_short_clen_and_partial_header(void)
{
	struct tcpinc_frame_key e, d;
	uint8_t k[44], fr[64] = {0}, out[64], flags;
	size_t c;

	keys(TCPINC_AEAD_AES_128_GCM, &e, &d, k);
	for (c = 0; c < 17; c++) {
		fr[2] = (uint8_t)c;
		CHECK_EQ(tcpinc_frame_data_max(fr), 0);
		CHECK_EQ(tcpinc_frame_open(&d, 0, fr, out, &flags, NULL),
			 -EBADMSG);
	}
	CHECK_EQ(tcpinc_frame_len(fr, 0), 0);
	CHECK_EQ(tcpinc_frame_len(fr, 2), 0);
	fr[1] = 0xff;
	fr[2] = 0xff;
	CHECK_EQ(tcpinc_frame_len(fr, 3), TCPINC_FRAME_MAX);
	tcpinc_frame_key_free(&e);
	tcpinc_frame_key_free(&d);
}

/* Hand-made frame: reserved bits set (ignored), URGp with urgent field. */
static void test_reserved_bits_and_urgent(void)
{
	uint8_t k[44], fr[64], pt[16], nonce[12], flags;
	struct tcpinc_frame_key e, d;
	struct tcpinc_aead raw;
	uint16_t urg = 0;
	uint8_t out[64];
	int i;

	keys(TCPINC_AEAD_CHACHA20_POLY1305, &e, &d, k);
	fr[0] = 0xfe; /* cres all ones, rekey 0 */
	fr[1] = 0;
	fr[2] = 1 + 2 + 5 + 16;
	pt[0] = 0xfc | TCPINC_FRAME_FL_URG | TCPINC_FRAME_FL_FIN;
	pt[1] = 0x12;
	pt[2] = 0x34;
	memcpy(pt + 3, "hello", 5);
	memset(nonce, 0, 12);
	nonce[11] = 42;
	for (i = 0; i < 12; i++)
		nonce[i] ^= k[32 + i];
	CHECK_EQ(tcpinc_aead_init(&raw, TCPINC_AEAD_CHACHA20_POLY1305, k, true),
		 0);
	CHECK_EQ(
		tcpinc_aead_encrypt(&raw, nonce, fr, 3, pt, 8, fr + 3, fr + 11),
		0);
	CHECK_EQ(tcpinc_frame_open(&d, 42, fr, out, &flags, &urg), 5);
	CHECK_MEM(out, "hello", 5);
	CHECK_EQ(urg, 0x1234);
	CHECK(flags & TCPINC_FRAME_FL_FIN);
	tcpinc_aead_free(&raw);
	tcpinc_frame_key_free(&e);
	tcpinc_frame_key_free(&d);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_roundtrip_all_aeads);
	TEST_RUN(test_nonce_and_ad_by_hand);
	TEST_RUN(test_tamper_every_bit);
	TEST_RUN(test_short_clen_and_partial_header);
	TEST_RUN(test_reserved_bits_and_urgent);
	return TEST_EXIT();
}
