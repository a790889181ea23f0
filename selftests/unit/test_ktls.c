// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpincd/ktls.c: the crypto_info handed to the kernel for each AEAD and,
 * on a kernel with the TLS ULP (the qemu guest; skipped on one without),
 * a real loopback connection keyed from tcpcrypt record keys: the bytes on
 * the wire are TLS 1.3 records that this test opens itself with the AEAD
 * of proto/aead.c (nonce = static IV xor sequence number, the 5-byte
 * header as associated data, inner content type last), and close_notify
 * arrives as an alert record.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/aead.h"
#include "tcpincd/ktls.c"
#include "test.h"
#include "test_net.h"

static void fill_keys(struct tcpinc_record_keys *k, uint16_t aead)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	k->aead = aead;
	k->key_len = tcpinc_aead_key_len(aead);
	for (i = 0; i < 32; i++) {
		k->tx_key[i] = (uint8_t)(0x10 + i);
		k->rx_key[i] = (uint8_t)(0x80 + i);
	}
	for (i = 0; i < 12; i++) {
		k->tx_iv[i] = (uint8_t)(0x40 + i);
		k->rx_iv[i] = (uint8_t)(0xc0 + i);
	}
}

static void test_info_layouts(void)
{
	union tcpincd_ktls_info in;
	struct tcpinc_record_keys k;

	fill_keys(&k, TCPINC_AEAD_AES_128_GCM);
	CHECK_EQ(tcpincd_ktls_info(&k, true, &in), (int)sizeof(in.aes128));
	CHECK_EQ(in.base.version, TLS_1_3_VERSION);
	CHECK_EQ(in.base.cipher_type, TLS_CIPHER_AES_GCM_128);
	CHECK_MEM(in.aes128.key, k.tx_key, 16);
	CHECK_MEM(in.aes128.salt, k.tx_iv, 4); /* static IV = salt | iv */
	CHECK_MEM(in.aes128.iv, k.tx_iv + 4, 8);
	CHECK(sodium_is_zero(in.aes128.rec_seq, 8));

	CHECK_EQ(tcpincd_ktls_info(&k, false, &in), (int)sizeof(in.aes128));
	CHECK_MEM(in.aes128.key, k.rx_key, 16);
	CHECK_MEM(in.aes128.salt, k.rx_iv, 4);

	fill_keys(&k, TCPINC_AEAD_AES_256_GCM);
	CHECK_EQ(tcpincd_ktls_info(&k, true, &in), (int)sizeof(in.aes256));
	CHECK_EQ(in.base.cipher_type, TLS_CIPHER_AES_GCM_256);
	CHECK_MEM(in.aes256.key, k.tx_key, 32);
	CHECK_MEM(in.aes256.salt, k.tx_iv, 4);
	CHECK_MEM(in.aes256.iv, k.tx_iv + 4, 8);

	fill_keys(&k, TCPINC_AEAD_CHACHA20_POLY1305);
	CHECK_EQ(tcpincd_ktls_info(&k, true, &in), (int)sizeof(in.chacha));
	CHECK_EQ(in.base.cipher_type, TLS_CIPHER_CHACHA20_POLY1305);
	CHECK_MEM(in.chacha.key, k.tx_key, 32);
	CHECK_MEM(in.chacha.iv, k.tx_iv, 12); /* no salt */

	k.aead = 0x0003;
	CHECK_EQ(tcpincd_ktls_info(&k, true, &in), -EINVAL);
}

static size_t read_n(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n && (r = recv(fd, p + got, n - got, 0)) > 0)
		got += (size_t)r;
	return got;
}

/* Our own AEAD over one record body: ct | tag, the header as AAD. */
static int open_body(const struct tcpinc_record_keys *k, const uint8_t *nonce,
		     const uint8_t *hdr, const uint8_t *ct, size_t len,
		     uint8_t *out)
{
	size_t n = len - TCPINC_AEAD_TAG_LEN;
	struct tcpinc_aead ae;
	int err = tcpinc_aead_init(&ae, k->aead, k->tx_key, false);

	if (err)
		return err;
	err = tcpinc_aead_decrypt(&ae, nonce, hdr, 5, ct, n, out, ct + n);
	tcpinc_aead_free(&ae);
	return err;
}

/* Open one TLS 1.3 record read raw from fd, sequence seq; its plaintext. */
static ssize_t open_record(int fd, const struct tcpinc_record_keys *k,
			   uint64_t seq, uint8_t *out, uint8_t *type)
{
	uint8_t hdr[5], ct[16384 + 256], nonce[12];
	size_t len, i;
	ssize_t n;
	int err;

	if (read_n(fd, hdr, 5) != 5 || hdr[0] != 23 || hdr[1] != 3 ||
	    hdr[2] != 3)
		return -EPROTO;
	len = (size_t)hdr[3] << 8 | hdr[4];
	if (len < 17 || len > sizeof(ct) || read_n(fd, ct, len) != len)
		return -EPROTO;
	/* nonce = static IV xor the sequence number (RFC 8446 5.3) */
	memcpy(nonce, k->tx_iv, 12);
	for (i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	err = open_body(k, nonce, hdr, ct, len, out);
	if (err)
		return err;
	/* TLSInnerPlaintext: content, type, zero padding */
	n = (ssize_t)(len - TCPINC_AEAD_TAG_LEN);
	while (n > 0 && !out[n - 1])
		n--;
	if (!n)
		return -EPROTO;
	*type = out[--n];
	return n;
}

static void roundtrip(uint16_t aead)
{
	static const char msg[] = "tcpinc TEP 0x20 record";
	struct tcpinc_record_keys k, peer;
	uint8_t buf[16384 + 256], type = 0;
	int a, b;
	ssize_t n;

	fill_keys(&k, aead);
	/* the peer's view: our tx is its rx */
	peer = k;
	memcpy(peer.rx_key, k.tx_key, 32);
	memcpy(peer.rx_iv, k.tx_iv, 12);

	test_tcp_pair(&a, &b);
	CHECK_EQ(tcpincd_ktls_ulp(a), 0);
	CHECK_EQ(tcpincd_ktls_key(a, &k, true), 0);
	CHECK_EQ(send(a, msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
	CHECK_EQ(tcpincd_ktls_close_notify(a), 0);
	/* record 0: our data, opened here with our own AEAD code */
	n = open_record(b, &k, 0, buf, &type);
	CHECK_EQ(n, (ssize_t)sizeof(msg));
	CHECK_EQ(type, TCPINCD_TLS_APPDATA);
	CHECK_MEM(buf, msg, sizeof(msg));
	/* record 1: the alert */
	n = open_record(b, &k, 1, buf, &type);
	CHECK_EQ(n, 2);
	CHECK_EQ(type, TCPINCD_TLS_ALERT);
	CHECK_EQ(buf[1], TCPINCD_TLS_CLOSE_NOTIFY);
	close(a);
	close(b);

	/* and the kernel opens what the kernel sealed, alert included */
	test_tcp_pair(&a, &b);
	CHECK_EQ(tcpincd_ktls_ulp(a), 0);
	CHECK_EQ(tcpincd_ktls_key(a, &k, true), 0);
	CHECK_EQ(tcpincd_ktls_ulp(b), 0);
	CHECK_EQ(tcpincd_ktls_key(b, &peer, false), 0);
	CHECK_EQ(send(a, msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
	CHECK_EQ(tcpincd_ktls_close_notify(a), 0);
	shutdown(a, SHUT_WR);
	usleep(100000);
	n = tcpincd_ktls_read_record(b, &type, buf, sizeof(buf));
	CHECK_EQ(n, (ssize_t)sizeof(msg));
	CHECK_EQ(type, TCPINCD_TLS_APPDATA);
	n = tcpincd_ktls_read_record(b, &type, buf, sizeof(buf));
	CHECK_EQ(n, 2);
	CHECK_EQ(type, TCPINCD_TLS_ALERT);
	/* a plain recv() refuses the alert: conn.c reads it as above */
	close(a);
	close(b);

	/* a wrong key: the record fails authentication */
	test_tcp_pair(&a, &b);
	CHECK_EQ(tcpincd_ktls_ulp(a), 0);
	CHECK_EQ(tcpincd_ktls_key(a, &k, true), 0);
	peer.rx_key[0] ^= 1;
	CHECK_EQ(tcpincd_ktls_ulp(b), 0);
	CHECK_EQ(tcpincd_ktls_key(b, &peer, false), 0);
	CHECK_EQ(send(a, msg, sizeof(msg), 0), (ssize_t)sizeof(msg));
	usleep(100000);
	CHECK_EQ(tcpincd_ktls_read_record(b, &type, buf, sizeof(buf)),
		 -EBADMSG);
	close(a);
	close(b);
}

static void test_kernel_roundtrip(void)
{
	if (!tcpincd_ktls_available()) {
		printf("# no TLS ULP in this kernel: kernel round trip not run\n");
		return;
	}
	roundtrip(TCPINC_AEAD_AES_128_GCM);
	roundtrip(TCPINC_AEAD_AES_256_GCM);
	roundtrip(TCPINC_AEAD_CHACHA20_POLY1305);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	TEST_RUN(test_info_layouts);
	TEST_RUN(test_kernel_roundtrip);
	return TEST_EXIT();
}
