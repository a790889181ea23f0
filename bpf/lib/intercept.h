/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which interception record an application socket in a service cgroup
 * belongs to, for programs that run on that socket (getsockopt,
 * setsockopt, sock_ops): its peer is tcpincd either way.
 */
#ifndef TCPINC_BPF_INTERCEPT_H
#define TCPINC_BPF_INTERCEPT_H

#include "lib/maps.h"
#include "lib/net.h"

struct tcpinc_rec {
	struct tcpinc_out *out; /* outbound: the out_by_port record, or */
	struct tcpinc_in *in; /* inbound: the in_by_port record */
	struct tcpinc_port_key key; /* its key */
};

/* Fills *r and returns true if sk is an intercepted connection. */
static __always_inline bool tcpinc_find_rec(struct bpf_sock *sk,
					    struct tcpinc_rec *r)
{
	__u32 peer[4];

	if (sk->family == AF_INET) {
		peer[0] = 0;
		peer[1] = 0;
		peer[2] = bpf_htonl(0xffff);
		peer[3] = sk->dst_ip4;
	} else {
		peer[0] = sk->dst_ip6[0];
		peer[1] = sk->dst_ip6[1];
		peer[2] = sk->dst_ip6[2];
		peer[3] = sk->dst_ip6[3];
	}
	r->key.family = tcpinc_ip6_is_v4mapped(peer) ? AF_INET : AF_INET6;

	/* Outbound: our peer is tcpincd on loopback; key = our port. */
	if (tcpinc_ip6_is_loopback(peer)) {
		r->key.port = (__u16)sk->src_port;
		r->out = bpf_map_lookup_elem(&out_by_port, &r->key);
		if (r->out)
			return true;
	}
	/* Inbound: our peer is tcpincd, from the address the remote dialled. */
	r->key.port = bpf_ntohs((__u16)sk->dst_port);
	r->in = bpf_map_lookup_elem(&in_by_port, &r->key);
	if (!r->in)
		return false;
	{
		const __u32 *l = (const __u32 *)r->in->local.addr;

		if (l[0] != peer[0] || l[1] != peer[1] || l[2] != peer[2] ||
		    l[3] != peer[3])
			return false;
	}
	return true;
}

#endif /* TCPINC_BPF_INTERCEPT_H */
