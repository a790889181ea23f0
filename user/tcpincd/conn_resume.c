// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The attachment policy and session resumption of one connection: which
 * SYN option it sends, which cached secret it offers or agreed to resume
 * (RFC 8548 §3.5), and what it leaves in the cache for the next one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <bpf/bpf.h>
#include <sodium.h>

#include <tcpinc/eno_wire.h>

#include "tcpincd/conn.h"
#include "tcpincd/log.h"
#include "tcpincd/policy.h"
#include "tcpincd/resume.h"

/* The data of the last TEP suboption of a SYN-form option, or NULL. */
static const uint8_t *last_tep_data(const uint8_t *opt, size_t len,
				    uint8_t *tep, size_t *dlen)
{
	struct eno_syn_info info;

	if (len > TCPINC_ENO_OPT_MAX || eno_parse_syn(opt, len, &info) ||
	    !info.n_teps)
		return NULL;
	*tep = info.syn_tep;
	*dlen = info.syn_tep_data_len;
	return opt + info.syn_tep_data_off;
}

/* `45 len [gopt] TEP|v half nonce`, our half by our original role. */
static void resume_offer(struct conn *c, struct tcpinc_syn_cfg *cfg,
			 const uint8_t *nonce, size_t nonce_len)
{
	const struct tcpinc_resume_state *st = &c->resume;
	uint8_t gopt = tcpincd_policy_gopt(), n = 2;

	cfg->opt[0] = TCPINC_ENO_KIND;
	if (gopt)
		cfg->opt[n++] = gopt;
	cfg->opt[n++] = st->tep | ENO_SUB_V;
	memcpy(cfg->opt + n, tcpinc_resume_half(st, st->orig_role),
	       TCPINC_RESUME_HALF);
	n += TCPINC_RESUME_HALF;
	memcpy(cfg->opt + n, nonce, nonce_len);
	n += nonce_len;
	cfg->opt[1] = n;
	cfg->len = n;
	cfg->resume = 1;
	memcpy(cfg->expect, tcpinc_resume_half(st, !st->orig_role),
	       sizeof(cfg->expect));
}

void conn_syn_prepare(struct conn *c)
{
	const struct tcpincd_policy *p = tcpincd_policy_get(c->pol);
	struct tcpinc_syn_cfg cfg = { 0 };
	uint8_t nonce[TCPINC_RESUME_NONCE_MAX];
	size_t nonce_len;

	if ((c->pol.flags & TCPINC_POL_RESUME) &&
	    !tcpincd_resume_take_active(&c->remote, &c->resume, nonce,
					&nonce_len))
		resume_offer(c, &cfg, nonce, nonce_len);
	else if (p->syn_len)
		memcpy(cfg.opt, p->syn_opt, cfg.len = p->syn_len);
	else
		return; /* the host's option, from the ENO program's rodata */
	if (bpf_map_update_elem(tcpincd.bpf.eno_syn_cfg, &c->net.fd, &cfg,
				BPF_ANY)) {
		tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
		tcpinc_resume_state_clear(&c->resume);
	}
}

void conn_policy_inbound(struct conn *c)
{
	struct tcpinc_listen l;
	__u16 port;

	port = ntohs(((const struct sockaddr_in *)&c->local)->sin_port);
	if (!bpf_map_lookup_elem(tcpincd.bpf.listen_ports, &port, &l))
		c->pol = l.pol;
}

void conn_resume_settle(struct conn *c)
{
	bool resumed = c->eno.state == TCPINC_ENO_ENABLED &&
		       (c->eno.tep & ENO_SUB_V);
	struct tcpinc_resume_key key = { 0 };
	const uint8_t *id;
	size_t len;
	uint8_t tep;

	if (c->outbound) {
		/* spent either way: each ss[i] is tried once (§3.5) */
		if (c->resume.ss && !resumed) {
			tcpincd_count(TCPINC_C_RESUME_DECLINED, 1);
			tcpinc_resume_state_clear(&c->resume);
		}
		return;
	}
	if (!resumed)
		return;
	id = last_tep_data(c->eno.peer_opt, c->eno.peer_len, &tep, &len);
	if (!id || len < sizeof(key.id))
		return;
	key.tep = tep & ENO_SUB_GLT;
	memcpy(key.id, id, sizeof(key.id));
	/* gone (expired meanwhile): conn_resume_session() fails, we abort */
	if (tcpincd_resume_take_passive(&key, &c->resume))
		tcpincd_log("resumed secret no longer cached");
}

int conn_resume_session(struct conn *c)
{
	struct tcpinc_resume_cfg rc = { 0 };
	const uint8_t *ours, *theirs;
	size_t ours_len = 0, theirs_len = 0;
	uint8_t tep;

	ours = last_tep_data(c->eno.local_opt, c->eno.local_len, &tep,
			     &ours_len);
	theirs = last_tep_data(c->eno.peer_opt, c->eno.peer_len, &tep,
			       &theirs_len);
	if (!c->resume.ss || !ours || !theirs ||
	    ours_len < TCPINC_RESUME_HALF || theirs_len < TCPINC_RESUME_HALF) {
		tcpinc_resume_state_clear(&c->resume);
		return -ENOENT;
	}
	rc.tep = c->eno.tep;
	rc.aead = c->resume.aead;
	rc.orig_role = c->resume.orig_role;
	rc.ss = c->resume.ss;
	rc.index = c->resume.index;
	/* nonce_a is the original A's, whoever is A now */
	rc.nonce_a = rc.orig_role ? theirs : ours;
	rc.nonce_a_len = (rc.orig_role ? theirs_len : ours_len);
	rc.nonce_b = rc.orig_role ? ours : theirs;
	rc.nonce_b_len = (rc.orig_role ? ours_len : theirs_len);
	rc.nonce_a += TCPINC_RESUME_HALF;
	rc.nonce_a_len -= TCPINC_RESUME_HALF;
	rc.nonce_b += TCPINC_RESUME_HALF;
	rc.nonce_b_len -= TCPINC_RESUME_HALF;
	c->sess = tcpinc_session_new_resumed(&rc);
	tcpinc_resume_state_clear(&c->resume);
	if (!c->sess)
		return -EINVAL;
	tcpincd_count(TCPINC_C_RESUMED, 1);
	return 0;
}

void conn_resume_keep(struct conn *c)
{
	struct tcpinc_resume_state st = { 0 };
	int err;

	/* TEP 0x20 sessions are not resumed (docs/tep-0x20.md) */
	if (!(c->pol.flags & TCPINC_POL_RESUME) || c->tep == TCPINC_TEP_KTLS) {
		tcpinc_session_forget_resume_state(c->sess);
		return;
	}
	if (tcpinc_session_take_resume_state(c->sess, &st))
		return;
	err = tcpincd_resume_put(&c->remote, !c->outbound, &st);
	if (err)
		tcpincd_log("resumption cache: %s", strerror(-err));
}

void conn_aeads(const struct conn *c, const uint16_t **aeads, size_t *n)
{
	const struct tcpincd_policy *p = tcpincd_policy_get(c->pol);
	const struct tcpincd_aead_cfg *a =
		p->aeads.n_offer ? &p->aeads : &tcpincd_aeads;

	*aeads = c->role ? a->accept : a->offer;
	*n = c->role ? a->n_accept : a->n_offer;
	if (!*n)
		*aeads = NULL;
}
