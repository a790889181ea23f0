// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The relay. Every event on either socket runs conn_pump(), which moves as
 * many bytes as it can in every direction without blocking, then sets the
 * epoll interest from what could still make progress (level-triggered).
 * Back-pressure is natural: a full buffer stops reading its source.
 *
 * Encrypted mode never lets an application byte reach the network before
 * the session has keys, never delivers a byte that failed authentication,
 * and reports EOF to the application only after the peer's FINp frame. Any
 * failure resets both sockets, so the application sees an error, not EOF.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <tcpinc/eno_wire.h>

#include "common/names.h"
#include "proto/guarded.h"
#include "tcpincd/addr.h"
#include "tcpincd/plain_peers.h"
#include "tcpincd/conn.h"
#include "tcpincd/ktls.h"
#include "tcpincd/log.h"

/* Frames sealed per read from an application: fewer syscalls and ACKs. */
#define BATCH_FRAMES 8
#define BUF_CAP	     (BATCH_FRAMES * TCPINC_FRAME_MAX + TCPINC_FRAME_OVERHEAD)

/* Closed connections waiting for the end of the epoll batch. */
static struct conn *graveyard;

static uint8_t *buf_tail(struct tcpincd_buf *b)
{
	return b->p + b->off + b->len;
}

static size_t buf_room(const struct tcpincd_buf *b)
{
	return b->cap - b->off - b->len;
}

static void buf_compact(struct tcpincd_buf *b)
{
	if (b->off && b->len)
		memmove(b->p, b->p + b->off, b->len);
	b->off = 0;
}

static void buf_consume(struct tcpincd_buf *b, size_t n)
{
	b->off += n;
	b->len -= n;
	if (!b->len)
		b->off = 0;
}

static int buf_alloc(struct tcpincd_buf *b)
{
	b->p = malloc(BUF_CAP);
	if (!b->p)
		return -ENOMEM;
	b->cap = BUF_CAP;
	b->off = b->len = 0;
	return 0;
}

static void buf_free(struct tcpincd_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Register/unregister with epoll as the wanted events change. */
static void set_interest(struct tcpincd_ev *ev, uint32_t *cur, uint32_t want)
{
	if (want == *cur)
		return;
	if (!want)
		tcpincd_ev_del(ev);
	else if (!*cur)
		tcpincd_ev_add(ev, want);
	else
		tcpincd_ev_mod(ev, want);
	*cur = want;
}

struct conn *conn_new(int app_fd, int net_fd, bool outbound)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->app = (struct tcpincd_ev){ .kind = EV_CONN_APP, .fd = app_fd, .owner = c };
	c->net = (struct tcpincd_ev){ .kind = EV_CONN_NET, .fd = net_fd, .owner = c };
	c->outbound = outbound;
	c->a2n_pipe = c->n2a_pipe = TCPINCD_PIPE_NONE;
	c->role = outbound ? 0 : 1;
	c->mode = MODE_PENDING;
	c->next = tcpincd.conns;
	if (c->next)
		c->next->prev = c;
	tcpincd.conns = c;
	tcpincd.nconns++;
	/* Wait for the pending connect() of whichever side we opened. */
	if (outbound)
		set_interest(&c->net, &c->net_events, EPOLLOUT);
	else
		set_interest(&c->app, &c->app_events, EPOLLOUT);
	return c;
}

static void conn_unlink(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		tcpincd.conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	tcpincd.nconns--;
}

static void conn_release(struct conn *c, bool reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	set_interest(&c->app, &c->app_events, 0);
	set_interest(&c->net, &c->net_events, 0);
	if (reset) {
		setsockopt(c->app.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		setsockopt(c->net.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(c->app.fd);
	close(c->net.fd);
	if (c->in_key_set)
		bpf_map_delete_elem(tcpincd.bpf.in_by_port, &c->in_key);
	if (c->net_cookie)
		bpf_map_delete_elem(tcpincd.bpf.eno_conns, &c->net_cookie);
	keepalive_conn_free(c);
	/* Generations we moved to: our rekeys and our answers to the peer's. */
	if (c->info_valid && !tcpinc_session_get_info(c->sess, &c->info))
		tcpincd_count(TCPINC_C_REKEYS, c->info.local_gen);
	tcpinc_session_free(c->sess);
	tcpinc_guarded_free(c->rec_keys, sizeof(*c->rec_keys));
	tcpinc_resume_state_clear(&c->resume);
	buf_free(&c->a2n);
	buf_free(&c->raw);
	buf_free(&c->n2a);
	tcpincd_pipe_close(&c->a2n_pipe);
	tcpincd_pipe_close(&c->n2a_pipe);
	conn_unlink(c);
	/*
	 * Later events of the current epoll batch may still point at c:
	 * free it after the batch (conn_reap).
	 */
	c->dead = true;
	c->next = graveyard;
	graveyard = c;
}

void conn_reap(void)
{
	struct conn *c;

	while ((c = graveyard)) {
		graveyard = c->next;
		free(c);
	}
}

void conn_free(struct conn *c)
{
	conn_release(c, false);
}

void conn_abort(struct conn *c, unsigned int reason)
{
	tcpincd_dbg("abort %s connection: %s", c->outbound ? "outbound" : "inbound",
		    tcpinc_reason_name(reason));
	tcpincd_count(reason, 1);
	conn_release(c, true);
}

const char *conn_state_name(const struct conn *c)
{
	switch (c->mode) {
	case MODE_PLAIN:
		return "plain";
	case MODE_CRYPT:
	case MODE_KTLS:
		return "encrypted";
	default:
		return "negotiating";
	}
}

/* Application bytes moved, per connection and in the daemon's counters. */
static void account(struct conn *c, size_t in, size_t out)
{
	bool enc = c->mode != MODE_PLAIN;

	c->bytes_in += in;
	c->bytes_out += out;
	tcpincd_count(enc ? TCPINC_C_BYTES_ENC_IN : TCPINC_C_BYTES_PLAIN_IN, in);
	tcpincd_count(enc ? TCPINC_C_BYTES_ENC_OUT : TCPINC_C_BYTES_PLAIN_OUT,
		      out);
}

static bool can_send(const struct conn *c)
{
	return c->mode == MODE_PLAIN || c->mode == MODE_KTLS ||
	       (c->mode == MODE_CRYPT && c->tep != TCPINC_TEP_KTLS &&
		tcpinc_session_ready(c->sess));
}

/* Plaintext moves by splice (or the copy path at an urgent mark). */
static bool spliced(const struct conn *c)
{
	return c->mode == MODE_PLAIN || c->mode == MODE_KTLS;
}

static unsigned int session_err_reason(int err)
{
	switch (err) {
	case -EBADMSG:
		return TCPINC_AB_BAD_TAG;
	case -ENOPROTOOPT:
		return TCPINC_AB_UNKNOWN_CIPHER;
	case -EKEYREJECTED:
		return TCPINC_AB_BAD_PUBKEY;
	case -EPROTO:
	case -EPIPE:
		return TCPINC_AB_BAD_INIT;
	default:
		return TCPINC_AB_INTERNAL;
	}
}

static struct tcpinc_io io_for(struct conn *c)
{
	return (struct tcpinc_io){
		.net_out = c->a2n.p + c->a2n.off,
		.net_cap = c->a2n.cap - c->a2n.off,
		.net_len = c->a2n.len,
		.app_out = c->n2a.p ? c->n2a.p + c->n2a.off : NULL,
		.app_cap = c->n2a.p ? c->n2a.cap - c->n2a.off : 0,
		.app_len = c->n2a.len,
	};
}

/* Start the TEP (tcpcrypt) with the negotiation transcript. */
static int start_crypt(struct conn *c)
{
	uint8_t *transcript = c->transcript;
	const struct tcpinc_eno_conn *e = &c->eno;
	struct tcpinc_session_cfg cfg = { 0 };
	struct tcpinc_io io;
	size_t n = 0;
	int err;

	if (e->local_len > TCPINC_ENO_OPT_MAX || e->peer_len > TCPINC_ENO_OPT_MAX)
		return -EINVAL;
	/* v = 1: resumed, no Init messages (RFC 8548 §3.5) */
	if (e->tep & ENO_SUB_V)
		return conn_resume_session(c);
	/* Ordered by role, A's option first (RFC 8547 §4.8). */
	if (e->role == 0) {
		memcpy(transcript, e->local_opt, e->local_len);
		memcpy(transcript + e->local_len, e->peer_opt, e->peer_len);
	} else {
		memcpy(transcript, e->peer_opt, e->peer_len);
		memcpy(transcript + e->peer_len, e->local_opt, e->local_len);
	}
	n = e->local_len + e->peer_len;
	cfg.role = e->role;
	cfg.tep = e->tep;
	cfg.transcript = transcript;
	cfg.transcript_len = n;
	/* --aeads as A, --aead-prefs as B; none: the library's default */
	conn_aeads(c, &cfg.aeads, &cfg.naeads);
	c->sess = tcpinc_session_new(&cfg);
	if (!c->sess)
		return -ENOMEM;
	io = io_for(c);
	err = tcpinc_session_start(c->sess, &io);
	if (err)
		return err;
	c->a2n.len = io.net_len;
	return 0;
}

/*
 * Publish the connection's state to the getsockopt program (bpf/api.bpf.c)
 * in the interception record the application's socket is found by.
 */
static void publish_api(struct conn *c)
{
	const struct tcpinc_eno_conn *e = &c->eno;
	struct tcpinc_api_info *api;
	struct tcpinc_out o;
	struct tcpinc_in in;
	int map;
	void *key, *val;

	if (c->outbound) {
		map = tcpincd.bpf.out_by_port;
		key = &c->out_key;
		val = &o;
		api = &o.api;
	} else {
		if (!c->in_key_set)
			return;
		map = tcpincd.bpf.in_by_port;
		key = &c->in_key;
		val = &in;
		api = &in.api;
	}
	if (bpf_map_lookup_elem(map, key, val))
		return; /* the application is gone already */
	memset(api, 0, sizeof(*api));
	api->role = c->role;
	api->self_gopt = c->role ? TCPINC_GOPT_B : 0;
	if (c->mode == MODE_PLAIN) {
		api->state = TCPINC_API_PLAIN;
	} else if (c->mode == MODE_CRYPT || c->mode == MODE_KTLS) {
		api->tep = c->tep;
		api->peer_gopt = e->peer_gopt;
		api->transcript_len = e->local_len + e->peer_len;
		memcpy(api->transcript, c->transcript, api->transcript_len);
		if (c->info_valid) {
			api->state = TCPINC_API_ENCRYPTED;
			api->aead = c->info.aead;
			memcpy(api->session_id, c->info.session_id,
			       sizeof(api->session_id));
		}
	}
	if (bpf_map_update_elem(map, key, val, BPF_EXIST))
		tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
}

/*
 * Once the session has keys both ways: count it, cache what resumes the
 * next one, and hold its info for the API. A resumed session is ready
 * from the start, a fresh one after the Init exchange. True the first time.
 */
static bool note_ready(struct conn *c)
{
	if (c->info_valid || !tcpinc_session_ready(c->sess) ||
	    tcpinc_session_get_info(c->sess, &c->info))
		return false;
	c->info_valid = true;
	tcpincd_count(TCPINC_C_HANDSHAKES, 1);
	conn_resume_keep(c);
	return true;
}

static void decide_mode(struct conn *c)
{
	int err;

	if (buf_alloc(&c->a2n) || buf_alloc(&c->n2a)) {
		conn_abort(c, TCPINC_AB_INTERNAL);
		return;
	}
	if (c->eno.state == TCPINC_ENO_ENABLED) {
		c->role = c->eno.role;
		c->tep = c->eno.tep;
		c->reason = TCPINC_R_NEGOTIATED;
		err = buf_alloc(&c->raw);
		if (!err)
			err = start_crypt(c);
		if (err) {
			tcpincd_log("cannot start tcpcrypt: %s", strerror(-err));
			conn_abort(c, TCPINC_AB_INTERNAL);
			return;
		}
		c->mode = MODE_CRYPT;
		c->gen_start = tcpincd_now();
		note_ready(c); /* resumed: published below with its ID */
	} else {
		c->reason = c->eno.reason;
		c->mode = MODE_PLAIN;
		/* no pipes (out of descriptors): the copy path does it all */
		if (tcpincd_pipe_open(&c->a2n_pipe) ||
		    tcpincd_pipe_open(&c->n2a_pipe))
			tcpincd_pipe_close(&c->a2n_pipe);
		/* the peer does not run ENO: its next ones need no detour */
		if (c->outbound && c->reason == TCPINC_FB_SYNACK_NO_ENO)
			tcpincd_plain_peer_note(&c->remote);
	}
	publish_api(c);
	/* bytes may have come before either socket was watched for them */
	c->app_rd_more = c->net_rd_more = true;
	conn_event(c, false, 0);
}

void conn_publish_local(struct conn *c)
{
	struct tcpinc_out o;
	socklen_t len = sizeof(c->local);

	/* The kernel picks the source address and port in connect() itself. */
	if (getsockname(c->net.fd, (struct sockaddr *)&c->local, &len))
		return;
	/* Let getsockname() in the application show the real local address. */
	if (bpf_map_lookup_elem(tcpincd.bpf.out_by_cookie, &c->app_cookie, &o) == 0) {
		tcpincd_ep_from_sa(&o.local, &c->local);
		bpf_map_update_elem(tcpincd.bpf.out_by_cookie, &c->app_cookie,
				    &o, BPF_EXIST);
	}
}

void conn_connected(struct conn *c, int err)
{
	socklen_t len;
	__u64 cookie;

	if (err) {
		tcpincd_dbg("connect: %s", strerror(err));
		conn_abort(c, TCPINC_AB_CONNECT_FAILED);
		return;
	}
	if (!c->outbound) {
		decide_mode(c);
		return;
	}
	len = sizeof(cookie);
	if (getsockopt(c->net.fd, SOL_SOCKET, SO_COOKIE, &cookie, &len) ||
	    bpf_map_lookup_and_delete_elem(tcpincd.bpf.eno_conns, &cookie,
					   &c->eno)) {
		/* The ENO program did not see this socket: plain. */
		tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
		memset(&c->eno, 0, sizeof(c->eno));
		c->eno.state = TCPINC_ENO_DISABLED;
	}
	conn_resume_settle(c);
	decide_mode(c);
}

/* Send pending bytes of b on fd. 0, or -errno on a socket error. */
static int flush(int fd, struct tcpincd_buf *b, bool *progress)
{
	while (b->len) {
		ssize_t n = send(fd, b->p + b->off, b->len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		buf_consume(b, n);
		*progress = true;
	}
	return 0;
}

/* Bytes of one direction not yet sent: in its buffer or its pipe. */
static bool pending(const struct tcpincd_buf *b, const struct tcpincd_pipe *p)
{
	return b->len || p->len;
}

/*
 * Send one direction's pending bytes on fd: the buffer's, then the
 * pipe's (only one of them holds bytes at a time). 0 or -errno.
 */
static int send_pending(int fd, struct tcpincd_buf *b, struct tcpincd_pipe *p,
			bool *progress)
{
	int err = flush(fd, b, progress);

	return err ? err : tcpincd_pipe_drain(p, fd, progress);
}

/*
 * recvmsg() into iov if *more says there may be bytes; sets *eof on 0 and
 * clears *more once a read comes back short. Returns bytes, 0 (nothing to
 * read, or EOF) or -errno.
 */
static ssize_t recv_iov(int fd, struct iovec *iov, size_t n_iov, bool *eof,
			bool *more)
{
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = n_iov };
	size_t want = 0, i;
	ssize_t n;

	if (!*more)
		return 0;
	for (i = 0; i < n_iov; i++)
		want += iov[i].iov_len;
	do
		n = recvmsg(fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	*more = n == (ssize_t)want;
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n == 0)
		*eof = true;
	return n;
}

static ssize_t recv_some(int fd, uint8_t *dst, size_t len, bool *eof,
			 bool *more)
{
	struct iovec iov = { .iov_base = dst, .iov_len = len };

	return recv_iov(fd, &iov, 1, eof, more);
}

/* Where the data of the i-th full frame from base goes (frame.h layout). */
static uint8_t *frame_data(uint8_t *base, size_t i)
{
	return base + i * TCPINC_FRAME_MAX + TCPINC_FRAME_DATA_OFF;
}

/*
 * Plain: move fd's bytes into the pipe (no copy) or, without one, into the
 * copy buffer. The pipe fills only when both are empty and the buffer
 * only while the pipe is, so bytes never pass each other.
 * splice() gives nothing at an urgent mark (tcp_read_sock() stops there)
 * although the socket has bytes: then one recv() takes the urgent byte
 * inline (SO_OOBINLINE); not on a kernel TLS socket (ktls), where
 * queued bytes without splice's taking them are a partial record, and
 * where one splice() takes one record, so the pipe is filled by several.
 * Returns bytes, 0 or -errno.
 */
static ssize_t plain_read(int fd, struct tcpincd_buf *b, struct tcpincd_pipe *p,
			  bool ktls, bool *eof, bool *more)
{
	ssize_t n;
	int inq = 0;

	if (!*more || p->len)
		return 0;
	if (p->rd >= 0 && !b->len) {
		n = tcpincd_pipe_fill(p, fd, ktls, eof, more);
		if (n || *eof || ktls)
			return n;
		if (ioctl(fd, SIOCINQ, &inq) || inq <= 0)
			return 0;
		*more = true;
	}
	buf_compact(b);
	if (!buf_room(b))
		return 0;
	n = recv_some(fd, buf_tail(b), buf_room(b), eof, more);
	if (n > 0)
		b->len += n;
	return n;
}

/*
 * Start a new local key generation when the policy says so (RFC 8548
 * §3.8): the session appends an empty rekey frame; the data that follows
 * uses the new keys. A rekey still unanswered (-EBUSY) or no room for the
 * frame (-ENOBUFS) just means "later". Returns 0 or an abort reason.
 */
static unsigned int maybe_rekey(struct conn *c)
{
	const struct tcpincd *d = &tcpincd;
	struct tcpinc_io io;
	int err;

	if (!(d->rekey_bytes && c->gen_bytes >= d->rekey_bytes) &&
	    !(d->rekey_frames && c->gen_frames >= d->rekey_frames) &&
	    !(d->rekey_secs && tcpincd_now() - c->gen_start >= d->rekey_secs))
		return 0;
	if (buf_room(&c->a2n) < TCPINC_FRAME_MAX + TCPINC_FRAME_OVERHEAD)
		return 0;
	io = io_for(c);
	err = tcpinc_session_rekey(c->sess, &io);
	if (err == -EBUSY || err == -ENOBUFS)
		return 0;
	if (err)
		return TCPINC_AB_INTERNAL;
	c->a2n.len = io.net_len;
	c->gen_bytes = c->gen_frames = 0;
	c->gen_start = tcpincd_now();
	return 0;
}

/* Application -> network. Returns 0 or an abort reason. */
static unsigned int pump_app_to_net(struct conn *c, bool *progress)
{
	struct iovec iov[BATCH_FRAMES];
	size_t room, frames, off, chunk, i;
	struct tcpinc_io io;
	uint8_t *base;
	ssize_t n, r;

	if (c->app_rd_eof || !can_send(c))
		return 0;
	if (spliced(c)) {
		n = plain_read(c->app.fd, &c->a2n, &c->a2n_pipe, false,
			       &c->app_rd_eof, &c->app_rd_more);
		if (n < 0)
			return TCPINC_AB_APP_RESET;
		account(c, 0, n);
		*progress |= n > 0 || c->app_rd_eof;
		return 0;
	}
	/* Rekey first: its frame goes before the bytes read below. */
	if (c->app_rd_more) {
		unsigned int reason = maybe_rekey(c);

		if (reason)
			return reason;
	}
	/*
	 * Read only what fits sealed (room for a rekey frame kept), so what
	 * we read is always sealed at once: up to BATCH_FRAMES full frames,
	 * each read straight to where its data goes in a2n and sealed there.
	 */
	buf_compact(&c->a2n);
	room = buf_room(&c->a2n);
	frames = room > TCPINC_FRAME_OVERHEAD ?
			 (room - TCPINC_FRAME_OVERHEAD) / TCPINC_FRAME_MAX :
			 0;
	if (!frames)
		return 0;
	if (frames > BATCH_FRAMES)
		frames = BATCH_FRAMES;
	base = buf_tail(&c->a2n);
	for (i = 0; i < frames; i++)
		iov[i] = (struct iovec){ frame_data(base, i),
					 TCPINC_FRAME_DATA_MAX };
	n = recv_iov(c->app.fd, iov, frames, &c->app_rd_eof, &c->app_rd_more);
	if (n < 0)
		return TCPINC_AB_APP_RESET;
	if (n == 0 && !c->app_rd_eof)
		return 0;
	/*
	 * One frame per TCPINC_FRAME_DATA_MAX (all full but the last, so
	 * frame i begins at base + i * TCPINC_FRAME_MAX); FINp on the last
	 * (maybe empty).
	 */
	for (i = 0, off = 0; off < (size_t)n || (off == 0 && n == 0);
	     i++, off += chunk) {
		bool last;

		chunk = (size_t)n - off < TCPINC_FRAME_DATA_MAX ?
				(size_t)n - off :
				TCPINC_FRAME_DATA_MAX;
		last = off + chunk == (size_t)n;
		io = io_for(c);
		r = tcpinc_session_output(c->sess, frame_data(base, i), chunk,
					  c->app_rd_eof && last, &io);
		if (r != (ssize_t)chunk)
			return TCPINC_AB_INTERNAL;
		c->a2n.len = io.net_len;
		c->gen_frames++;
		if (n == 0)
			break;
	}
	c->gen_bytes += n;
	account(c, 0, n);
	c->fin_queued = c->app_rd_eof;
	*progress = true;
	return 0;
}

/*
 * How much to ask of the network socket now. TEP 0x20 before its keys are
 * in: exactly the rest of the Init message (magic, 4-byte length, ...),
 * since the records behind it must stay in the socket for kernel TLS.
 */
static size_t init_want(const struct conn *c)
{
	const uint8_t *m = c->raw.p + c->raw.off;
	size_t room = buf_room(&c->raw), len;

	if (c->tep != TCPINC_TEP_KTLS)
		return room;
	if (tcpinc_session_ready(c->sess))
		return 0; /* records: the kernel's, once our send key is in */
	if (c->raw.len < 8)
		return 8 - c->raw.len;
	len = (size_t)m[4] << 24 | (size_t)m[5] << 16 | m[6] << 8 | m[7];
	/* a bad length is the session's to reject: give it what comes */
	if (len <= c->raw.len || len > TCPINC_INIT_MAX)
		return room;
	return len - c->raw.len;
}

/*
 * TEP 0x20, once the session is ready: the TLS ULP and the receive key at
 * once (the peer's first record may be queued behind the Init message),
 * the send key once our Init message has left (B's Init2), then the
 * connection is spliced like a plain one. 0 or an abort reason.
 */
static unsigned int ktls_advance(struct conn *c, bool *progress)
{
	int err;

	if (c->mode != MODE_CRYPT || !tcpinc_session_ready(c->sess))
		return 0;
	if (!c->ktls_rx) {
		c->rec_keys = tcpinc_guarded_alloc(sizeof(*c->rec_keys));
		if (!c->rec_keys)
			return TCPINC_AB_INTERNAL;
		err = tcpinc_session_take_record_keys(c->sess, c->rec_keys);
		if (!err)
			err = tcpincd_ktls_ulp(c->net.fd);
		if (!err)
			err = tcpincd_ktls_key(c->net.fd, c->rec_keys, false);
		if (err) {
			tcpincd_log("kernel TLS receive key: %s", strerror(-err));
			return TCPINC_AB_KTLS_SETUP;
		}
		c->ktls_rx = true;
	}
	if (c->a2n.len)
		return 0;
	err = tcpincd_ktls_key(c->net.fd, c->rec_keys, true);
	tcpinc_guarded_free(c->rec_keys, sizeof(*c->rec_keys));
	c->rec_keys = NULL;
	if (err) {
		tcpincd_log("kernel TLS send key: %s", strerror(-err));
		return TCPINC_AB_KTLS_SETUP;
	}
	tcpincd_count(TCPINC_C_KTLS, 1);
	c->mode = MODE_KTLS;
	buf_free(&c->raw);
	if (tcpincd_pipe_open(&c->a2n_pipe) || tcpincd_pipe_open(&c->n2a_pipe))
		tcpincd_pipe_close(&c->a2n_pipe);
	c->app_rd_more = c->net_rd_more = true;
	*progress = true;
	return 0;
}

/*
 * The record splice() or recv() refused: the peer's close_notify is its
 * authenticated end of stream; any other non-data record aborts (this
 * TEP has no key update). Data (not expected here) joins the copy path.
 */
static unsigned int ktls_record(struct conn *c, bool *progress)
{
	uint8_t type, *p;
	ssize_t n;

	buf_compact(&c->n2a);
	p = buf_tail(&c->n2a);
	n = tcpincd_ktls_read_record(c->net.fd, &type, p, buf_room(&c->n2a));
	if (n == -EAGAIN)
		return 0;
	if (n == -EBADMSG)
		return TCPINC_AB_BAD_TAG;
	if (n < 0)
		return TCPINC_AB_PEER_RESET;
	*progress = true;
	if (n == 0) {
		c->net_rd_eof = true;
		return 0;
	}
	if (type == TCPINCD_TLS_APPDATA) {
		c->n2a.len += n;
		account(c, n, 0);
		return 0;
	}
	if (type == TCPINCD_TLS_ALERT && n == 2 &&
	    p[1] == TCPINCD_TLS_CLOSE_NOTIFY) {
		c->peer_finp = c->net_rd_eof = true;
		return 0;
	}
	return TCPINC_AB_KTLS_RECORD;
}

/* Network -> application on a kernel TLS socket. 0 or an abort reason. */
static unsigned int ktls_net_to_app(struct conn *c, bool *progress)
{
	ssize_t n;

	if (c->net_rd_eof || c->n2a.len)
		return 0;
	n = plain_read(c->net.fd, &c->n2a, &c->n2a_pipe, true, &c->net_rd_eof,
		       &c->net_rd_more);
	/* EINVAL from splice, EIO from recv: a record that is not data */
	if (n == -EINVAL || n == -EIO) {
		c->net_rd_more = true;
		return c->n2a_pipe.len ? 0 : ktls_record(c, progress);
	}
	if (n == -EBADMSG)
		return TCPINC_AB_BAD_TAG;
	if (n < 0)
		return TCPINC_AB_PEER_RESET;
	account(c, n, 0);
	*progress |= n > 0 || c->net_rd_eof;
	return 0;
}

/* Network -> application (decrypting if needed). 0 or an abort reason. */
static unsigned int pump_net_to_app(struct conn *c, bool *progress)
{
	struct tcpinc_io io;
	ssize_t n;
	size_t before, want;

	if (c->mode == MODE_PLAIN) {
		struct tcpincd_pipe none = TCPINCD_PIPE_NONE;

		if (c->net_rd_eof)
			return 0;
		/* init_watch looks at the first bytes: they take the copy path */
		n = plain_read(c->net.fd, &c->n2a,
			       c->init_watch ? &none : &c->n2a_pipe, false,
			       &c->net_rd_eof, &c->net_rd_more);
		if (n < 0)
			return TCPINC_AB_PEER_RESET;
		account(c, n, 0);
		*progress |= n > 0 || c->net_rd_eof;
		return 0;
	}
	if (c->mode == MODE_KTLS)
		return ktls_net_to_app(c, progress);
	if (!c->net_rd_eof) {
		buf_compact(&c->raw);
		want = init_want(c);
		if (want) {
			n = recv_some(c->net.fd, buf_tail(&c->raw), want,
				      &c->net_rd_eof, &c->net_rd_more);
			if (n < 0)
				return TCPINC_AB_PEER_RESET;
			c->raw.len += n;
			*progress |= n > 0 || c->net_rd_eof;
		}
	}
	if (!c->raw.len)
		return 0;
	buf_compact(&c->n2a);
	buf_compact(&c->a2n);
	io = io_for(c);
	before = io.app_len;
	n = tcpinc_session_input(c->sess, c->raw.p + c->raw.off, c->raw.len,
				 &io);
	if (n < 0)
		return session_err_reason((int)n);
	buf_consume(&c->raw, n);
	if (n > 0)
		keepalive_heard(c);
	c->a2n.len = io.net_len;
	c->n2a.len = io.app_len;
	account(c, io.app_len - before, 0);
	if (io.eof)
		c->peer_finp = true;
	if (n > 0)
		*progress = true;
	if (note_ready(c))
		publish_api(c);
	return 0;
}

/*
 * init_watch: decide whether the first bytes from the peer may go to the
 * application. Returns 0 (deliver, or keep holding a partial prefix) or an
 * abort reason. A peer that believes encryption is on (late ENO option on
 * its segments, or a stream starting with INIT1_MAGIC) must never have its
 * Init1 relayed as plaintext (RFC 8547 §8: stripped ENO on the third ACK).
 */
static unsigned int check_init_watch(struct conn *c)
{
	static const uint8_t magic[4] = { 0x15, 0x10, 0x1a, 0x0e };
	struct tcpinc_eno_conn e;
	size_t n = c->n2a.len < 4 ? c->n2a.len : 4;

	if (!c->init_watch || (!n && !c->net_rd_eof))
		return 0;
	if (!bpf_map_lookup_elem(tcpincd.bpf.eno_conns, &c->net_cookie, &e) &&
	    (e.flags & TCPINC_ENOF_PEER_ENO_LATE))
		return TCPINC_AB_ENO_MISMATCH;
	if (n && !memcmp(c->n2a.p + c->n2a.off, magic, n)) {
		if (n == 4)
			return TCPINC_AB_ENO_MISMATCH;
		if (!c->net_rd_eof)
			return 0; /* a prefix of the magic: wait for more */
	}
	c->init_watch = false;
	return 0;
}

/*
 * Send our FINs once a direction is finished and drained; on kernel TLS a
 * close_notify goes first. 0 or an abort reason.
 */
static unsigned int propagate_eof(struct conn *c)
{
	bool out_done = c->mode == MODE_CRYPT ? c->fin_queued : c->app_rd_eof;
	bool in_done = c->mode == MODE_PLAIN ? c->net_rd_eof : c->peer_finp;
	int err;

	if (c->init_watch)
		return 0;
	if (out_done && !pending(&c->a2n, &c->a2n_pipe) && !c->net_wr_shut) {
		if (c->mode == MODE_KTLS && !c->close_notify_sent) {
			err = tcpincd_ktls_close_notify(c->net.fd);
			if (err == -EAGAIN)
				return 0;
			if (err)
				return TCPINC_AB_PEER_RESET;
			c->close_notify_sent = true;
		}
		shutdown(c->net.fd, SHUT_WR);
		c->net_wr_shut = true;
	}
	if (in_done && !pending(&c->n2a, &c->n2a_pipe) && !c->app_wr_shut) {
		shutdown(c->app.fd, SHUT_WR);
		c->app_wr_shut = true;
	}
	return 0;
}

static void update_interest(struct conn *c)
{
	uint32_t ae = 0, ne = 0;

	if (!c->app_rd_eof && can_send(c))
		ae |= EPOLLIN;
	if (pending(&c->n2a, &c->n2a_pipe) && !c->init_watch)
		ae |= EPOLLOUT;
	/* TEP 0x20 between its two keys: nothing to read until keyed */
	if (!c->net_rd_eof && !(c->mode == MODE_CRYPT && c->ktls_rx))
		ne |= EPOLLIN;
	if (pending(&c->a2n, &c->a2n_pipe) ||
	    (c->mode == MODE_KTLS && c->app_rd_eof && !c->net_wr_shut))
		ne |= EPOLLOUT;
	/* Full buffers (any bytes in a pipe) stop reading their source. */
	if (spliced(c) ?
		    !c->a2n.cap || c->a2n.len == c->a2n.cap || c->a2n_pipe.len :
		    c->a2n.len + TCPINC_FRAME_MAX + TCPINC_FRAME_OVERHEAD >
			    c->a2n.cap)
		ae &= ~EPOLLIN;
	if (spliced(c) ? c->n2a.len == c->n2a.cap || c->n2a_pipe.len :
				    c->raw.len == c->raw.cap)
		ne &= ~EPOLLIN;
	set_interest(&c->app, &c->app_events, ae);
	set_interest(&c->net, &c->net_events, ne);
}

static void conn_pump(struct conn *c)
{
	unsigned int reason;
	bool progress;
	int err;

	do {
		progress = false;
		err = send_pending(c->net.fd, &c->a2n, &c->a2n_pipe, &progress);
		if (err) {
			conn_abort(c, TCPINC_AB_PEER_RESET);
			return;
		}
		/*
		 * TEP 0x20, once ready: keys in before the next read (which
		 * init_want() holds back until then); the send key once our
		 * Init message is out.
		 */
		reason = c->tep == TCPINC_TEP_KTLS ? ktls_advance(c, &progress) :
						     0;
		if (reason) {
			conn_abort(c, reason);
			return;
		}
		err = c->init_watch ? 0 :
				      send_pending(c->app.fd, &c->n2a,
						   &c->n2a_pipe, &progress);
		if (err) {
			conn_abort(c, TCPINC_AB_APP_RESET);
			return;
		}
		reason = pump_net_to_app(c, &progress);
		if (!reason && c->init_watch) {
			reason = check_init_watch(c);
			if (!c->init_watch)
				progress = true; /* released: flush next round */
		}
		if (!reason)
			reason = pump_app_to_net(c, &progress);
		if (!reason)
			reason = propagate_eof(c);
		if (reason) {
			conn_abort(c, reason);
			return;
		}
	} while (progress);

	/*
	 * The peer closed its TCP stream without a FINp frame: a truncation,
	 * never EOF. (With n2a empty, decryption was not waiting for room.)
	 */
	if (c->mode != MODE_PLAIN && c->net_rd_eof && !c->peer_finp &&
	    !c->n2a.len) {
		conn_abort(c, TCPINC_AB_FIN_WITHOUT_FINP);
		return;
	}
	if (c->app_wr_shut && c->net_wr_shut) {
		conn_free(c);
		return;
	}
	update_interest(c);
}

static int sock_error(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

void conn_event(struct conn *c, bool is_app, uint32_t events)
{
	int fd = is_app ? c->app.fd : c->net.fd, err;

	if (c->dead)
		return;
	if (c->mode == MODE_PENDING) {
		/* Only the side being connected is registered. */
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_connected(c, sock_error(fd));
		return;
	}
	if ((events & EPOLLERR) && (err = sock_error(fd))) {
		/* kernel TLS sets EBADMSG on a record failing authentication */
		conn_abort(c, is_app	      ? TCPINC_AB_APP_RESET :
			      err == EBADMSG ? TCPINC_AB_BAD_TAG :
					       TCPINC_AB_PEER_RESET);
		return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR))
		*(is_app ? &c->app_rd_more : &c->net_rd_more) = true;
	conn_pump(c);
}
