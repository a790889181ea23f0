/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-attachment policy: `tcpinc attach [--resume|--no-resume] [--teps L]
 * [--aeads L] CGROUP`. What is not given comes from the host's tcpincd
 * options. The BPF programs copy the policy's id and flags into each
 * interception record (cg_policy map), and tcpincd looks the rest up here.
 */
#ifndef TCPINCD_POLICY_H
#define TCPINCD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <tcpinc/shared.h>

#include "tcpincd/bpf_setup.h"

/*
 * The host's policy, from tcpincd's options (main.c, before attaching).
 * With resume, takes the 0x20 that tcpincd_eno_cfg_ktls() added out of
 * *eno (the host's offer and answers); --no-resume attachments keep it.
 */
void tcpincd_policy_host(struct tcpincd_eno_cfg *eno, bool resume);

/*
 * Parse attach options argv[0..argc) into *p (id assigned). 0, or -EINVAL
 * with a message in err.
 */
int tcpincd_policy_parse(struct tcpincd_policy *p, int argc, char **argv,
			 char *err, size_t errlen);

/* The policy of an interception record's ref: the attachment's or host's. */
const struct tcpincd_policy *tcpincd_policy_get(struct tcpinc_policy_ref ref);

/* The global suboption our SYN-form options carry (0: none). */
uint8_t tcpincd_policy_gopt(void);

/* "resume teps=0x23 aeads=0x0001": for `tcpinc cgroups`. */
void tcpincd_policy_describe(const struct tcpincd_policy *p, char *buf,
			     size_t cap);

#endif
