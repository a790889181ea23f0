// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Peers known not to answer TCP-ENO (plain_peers.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <bpf/bpf.h>

#include "tcpincd/addr.h"
#include "tcpincd/plain_peers.h"
#include "tcpincd/tcpincd.h"

static unsigned long ttl = 600; /* s */

int tcpincd_plain_peers_option(const char *arg, char *err, size_t errlen)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (end == arg || *end || v > 86400) {
		snprintf(err, errlen,
			 "--plain-peer-ttl: '%s': want 0..86400 seconds", arg);
		return -1;
	}
	ttl = v;
	return 0;
}

void tcpincd_plain_peer_note(const struct sockaddr_storage *peer)
{
	struct tcpinc_endpoint ep;
	struct timespec ts;
	__u64 until;

	if (!ttl)
		return;
	/* the clock of bpf_ktime_get_ns() */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	until = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec +
		(__u64)ttl * 1000000000ull;
	tcpincd_ep_from_sa(&ep, peer);
	if (bpf_map_update_elem(tcpincd.bpf.plain_peers, &ep, &until, BPF_ANY))
		tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
}
