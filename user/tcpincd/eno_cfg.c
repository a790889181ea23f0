// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tcpincd's --eno-* options: the TCP-ENO policy handed to eno.bpf.c. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tcpinc/eno_wire.h>

#include "tcpincd/bpf_setup.h"

uint8_t tcpincd_eno_syn_opt(const struct tcpincd_eno_cfg *cfg, uint8_t *out)
{
	struct eno_policy pol = {.gopt = cfg->gopt, .n_teps = cfg->n_teps};
	__u32 dropped;

	memcpy(pol.teps, cfg->teps, sizeof(pol.teps));
	return eno_build_syn(&pol, TCPINC_ENO_OPT_MAX, out, &dropped);
}

/* "0x21,0x23": TEP ids 0x20..0x7f, distinct, increasing priority. */
static int parse_teps(struct tcpincd_eno_cfg *cfg, const char *list, char *err,
		      size_t errlen)
{
	struct tcpincd_eno_cfg out = *cfg;
	bool has_ours = false;
	const char *p = list;
	unsigned long v;
	char *end;
	int i;

	out.n_teps = 0;
	for (;;) {
		v = strtoul(p, &end, 0);
		if (end == p || (*end && *end != ',') || v < 0x20 || v > 0x7f) {
			snprintf(err, errlen,
				 "--eno-teps: '%s': want TEP ids 0x20..0x7f "
				 "separated by commas",
				 list);
			return -1;
		}
		for (i = 0; i < out.n_teps; i++) {
			if (out.teps[i] == v) {
				snprintf(err, errlen,
					 "--eno-teps: 0x%02lx twice", v);
				return -1;
			}
		}
		if (out.n_teps == sizeof(out.teps)) {
			snprintf(err, errlen, "--eno-teps: more than %zu TEPs",
				 sizeof(out.teps));
			return -1;
		}
		out.teps[out.n_teps++] = v;
		has_ours |= v == TCPINC_TEP_CURVE25519;
		if (!*end)
			break;
		p = end + 1;
	}
	/* the others are offered (tests, interop) but never run by tcpincd */
	if (!has_ours) {
		snprintf(err, errlen,
			 "--eno-teps: must include 0x%02x, the TEP tcpincd "
			 "implements",
			 TCPINC_TEP_CURVE25519);
		return -1;
	}
	*cfg = out;
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
		return parse_teps(cfg, arg, err, errlen);
	} else {
		snprintf(err, errlen, "unknown option --%s", name);
		return -1;
	}
	return 0;
}
