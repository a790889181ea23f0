// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Init1/Init2 encoding and hostile-input-safe parsing. */
#include <errno.h>
#include <string.h>

#include "proto/init_msg.h"
#include "proto/session.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

ssize_t tcpinc_init1_build(uint8_t *out, size_t cap, const uint16_t *ciphers,
			   size_t n, const uint8_t nonce[TCPINC_NONCE_LEN],
			   const uint8_t *pub, size_t pk_len)
{
	size_t m = tcpinc_init1_len(n, pk_len), i;
	uint8_t *p;

	if (!n || n > 255 || m > TCPINC_INIT_MAX)
		return -EINVAL;
	if (cap < m)
		return -ENOBUFS;
	put_be32(out, TCPINC_INIT1_MAGIC);
	put_be32(out + 4, (uint32_t)m);
	out[8] = (uint8_t)n;
	p = out + TCPINC_INIT1_HDR_LEN;
	for (i = 0; i < n; i++) {
		*p++ = ciphers[i] >> 8;
		*p++ = ciphers[i] & 0xff;
	}
	memcpy(p, nonce, TCPINC_NONCE_LEN);
	memcpy(p + TCPINC_NONCE_LEN, pub, pk_len);
	return (ssize_t)m;
}

ssize_t tcpinc_init2_build(uint8_t *out, size_t cap, uint16_t cipher,
			   const uint8_t nonce[TCPINC_NONCE_LEN],
			   const uint8_t *pub, size_t pk_len)
{
	size_t m = tcpinc_init2_len(pk_len);

	if (m > TCPINC_INIT_MAX)
		return -EINVAL;
	if (cap < m)
		return -ENOBUFS;
	put_be32(out, TCPINC_INIT2_MAGIC);
	put_be32(out + 4, (uint32_t)m);
	out[8] = cipher >> 8;
	out[9] = cipher & 0xff;
	memcpy(out + TCPINC_INIT2_HDR_LEN, nonce, TCPINC_NONCE_LEN);
	memcpy(out + TCPINC_INIT2_HDR_LEN + TCPINC_NONCE_LEN, pub, pk_len);
	return (ssize_t)m;
}

/*
 * Checks common to both messages on whatever prefix is present, so a
 * stream of garbage fails after 4 bytes rather than after 2 KiB.
 * Returns message_len, 0 if the header is incomplete, or -EPROTO.
 */
static ssize_t parse_hdr(const uint8_t *in, size_t len, uint32_t magic,
			 size_t min_len)
{
	uint8_t want[4];
	size_t n = len < 4 ? len : 4;
	uint32_t m;

	put_be32(want, magic);
	if (memcmp(in, want, n))
		return -EPROTO;
	if (len < 8)
		return 0;
	m = get_be32(in + 4);
	if (m < min_len || m > TCPINC_INIT_MAX)
		return -EPROTO;
	return (ssize_t)m;
}

ssize_t tcpinc_init1_parse(const uint8_t *in, size_t len, size_t pk_len,
			   struct tcpinc_init1 *m)
{
	ssize_t mlen;
	size_t k;

	mlen = parse_hdr(in, len, TCPINC_INIT1_MAGIC,
			 tcpinc_init1_len(1, pk_len));
	if (mlen <= 0)
		return mlen;
	if (len < TCPINC_INIT1_HDR_LEN)
		return 0;
	k = in[8];
	if (!k || (size_t)mlen < tcpinc_init1_len(k, pk_len))
		return -EPROTO;
	if (len < (size_t)mlen)
		return 0;
	m->ciphers = in + TCPINC_INIT1_HDR_LEN;
	m->nciphers = k;
	m->nonce = m->ciphers + 2 * k;
	m->pub = m->nonce + TCPINC_NONCE_LEN;
	m->len = (size_t)mlen;
	return mlen;
}

ssize_t tcpinc_init2_parse(const uint8_t *in, size_t len, size_t pk_len,
			   struct tcpinc_init2 *m)
{
	ssize_t mlen;

	mlen = parse_hdr(in, len, TCPINC_INIT2_MAGIC, tcpinc_init2_len(pk_len));
	if (mlen <= 0)
		return mlen;
	if (len < (size_t)mlen)
		return 0;
	m->cipher = (uint16_t)(in[8] << 8 | in[9]);
	m->nonce = in + TCPINC_INIT2_HDR_LEN;
	m->pub = m->nonce + TCPINC_NONCE_LEN;
	m->len = (size_t)mlen;
	return mlen;
}
