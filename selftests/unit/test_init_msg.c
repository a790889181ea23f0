// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Init1/Init2: byte-exact layout, round trip, hostile input. */
#include <errno.h>

#include "proto/init_msg.h"
#include "proto/session.h"
#include "test.h"

static const uint16_t ciphers[] = {0x0001, 0x0002, 0x0010};
static uint8_t nonce[32], pub[32];

static void fill(void)
{
	int i;

	for (i = 0; i < 32; i++) {
		nonce[i] = 0xa0 + (i & 0xf);
		pub[i] = 0x50 + i;
	}
}

static void test_init1_layout(void)
{
	uint8_t buf[256], want[256];
	struct tcpinc_init1 m;
	size_t wl;

	fill();
	wl = test_unhex("15101a0e 0000004f 03 0001 0002 0010"
			"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
			"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
			"505152535455565758595a5b5c5d5e5f"
			"606162636465666768696a6b6c6d6e6f",
			want, sizeof(want));
	CHECK_EQ(wl, 79); /* 73 + 2K */
	CHECK_EQ(tcpinc_init1_len(3, 32), 79);
	CHECK_EQ(tcpinc_init1_build(buf, sizeof(buf), ciphers, 3, nonce, pub,
				    32),
		 79);
	CHECK_MEM(buf, want, 79);
	CHECK_EQ(tcpinc_init1_parse(buf, 79, 32, &m), 79);
	CHECK_EQ(m.nciphers, 3);
	CHECK_EQ(m.len, 79);
	CHECK_EQ(tcpinc_init1_cipher(&m, 0), 0x0001);
	CHECK_EQ(tcpinc_init1_cipher(&m, 2), 0x0010);
	CHECK(m.nonce == buf + 15);
	CHECK(m.pub == buf + 47);
	CHECK_MEM(m.nonce, nonce, 32);
	CHECK_MEM(m.pub, pub, 32);
	/* Too small a buffer, K = 0, K > 255. */
	CHECK_EQ(tcpinc_init1_build(buf, 78, ciphers, 3, nonce, pub, 32),
		 -ENOBUFS);
	CHECK_EQ(tcpinc_init1_build(buf, sizeof(buf), ciphers, 0, nonce, pub,
				    32),
		 -EINVAL);
	CHECK_EQ(tcpinc_init1_build(buf, sizeof(buf), ciphers, 256, nonce, pub,
				    32),
		 -EINVAL);
}

static void test_init2_layout(void)
{
	uint8_t buf[256], want[256];
	struct tcpinc_init2 m;
	size_t wl;

	fill();
	wl = test_unhex("097105e0 0000004a 0010"
			"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
			"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
			"505152535455565758595a5b5c5d5e5f"
			"606162636465666768696a6b6c6d6e6f",
			want, sizeof(want));
	CHECK_EQ(wl, 74);
	CHECK_EQ(tcpinc_init2_build(buf, sizeof(buf), 0x0010, nonce, pub, 32),
		 74);
	CHECK_MEM(buf, want, 74);
	CHECK_EQ(tcpinc_init2_parse(buf, 74, 32, &m), 74);
	CHECK_EQ(m.cipher, 0x0010);
	CHECK_EQ(m.len, 74);
	CHECK(m.nonce == buf + 10);
	CHECK(m.pub == buf + 42);
	CHECK_EQ(tcpinc_init2_build(buf, 73, 1, nonce, pub, 32), -ENOBUFS);
}

/* Every proper prefix of a valid message asks for more bytes. */
static void test_truncated_every_length(void)
{
	uint8_t b1[256], b2[256];
	struct tcpinc_init1 m1;
	struct tcpinc_init2 m2;
	size_t i;

	fill();
	CHECK_EQ(tcpinc_init1_build(b1, sizeof(b1), ciphers, 3, nonce, pub, 32),
		 79);
	CHECK_EQ(tcpinc_init2_build(b2, sizeof(b2), 1, nonce, pub, 32), 74);
	for (i = 0; i < 79; i++)
		CHECK_EQ(tcpinc_init1_parse(b1, i, 32, &m1), 0);
	for (i = 0; i < 74; i++)
		CHECK_EQ(tcpinc_init2_parse(b2, i, 32, &m2), 0);
	/* Bytes after the message (the first frame) are not part of it. */
	CHECK_EQ(tcpinc_init1_parse(b1, sizeof(b1), 32, &m1), 79);
	CHECK_EQ(tcpinc_init2_parse(b2, sizeof(b2), 32, &m2), 74);
}

static void test_bad_magic(void)
{
	uint8_t b1[256], b2[256];
	struct tcpinc_init1 m1;
	struct tcpinc_init2 m2;
	size_t i, len;

	fill();
	CHECK_EQ(tcpinc_init1_build(b1, sizeof(b1), ciphers, 3, nonce, pub, 32),
		 79);
	CHECK_EQ(tcpinc_init2_build(b2, sizeof(b2), 1, nonce, pub, 32), 74);
	/* Init2 is not an Init1 and vice versa. */
	CHECK_EQ(tcpinc_init1_parse(b2, 74, 32, &m1), -EPROTO);
	CHECK_EQ(tcpinc_init2_parse(b1, 79, 32, &m2), -EPROTO);
	for (i = 0; i < 4; i++) {
		b1[i] ^= 0x01;
		b2[i] ^= 0x80;
		/* Detected as soon as the bad byte is present. */
		for (len = i + 1; len <= 79; len++)
			CHECK_EQ(tcpinc_init1_parse(b1, len, 32, &m1), -EPROTO);
		for (len = i + 1; len <= 74; len++)
			CHECK_EQ(tcpinc_init2_parse(b2, len, 32, &m2), -EPROTO);
		b1[i] ^= 0x01;
		b2[i] ^= 0x80;
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void test_bad_length(void)
{
	static const uint32_t bad1[] = {
		0, 1, 8, 9, 74, 78, 2049, 0x10000, 0x7fffffff, 0xffffffff};
	static const uint32_t bad2[] = {0, 8, 10, 73, 2049, 0xffffffff};
	static uint8_t b[4096];
	struct tcpinc_init1 m1;
	struct tcpinc_init2 m2;
	size_t i;

	fill();
	for (i = 0; i < sizeof(bad1) / sizeof(bad1[0]); i++) {
		CHECK_EQ(tcpinc_init1_build(b, sizeof(b), ciphers, 3, nonce,
					    pub, 32),
			 79);
		put32(b + 4, bad1[i]);
		/* Known bad from the header alone, and with all bytes. */
		CHECK_EQ(tcpinc_init1_parse(b, 9, 32, &m1), -EPROTO);
		CHECK_EQ(tcpinc_init1_parse(b, sizeof(b), 32, &m1), -EPROTO);
	}
	for (i = 0; i < sizeof(bad2) / sizeof(bad2[0]); i++) {
		CHECK_EQ(tcpinc_init2_build(b, sizeof(b), 1, nonce, pub, 32),
			 74);
		put32(b + 4, bad2[i]);
		CHECK_EQ(tcpinc_init2_parse(b, 8, 32, &m2), -EPROTO);
		CHECK_EQ(tcpinc_init2_parse(b, sizeof(b), 32, &m2), -EPROTO);
	}
	/* message_len = TCPINC_INIT_MAX exactly is fine. */
	CHECK_EQ(tcpinc_init2_build(b, sizeof(b), 1, nonce, pub, 32), 74);
	put32(b + 4, TCPINC_INIT_MAX);
	CHECK_EQ(tcpinc_init2_parse(b, TCPINC_INIT_MAX - 1, 32, &m2), 0);
	CHECK_EQ(tcpinc_init2_parse(b, TCPINC_INIT_MAX, 32, &m2),
		 TCPINC_INIT_MAX);
}

static void test_k_zero_and_k_too_big(void)
{
	uint8_t b[256];
	struct tcpinc_init1 m;

	fill();
	CHECK_EQ(tcpinc_init1_build(b, sizeof(b), ciphers, 3, nonce, pub, 32),
		 79);
	b[8] = 0;
	CHECK_EQ(tcpinc_init1_parse(b, 9, 32, &m), -EPROTO);
	CHECK_EQ(tcpinc_init1_parse(b, 79, 32, &m), -EPROTO);
	/* K = 4 needs 81 bytes but message_len says 79. */
	b[8] = 4;
	CHECK_EQ(tcpinc_init1_parse(b, 9, 32, &m), -EPROTO);
	b[8] = 255;
	CHECK_EQ(tcpinc_init1_parse(b, 79, 32, &m), -EPROTO);
	/* K = 2 with 79 bytes: 2 bytes of "ignored" trailer, valid. */
	b[8] = 2;
	CHECK_EQ(tcpinc_init1_parse(b, 79, 32, &m), 79);
	CHECK_EQ(m.nciphers, 2);
	CHECK(m.pub == b + 45);
}

static void test_trailing_bytes_accepted(void)
{
	uint8_t b[256];
	struct tcpinc_init1 m1;
	struct tcpinc_init2 m2;
	size_t extra;

	fill();
	for (extra = 1; extra < 8; extra += 2) {
		CHECK_EQ(tcpinc_init1_build(b, sizeof(b), ciphers, 3, nonce,
					    pub, 32),
			 79);
		put32(b + 4, 79 + extra);
		memset(b + 79, 0xee, extra);
		CHECK_EQ(tcpinc_init1_parse(b, 79 + extra - 1, 32, &m1), 0);
		CHECK_EQ(tcpinc_init1_parse(b, 79 + extra, 32, &m1),
			 (ssize_t)(79 + extra));
		CHECK_EQ(m1.len, 79 + extra);
		CHECK_MEM(m1.pub, pub, 32);

		CHECK_EQ(tcpinc_init2_build(b, sizeof(b), 2, nonce, pub, 32),
			 74);
		put32(b + 4, 74 + extra);
		memset(b + 74, 0xee, extra);
		CHECK_EQ(tcpinc_init2_parse(b, 74 + extra - 1, 32, &m2), 0);
		CHECK_EQ(tcpinc_init2_parse(b, 74 + extra, 32, &m2),
			 (ssize_t)(74 + extra));
		CHECK_EQ(m2.cipher, 2);
		CHECK_MEM(m2.pub, pub, 32);
	}
}

int main(void)
{
	TEST_RUN(test_init1_layout);
	TEST_RUN(test_init2_layout);
	TEST_RUN(test_truncated_every_length);
	TEST_RUN(test_bad_magic);
	TEST_RUN(test_bad_length);
	TEST_RUN(test_k_zero_and_k_too_big);
	TEST_RUN(test_trailing_bytes_accepted);
	return TEST_EXIT();
}
