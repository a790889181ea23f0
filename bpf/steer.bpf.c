// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sk_lookup, attached to tcpincd's network namespace: a new inbound TCP
 * connection to a port that a service in an attached cgroup listens on is
 * handed to tcpincd's listener instead, which negotiates ENO and relays to
 * the service over a local connection. Connections arriving on loopback are
 * left alone: they include tcpincd's own connections to the service.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.h"
#include "lib/net.h"

const volatile __u32 loopback_ifindex = 1;

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("sk_lookup")
int tcpinc_steer(struct bpf_sk_lookup *ctx)
{
	__u16 port = (__u16)ctx->local_port;
	struct bpf_sock *sk;
	__u32 slot;

	if (ctx->protocol != IPPROTO_TCP ||
	    ctx->ingress_ifindex == loopback_ifindex)
		return SK_PASS;
	if (!bpf_map_lookup_elem(&listen_ports, &port))
		return SK_PASS;
	slot = ctx->family == AF_INET ? TCPINC_SLOT_IN4 : TCPINC_SLOT_IN6;
	sk = bpf_map_lookup_elem(&tcpincd_socks, &slot);
	if (!sk)
		return SK_PASS;
	if (bpf_sk_assign(ctx, sk, 0))
		tcpinc_count(TCPINC_C_BPF_ERRORS);
	bpf_sk_release(sk);
	return SK_PASS;
}
