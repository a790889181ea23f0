// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The session-resumption cache (resume.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <sodium.h>

#include "tcpincd/addr.h"
#include "tcpincd/log.h"
#include "tcpincd/resume.h"
#include "tcpincd/tcpincd.h"

bool tcpincd_resume_default;
static uint64_t lifetime = 600; /* s */
static size_t max_entries = 1024;
static size_t nonce_len = TCPINC_RESUME_NONCE_MAX; /* RFC 8548 default */

/* Chains a peer may hold with us as passive opener. */
#define PASSIVE_PER_PEER 8

struct entry {
	struct tcpinc_endpoint peer; /* port 0: the host is what counts */
	bool passive;
	struct tcpinc_resume_state st;
	struct tcpinc_resume_key key; /* passive: its resume_ids key */
	uint64_t created;
};

/* Oldest first; appended at the end. */
static struct entry *cache;
static size_t n_cache;

int tcpincd_resume_option(const char *name, const char *arg, char *err,
			  size_t errlen)
{
	unsigned long long v;
	char *end;

	if (!strcmp(name, "resume")) {
		tcpincd_resume_default = true;
		return 0;
	}
	v = strtoull(arg, &end, 10);
	if (end == arg || *end) {
		snprintf(err, errlen, "--%s: '%s': want a number", name, arg);
		return -1;
	}
	if (!strcmp(name, "resume-lifetime") && v >= 1 && v <= 86400) {
		lifetime = v;
	} else if (!strcmp(name, "resume-max") && v >= 1 && v <= 65536) {
		max_entries = v;
	} else if (!strcmp(name, "resume-nonce-len") &&
		   v <= TCPINC_RESUME_NONCE_MAX) {
		nonce_len = v;
	} else {
		snprintf(err, errlen,
			 "--%s: %llu out of range (lifetime 1..86400 s, "
			 "max 1..65536, nonce length 0..8)",
			 name, v);
		return -1;
	}
	return 0;
}

static void peer_of(const struct sockaddr_storage *ss,
		    struct tcpinc_endpoint *ep)
{
	tcpincd_ep_from_sa(ep, ss);
	ep->port = 0; /* compared by address only: v4 is v4-mapped */
}

static bool same_peer(const struct entry *e, const struct tcpinc_endpoint *p)
{
	return !memcmp(e->peer.addr, p->addr, sizeof(p->addr));
}

/* Wipe and drop cache[i]; the order of the rest is kept. */
static void drop(size_t i)
{
	struct entry *e = &cache[i];

	if (e->passive)
		bpf_map_delete_elem(tcpincd.bpf.resume_ids, &e->key);
	tcpinc_resume_state_clear(&e->st);
	memmove(e, e + 1, (n_cache - i - 1) * sizeof(*e));
	n_cache--;
	sodium_memzero(&cache[n_cache], sizeof(cache[n_cache]));
}

/* The oldest entry for peer p in that direction, and how many there are. */
static int find(const struct tcpinc_endpoint *p, bool passive, size_t *count)
{
	size_t i, n = 0;
	int first = -1;

	for (i = 0; i < n_cache; i++) {
		if (cache[i].passive != passive || !same_peer(&cache[i], p))
			continue;
		if (first < 0)
			first = i;
		n++;
	}
	if (count)
		*count = n;
	return first;
}

int tcpincd_resume_put(const struct sockaddr_storage *peer, bool passive,
		       struct tcpinc_resume_state *st)
{
	struct tcpinc_resume_ans ans = { 0 };
	struct tcpinc_endpoint p;
	struct entry *e;
	size_t same;
	int i;

	if (!st->ss)
		return -EINVAL;
	if (!cache) {
		cache = calloc(max_entries, sizeof(*cache));
		if (!cache) {
			tcpinc_resume_state_clear(st);
			return -ENOMEM;
		}
	}
	peer_of(peer, &p);
	i = find(&p, passive, &same);
	/*
	 * Ours: one chain per peer, the newest. The peer's: several, since
	 * not all of its connections may want to resume (its attachments
	 * differ) and we cannot tell which will.
	 */
	if (i >= 0 && same >= (passive ? PASSIVE_PER_PEER : 1))
		drop(i);
	if (n_cache == max_entries)
		drop(0); /* the oldest */
	e = &cache[n_cache];
	memset(e, 0, sizeof(*e));
	e->peer = p;
	e->passive = passive;
	e->st = *st;
	memset(st, 0, sizeof(*st));
	e->created = tcpincd_now();
	if (passive) {
		/* the peer names it with its half; we answer with ours */
		e->key.tep = e->st.tep;
		memcpy(e->key.id, tcpinc_resume_half(&e->st, !e->st.orig_role),
		       sizeof(e->key.id));
		memcpy(ans.half, tcpinc_resume_half(&e->st, e->st.orig_role),
		       sizeof(ans.half));
		ans.nonce_len = nonce_len;
		randombytes_buf(ans.nonce, nonce_len);
		if (bpf_map_update_elem(tcpincd.bpf.resume_ids, &e->key, &ans,
					BPF_ANY)) {
			int err = -errno;

			tcpinc_resume_state_clear(&e->st);
			return err;
		}
	}
	n_cache++;
	return 0;
}

int tcpincd_resume_take_active(const struct sockaddr_storage *peer,
			       struct tcpinc_resume_state *out,
			       uint8_t *nonce, size_t *nlen)
{
	struct tcpinc_endpoint p;
	int i;

	peer_of(peer, &p);
	i = find(&p, false, NULL);
	if (i < 0)
		return -ENOENT;
	/* tried from now on, whatever the peer answers (RFC 8548 §3.5) */
	*out = cache[i].st;
	memset(&cache[i].st, 0, sizeof(cache[i].st));
	drop(i);
	randombytes_buf(nonce, nonce_len);
	*nlen = nonce_len;
	return 0;
}

int tcpincd_resume_take_passive(const struct tcpinc_resume_key *key,
				struct tcpinc_resume_state *out)
{
	size_t i;

	for (i = 0; i < n_cache; i++) {
		if (!cache[i].passive ||
		    memcmp(&cache[i].key, key, sizeof(*key)))
			continue;
		*out = cache[i].st;
		memset(&cache[i].st, 0, sizeof(cache[i].st));
		drop(i);
		return 0;
	}
	return -ENOENT;
}

void tcpincd_resume_expire(void)
{
	uint64_t now = tcpincd_now();

	/* oldest first: stop at the first one still young */
	while (n_cache && now - cache[0].created >= lifetime)
		drop(0);
}

unsigned int tcpincd_resume_flush(const struct sockaddr_storage *peer)
{
	struct tcpinc_endpoint p;
	unsigned int n = 0;
	size_t i = 0;

	if (peer)
		peer_of(peer, &p);
	while (i < n_cache) {
		if (!peer || same_peer(&cache[i], &p)) {
			drop(i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

void tcpincd_resume_list(tcpincd_resume_visit_fn fn, void *ctx)
{
	struct sockaddr_storage ss;
	uint64_t now = tcpincd_now();
	size_t i;

	for (i = 0; i < n_cache; i++) {
		tcpincd_sa_from_ep(&ss, &cache[i].peer);
		fn(&ss, cache[i].passive, cache[i].st.index, cache[i].st.tep,
		   now - cache[i].created, ctx);
	}
}
