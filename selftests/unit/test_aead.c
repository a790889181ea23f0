// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* AEAD known answers: GCM test cases 3/4/15/16, RFC 8439 §2.8.2. */
#include <errno.h>
#include <stdbool.h>

#include "proto/aead.h"
#include "proto/session.h"
#include "test.h"

#define GCM_P                                                              \
	"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	"1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
#define GCM_A  "feedfacedeadbeeffeedfacedeadbeefabaddad2"
#define GCM_IV "cafebabefacedbaddecaf888"
#define GCM_K  "feffe9928665731c6d6a8f9467308308"

struct aead_vec {
	uint16_t id;
	const char *key, *nonce, *ad, *pt, *ct, *tag;
	size_t pt_len; /* 0: whole pt string */
};

static const struct aead_vec vecs[] = {
	{TCPINC_AEAD_AES_128_GCM, GCM_K, GCM_IV, "", GCM_P, /* TC 3 */
	 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	 "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
	 "4d5c2af327cd64a62cf35abd2ba6fab4", 0},
	{TCPINC_AEAD_AES_128_GCM, GCM_K, GCM_IV, GCM_A, GCM_P, /* TC 4 */
	 "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	 "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	 "5bc94fbc3221a5db94fae95ae7121a47", 60},
	{TCPINC_AEAD_AES_256_GCM, GCM_K GCM_K, GCM_IV, "", GCM_P, /* TC 15 */
	 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	 "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	 "b094dac5d93471bdec1a502270e3cc6c", 0},
	{TCPINC_AEAD_AES_256_GCM, GCM_K GCM_K, GCM_IV, GCM_A, GCM_P, /* 16 */
	 "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	 "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	 "76fc6ece0f4e1768cddf8853bb2d551b", 60},
	{TCPINC_AEAD_CHACHA20_POLY1305, /* RFC 8439 §2.8.2 */
	 "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	 "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
	 /* "Ladies and Gentlemen of the class of '99: If I could offer
	  * you only one tip for the future, sunscreen would be it." */
	 "4c616469657320616e642047656e746c656d656e206f662074686520636c6173"
	 "73206f66202739393a204966204920636f756c64206f6666657220796f75206f"
	 "6e6c79206f6e652074697020666f7220746865206675747572652c2073756e73"
	 "637265656e20776f756c642062652069742e",
	 "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	 "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	 "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	 "3ff4def08e4b7a9de576d26586cec64b6116",
	 "1ae10b594f09e26a7e902ecbd0600691", 0},
};

static void run_vec(const struct aead_vec *v)
{
	uint8_t key[32], nonce[12], ad[32], pt[128], ct[128], tag[16];
	uint8_t out[128], otag[16];
	struct tcpinc_aead e, d;
	size_t kl, al, pl, cl, i;
	struct tcpinc_aead_buf b[3];

	kl = test_unhex(v->key, key, sizeof(key));
	CHECK_EQ(kl, tcpinc_aead_key_len(v->id));
	CHECK_EQ(test_unhex(v->nonce, nonce, sizeof(nonce)), 12);
	al = test_unhex(v->ad, ad, sizeof(ad));
	pl = test_unhex(v->pt, pt, sizeof(pt));
	if (v->pt_len)
		pl = v->pt_len;
	cl = test_unhex(v->ct, ct, sizeof(ct));
	CHECK_EQ(cl, pl);
	CHECK_EQ(test_unhex(v->tag, tag, sizeof(tag)), 16);

	CHECK_EQ(tcpinc_aead_init(&e, v->id, key, true), 0);
	CHECK_EQ(tcpinc_aead_init(&d, v->id, key, false), 0);
	/* Twice with the same context: the per-message re-init works. */
	for (i = 0; i < 2; i++) {
		CHECK_EQ(tcpinc_aead_encrypt(&e, nonce, ad, al, pt, pl, out,
					     otag),
			 0);
		CHECK_MEM(out, ct, cl);
		CHECK_MEM(otag, tag, 16);
		CHECK_EQ(tcpinc_aead_decrypt(&d, nonce, ad, al, ct, cl, out,
					     tag),
			 0);
		CHECK_MEM(out, pt, pl);
	}
	/* Split input (1 byte, odd middle, rest), as frames do. */
	b[0] = (struct tcpinc_aead_buf){pt, out, 1};
	b[1] = (struct tcpinc_aead_buf){pt + 1, out + 1, 20};
	b[2] = (struct tcpinc_aead_buf){pt + 21, out + 21, pl - 21};
	CHECK_EQ(tcpinc_aead_seal(&e, nonce, ad, al, b, 3, otag), 0);
	CHECK_MEM(out, ct, cl);
	CHECK_MEM(otag, tag, 16);
	/* In place. */
	memcpy(out, ct, cl);
	CHECK_EQ(tcpinc_aead_decrypt(&d, nonce, ad, al, out, cl, out, tag), 0);
	CHECK_MEM(out, pt, pl);
	/* Any flipped bit of ciphertext, tag or AD fails. */
	for (i = 0; i < cl * 8; i += 13) {
		memcpy(out, ct, cl);
		out[i / 8] ^= 1 << (i % 8);
		CHECK_EQ(tcpinc_aead_decrypt(&d, nonce, ad, al, out, cl, out,
					     tag),
			 -EBADMSG);
	}
	for (i = 0; i < 128; i++) {
		memcpy(otag, tag, 16);
		otag[i / 8] ^= 1 << (i % 8);
		CHECK_EQ(tcpinc_aead_decrypt(&d, nonce, ad, al, ct, cl, out,
					     otag),
			 -EBADMSG);
	}
	if (al) {
		ad[al - 1] ^= 0x80;
		CHECK_EQ(tcpinc_aead_decrypt(&d, nonce, ad, al, ct, cl, out,
					     tag),
			 -EBADMSG);
		ad[al - 1] ^= 0x80;
	}
	nonce[11] ^= 1;
	CHECK_EQ(tcpinc_aead_decrypt(&d, nonce, ad, al, ct, cl, out, tag),
		 -EBADMSG);
	/* The context stays usable after a failure. */
	nonce[11] ^= 1;
	CHECK_EQ(tcpinc_aead_decrypt(&d, nonce, ad, al, ct, cl, out, tag), 0);
	CHECK_MEM(out, pt, pl);
	tcpinc_aead_free(&e);
	tcpinc_aead_free(&d);
}

static void test_gcm_tc3_aes128(void)
{
	run_vec(&vecs[0]);
}

static void test_gcm_tc4_aes128_ad(void)
{
	run_vec(&vecs[1]);
}

static void test_gcm_tc15_aes256(void)
{
	run_vec(&vecs[2]);
}

static void test_gcm_tc16_aes256_ad(void)
{
	run_vec(&vecs[3]);
}

static void test_rfc8439_chacha20_poly1305(void)
{
	run_vec(&vecs[4]);
}

static void test_unsupported(void)
{
	uint8_t key[32] = {0};
	struct tcpinc_aead a;

	CHECK_EQ(tcpinc_aead_init(&a, 0x0000, key, true), -ENOPROTOOPT);
	CHECK_EQ(tcpinc_aead_init(&a, 0x0003, key, true), -ENOPROTOOPT);
	CHECK(!tcpinc_aead_supported(0x0011));
	CHECK(tcpinc_aead_supported(TCPINC_AEAD_CHACHA20_POLY1305));
	CHECK_EQ(tcpinc_aead_key_len(TCPINC_AEAD_AES_128_GCM), 16);
	CHECK_EQ(tcpinc_aead_key_len(TCPINC_AEAD_AES_256_GCM), 32);
}

int main(void)
{
	TEST_RUN(test_gcm_tc3_aes128);
	TEST_RUN(test_gcm_tc4_aes128_ad);
	TEST_RUN(test_gcm_tc15_aes256);
	TEST_RUN(test_gcm_tc16_aes256_ad);
	TEST_RUN(test_rfc8439_chacha20_poly1305);
	TEST_RUN(test_unsupported);
	return TEST_EXIT();
}
