// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sk_lookup, attached to tcpincd's network namespace: a new inbound TCP
 * connection to a port that a service in an attached cgroup listens on is
 * handed to tcpincd's listener instead, which negotiates ENO and relays to
 * the service over a local connection. tcpincd's own connections to the
 * service (registered in in_by_port before it connects) are left alone; so
 * is everything arriving on loopback.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.h"
#include "lib/net.h"

const volatile __u32 loopback_ifindex = 1;

/* Is this SYN from tcpincd itself, relaying to the service? */
static __always_inline bool from_tcpincd(struct bpf_sk_lookup *ctx)
{
	struct tcpinc_port_key key = {
		.family = ctx->family,
		.port = bpf_ntohs(ctx->remote_port),
	};
	struct tcpinc_in *in = bpf_map_lookup_elem(&in_by_port, &key);
	const __u32 *l;

	if (!in)
		return false;
	l = (const __u32 *)in->local.addr;
	if (ctx->family == AF_INET)
		return l[3] == ctx->remote_ip4;
	return l[0] == ctx->remote_ip6[0] && l[1] == ctx->remote_ip6[1] &&
	       l[2] == ctx->remote_ip6[2] && l[3] == ctx->remote_ip6[3];
}

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
	if (!bpf_map_lookup_elem(&listen_ports, &port) || from_tcpincd(ctx))
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
