/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every tcpinc BPF object has: the network-namespace filter and the
 * reason-coded counters (a map shared by name, see lib/maps.h).
 */
#ifndef TCPINC_BPF_COMMON_H
#define TCPINC_BPF_COMMON_H

#include <tcpinc/shared.h>

/* Set by tcpincd before load: act only in its network namespace (0: any). */
const volatile __u64 netns_cookie = 0;

static __always_inline bool tcpinc_in_our_netns(void *ctx)
{
	return !netns_cookie || bpf_get_netns_cookie(ctx) == netns_cookie;
}

/* Reason-coded counters: enum tcpinc_reason then enum tcpinc_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TCPINC_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline void tcpinc_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;
}

#endif /* TCPINC_BPF_COMMON_H */
