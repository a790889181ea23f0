// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-attachment policy (policy.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tcpincd/policy.h"
#include "tcpincd/tcpincd.h"

static struct tcpincd_policy host;
/* the daemon's options, 0x20 still in (if added) whatever its resume */
static struct tcpincd_eno_cfg host_eno;
static uint32_t last_id;

void tcpincd_policy_host(struct tcpincd_eno_cfg *eno, bool resume)
{
	host_eno = *eno;
	memset(&host, 0, sizeof(host));
	host.ref.flags = resume ? TCPINC_POL_RESUME : 0;
	if (resume)
		tcpincd_eno_cfg_drop_ktls(eno);
}

int tcpincd_policy_parse(struct tcpincd_policy *p, int argc, char **argv,
			 char *err, size_t errlen)
{
	struct tcpincd_eno_cfg eno = host_eno;
	bool teps = false;
	int i;

	memset(p, 0, sizeof(*p));
	p->ref.flags = host.ref.flags;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--resume")) {
			p->ref.flags |= TCPINC_POL_RESUME;
		} else if (!strcmp(a, "--no-resume")) {
			p->ref.flags &= ~TCPINC_POL_RESUME;
		} else if (!strcmp(a, "--teps") && i + 1 < argc) {
			if (tcpincd_parse_teps("teps", argv[++i], true,
					       eno.teps, &eno.n_teps, err,
					       errlen))
				return -EINVAL;
			eno.n_raw = 0;
			p->syn_len = tcpincd_eno_syn_opt(&eno, p->syn_opt);
			teps = true;
		} else if (!strcmp(a, "--aeads") && i + 1 < argc) {
			/* A's offer, and B's acceptance in the same order */
			if (tcpincd_parse_aeads("aeads", argv[++i],
						p->aeads.offer,
						&p->aeads.n_offer, err, errlen))
				return -EINVAL;
			memcpy(p->aeads.accept, p->aeads.offer,
			       sizeof(p->aeads.accept));
			p->aeads.n_accept = p->aeads.n_offer;
		} else {
			snprintf(err, errlen, "unknown attach option '%s'", a);
			return -EINVAL;
		}
	}
	/*
	 * Resumption needs frames (a kernel TLS session is not resumed): no
	 * 0x20 in the offer unless --teps names it. The host's offer lacks
	 * it under tcpincd --resume, so --no-resume there offers it again.
	 */
	if (!teps && !eno.n_raw &&
	    (p->ref.flags ^ host.ref.flags) & TCPINC_POL_RESUME) {
		bool resume = p->ref.flags & TCPINC_POL_RESUME;
		struct tcpincd_eno_cfg frames = eno;

		if (tcpincd_eno_cfg_drop_ktls(&frames))
			p->syn_len = tcpincd_eno_syn_opt(
				resume ? &frames : &eno, p->syn_opt);
	}
	p->ref.id = ++last_id;
	return 0;
}

const struct tcpincd_policy *tcpincd_policy_get(struct tcpinc_policy_ref ref)
{
	const struct tcpincd_bpf *b = &tcpincd.bpf;
	int i;

	if (ref.id)
		for (i = 0; i < b->natt; i++)
			if (b->att[i].pol.ref.id == ref.id)
				return &b->att[i].pol;
	/* detached since, or none: the host's */
	return &host;
}

void tcpincd_policy_describe(const struct tcpincd_policy *p, char *buf,
			     size_t cap)
{
	size_t n = 0, i;

	buf[0] = '\0';
	n += snprintf(buf + n, cap - n, "%s",
		      p->ref.flags & TCPINC_POL_RESUME ? "resume" : "no-resume");
	if (p->syn_len > 2 && n < cap) {
		n += snprintf(buf + n, cap - n, " teps=");
		for (i = 2; i < p->syn_len && n < cap; i++)
			if (p->syn_opt[i] >= 0x20)
				n += snprintf(buf + n, cap - n, "%s0x%02x",
					      buf[n - 1] == '=' ? "" : ",",
					      p->syn_opt[i]);
	}
	if (p->aeads.n_offer && n < cap) {
		n += snprintf(buf + n, cap - n, " aeads=");
		for (i = 0; i < p->aeads.n_offer && n < cap; i++)
			n += snprintf(buf + n, cap - n, "%s0x%04x",
				      i ? "," : "", p->aeads.offer[i]);
	}
}

uint8_t tcpincd_policy_gopt(void)
{
	return host_eno.gopt & (TCPINC_GOPT_A | TCPINC_GOPT_B);
}
