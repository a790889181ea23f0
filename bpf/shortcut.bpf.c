// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The shortcut between an application and tcpincd: the two ends of each
 * local hop (the application's socket to tcpincd's loopback listener, and
 * tcpincd's socket to a service it hands an inbound connection to) go into
 * relay_socks as soon as they are established, and sendmsg() on one puts
 * the bytes straight into the other's receive queue (sk_msg redirect to
 * ingress): no TCP segments, acknowledgements or softirq work on the hop.
 * Connection set-up, FIN and RST still cross it as TCP.
 *
 *   sockops (service cgroups and tcpincd's):
 *     ACTIVE_ESTABLISHED   an application connected to tcpincd's OUT
 *                          listener; or tcpincd connected to a service
 *                          (its source port is in in_by_port)
 *     PASSIVE_ESTABLISHED  tcpincd accepted on its OUT listener; or a
 *                          service accepted tcpincd (peer port in in_by_port)
 *   sk_msg (on relay_socks): redirect to the socket whose addresses and
 *                          ports are ours swapped.
 *
 * A socket's first sendmsg() decides for good: if its peer was not in the
 * map yet, everything it sends goes by TCP, so that bytes never overtake
 * each other between the two ways into the peer's receive queue.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.h"
#include "lib/net.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* One end of a local hop: its addresses (v4-mapped) and ports, host order. */
struct relay_key {
	__u32 lip[4];
	__u32 rip[4];
	__u32 lport;
	__u32 rport;
};

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 65536);
	__type(key, struct relay_key);
	__type(value, __u64);
} relay_socks SEC(".maps");

enum relay_mode {
	RELAY_UNDECIDED = 0,
	RELAY_REDIRECT,
	RELAY_TCP,
};

/* Per sending socket: enum relay_mode, set by its first sendmsg(). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} relay_mode SEC(".maps");

static __always_inline void ip_set(__u32 *dst, __u32 family, __u32 ip4,
				   const __u32 *ip6)
{
	if (family == AF_INET) {
		dst[0] = 0;
		dst[1] = 0;
		dst[2] = bpf_htonl(0xffff);
		dst[3] = ip4;
	} else {
		dst[0] = ip6[0];
		dst[1] = ip6[1];
		dst[2] = ip6[2];
		dst[3] = ip6[3];
	}
}

/*
 * One context field, loaded straight from the context pointer: the
 * verifier refuses a load through a pointer computed from it, which
 * clang makes for neighbouring fields such as the address words.
 */
#define CTX_LOAD(ctx, field)                       \
	({                                         \
		typeof(ctx) ctx_ = (ctx);          \
		asm volatile("" : "+r"(ctx_));     \
		ctx_->field;                       \
	})

/* The key of the socket skops describes. */
static __always_inline void key_of_skops(struct bpf_sock_ops *skops,
					 struct relay_key *k)
{
	__u32 l6[4] = { CTX_LOAD(skops, local_ip6[0]),
			CTX_LOAD(skops, local_ip6[1]),
			CTX_LOAD(skops, local_ip6[2]),
			CTX_LOAD(skops, local_ip6[3]) };
	__u32 r6[4] = { CTX_LOAD(skops, remote_ip6[0]),
			CTX_LOAD(skops, remote_ip6[1]),
			CTX_LOAD(skops, remote_ip6[2]),
			CTX_LOAD(skops, remote_ip6[3]) };

	ip_set(k->lip, skops->family, skops->local_ip4, l6);
	ip_set(k->rip, skops->family, skops->remote_ip4, r6);
	k->lport = skops->local_port;
	/* network order in the upper half on little-endian hosts */
	k->rport = bpf_ntohl(skops->remote_port);
}

/* The key of the socket at the other end of msg's connection. */
static __always_inline void peer_key_of_msg(struct sk_msg_md *msg,
					    struct relay_key *k)
{
	__u32 l6[4] = { CTX_LOAD(msg, local_ip6[0]), CTX_LOAD(msg, local_ip6[1]),
			CTX_LOAD(msg, local_ip6[2]),
			CTX_LOAD(msg, local_ip6[3]) };
	__u32 r6[4] = { CTX_LOAD(msg, remote_ip6[0]),
			CTX_LOAD(msg, remote_ip6[1]),
			CTX_LOAD(msg, remote_ip6[2]),
			CTX_LOAD(msg, remote_ip6[3]) };

	ip_set(k->rip, msg->family, msg->local_ip4, l6);
	ip_set(k->lip, msg->family, msg->remote_ip4, r6);
	k->rport = msg->local_port;
	k->lport = bpf_ntohl(msg->remote_port);
}

/* tcpincd's loopback listeners for outbound connections (host order). */
const volatile __u16 out_port4 = 0;
const volatile __u16 out_port6 = 0;

static __always_inline bool is_out_port(__u32 port)
{
	return port && (port == out_port4 || port == out_port6);
}

/* tcpincd's hop to a service: its source port is registered in in_by_port. */
static __always_inline bool is_in_hop(const struct relay_key *k, __u32 port)
{
	struct tcpinc_port_key pk = {
		.family = tcpinc_ip6_is_v4mapped(k->lip) ? AF_INET : AF_INET6,
		.port = port,
	};

	return bpf_map_lookup_elem(&in_by_port, &pk) != NULL;
}

static __always_inline void relay_add(struct bpf_sock_ops *skops, bool active)
{
	struct relay_key k = {};

	key_of_skops(skops, &k);
	if (active) {
		/* the application's end, or tcpincd's end towards a service */
		if (!(tcpinc_ip6_is_loopback(k.rip) && is_out_port(k.rport)) &&
		    !is_in_hop(&k, k.lport))
			return;
	} else {
		/* tcpincd's accepted end, or the service's accepted end */
		if (!(tcpinc_ip6_is_loopback(k.lip) && is_out_port(k.lport)) &&
		    !is_in_hop(&k, k.rport))
			return;
	}
	if (bpf_sock_hash_update(skops, &relay_socks, &k, BPF_NOEXIST))
		tcpinc_count(TCPINC_C_BPF_ERRORS);
}

SEC("sockops")
int tcpinc_shortcut_sockops(struct bpf_sock_ops *skops)
{
	if (!tcpinc_in_our_netns(skops))
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
		relay_add(skops, true);
		break;
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		relay_add(skops, false);
		break;
	}
	return 1;
}

SEC("sk_msg")
int tcpinc_shortcut_msg(struct sk_msg_md *msg)
{
	struct bpf_sock *sk = msg->sk;
	struct relay_key peer = {};
	__u32 *mode;

	if (!sk)
		return SK_PASS;
	mode = bpf_sk_storage_get(&relay_mode, sk, 0,
				  BPF_SK_STORAGE_GET_F_CREATE);
	if (!mode || *mode == RELAY_TCP)
		return SK_PASS;
	peer_key_of_msg(msg, &peer);
	if (bpf_msg_redirect_hash(msg, &relay_socks, &peer, BPF_F_INGRESS) ==
	    SK_PASS) {
		if (*mode == RELAY_UNDECIDED)
			tcpinc_count(TCPINC_C_SHORTCUT);
		*mode = RELAY_REDIRECT;
		return SK_PASS;
	}
	/* no peer: by TCP, now and always (a closed peer: the TCP reset) */
	if (*mode == RELAY_UNDECIDED) {
		tcpinc_count(TCPINC_C_SHORTCUT_MISSED);
		*mode = RELAY_TCP;
	}
	return SK_PASS;
}
