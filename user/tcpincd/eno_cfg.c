// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpincd's --eno-* options: the TCP-ENO policy handed to eno.bpf.c; and
 * --aeads, --aead-prefs: the AEAD policy conn.c hands to tcpcrypt.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tcpinc/eno_wire.h>

#include "proto/session.h"
#include "tcpincd/bpf_setup.h"
#include "tcpincd/ktls.h"

struct tcpincd_aead_cfg tcpincd_aeads;
int tcpincd_ktls_ok = -1;

uint8_t tcpincd_eno_syn_opt(const struct tcpincd_eno_cfg *cfg, uint8_t *out)
{
	struct eno_policy pol = {.gopt = cfg->gopt, .n_teps = cfg->n_teps};
	__u32 dropped;

	memcpy(pol.teps, cfg->teps, sizeof(pol.teps));
	if (cfg->n_raw) {
		pol.n_teps = cfg->n_raw;
		memcpy(pol.teps, cfg->raw, sizeof(pol.teps));
	}
	return eno_build_syn(&pol, TCPINC_ENO_OPT_MAX, out, &dropped);
}

/*
 * A TEP tcpincd runs (fresh key agreement, v = 0): tcpcrypt's, and 0x20
 * unless kernel TLS is known to be missing (checked again once probed).
 */
static bool tep_runnable(unsigned long v)
{
	return (v >= TCPINC_TEP_P256 && v <= TCPINC_TEP_CURVE448) ||
	       (v == TCPINC_TEP_KTLS && tcpincd_ktls_ok != 0);
}

static bool has_tep(const uint8_t *teps, uint8_t n, uint8_t tep)
{
	return memchr(teps, tep, n) != NULL;
}

int tcpincd_eno_cfg_ktls(struct tcpincd_eno_cfg *cfg, char *err,
			 size_t errlen)
{
	tcpincd_ktls_ok = !cfg->no_ktls && tcpincd_ktls_available();
	if (has_tep(cfg->teps, cfg->n_teps, TCPINC_TEP_KTLS) &&
	    !tcpincd_ktls_ok) {
		snprintf(err, errlen,
			 "--eno-teps: 0x20 needs kernel TLS (%s)",
			 cfg->no_ktls ? "--no-ktls given" :
					"no TLS ULP in this kernel");
		return -1;
	}
	if (tcpincd_ktls_ok && !cfg->teps_given && !cfg->frames_wanted &&
	    cfg->n_teps < sizeof(cfg->teps))
		cfg->teps[cfg->n_teps++] = TCPINC_TEP_KTLS;
	return 0;
}

bool tcpincd_eno_cfg_drop_ktls(struct tcpincd_eno_cfg *cfg)
{
	/* Added last (most preferred), and only without --eno-teps. */
	if (cfg->teps_given || !cfg->n_teps ||
	    cfg->teps[cfg->n_teps - 1] != TCPINC_TEP_KTLS)
		return false;
	cfg->n_teps--;
	return true;
}

/*
 * "0x21,0x23": distinct TEP ids, increasing priority, into teps/n; with
 * runnable, only those tcpincd runs, else any 0x20..0x7f.
 */
int tcpincd_parse_teps(const char *name, const char *list, bool runnable,
		      uint8_t *teps, uint8_t *n, char *err, size_t errlen)
{
	uint8_t out[TCPINC_ENO_OPT_MAX - 2];
	const char *p = list;
	uint8_t cnt = 0;
	unsigned long v;
	char *end;
	int i;

	for (;;) {
		v = strtoul(p, &end, 0);
		if (end == p || (*end && *end != ',') || v < 0x20 || v > 0x7f) {
			snprintf(err, errlen,
				 "--%s: '%s': want TEP ids 0x20..0x7f "
				 "separated by commas",
				 name, list);
			return -1;
		}
		if (runnable && !tep_runnable(v)) {
			snprintf(err, errlen,
				 "--%s: 0x%02lx: tcpincd runs only TEPs "
				 "0x21..0x24, and 0x20 with kernel TLS",
				 name, v);
			return -1;
		}
		for (i = 0; i < cnt; i++) {
			if (out[i] == v) {
				snprintf(err, errlen, "--%s: 0x%02lx twice",
					 name, v);
				return -1;
			}
		}
		if (cnt == sizeof(out)) {
			snprintf(err, errlen, "--%s: more than %zu TEPs", name,
				 sizeof(out));
			return -1;
		}
		out[cnt++] = v;
		if (!*end)
			break;
		p = end + 1;
	}
	memcpy(teps, out, cnt);
	*n = cnt;
	return 0;
}

/* "0x0001,0x0010": distinct AEAD ids the tcpcrypt library implements. */
int tcpincd_parse_aeads(const char *name, const char *list, uint16_t *aeads,
		       size_t *n, char *err, size_t errlen)
{
	uint16_t out[TCPINCD_AEADS_MAX];
	const char *p = list;
	size_t cnt = 0, i;
	unsigned long v;
	char *end;

	for (;;) {
		v = strtoul(p, &end, 0);
		if (end == p || (*end && *end != ',') ||
		    (v != TCPINC_AEAD_AES_128_GCM &&
		     v != TCPINC_AEAD_AES_256_GCM &&
		     v != TCPINC_AEAD_CHACHA20_POLY1305)) {
			snprintf(err, errlen,
				 "--%s: '%s': want AEAD ids 0x0001, 0x0002, "
				 "0x0010 separated by commas",
				 name, list);
			return -1;
		}
		for (i = 0; i < cnt; i++) {
			if (out[i] == v) {
				snprintf(err, errlen, "--%s: 0x%04lx twice",
					 name, v);
				return -1;
			}
		}
		if (cnt == TCPINCD_AEADS_MAX) {
			snprintf(err, errlen, "--%s: more than %d AEADs", name,
				 TCPINCD_AEADS_MAX);
			return -1;
		}
		out[cnt++] = v;
		if (!*end)
			break;
		p = end + 1;
	}
	memcpy(aeads, out, cnt * sizeof(*out));
	*n = cnt;
	return 0;
}

int tcpincd_eno_cfg_option(struct tcpincd_eno_cfg *cfg, const char *name,
			   const char *arg, char *err, size_t errlen)
{
	unsigned long v;
	char *end;

	if (!strcmp(name, "eno-aa")) {
		cfg->gopt |= TCPINC_GOPT_A;
	} else if (!strcmp(name, "eno-aa-mandatory")) {
		/* a host that requires a=1 also sends it */
		cfg->gopt |= TCPINC_GOPT_A;
		cfg->aa_mandatory = 1;
	} else if (!strcmp(name, "eno-active-b")) {
		cfg->gopt |= TCPINC_GOPT_B;
	} else if (!strcmp(name, "eno-syn-retries")) {
		v = strtoul(arg, &end, 10);
		if (end == arg || *end || v > 255) {
			snprintf(err, errlen,
				 "--eno-syn-retries: '%s': want 0..255", arg);
			return -1;
		}
		cfg->syn_retries = v;
	} else if (!strcmp(name, "eno-teps")) {
		cfg->teps_given = true;
		return tcpincd_parse_teps(name, arg, true, cfg->teps, &cfg->n_teps, err,
				  errlen);
	} else if (!strcmp(name, "no-ktls")) {
		cfg->no_ktls = true;
	} else if (!strcmp(name, "eno-offer-raw")) {
		return tcpincd_parse_teps(name, arg, false, cfg->raw, &cfg->n_raw, err,
				  errlen);
	} else if (!strcmp(name, "aeads")) {
		return tcpincd_parse_aeads(name, arg, tcpincd_aeads.offer,
				   &tcpincd_aeads.n_offer, err, errlen);
	} else if (!strcmp(name, "aead-prefs")) {
		return tcpincd_parse_aeads(name, arg, tcpincd_aeads.accept,
				   &tcpincd_aeads.n_accept, err, errlen);
	} else {
		snprintf(err, errlen, "unknown option --%s", name);
		return -1;
	}
	return 0;
}
