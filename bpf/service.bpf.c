// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Programs attached to a service's cgroup (`tcpinc attach`): they make the
 * service's TCP connections pass through tcpincd without the service
 * knowing.
 *
 *  - connect4/6 send an outbound connect() to tcpincd's loopback listener and
 *    remember the real destination under the socket cookie;
 *  - sock_ops copies that record under the loopback source port once the
 *    kernel has chosen it (TCP_CONNECT_CB), where tcpincd looks it up after
 *    accept(); it also notes the ports the service listens on, which
 *    steer.bpf.c sends to tcpincd;
 *  - getpeername4/6 and getsockname4/6 give back the addresses the service
 *    would have seen without tcpincd (this also covers accept()).
 *
 * Nothing is redirected while tcpincd's listener is absent from the
 * tcpincd_socks sockmap (the daemon is down): the service gets plain TCP.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/maps.h"
#include "lib/net.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * sock_ops may call bpf_get_current_cgroup_id() (newer kernels; not
 * Debian 12's 6.1): set by tcpincd from a probe. Without it a listener's
 * policy is taken when it binds (bind4/6 below), by socket cookie.
 */
const volatile __u8 sockops_cgroup_id = 1;

/* Policy of a TCP socket at bind(), until it listens (or is forgotten). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* socket cookie */
	__type(value, struct tcpinc_policy_ref);
} bound_policy SEC(".maps");

/* Port of tcpincd's listener in `slot`, or 0 if the daemon is down. */
static __always_inline __u16 daemon_port(__u32 slot)
{
	struct bpf_sock *sk;
	__u16 port;

	sk = bpf_map_lookup_elem(&tcpincd_socks, &slot);
	if (!sk)
		return 0;
	port = sk->src_port;
	bpf_sk_release(sk);
	return port;
}

static __always_inline bool is_tcp(struct bpf_sock_addr *ctx)
{
	return ctx->type == SOCK_STREAM && ctx->protocol == IPPROTO_TCP;
}

static __always_inline void remember_dst(struct bpf_sock_addr *ctx,
					 struct tcpinc_out *o)
{
	__u64 cookie = bpf_get_socket_cookie(ctx);

	o->app_cookie = cookie;
	o->pol = TCPINC_POLICY_OF_CURRENT();
	bpf_map_update_elem(&out_by_cookie, &cookie, o, BPF_ANY);
}

/* A peer known not to answer ENO: leave the connect() alone (plain_peers). */
static __always_inline bool known_plain(struct tcpinc_endpoint *ep)
{
	__u64 *until = bpf_map_lookup_elem(&plain_peers, ep);

	if (!until)
		return false;
	if (*until > bpf_ktime_get_ns()) {
		tcpinc_count(TCPINC_C_PLAIN_BYPASS);
		return true;
	}
	bpf_map_delete_elem(&plain_peers, ep); /* try ENO again */
	return false;
}

SEC("cgroup/connect4")
int tcpinc_connect4(struct bpf_sock_addr *ctx)
{
	struct tcpinc_out o = {};
	__u16 port;

	if (!is_tcp(ctx) || !tcpinc_in_our_netns(ctx))
		return 1;
	if (tcpinc_ip4_is_loopback(ctx->user_ip4))
		return 1;
	port = daemon_port(TCPINC_SLOT_OUT4);
	if (!port) {
		tcpinc_count(TCPINC_FB_NO_DAEMON);
		return 1;
	}
	tcpinc_ep_set4(&o.remote, ctx->user_ip4,
		       bpf_ntohs((__u16)ctx->user_port));
	if (known_plain(&o.remote))
		return 1;
	remember_dst(ctx, &o);
	ctx->user_ip4 = bpf_htonl(0x7f000001);
	ctx->user_port = bpf_htons(port);
	return 1;
}

SEC("cgroup/connect6")
int tcpinc_connect6(struct bpf_sock_addr *ctx)
{
	struct tcpinc_out o = {};
	__u32 ip6[4];
	__u16 port;

	if (!is_tcp(ctx) || !tcpinc_in_our_netns(ctx))
		return 1;
	ip6[0] = ctx->user_ip6[0];
	ip6[1] = ctx->user_ip6[1];
	ip6[2] = ctx->user_ip6[2];
	ip6[3] = ctx->user_ip6[3];
	if (tcpinc_ip6_is_loopback(ip6))
		return 1;
	/* A v4-mapped destination goes to the IPv4 listener, v4-mapped. */
	port = daemon_port(tcpinc_ip6_is_v4mapped(ip6) ? TCPINC_SLOT_OUT4 :
							 TCPINC_SLOT_OUT6);
	if (!port) {
		tcpinc_count(TCPINC_FB_NO_DAEMON);
		return 1;
	}
	tcpinc_ep_set6(&o.remote, ip6, bpf_ntohs((__u16)ctx->user_port));
	if (known_plain(&o.remote))
		return 1;
	remember_dst(ctx, &o);
	if (tcpinc_ip6_is_v4mapped(ip6)) {
		ctx->user_ip6[3] = bpf_htonl(0x7f000001);
	} else {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
	}
	ctx->user_port = bpf_htons(port);
	return 1;
}

/* Where sock_ops cannot tell a listener's cgroup: note it at bind(). */
static __always_inline void note_bind(struct bpf_sock_addr *ctx)
{
	struct tcpinc_policy_ref pol;
	__u64 cookie;

	if (sockops_cgroup_id || !is_tcp(ctx) || !tcpinc_in_our_netns(ctx))
		return;
	cookie = bpf_get_socket_cookie(ctx);
	pol = TCPINC_POLICY_OF_CURRENT();
	bpf_map_update_elem(&bound_policy, &cookie, &pol, BPF_ANY);
}

SEC("cgroup/bind4")
int tcpinc_bind4(struct bpf_sock_addr *ctx)
{
	note_bind(ctx);
	return 1;
}

SEC("cgroup/bind6")
int tcpinc_bind6(struct bpf_sock_addr *ctx)
{
	note_bind(ctx);
	return 1;
}

/*
 * Write an endpoint back into a sock_addr context. One non-inlined function
 * per family: inlined, clang merges the two families' stores into a
 * computed ctx offset, which the verifier rejects.
 */
static __noinline void put_ep4(struct bpf_sock_addr *ctx,
			       const struct tcpinc_endpoint *ep)
{
	ctx->user_ip4 = ((const __u32 *)ep->addr)[3];
	ctx->user_port = bpf_htons(ep->port);
}

static __noinline void put_ep6(struct bpf_sock_addr *ctx,
			       const struct tcpinc_endpoint *ep)
{
	const __u32 *a = (const __u32 *)ep->addr;

	ctx->user_ip6[0] = a[0];
	ctx->user_ip6[1] = a[1];
	ctx->user_ip6[2] = a[2];
	ctx->user_ip6[3] = a[3];
	ctx->user_port = bpf_htons(ep->port);
}

static __always_inline void put_ep(struct bpf_sock_addr *ctx, int family,
				   const struct tcpinc_endpoint *ep)
{
	if (family == AF_INET)
		put_ep4(ctx, ep);
	else
		put_ep6(ctx, ep);
}

/*
 * Inbound: the service's peer is tcpincd, connected from the address the
 * remote host used, on a port tcpincd registered in in_by_port.
 */
static __always_inline struct tcpinc_in *inbound_peer(struct bpf_sock_addr *ctx,
						      int family)
{
	struct tcpinc_port_key key = {};
	struct tcpinc_in *in;
	__u32 peer4;

	if (family == AF_INET) {
		peer4 = ctx->user_ip4;
	} else {
		if (!(ctx->user_ip6[0] == 0 && ctx->user_ip6[1] == 0 &&
		      ctx->user_ip6[2] == bpf_htonl(0xffff)))
			goto v6;
		peer4 = ctx->user_ip6[3];
	}
	key.family = AF_INET;
	key.port = bpf_ntohs((__u16)ctx->user_port);
	in = bpf_map_lookup_elem(&in_by_port, &key);
	if (!in || ((const __u32 *)in->local.addr)[3] != peer4)
		return NULL;
	return in;
v6:
	key.family = AF_INET6;
	key.port = bpf_ntohs((__u16)ctx->user_port);
	in = bpf_map_lookup_elem(&in_by_port, &key);
	if (!in)
		return NULL;
	{
		const __u32 *l = (const __u32 *)in->local.addr;

		if (l[0] != ctx->user_ip6[0] || l[1] != ctx->user_ip6[1] ||
		    l[2] != ctx->user_ip6[2] || l[3] != ctx->user_ip6[3])
			return NULL;
	}
	return in;
}

static __always_inline int getpeername(struct bpf_sock_addr *ctx, int family)
{
	__u64 cookie;
	struct tcpinc_out *o;
	struct tcpinc_in *in;

	if (!is_tcp(ctx))
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	o = bpf_map_lookup_elem(&out_by_cookie, &cookie);
	if (o) {
		put_ep(ctx, family, &o->remote);
		return 1;
	}
	in = inbound_peer(ctx, family);
	if (in)
		put_ep(ctx, family, &in->remote);
	return 1;
}

static __always_inline int getsockname(struct bpf_sock_addr *ctx, int family)
{
	__u64 cookie;
	struct tcpinc_out *o;

	if (!is_tcp(ctx))
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	o = bpf_map_lookup_elem(&out_by_cookie, &cookie);
	/* tcpincd fills `local` once its network socket is bound. */
	if (o && o->local.port && (family == AF_INET6 || o->local.family == AF_INET))
		put_ep(ctx, family, &o->local);
	return 1;
}

SEC("cgroup/getpeername4")
int tcpinc_getpeername4(struct bpf_sock_addr *ctx)
{
	return getpeername(ctx, AF_INET);
}

SEC("cgroup/getpeername6")
int tcpinc_getpeername6(struct bpf_sock_addr *ctx)
{
	return getpeername(ctx, AF_INET6);
}

SEC("cgroup/getsockname4")
int tcpinc_getsockname4(struct bpf_sock_addr *ctx)
{
	return getsockname(ctx, AF_INET);
}

SEC("cgroup/getsockname6")
int tcpinc_getsockname6(struct bpf_sock_addr *ctx)
{
	return getsockname(ctx, AF_INET6);
}

/* Family of the loopback connection to tcpincd, as tcpincd's accept sees it. */
static __always_inline __u16 conn_family(struct bpf_sock_ops *skops)
{
	__u32 r[4];

	if (skops->family == AF_INET)
		return AF_INET;
	r[0] = skops->remote_ip6[0];
	r[1] = skops->remote_ip6[1];
	r[2] = skops->remote_ip6[2];
	r[3] = skops->remote_ip6[3];
	return tcpinc_ip6_is_v4mapped(r) ? AF_INET : AF_INET6;
}

static __always_inline void watch_close(struct bpf_sock_ops *skops)
{
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags |
						 BPF_SOCK_OPS_STATE_CB_FLAG);
}

static __always_inline void on_connect(struct bpf_sock_ops *skops)
{
	struct tcpinc_port_key key = {};
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct tcpinc_out *o;

	o = bpf_map_lookup_elem(&out_by_cookie, &cookie);
	if (!o)
		return;
	key.family = conn_family(skops);
	key.port = (__u16)skops->local_port;
	bpf_map_update_elem(&out_by_port, &key, o, BPF_ANY);
	watch_close(skops);
}

static __always_inline void on_listen(struct bpf_sock_ops *skops)
{
	__u16 port = (__u16)skops->local_port;
	struct tcpinc_listen one = { .refs = 1 }, *l;
	struct tcpinc_policy_ref *bound;
	__u64 cookie;

	if (sockops_cgroup_id) {
		one.pol = TCPINC_POLICY_OF_CURRENT();
	} else {
		/* not bound by the service itself (autobind): host policy */
		cookie = bpf_get_socket_cookie(skops);
		bound = bpf_map_lookup_elem(&bound_policy, &cookie);
		if (bound) {
			one.pol = *bound;
			bpf_map_delete_elem(&bound_policy, &cookie);
		}
	}
	l = bpf_map_lookup_elem(&listen_ports, &port);
	if (l)
		__sync_fetch_and_add(&l->refs, 1);
	else
		bpf_map_update_elem(&listen_ports, &port, &one, BPF_NOEXIST);
	watch_close(skops);
}

static __always_inline void on_close(struct bpf_sock_ops *skops)
{
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct tcpinc_port_key key = {};
	struct tcpinc_listen *l;
	__u16 port = (__u16)skops->local_port;

	if (skops->args[0] == BPF_TCP_LISTEN) {
		l = bpf_map_lookup_elem(&listen_ports, &port);
		if (!l)
			return;
		if (__sync_fetch_and_sub(&l->refs, 1) <= 1)
			bpf_map_delete_elem(&listen_ports, &port);
		return;
	}
	if (bpf_map_delete_elem(&out_by_cookie, &cookie) == 0) {
		key.family = conn_family(skops);
		key.port = port;
		bpf_map_delete_elem(&out_by_port, &key);
	}
}

SEC("sockops")
int tcpinc_service_sockops(struct bpf_sock_ops *skops)
{
	if (!tcpinc_in_our_netns(skops))
		return 1;
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		on_connect(skops);
		break;
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		on_listen(skops);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		if (skops->args[1] == BPF_TCP_CLOSE)
			on_close(skops);
		break;
	}
	return 1;
}
