/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel TLS for TEP 0x20 connections (docs/tep-0x20.md): after the
 * tcpcrypt Init exchange the network socket gets the TLS ULP and the
 * session's traffic keys, and the kernel seals and opens TLS 1.3 records
 * inline; tcpincd then only splices plaintext to and from it.
 */
#ifndef TCPINCD_KTLS_H
#define TCPINCD_KTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/tls.h>

#include "proto/session_ext.h"

/* TLS record content types (RFC 8446 §5.1) and the alert we send. */
#define TCPINCD_TLS_ALERT 21
#define TCPINCD_TLS_HANDSHAKE 22
#define TCPINCD_TLS_APPDATA 23
#define TCPINCD_TLS_CLOSE_NOTIFY 0

/* Any one of the kernel's crypto_info layouts tcpincd installs. */
union tcpincd_ktls_info {
	struct tls_crypto_info base;
	struct tls12_crypto_info_aes_gcm_128 aes128;
	struct tls12_crypto_info_aes_gcm_256 aes256;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

/*
 * Does this kernel have the TLS ULP? Asking on an unconnected socket loads
 * the module if there is one (ENOTCONN) and fails with ENOENT otherwise.
 */
bool tcpincd_ktls_available(void);

/*
 * The crypto_info for one direction (tx: our keys, else the peer's):
 * TLS 1.3, record sequence 0, static IV = the tcpcrypt nonce randomizer
 * (salt = its first 4 bytes for AES-GCM). Returns its length, or -EINVAL
 * for an AEAD kernel TLS lacks. The caller wipes *out.
 */
int tcpincd_ktls_info(const struct tcpinc_record_keys *k, bool tx,
		      union tcpincd_ktls_info *out);

/* The TLS ULP on an established socket. 0 or -errno. */
int tcpincd_ktls_ulp(int fd);
/* Key one direction of fd (after tcpincd_ktls_ulp). 0 or -errno. */
int tcpincd_ktls_key(int fd, const struct tcpinc_record_keys *k, bool tx);

/*
 * Our authenticated end of stream: a close_notify alert record. 0 once
 * sent, -EAGAIN when the socket has no room yet, or -errno.
 */
int tcpincd_ktls_close_notify(int fd);

/*
 * The record at the head of fd's receive queue when splice() or recv()
 * refused it (not application data): read it with its type into buf.
 * Returns its length (*type set), -EAGAIN, or -errno (-EBADMSG: it failed
 * authentication).
 */
ssize_t tcpincd_ktls_read_record(int fd, uint8_t *type, uint8_t *buf,
				 size_t cap);

#endif
