// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "proto/session.h"
#include "tcpincd/ktls.h"

bool tcpincd_ktls_available(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) &&
	     errno == ENOTCONN;
	close(fd);
	return ok;
}

/* Fill one layout: iv/salt split of the 12-byte static IV, then the key. */
#define KTLS_FILL(dst, cipher, key, iv)                                  \
	do {                                                                \
		(dst)->info.version = TLS_1_3_VERSION;                      \
		(dst)->info.cipher_type = (cipher);                         \
		memcpy((dst)->salt, (iv), sizeof((dst)->salt));             \
		memcpy((dst)->iv, (iv) + sizeof((dst)->salt),               \
		       sizeof((dst)->iv));                                  \
		memcpy((dst)->key, (key), sizeof((dst)->key));              \
		memset((dst)->rec_seq, 0, sizeof((dst)->rec_seq));          \
	} while (0)

int tcpincd_ktls_info(const struct tcpinc_record_keys *k, bool tx,
		      union tcpincd_ktls_info *out)
{
	const uint8_t *key = tx ? k->tx_key : k->rx_key;
	const uint8_t *iv = tx ? k->tx_iv : k->rx_iv;

	memset(out, 0, sizeof(*out));
	switch (k->aead) {
	case TCPINC_AEAD_AES_128_GCM:
		KTLS_FILL(&out->aes128, TLS_CIPHER_AES_GCM_128, key, iv);
		return sizeof(out->aes128);
	case TCPINC_AEAD_AES_256_GCM:
		KTLS_FILL(&out->aes256, TLS_CIPHER_AES_GCM_256, key, iv);
		return sizeof(out->aes256);
	case TCPINC_AEAD_CHACHA20_POLY1305:
		KTLS_FILL(&out->chacha, TLS_CIPHER_CHACHA20_POLY1305, key,
			  iv);
		return sizeof(out->chacha);
	default:
		return -EINVAL;
	}
}

int tcpincd_ktls_ulp(int fd)
{
	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")))
		return -errno;
	return 0;
}

int tcpincd_ktls_key(int fd, const struct tcpinc_record_keys *k, bool tx)
{
	union tcpincd_ktls_info info;
	int len = tcpincd_ktls_info(k, tx, &info), err = 0;

	if (len < 0)
		return len;
	if (setsockopt(fd, SOL_TLS, tx ? TLS_TX : TLS_RX, &info, len))
		err = -errno;
	sodium_memzero(&info, sizeof(info));
	return err;
}

int tcpincd_ktls_close_notify(int fd)
{
	uint8_t alert[2] = { 1 /* warning */, TCPINCD_TLS_CLOSE_NOTIFY };
	char cbuf[CMSG_SPACE(sizeof(uint8_t))] = { 0 };
	struct iovec iov = { .iov_base = alert, .iov_len = sizeof(alert) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	ssize_t n;

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(sizeof(uint8_t));
	*CMSG_DATA(cm) = TCPINCD_TLS_ALERT;
	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == sizeof(alert) ? 0 : -EIO;
}

ssize_t tcpincd_ktls_read_record(int fd, uint8_t *type, uint8_t *buf,
				 size_t cap)
{
	char cbuf[CMSG_SPACE(sizeof(uint8_t))];
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	*type = TCPINCD_TLS_APPDATA;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_TLS &&
		    cm->cmsg_type == TLS_GET_RECORD_TYPE)
			*type = *CMSG_DATA(cm);
	return n;
}
