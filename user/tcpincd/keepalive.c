// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Keep-alive (RFC 8548 §3.9). An intercepted application's TCP keep-alives
 * only reach tcpincd over loopback, and TCP keep-alives cannot be
 * authenticated anyway; so when the application turned SO_KEEPALIVE on
 * (bpf/keepalive.bpf.c copies its settings into ka_by_port), tcpincd checks
 * the peer itself, with the application's timing:
 *
 *  - encrypted: after TCP_KEEPIDLE seconds without a frame from the peer,
 *    a rekey: an empty rekey=1 frame sent at once, which the peer must
 *    answer with a rekey=1 frame of its own; any frame from the peer
 *    proves it alive. Every TCP_KEEPINTVL seconds without one counts one
 *    more probe (a rekey again if the last was answered; TCP itself
 *    retransmits an unanswered one, and only one may be outstanding);
 *    after TCP_KEEPCNT probes the connection is aborted (RST on both
 *    sides, keepalive_timeout), so the application gets ECONNRESET.
 *    As in Linux, no probe starts while something we sent is still queued
 *    or unacknowledged (TCP's retransmissions watch the peer then), and the
 *    connection is not idle while our application has not taken all the
 *    peer sent (the peer's answer could not be read).
 *  - plain, and TEP 0x20 once kernel TLS has its keys (a TLS record
 *    cannot ask the peer for an answer, and the kernel cannot rekey): the
 *    settings are copied onto tcpincd's network socket, so the kernel's
 *    keep-alives probe the real peer; its failure resets the connection
 *    like any other network error (peer_reset). Unauthenticated, like the
 *    application's own keep-alive without tcpinc.
 *
 * Connections whose application did not ask are never probed.
 */
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <bpf/bpf.h>
#include <tcpinc/keepalive.h>

#include "tcpincd/addr.h"
#include "tcpincd/conn.h"
#include "tcpincd/keepalive.h"
#include "tcpincd/log.h"

/* Linux's defaults, for what the kernel did not report. */
#define KA_IDLE 7200
#define KA_INTVL 75
#define KA_CNT 9
/* The 1 s tick may come a little early: due within half a tick is due. */
#define KA_SLACK_MS 500

static uint64_t ka_seq_seen;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The ka_by_port key of c; false if it has none (inbound, not registered). */
static bool ka_key(const struct conn *c, struct tcpinc_ka_key *key)
{
	memset(key, 0, sizeof(*key));
	if (c->outbound) {
		key->family = c->out_key.family;
		key->port = c->out_key.port;
		return true;
	}
	if (!c->in_key_set)
		return false;
	key->family = c->in_key.family;
	key->port = c->in_key.port;
	key->inbound = 1;
	return true;
}

/* Whether the entry was written for c, not for an earlier connection. */
static bool ka_is_ours(const struct conn *c, const struct tcpinc_ka *ka)
{
	struct tcpinc_endpoint ep;

	if (c->outbound)
		return ka->app_cookie == c->app_cookie;
	memset(&ep, 0, sizeof(ep));
	tcpincd_ep_from_sa(&ep, &c->remote);
	return !memcmp(&ep, &ka->remote, sizeof(ep));
}

static int setsockopt_int(int fd, int level, int name, int v)
{
	return setsockopt(fd, level, name, &v, sizeof(v)) ? -errno : 0;
}

/* Plain connection: let the kernel probe the real peer the same way. */
static int ka_mirror(struct conn *c)
{
	int fd = c->net.fd, err;

	err = setsockopt_int(fd, SOL_SOCKET, SO_KEEPALIVE, c->ka.on);
	if (!err && c->ka.on)
		err = setsockopt_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, c->ka.idle);
	if (!err && c->ka.on)
		err = setsockopt_int(fd, IPPROTO_TCP, TCP_KEEPINTVL,
				     c->ka.intvl);
	if (!err && c->ka.on)
		err = setsockopt_int(fd, IPPROTO_TCP, TCP_KEEPCNT, c->ka.cnt);
	return err;
}

/* Read the application's settings for c again. */
static void ka_refresh(struct conn *c, uint64_t now)
{
	struct tcpinc_ka_key key;
	struct tcpinc_ka ka = { 0 };
	struct conn_ka *k = &c->ka;
	uint32_t idle, intvl, cnt;
	bool on;

	k->known = true;
	if (!ka_key(c, &key))
		return;
	if (bpf_map_lookup_elem(tcpincd.bpf.ka_by_port, &key, &ka)) {
		if (errno != ENOENT)
			tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
		memset(&ka, 0, sizeof(ka));
	} else if (!ka_is_ours(c, &ka)) {
		memset(&ka, 0, sizeof(ka));
	} else {
		k->entry = true;
	}
	on = ka.on;
	idle = ka.idle ? ka.idle : KA_IDLE;
	intvl = ka.intvl ? ka.intvl : KA_INTVL;
	cnt = ka.cnt ? ka.cnt : KA_CNT;
	if (!on && !k->on)
		return; /* never asked for: the common case */
	if (on == k->on && idle == k->idle && intvl == k->intvl &&
	    cnt == k->cnt)
		return;
	if (on && !k->on) {
		/* Nothing was watched while it was off: start afresh. */
		k->last_heard = now;
		k->probes = 0;
	}
	k->on = on;
	k->idle = idle;
	k->intvl = intvl;
	k->cnt = cnt;
	tcpincd_dbg("keep-alive %s: idle %u intvl %u cnt %u", on ? "on" : "off",
		    idle, intvl, cnt);
	k->net_stale = true;
}

/* Whether the kernel's keep-alive on net.fd watches the peer of c. */
static bool ka_by_kernel(const struct conn *c)
{
	return c->mode == MODE_PLAIN || c->mode == MODE_KTLS;
}

/*
 * Copy changed settings onto net.fd; also for a TEP 0x20 connection whose
 * application asked before its keys were in (the mode changed since).
 */
static void ka_sync_net(struct conn *c)
{
	int err;

	if (!c->ka.net_stale || !ka_by_kernel(c))
		return;
	c->ka.net_stale = false;
	err = ka_mirror(c);
	if (err)
		tcpincd_log("keep-alive on the network socket: %s",
			    strerror(-err));
}

/* Bytes we sent that the peer has not acknowledged yet, or -errno. */
static int net_outq(const struct conn *c)
{
	int n;

	if (ioctl(c->net.fd, SIOCOUTQ, &n))
		return -errno;
	return n;
}

/*
 * Start a new local generation: an empty rekey=1 frame the peer must
 * answer. -EBUSY: our previous one is still unanswered.
 */
static int ka_rekey(struct conn *c)
{
	struct tcpincd_buf *b = &c->a2n;
	struct tcpinc_io io = {
		.net_out = b->p + b->off,
		.net_cap = b->cap - b->off,
		.net_len = b->len,
	};
	int err;

	err = tcpinc_session_rekey(c->sess, &io);
	if (err)
		return err;
	b->len = io.net_len;
	/* The rekey policy (conn.c) counts from the new generation. */
	c->gen_bytes = c->gen_frames = 0;
	c->gen_start = tcpincd_now();
	return 0;
}

/* One encrypted connection with keep-alive on. */
static void ka_check(struct conn *c, uint64_t now)
{
	struct conn_ka *k = &c->ka;
	int err, queued;

	/* No keys yet: nothing to ask; after a FINp nothing can answer. */
	if (!tcpinc_session_ready(c->sess) || c->fin_queued || c->peer_finp)
		return;
	/* Our application is slower than the peer: not idle. */
	if (c->n2a.len) {
		k->last_heard = now;
		k->probes = 0;
		return;
	}
	if (!k->probes) {
		if (now + KA_SLACK_MS < k->last_heard + k->idle * 1000ULL)
			return;
		queued = c->a2n.len ? 1 : net_outq(c);
		if (queued < 0)
			tcpincd_log("keep-alive: SIOCOUTQ: %s",
				    strerror(-queued));
		if (queued > 0)
			return; /* still sending: TCP watches the peer */
	} else {
		if (now + KA_SLACK_MS < k->last_probe + k->intvl * 1000ULL)
			return;
		if (k->probes >= k->cnt) {
			conn_abort(c, TCPINC_AB_KEEPALIVE_TIMEOUT);
			return;
		}
	}
	k->probes++;
	k->last_probe = now;
	err = ka_rekey(c);
	if (err == -EBUSY || err == -ENOBUFS)
		return; /* a rekey is out already, or the peer reads nothing */
	if (err) {
		tcpincd_log("keep-alive: rekey: %s", strerror(-err));
		conn_abort(c, TCPINC_AB_INTERNAL);
		return;
	}
	tcpincd_dbg("keep-alive probe %u of %u", k->probes, k->cnt);
	/* Send the frame now: a pump flushes it (and may close c). */
	conn_event(c, false, 0);
}

void keepalive_tick(void)
{
	uint64_t seq = ka_seq_seen, now = now_ms();
	struct conn *c, *next;
	uint32_t zero = 0;
	bool changed;

	if (bpf_map_lookup_elem(tcpincd.bpf.ka_seq, &zero, &seq))
		tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
	changed = seq != ka_seq_seen;
	ka_seq_seen = seq;
	for (c = tcpincd.conns; c; c = next) {
		next = c->next; /* an abort unlinks c */
		if (c->mode == MODE_PENDING)
			continue;
		if (changed || !c->ka.known)
			ka_refresh(c, now);
		ka_sync_net(c);
		/* Frames only: a TEP 0x20 session has no rekey to send. */
		if (c->ka.on && c->mode == MODE_CRYPT &&
		    c->tep != TCPINC_TEP_KTLS)
			ka_check(c, now);
	}
}

void keepalive_heard(struct conn *c)
{
	if (c->ka.on) {
		c->ka.last_heard = now_ms();
		c->ka.probes = 0;
	}
}

void keepalive_conn_free(struct conn *c)
{
	struct tcpinc_ka_key key;
	struct tcpinc_ka ka;

	/* The key may be a new connection's already: delete only ours. */
	if (!c->ka.entry || !ka_key(c, &key) ||
	    bpf_map_lookup_elem(tcpincd.bpf.ka_by_port, &key, &ka) ||
	    !ka_is_ours(c, &ka))
		return;
	if (bpf_map_delete_elem(tcpincd.bpf.ka_by_port, &key) &&
	    errno != ENOENT)
		tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
}
