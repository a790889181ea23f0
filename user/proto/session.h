/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tcpcrypt (RFC 8548) session: a pure state machine with no sockets.
 *
 * The caller (tcpincd) owns the network and application sockets and the
 * buffers. It feeds bytes received from the network to
 * tcpinc_session_input() and application bytes to tcpinc_session_output();
 * the session writes bytes for the network (Init messages, frames, rekey
 * answers) and decrypted application bytes into the caller's buffers in
 * struct tcpinc_io. AEAD output goes straight into those buffers: no copy.
 *
 * Stream offsets for frame nonces count from the first byte of each
 * direction's TCP payload, Init messages included (RFC 8548 §4.5).
 */
#ifndef TCPINC_PROTO_SESSION_H
#define TCPINC_PROTO_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* AEAD identifiers (RFC 8548 §7, two bytes on the wire). */
#define TCPINC_AEAD_AES_128_GCM 0x0001
#define TCPINC_AEAD_AES_256_GCM 0x0002
#define TCPINC_AEAD_CHACHA20_POLY1305 0x0010

/* Largest frame on the wire: 3-byte header + 65535 bytes of ciphertext. */
#define TCPINC_FRAME_MAX 65538
/* Frame overhead: header 3 + flags 1 + tag 16. */
#define TCPINC_FRAME_OVERHEAD 20
/* Application bytes per frame at most (no urgent field). */
#define TCPINC_FRAME_DATA_MAX 65518
/* Where a frame's application bytes start (header 3 + flags 1). */
#define TCPINC_FRAME_DATA_OFF 4
/* Largest Init message tcpincd accepts; longer ones abort. */
#define TCPINC_INIT_MAX 2048

#define TCPINC_SESSID_LEN 33

struct tcpinc_session;

struct tcpinc_session_cfg {
	uint8_t role; /* 0 = host A, 1 = host B */
	uint8_t tep; /* negotiated TEP byte as B sent it (0x21..0x24, v = 0) */
	/* eno_transcript: A's SYN-form option then B's, kind+len included */
	const uint8_t *transcript;
	size_t transcript_len;
	/*
	 * As A: the AEADs offered in Init1, in this order.
	 * As B: the AEADs accepted, in increasing order of preference
	 * (the last one that A also offered is chosen).
	 * NULL/0 = default {AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305}
	 * offered, and B preferring AES-128-GCM.
	 */
	const uint16_t *aeads;
	size_t naeads;
};

struct tcpinc_io {
	/* bytes for the network; the session appends at net_out + net_len */
	uint8_t *net_out;
	size_t net_cap;
	size_t net_len;
	/* decrypted application bytes; appended at app_out + app_len */
	uint8_t *app_out;
	size_t app_cap;
	size_t app_len;
	bool eof; /* set once a frame with FINp was received */
};

/* Allocate a session (secrets live in sodium_malloc'ed memory). NULL on error. */
struct tcpinc_session *tcpinc_session_new(const struct tcpinc_session_cfg *cfg);
/* Wipe all secrets and free. NULL is fine. */
void tcpinc_session_free(struct tcpinc_session *s);

/*
 * Start the exchange. As A: appends Init1 to io->net_out (needs at least
 * TCPINC_INIT_MAX bytes free). As B: appends nothing. Returns 0 or -errno.
 */
int tcpinc_session_start(struct tcpinc_session *s, struct tcpinc_io *io);

/*
 * Consume bytes received from the network. Returns the number of bytes of
 * `in` consumed (possibly less than len: a partial frame or Init message is
 * left for the caller to present again with more bytes appended, or when
 * the output buffers had no room for the next frame), or a negative errno:
 *   -EBADMSG     AEAD authentication failed
 *   -EPROTO      malformed Init message (bad magic, bad length, ...)
 *   -ENOPROTOOPT no acceptable AEAD / Init2 chose one A did not offer
 *   -EKEYREJECTED invalid public key or all-zero shared secret
 *   -EPIPE       data after a FINp frame
 * After any error the session is dead; the caller must abort the connection.
 * Room needed to make progress: net_out must have TCPINC_INIT_MAX bytes free
 * (B answers Init2; a rekey answer is an empty frame), and app_out must hold
 * the next frame's plaintext (at most TCPINC_FRAME_DATA_MAX).
 */
ssize_t tcpinc_session_input(struct tcpinc_session *s, const uint8_t *in,
			     size_t len, struct tcpinc_io *io);

/* True once keys exist and application data may be sent. */
bool tcpinc_session_ready(const struct tcpinc_session *s);

/*
 * Encrypt application bytes into frames appended to io->net_out. Consumes as
 * many bytes as fit (frames of up to TCPINC_FRAME_DATA_MAX data bytes).
 * With fin set and all of `len` consumed, the last frame carries FINp (an
 * empty frame if len is 0); no output is allowed after that. Returns bytes
 * consumed or -errno (-EAGAIN if not ready, -EPIPE after FINp).
 * data may already sit where the frame's data goes (io->net_out +
 * io->net_len + TCPINC_FRAME_DATA_OFF, one frame's worth): sealed in place.
 */
ssize_t tcpinc_session_output(struct tcpinc_session *s, const uint8_t *data,
			      size_t len, bool fin, struct tcpinc_io *io);

/*
 * Begin a new local key generation: the next frame sent carries rekey=1
 * (an empty frame is appended to io if there is no data). Returns 0/-errno.
 */
int tcpinc_session_rekey(struct tcpinc_session *s, struct tcpinc_io *io);

/* Information for `tcpinc show` and the API. */
struct tcpinc_session_info {
	uint8_t session_id[TCPINC_SESSID_LEN]; /* valid when ready */
	uint16_t aead; /* chosen AEAD id, 0 before Init2 */
	uint32_t local_gen, remote_gen; /* key generations */
};
int tcpinc_session_get_info(const struct tcpinc_session *s,
			    struct tcpinc_session_info *info);

#endif /* TCPINC_PROTO_SESSION_H */
