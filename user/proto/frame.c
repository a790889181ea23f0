// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Frame seal/open straight between caller buffers, no allocation. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "proto/frame.h"
#include "proto/session.h"

int tcpinc_frame_key_init(struct tcpinc_frame_key *fk, uint16_t aead,
			  const uint8_t *k, bool enc)
{
	size_t klen = tcpinc_aead_key_len(aead);
	int err;

	if (!klen)
		return -ENOPROTOOPT;
	err = tcpinc_aead_init(&fk->aead, aead, k, enc);
	if (err)
		return err;
	memcpy(fk->nr, k + klen, TCPINC_AEAD_NONCE_LEN);
	return 0;
}

void tcpinc_frame_key_free(struct tcpinc_frame_key *fk)
{
	tcpinc_aead_free(&fk->aead);
	sodium_memzero(fk->nr, sizeof(fk->nr));
}

static void frame_nonce(uint8_t n[TCPINC_AEAD_NONCE_LEN],
			const struct tcpinc_frame_key *fk, uint64_t off)
{
	int i;

	memcpy(n, fk->nr, TCPINC_AEAD_NONCE_LEN);
	for (i = 0; i < 8; i++)
		n[TCPINC_AEAD_NONCE_LEN - 1 - i] ^= (uint8_t)(off >> (8 * i));
}

ssize_t tcpinc_frame_seal(struct tcpinc_frame_key *fk, uint64_t off, bool rekey,
			  uint8_t flags, const uint8_t *data, size_t len,
			  uint8_t *out, size_t cap)
{
	uint8_t nonce[TCPINC_AEAD_NONCE_LEN];
	struct tcpinc_aead_buf b[2];
	size_t clen = len + TCPINC_FRAME_CLEN_MIN;
	size_t flen = TCPINC_FRAME_HDR_LEN + clen;
	int err;

	if (len > TCPINC_FRAME_DATA_MAX)
		return -EMSGSIZE;
	if (cap < flen)
		return -ENOBUFS;
	out[0] = rekey ? TCPINC_FRAME_CTL_REKEY : 0;
	out[1] = clen >> 8;
	out[2] = clen & 0xff;
	/* The flags byte is encrypted in place, the data straight from the
	 * caller's buffer into the frame. */
	out[3] = flags & (TCPINC_FRAME_FL_FIN | TCPINC_FRAME_FL_URG);
	b[0] = (struct tcpinc_aead_buf){out + 3, out + 3, 1};
	b[1] = (struct tcpinc_aead_buf){data, out + 4, len};
	frame_nonce(nonce, fk, off);
	err = tcpinc_aead_seal(&fk->aead, nonce, out, TCPINC_FRAME_HDR_LEN, b,
			       2, out + 4 + len);
	/* N = frame ID ^ NR: with the offset it gives NR away. */
	sodium_memzero(nonce, sizeof(nonce));
	if (err)
		return err;
	return (ssize_t)flen;
}

ssize_t tcpinc_frame_open(struct tcpinc_frame_key *fk, uint64_t off,
			  const uint8_t *in, uint8_t *out, uint8_t *flags,
			  uint16_t *urgent)
{
	uint8_t nonce[TCPINC_AEAD_NONCE_LEN];
	size_t clen = (size_t)in[1] << 8 | in[2];
	struct tcpinc_aead_buf b[2];
	size_t dlen;
	uint8_t fl;
	int err;

	if (clen < TCPINC_FRAME_CLEN_MIN)
		return -EBADMSG;
	dlen = clen - TCPINC_FRAME_CLEN_MIN;
	/* Flags to a local byte, everything after it straight to out. */
	b[0] = (struct tcpinc_aead_buf){in + 3, &fl, 1};
	b[1] = (struct tcpinc_aead_buf){in + 4, out, dlen};
	frame_nonce(nonce, fk, off);
	err = tcpinc_aead_open(&fk->aead, nonce, in, TCPINC_FRAME_HDR_LEN, b, 2,
			       in + 4 + dlen);
	sodium_memzero(nonce, sizeof(nonce));
	if (err) {
		/* Never leave unauthenticated plaintext behind. */
		sodium_memzero(out, dlen);
		return -EBADMSG;
	}
	if (fl & TCPINC_FRAME_FL_URG) {
		/* Rare: move the data over the 2-byte urgent field. */
		if (dlen < 2) {
			sodium_memzero(out, dlen);
			return -EBADMSG;
		}
		if (urgent)
			*urgent = (uint16_t)(out[0] << 8 | out[1]);
		dlen -= 2;
		memmove(out, out + 2, dlen);
	}
	*flags = fl;
	return (ssize_t)dlen;
}
