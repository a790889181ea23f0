// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpcrypt session state machine (see session.h): Init1/Init2 exchange,
 * key schedule, frames, rekeying and FINp.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ecdh.h"
#include "proto/frame.h"
#include "proto/guarded.h"
#include "proto/init_msg.h"
#include "proto/keysched.h"
#include "proto/session.h"
#include "proto/session_ext.h"

enum {
	ST_IDLE, /* A before tcpinc_session_start() */
	ST_WAIT_INIT1, /* B */
	ST_WAIT_INIT2, /* A, Init1 sent */
	ST_READY,
	ST_DEAD,
};

/*
 * Everything secret, in one guarded region (proto/guarded.h) (mlocked,
 * guard pages, left out of core dumps), each field wiped as soon as
 * RFC 8548 allows:
 * - priv: our ephemeral private key, from keygen until ES is computed
 *   (A: tcpinc_session_start() to Init2; B: within Init1 processing).
 * - es: only between the ECDH and the PRK, within one call.
 * - ss: ss[i] (ss[0] = PRK) until mk[0] and the session ID are derived,
 *   replaced in place by ss[i+1], kept until taken, forgotten, the
 *   session dies or is freed.
 * - mk_tx/mk_rx: per direction, mk[j+1] where j is the generation in
 *   force: mk[j] is replaced by mk[j+1] right after the generation-j
 *   traffic key of that direction is derived, so no mk of a generation
 *   in use is kept. Wiped after FINp was sent (tx) or received (rx).
 * - k: scratch for one traffic key, wiped before set_key() returns.
 * - tx/rx: the traffic keys in force (AEAD context in OpenSSL's heap,
 *   NR here); the previous generation's is freed the moment the next
 *   one is set up, and a direction's after its FINp.
 * - rec_tx/rec_rx: record mode only, the raw generation-0 traffic keys
 *   from establishment until tcpinc_session_take_record_keys() (mk_tx
 *   and mk_rx are wiped at once: record mode has no rekey).
 */
struct session_secrets {
	uint8_t priv[TCPINC_KEX_PRIV_MAX];
	uint8_t es[TCPINC_KEX_ES_MAX];
	uint8_t ss[TCPINC_K_LEN];
	uint8_t mk_tx[TCPINC_K_LEN]; /* mk[local_gen + 1] */
	uint8_t mk_rx[TCPINC_K_LEN]; /* mk[remote_gen + 1] */
	uint8_t k[TCPINC_TRAFFIC_KEY_MAX];
	struct tcpinc_frame_key tx, rx;
	/* record mode (TEP 0x20): generation-0 traffic keys until taken */
	uint8_t rec_tx[TCPINC_TRAFFIC_KEY_MAX], rec_rx[TCPINC_TRAFFIC_KEY_MAX];
};

#define INIT1_OWN_MAX                                          \
	(TCPINC_INIT1_HDR_LEN + 2 * TCPINC_SESSION_AEADS_MAX + \
	 TCPINC_NONCE_LEN + TCPINC_KEX_PUB_MAX)

struct tcpinc_session {
	uint8_t role, tep, state;
	/* Role in the ss[0] session: picks k_ab (0) or k_ba (1). Equal to
	 * role unless resumed. */
	uint8_t key_role;
	bool no_init; /* keyed or resumed: no Init exchange */
	bool records; /* TEP 0x20: keys leave for kernel TLS, no frames */
	bool rec_held; /* sec->rec_tx/rec_rx not taken yet */
	bool have_next; /* sec->ss holds ss[ss_index + 1] */
	uint32_t ss_index; /* i of the ss[i] the session was keyed from */
	int err; /* sticky once ST_DEAD */
	const struct tcpinc_kex *kex;
	uint16_t aeads[TCPINC_SESSION_AEADS_MAX];
	size_t naeads;
	uint16_t aead; /* chosen */
	uint8_t *transcript; /* until the PRK is computed */
	size_t transcript_len;
	uint8_t init1[INIT1_OWN_MAX]; /* A: the Init1 it sent */
	size_t init1_len;
	uint64_t tx_off, rx_off; /* stream offsets of the next frame */
	uint32_t local_gen, remote_gen;
	bool tx_key, rx_key; /* sec->tx / sec->rx set up */
	bool fin_sent, fin_rcvd;
	uint8_t session_id[TCPINC_SESSID_LEN];
	struct session_secrets *sec;
};

static const uint16_t default_offer[] = {
	TCPINC_AEAD_AES_128_GCM,
	TCPINC_AEAD_AES_256_GCM,
	TCPINC_AEAD_CHACHA20_POLY1305,
};

/* B's default, increasing preference: AES-128-GCM is chosen if offered. */
static const uint16_t default_accept[] = {
	TCPINC_AEAD_CHACHA20_POLY1305,
	TCPINC_AEAD_AES_256_GCM,
	TCPINC_AEAD_AES_128_GCM,
};

static void wipe_secrets(struct tcpinc_session *s)
{
	if (s->tx_key)
		tcpinc_frame_key_free(&s->sec->tx);
	if (s->rx_key)
		tcpinc_frame_key_free(&s->sec->rx);
	s->tx_key = s->rx_key = false;
	s->have_next = false;
	s->rec_held = false;
	sodium_memzero(s->sec, sizeof(*s->sec));
}

static int die(struct tcpinc_session *s, int err)
{
	s->state = ST_DEAD;
	s->err = err;
	wipe_secrets(s);
	return err;
}

static void drop_transcript(struct tcpinc_session *s)
{
	free(s->transcript);
	s->transcript = NULL;
	s->transcript_len = 0;
}

static struct tcpinc_session *
session_alloc(const struct tcpinc_session_cfg *cfg)
{
	const uint16_t *aeads = cfg->aeads;
	size_t naeads = cfg->naeads, i;
	struct tcpinc_session *s;

	if (sodium_init() < 0)
		return NULL;
	if (cfg->role > 1 || (cfg->tep & 0x80) || !tcpinc_kex_find(cfg->tep))
		return NULL;
	if (!aeads || !naeads) {
		aeads = cfg->role ? default_accept : default_offer;
		naeads = 3;
	}
	if (naeads > TCPINC_SESSION_AEADS_MAX)
		return NULL;
	for (i = 0; i < naeads; i++)
		if (!tcpinc_aead_supported(aeads[i]))
			return NULL;
	if (cfg->transcript_len && !cfg->transcript)
		return NULL;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->sec = tcpinc_guarded_alloc(sizeof(*s->sec));
	if (!s->sec) {
		free(s);
		return NULL;
	}
	s->role = s->key_role = cfg->role;
	s->tep = cfg->tep;
	s->records = cfg->tep == TCPINC_TEP_REC_X25519;
	s->kex = tcpinc_kex_find(cfg->tep);
	memcpy(s->aeads, aeads, naeads * sizeof(*aeads));
	s->naeads = naeads;
	return s;
}

struct tcpinc_session *tcpinc_session_new(const struct tcpinc_session_cfg *cfg)
{
	struct tcpinc_session *s = session_alloc(cfg);

	if (!s)
		return NULL;
	if (cfg->transcript_len) {
		/* The caller's buffer need not outlive this call. */
		s->transcript = malloc(cfg->transcript_len);
		if (!s->transcript) {
			tcpinc_session_free(s);
			return NULL;
		}
		memcpy(s->transcript, cfg->transcript, cfg->transcript_len);
		s->transcript_len = cfg->transcript_len;
	}
	s->state = s->role ? ST_WAIT_INIT1 : ST_IDLE;
	return s;
}

void tcpinc_session_free(struct tcpinc_session *s)
{
	if (!s)
		return;
	wipe_secrets(s);
	tcpinc_guarded_free(s->sec, sizeof(*s->sec));
	drop_transcript(s);
	free(s);
}

/*
 * Key one direction with the next generation: its traffic key from the
 * held mk[j] (mk_tx or mk_rx), the previous generation's key freed, then
 * mk[j] replaced by mk[j+1] in place. A sends with k_ab and B with k_ba
 * (RFC 8548 §3.3), by the roles of the ss[0] session when resumed.
 */
static int set_key(struct tcpinc_session *s, bool tx)
{
	struct session_secrets *sec = s->sec;
	size_t klen = tcpinc_aead_key_len(s->aead) + TCPINC_AEAD_NONCE_LEN;
	struct tcpinc_frame_key *key = tx ? &sec->tx : &sec->rx;
	uint8_t *mk = tx ? sec->mk_tx : sec->mk_rx;
	bool *have = tx ? &s->tx_key : &s->rx_key;
	int err;

	err = tcpinc_keysched_traffic(sec->k, klen, mk,
				      s->key_role == (tx ? 0 : 1));
	if (*have)
		tcpinc_frame_key_free(key);
	*have = false;
	if (!err)
		err = tcpinc_frame_key_init(key, s->aead, sec->k, tx);
	sodium_memzero(sec->k, sizeof(sec->k));
	if (!err)
		*have = true;
	/* mk[j] has served its only other purpose once mk[j+1] exists. */
	if (!err)
		err = tcpinc_keysched_next_mk(mk);
	if (err)
		sodium_memzero(mk, TCPINC_K_LEN);
	return err;
}

/*
 * Record mode: k_ab[0] and k_ba[0] from mk[0] (in mk_tx) as raw bytes for
 * the caller's kernel TLS, then mk[0] wiped: there is no generation 1.
 */
static int establish_records(struct tcpinc_session *s)
{
	struct session_secrets *sec = s->sec;
	size_t klen = tcpinc_aead_key_len(s->aead) + TCPINC_AEAD_NONCE_LEN;
	int err;

	err = tcpinc_keysched_traffic(sec->rec_tx, klen, sec->mk_tx,
				      s->key_role == 0);
	if (!err)
		err = tcpinc_keysched_traffic(sec->rec_rx, klen, sec->mk_tx,
					      s->key_role == 1);
	sodium_memzero(sec->mk_tx, sizeof(sec->mk_tx));
	if (err) {
		sodium_memzero(sec->rec_tx, sizeof(sec->rec_tx));
		sodium_memzero(sec->rec_rx, sizeof(sec->rec_rx));
		return err;
	}
	s->rec_held = true;
	s->state = ST_READY;
	return 0;
}

/*
 * From ss[i] in sec->ss and sn[i]: session ID, mk[0], then ss[i] becomes
 * ss[i+1] (RFC 8548 §3.5: compute ss[i+1], erase ss[i]), generation-0
 * keys.
 */
static int establish(struct tcpinc_session *s, const uint8_t *sn, size_t sn_len)
{
	struct session_secrets *sec = s->sec;
	int err;

	err = tcpinc_keysched_session_id(s->session_id, s->tep, sec->ss, sn,
					 sn_len);
	if (!err)
		err = tcpinc_keysched_mk0(sec->mk_tx, sec->ss, sn, sn_len);
	/* In place: ss[i] is gone once this returns. */
	if (!err)
		err = tcpinc_keysched_next_ss(sec->ss);
	if (err) {
		sodium_memzero(sec->ss, sizeof(sec->ss));
		return err;
	}
	s->have_next = true;
	if (s->records)
		return establish_records(s);
	memcpy(sec->mk_rx, sec->mk_tx, TCPINC_K_LEN);
	err = set_key(s, true);
	if (!err)
		err = set_key(s, false);
	if (err)
		return err;
	s->state = ST_READY;
	return 0;
}

/* ES from our ephemeral key, then PRK; both ephemeral secrets wiped. */
static int derive_prk(struct tcpinc_session *s, const uint8_t *peer_pub,
		      const uint8_t *n_a, const uint8_t *init1,
		      size_t init1_len, const uint8_t *init2, size_t init2_len)
{
	struct session_secrets *sec = s->sec;
	int err;

	err = s->kex->derive(sec->es, sec->priv, peer_pub);
	sodium_memzero(sec->priv, sizeof(sec->priv));
	if (!err)
		err = tcpinc_keysched_prk(
			sec->ss, n_a, s->transcript, s->transcript_len, init1,
			init1_len, init2, init2_len, sec->es, s->kex->es_len);
	sodium_memzero(sec->es, sizeof(sec->es));
	drop_transcript(s);
	return err;
}

int tcpinc_session_start(struct tcpinc_session *s, struct tcpinc_io *io)
{
	uint8_t pub[TCPINC_KEX_PUB_MAX], nonce[TCPINC_NONCE_LEN];
	ssize_t n;
	int err;

	if (s->state == ST_DEAD)
		return s->err;
	if (s->no_init)
		return 0; /* keyed or resumed: nothing to send */
	if (s->role == 1)
		return s->state == ST_WAIT_INIT1 ? 0 : -EINVAL;
	if (s->state != ST_IDLE)
		return -EINVAL;
	err = s->kex->keygen(s->sec->priv, pub);
	if (err)
		return die(s, err);
	randombytes_buf(nonce, sizeof(nonce));
	n = tcpinc_init1_build(s->init1, sizeof(s->init1), s->aeads, s->naeads,
			       nonce, pub, s->kex->pub_len);
	if (n < 0)
		return die(s, (int)n);
	s->init1_len = (size_t)n;
	if (io->net_cap - io->net_len < s->init1_len) {
		/* Nothing sent: the caller may retry with more room. */
		sodium_memzero(s->sec->priv, sizeof(s->sec->priv));
		return -ENOBUFS;
	}
	memcpy(io->net_out + io->net_len, s->init1, s->init1_len);
	io->net_len += s->init1_len;
	s->tx_off = s->init1_len;
	s->state = ST_WAIT_INIT2;
	return 0;
}

/* B: Init1 in, Init2 out, keys. Returns bytes consumed, 0 or -errno. */
static ssize_t b_init1(struct tcpinc_session *s, const uint8_t *in, size_t len,
		       struct tcpinc_io *io)
{
	uint8_t pub[TCPINC_KEX_PUB_MAX], nonce[TCPINC_NONCE_LEN];
	size_t pk_len = s->kex->pub_len, i, j;
	struct tcpinc_init1 m;
	uint16_t pick = 0;
	uint8_t *init2;
	ssize_t r, n;
	int err;

	r = tcpinc_init1_parse(in, len, pk_len, &m);
	if (r <= 0)
		return r;
	/* The last of our (increasing preference) list that A offered. */
	for (i = s->naeads; i-- > 0 && !pick;)
		for (j = 0; j < m.nciphers; j++)
			if (tcpinc_init1_cipher(&m, j) == s->aeads[i]) {
				pick = s->aeads[i];
				break;
			}
	if (!pick)
		return -ENOPROTOOPT;
	if (io->net_cap - io->net_len < tcpinc_init2_len(pk_len))
		return 0; /* no room for Init2: leave Init1 unconsumed */

	err = s->kex->keygen(s->sec->priv, pub);
	if (err)
		return err;
	randombytes_buf(nonce, sizeof(nonce));
	init2 = io->net_out + io->net_len;
	n = tcpinc_init2_build(init2, io->net_cap - io->net_len, pick, nonce,
			       pub, pk_len);
	if (n < 0)
		return n;
	err = derive_prk(s, m.pub, m.nonce, in, (size_t)r, init2, (size_t)n);
	if (err)
		return err;
	s->aead = pick;
	err = establish(s, NULL, 0);
	if (err)
		return err;
	io->net_len += (size_t)n;
	s->tx_off = (size_t)n;
	s->rx_off = (size_t)r;
	return r;
}

/* A: Init2 in, keys. */
static ssize_t a_init2(struct tcpinc_session *s, const uint8_t *in, size_t len)
{
	struct tcpinc_init2 m;
	bool offered = false;
	size_t i;
	ssize_t r;
	int err;

	r = tcpinc_init2_parse(in, len, s->kex->pub_len, &m);
	if (r <= 0)
		return r;
	for (i = 0; i < s->naeads; i++)
		offered |= s->aeads[i] == m.cipher;
	if (!offered)
		return -ENOPROTOOPT;
	err = derive_prk(s, m.pub,
			 s->init1 + TCPINC_INIT1_HDR_LEN + 2 * s->naeads,
			 s->init1, s->init1_len, in, (size_t)r);
	if (err)
		return err;
	s->aead = m.cipher;
	err = establish(s, NULL, 0);
	if (err)
		return err;
	s->rx_off = (size_t)r;
	return r;
}

/* Append one frame; the caller has checked the room. */
static int send_frame(struct tcpinc_session *s, bool rekey, uint8_t flags,
		      const uint8_t *data, size_t len, struct tcpinc_io *io)
{
	ssize_t n;

	n = tcpinc_frame_seal(&s->sec->tx, s->tx_off, rekey, flags, data, len,
			      io->net_out + io->net_len,
			      io->net_cap - io->net_len);
	if (n < 0)
		return (int)n;
	io->net_len += (size_t)n;
	s->tx_off += (size_t)n;
	if (flags & TCPINC_FRAME_FL_FIN) {
		/* Nothing more will be sent: the tx keys are unused. */
		s->fin_sent = true;
		tcpinc_frame_key_free(&s->sec->tx);
		s->tx_key = false;
		sodium_memzero(s->sec->mk_tx, sizeof(s->sec->mk_tx));
	}
	return 0;
}

/* Move to the next local generation and key the sending direction. */
static int bump_local(struct tcpinc_session *s)
{
	int err = set_key(s, true);

	if (!err)
		s->local_gen++;
	return err;
}

static ssize_t rx_frame(struct tcpinc_session *s, const uint8_t *in, size_t len,
			struct tcpinc_io *io)
{
	size_t flen = tcpinc_frame_len(in, len);
	bool rekey, echo;
	uint8_t *out;
	uint8_t flags;
	ssize_t n;
	int err;

	if (s->fin_rcvd)
		return -EPIPE;
	if (!flen || len < flen)
		return 0;
	if (io->app_cap - io->app_len < tcpinc_frame_data_max(in))
		return 0;
	rekey = in[0] & TCPINC_FRAME_CTL_REKEY;
	/* Catching up with the peer's generation means answering with an
	 * empty rekey frame: make sure it fits before consuming. */
	echo = rekey && !s->fin_sent && s->remote_gen + 1 > s->local_gen;
	if (echo && io->net_cap - io->net_len < TCPINC_FRAME_OVERHEAD)
		return 0;
	if (rekey) {
		/* This frame is the first of the peer's next generation:
		 * the previous receive key goes now. */
		err = set_key(s, false);
		if (err)
			return err;
		s->remote_gen++;
	}
	out = io->app_out ? io->app_out + io->app_len : NULL;
	n = tcpinc_frame_open(&s->sec->rx, s->rx_off, in, out, &flags, NULL);
	if (n < 0)
		return n;
	io->app_len += (size_t)n;
	s->rx_off += flen;
	if (flags & TCPINC_FRAME_FL_FIN) {
		s->fin_rcvd = true;
		io->eof = true;
		tcpinc_frame_key_free(&s->sec->rx);
		s->rx_key = false;
		sodium_memzero(s->sec->mk_rx, sizeof(s->sec->mk_rx));
	}
	if (rekey && s->remote_gen > s->local_gen) {
		if (!echo) {
			/* After our FINp no frame may follow. */
			s->local_gen = s->remote_gen;
		} else {
			err = bump_local(s);
			if (!err)
				err = send_frame(s, true, 0, NULL, 0, io);
			if (err)
				return err;
		}
	}
	return (ssize_t)flen;
}

ssize_t tcpinc_session_input(struct tcpinc_session *s, const uint8_t *in,
			     size_t len, struct tcpinc_io *io)
{
	size_t done = 0;
	ssize_t r;

	if (s->state == ST_DEAD)
		return s->err;
	if (s->state == ST_IDLE)
		return -EINVAL;
	while (done < len) {
		if (s->state == ST_WAIT_INIT1)
			r = b_init1(s, in + done, len - done, io);
		else if (s->state == ST_WAIT_INIT2)
			r = a_init2(s, in + done, len - done);
		else if (s->records)
			break; /* records are the kernel's, never ours */
		else
			r = rx_frame(s, in + done, len - done, io);
		if (r < 0)
			return die(s, (int)r);
		if (!r)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

bool tcpinc_session_ready(const struct tcpinc_session *s)
{
	return s->state == ST_READY;
}

ssize_t tcpinc_session_output(struct tcpinc_session *s, const uint8_t *data,
			      size_t len, bool fin, struct tcpinc_io *io)
{
	size_t done = 0, room, n;
	bool last;
	int err;

	if (s->state == ST_DEAD)
		return s->err;
	if (s->state != ST_READY)
		return -EAGAIN;
	if (s->records)
		return -EOPNOTSUPP;
	if (s->fin_sent)
		return -EPIPE;
	/* A bare FINp without room: returning 0 would read as "sent". */
	if (fin && !len && io->net_cap - io->net_len < TCPINC_FRAME_OVERHEAD)
		return -ENOBUFS;
	for (;;) {
		room = io->net_cap - io->net_len;
		if (room < TCPINC_FRAME_OVERHEAD)
			break;
		n = len - done;
		if (n > TCPINC_FRAME_DATA_MAX)
			n = TCPINC_FRAME_DATA_MAX;
		if (n > room - TCPINC_FRAME_OVERHEAD)
			n = room - TCPINC_FRAME_OVERHEAD;
		last = fin && done + n == len;
		/* An empty frame only to carry FINp. */
		if (!n && !last)
			break;
		/* data may be NULL for a bare FINp. */
		err = send_frame(s, false, last ? TCPINC_FRAME_FL_FIN : 0,
				 n ? data + done : NULL, n, io);
		if (err)
			return die(s, err);
		done += n;
		if (last || done == len)
			break;
	}
	return (ssize_t)done;
}

int tcpinc_session_rekey(struct tcpinc_session *s, struct tcpinc_io *io)
{
	int err;

	if (s->state == ST_DEAD)
		return s->err;
	if (s->state != ST_READY)
		return -EAGAIN;
	if (s->records)
		return -EOPNOTSUPP;
	if (s->fin_sent)
		return -EPIPE;
	/* RFC 8548 §4.6: at most one empty rekey frame while the peer has
	 * not caught up; ours are always empty. */
	if (s->local_gen > s->remote_gen)
		return -EBUSY;
	if (io->net_cap - io->net_len < TCPINC_FRAME_OVERHEAD)
		return -ENOBUFS;
	err = bump_local(s);
	if (!err)
		err = send_frame(s, true, 0, NULL, 0, io);
	if (err)
		return die(s, err);
	return 0;
}

int tcpinc_session_get_info(const struct tcpinc_session *s,
			    struct tcpinc_session_info *info)
{
	memset(info, 0, sizeof(*info));
	if (s->state == ST_READY || (s->state == ST_DEAD && s->session_id[0]))
		memcpy(info->session_id, s->session_id, TCPINC_SESSID_LEN);
	info->aead = s->aead;
	info->local_gen = s->local_gen;
	info->remote_gen = s->remote_gen;
	return 0;
}

struct tcpinc_session *
tcpinc_session_new_keyed(const struct tcpinc_session_cfg *cfg, uint16_t aead,
			 const uint8_t ss[32])
{
	struct tcpinc_session *s;

	if (!tcpinc_aead_supported(aead))
		return NULL;
	s = session_alloc(cfg);
	if (!s)
		return NULL;
	s->aead = aead;
	s->no_init = true;
	memcpy(s->sec->ss, ss, TCPINC_K_LEN);
	if (establish(s, NULL, 0)) {
		tcpinc_session_free(s);
		return NULL;
	}
	return s;
}

int tcpinc_session_error(const struct tcpinc_session *s)
{
	return s->state == ST_DEAD ? s->err : 0;
}

struct tcpinc_session *
tcpinc_session_new_resumed(const struct tcpinc_resume_cfg *rc)
{
	struct tcpinc_session_cfg cfg = {0};
	uint8_t sn[TCPINC_SN_MAX];
	struct tcpinc_session *s = NULL;
	int sn_len;

	if (!rc->ss)
		return NULL;
	sn_len = tcpinc_keysched_sn(sn, rc->nonce_a, rc->nonce_a_len,
				    rc->nonce_b, rc->nonce_b_len);
	cfg.role = rc->orig_role;
	/* session_alloc() takes the v = 0 form; the ID keeps v = 1. */
	cfg.tep = rc->tep & ~TCPINC_TEP_V;
	if (sn_len >= 0 && (rc->tep & TCPINC_TEP_V) && rc->index &&
	    tcpinc_aead_supported(rc->aead))
		s = session_alloc(&cfg);
	if (s) {
		s->tep = rc->tep;
		s->aead = rc->aead;
		s->no_init = true;
		s->ss_index = rc->index;
		memcpy(s->sec->ss, rc->ss, TCPINC_K_LEN);
	}
	/* The caller's copy of ss[i] is spent, whatever happens. */
	sodium_memzero(rc->ss, TCPINC_K_LEN);
	if (s && establish(s, sn, (size_t)sn_len)) {
		tcpinc_session_free(s);
		s = NULL;
	}
	return s;
}

int tcpinc_session_take_resume_state(struct tcpinc_session *s,
				     struct tcpinc_resume_state *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	if (s->state == ST_DEAD)
		return s->err;
	if (s->state != ST_READY)
		return -EAGAIN;
	if (!s->have_next)
		return -ENOENT;
	out->ss = tcpinc_guarded_alloc(TCPINC_K_LEN);
	if (!out->ss)
		return -ENOMEM;
	err = tcpinc_keysched_resume(out->resume, s->sec->ss);
	if (err) {
		tcpinc_resume_state_clear(out);
		return err;
	}
	memcpy(out->ss, s->sec->ss, TCPINC_K_LEN);
	out->index = s->ss_index + 1;
	out->tep = s->tep & ~TCPINC_TEP_V;
	out->aead = s->aead;
	out->orig_role = s->key_role;
	tcpinc_session_forget_resume_state(s);
	return 0;
}

void tcpinc_session_forget_resume_state(struct tcpinc_session *s)
{
	sodium_memzero(s->sec->ss, sizeof(s->sec->ss));
	s->have_next = false;
}

void tcpinc_resume_state_clear(struct tcpinc_resume_state *st)
{
	if (!st)
		return;
	tcpinc_guarded_free(st->ss, TCPINC_K_LEN);
	sodium_memzero(st, sizeof(*st));
}

struct tcpinc_session *
tcpinc_session_new_with_kex(const struct tcpinc_session_cfg *cfg,
			    const struct tcpinc_kex *kex)
{
	const struct tcpinc_kex *real = tcpinc_kex_find(cfg->tep);
	struct tcpinc_session *s;

	/* Same wire sizes as the TEP's own, or Init messages break. */
	if (!kex || !real || kex->tep != real->tep ||
	    kex->priv_len != real->priv_len || kex->pub_len != real->pub_len ||
	    kex->es_len != real->es_len || !kex->keygen || !kex->derive)
		return NULL;
	s = tcpinc_session_new(cfg);
	if (s)
		s->kex = kex;
	return s;
}

void tcpinc_session_get_secrets_held(const struct tcpinc_session *s,
				     struct tcpinc_secrets_held *h)
{
	const struct session_secrets *sec = s->sec;

	memset(h, 0, sizeof(*h));
	h->priv = !sodium_is_zero(sec->priv, sizeof(sec->priv));
	h->es = !sodium_is_zero(sec->es, sizeof(sec->es));
	h->ss = !sodium_is_zero(sec->ss, sizeof(sec->ss));
	h->mk_tx = !sodium_is_zero(sec->mk_tx, sizeof(sec->mk_tx));
	h->mk_rx = !sodium_is_zero(sec->mk_rx, sizeof(sec->mk_rx));
	h->scratch = !sodium_is_zero(sec->k, sizeof(sec->k));
	h->record_keys = !sodium_is_zero(sec->rec_tx, sizeof(sec->rec_tx)) ||
			 !sodium_is_zero(sec->rec_rx, sizeof(sec->rec_rx));
	h->tx_key = s->tx_key || sec->tx.aead.ctx ||
		    !sodium_is_zero(sec->tx.nr, sizeof(sec->tx.nr));
	h->rx_key = s->rx_key || sec->rx.aead.ctx ||
		    !sodium_is_zero(sec->rx.nr, sizeof(sec->rx.nr));
}

int tcpinc_session_take_record_keys(struct tcpinc_session *s,
				    struct tcpinc_record_keys *out)
{
	struct session_secrets *sec = s->sec;
	size_t klen;

	if (s->state == ST_DEAD)
		return s->err;
	if (!s->records)
		return -EINVAL;
	if (s->state != ST_READY)
		return -EAGAIN;
	if (!s->rec_held)
		return -ENOENT;
	klen = tcpinc_aead_key_len(s->aead);
	out->aead = s->aead;
	out->key_len = klen;
	memcpy(out->tx_key, sec->rec_tx, klen);
	memcpy(out->tx_iv, sec->rec_tx + klen, TCPINC_AEAD_NONCE_LEN);
	memcpy(out->rx_key, sec->rec_rx, klen);
	memcpy(out->rx_iv, sec->rec_rx + klen, TCPINC_AEAD_NONCE_LEN);
	sodium_memzero(sec->rec_tx, sizeof(sec->rec_tx));
	sodium_memzero(sec->rec_rx, sizeof(sec->rec_rx));
	s->rec_held = false;
	return 0;
}
