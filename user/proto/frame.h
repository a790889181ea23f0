/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tcpcrypt encryption frames (RFC 8548 §4.4-4.5):
 *   control(1) | clen(2, BE) | AEAD(K, N, flags(1) [| urgent(2)] | data)
 * AD = control | clen; N = (4 zero bytes | BE64 stream offset of the
 * control byte) XOR NR. Reserved bits are sent as 0 and ignored.
 */
#ifndef TCPINC_PROTO_FRAME_H
#define TCPINC_PROTO_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/aead.h"

#define TCPINC_FRAME_HDR_LEN   3
#define TCPINC_FRAME_CTL_REKEY 0x01
#define TCPINC_FRAME_FL_FIN    0x01
#define TCPINC_FRAME_FL_URG    0x02
/* Smallest valid clen: flags byte + tag. */
#define TCPINC_FRAME_CLEN_MIN (1 + TCPINC_AEAD_TAG_LEN)

/* One direction's traffic key: the keyed AEAD and the nonce randomizer. */
struct tcpinc_frame_key {
	struct tcpinc_aead aead;
	uint8_t nr[TCPINC_AEAD_NONCE_LEN];
};

/* k = AEAD key (first ae_key_len bytes) | NR (next 12). */
int tcpinc_frame_key_init(struct tcpinc_frame_key *fk, uint16_t aead,
			  const uint8_t *k, bool enc);
void tcpinc_frame_key_free(struct tcpinc_frame_key *fk);

/*
 * Seal data[0..len) (len <= TCPINC_FRAME_DATA_MAX) into one frame at out,
 * which starts at stream offset off. data may be exactly out +
 * TCPINC_FRAME_DATA_OFF (sealed in place), but may not otherwise overlap out.
 * Returns the frame length, -ENOBUFS if cap is too small, -EMSGSIZE.
 */
ssize_t tcpinc_frame_seal(struct tcpinc_frame_key *fk, uint64_t off, bool rekey,
			  uint8_t flags, const uint8_t *data, size_t len,
			  uint8_t *out, size_t cap);

/* Whole frame length from its header, or 0 if fewer than 3 bytes. */
static inline size_t tcpinc_frame_len(const uint8_t *in, size_t len)
{
	if (len < TCPINC_FRAME_HDR_LEN)
		return 0;
	return TCPINC_FRAME_HDR_LEN + ((size_t)in[1] << 8 | in[2]);
}

/* Upper bound of the data a frame of this clen can carry. */
static inline size_t tcpinc_frame_data_max(const uint8_t *hdr)
{
	size_t clen = (size_t)hdr[1] << 8 | hdr[2];

	return clen < TCPINC_FRAME_CLEN_MIN ? 0 : clen - TCPINC_FRAME_CLEN_MIN;
}

/*
 * Open the complete frame in[0..tcpinc_frame_len()) found at stream offset
 * off, writing the application data to out (room for
 * tcpinc_frame_data_max() bytes needed). Returns the data length with
 * *flags (and *urgent if URGp) set, or -EBADMSG (authentication failure,
 * clen too small, URGp without room for the urgent field). On failure out
 * is wiped.
 */
ssize_t tcpinc_frame_open(struct tcpinc_frame_key *fk, uint64_t off,
			  const uint8_t *in, uint8_t *out, uint8_t *flags,
			  uint16_t *urgent);

#endif /* TCPINC_PROTO_FRAME_H */
