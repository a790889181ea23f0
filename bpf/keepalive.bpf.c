// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Keep-alive requests of intercepted applications (RFC 8548 §3.9).
 *
 * An application's TCP keep-alives go to tcpincd over loopback, where they
 * are always answered, and TCP keep-alives could not be authenticated on the
 * network anyway: tcpincd checks the real peer with tcpcrypt rekeys instead
 * (user/tcpincd/keepalive.c) when the application turned SO_KEEPALIVE on.
 * These programs, on each attached service cgroup, tell it so: they copy
 * the socket's SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT, as
 * the kernel applies them (its sysctls for what the application left
 * unset), into ka_by_port under the key of the connection's interception
 * record, and bump ka_seq so that tcpincd reads them again.
 *
 *  - cgroup/setsockopt: one of the four on an intercepted, connected
 *    socket; the call then goes on to the kernel unchanged;
 *  - sock_ops TCP_CONNECT_CB: an outbound connect() of a socket that has
 *    keep-alive on already (set before connect());
 *  - sock_ops PASSIVE_ESTABLISHED_CB: a service's connection from tcpincd
 *    that has it on from the start (inherited from the listening socket).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <tcpinc/keepalive.h>

#include "lib/intercept.h"

#define SOL_SOCKET 1
#define SO_KEEPALIVE 9
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
/* The kernel refuses values outside these (include/net/tcp.h). */
#define MAX_TCP_KEEPIDLE 32767
#define MAX_TCP_KEEPINTVL 32767
#define MAX_TCP_KEEPCNT 127
#define PAGE_SIZE 4096

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Entries are deleted by tcpincd when it closes the connection. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcpinc_ka_key);
	__type(value, struct tcpinc_ka);
} ka_by_port SEC(".maps");

/* Bumped after every write to ka_by_port. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ka_seq SEC(".maps");

/*
 * The socket's settings as the kernel has them now (s: the sock_ops
 * context or a socket). A value the kernel does not give stays 0.
 */
static __always_inline void ka_read(void *s, struct tcpinc_ka *ka)
{
	int v;

	v = 0;
	if (!bpf_getsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)))
		ka->on = !!v;
	v = 0;
	if (!bpf_getsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)))
		ka->idle = v;
	v = 0;
	if (!bpf_getsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof(v)))
		ka->intvl = v;
	v = 0;
	if (!bpf_getsockopt(s, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof(v)))
		ka->cnt = v;
}

static __always_inline void ka_put(__u16 family, __u16 port, __u8 inbound,
				   struct tcpinc_ka *ka)
{
	struct tcpinc_ka_key key = {
		.family = family,
		.port = port,
		.inbound = inbound,
	};
	__u32 zero = 0;
	__u64 *seq;

	if (bpf_map_update_elem(&ka_by_port, &key, ka, BPF_ANY)) {
		tcpinc_count(TCPINC_C_BPF_ERRORS);
		return;
	}
	seq = bpf_map_lookup_elem(&ka_seq, &zero);
	if (seq)
		__sync_fetch_and_add(seq, 1);
}

static __always_inline void ka_put_rec(struct tcpinc_rec *r,
				       struct tcpinc_ka *ka)
{
	if (r->out) {
		ka->app_cookie = r->out->app_cookie;
		ka_put(r->key.family, r->key.port, 0, ka);
	} else if (r->in) {
		ka->remote = r->in->remote;
		ka_put(r->key.family, r->key.port, 1, ka);
	}
}

/*
 * The value an option takes, or -1 if it is not one of ours or the kernel
 * will refuse it (then nothing changes).
 */
static __always_inline long ka_opt_value(struct bpf_sockopt *ctx)
{
	int *p = ctx->optval;
	int v;

	if (ctx->level != SOL_SOCKET && ctx->level != IPPROTO_TCP)
		return -1;
	if ((void *)(p + 1) > ctx->optval_end || ctx->optlen < (int)sizeof(int))
		return -1;
	v = *p;
	if (ctx->level == SOL_SOCKET)
		return ctx->optname == SO_KEEPALIVE ? !!v : -1;
	switch (ctx->optname) {
	case TCP_KEEPIDLE:
		return v >= 1 && v <= MAX_TCP_KEEPIDLE ? v : -1;
	case TCP_KEEPINTVL:
		return v >= 1 && v <= MAX_TCP_KEEPINTVL ? v : -1;
	case TCP_KEEPCNT:
		return v >= 1 && v <= MAX_TCP_KEEPCNT ? v : -1;
	}
	return -1;
}

SEC("cgroup/setsockopt")
int tcpinc_ka_setsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct tcpinc_rec r = {};
	struct tcpinc_ka ka = {};
	long v;

	/*
	 * Before 6.5 the kernel fails a larger option with EFAULT unless
	 * told to use the caller's buffer (0); none of ours is that long.
	 */
	if (ctx->optlen > PAGE_SIZE) {
		ctx->optlen = 0;
		return 1;
	}
	v = ka_opt_value(ctx);
	if (v < 0 || !sk || sk->type != SOCK_STREAM ||
	    sk->protocol != IPPROTO_TCP || !tcpinc_in_our_netns(ctx))
		return 1;
	/* Not connected yet: sock_ops reads the kernel's values at connect. */
	if (!tcpinc_find_rec(sk, &r))
		return 1;
	/* The kernel applies the new value after us: the others are current. */
	ka_read(sk, &ka);
	if (ctx->level == SOL_SOCKET)
		ka.on = v;
	else if (ctx->optname == TCP_KEEPIDLE)
		ka.idle = v;
	else if (ctx->optname == TCP_KEEPINTVL)
		ka.intvl = v;
	else
		ka.cnt = v;
	ka_put_rec(&r, &ka);
	return 1;
}

static __always_inline void on_connect(struct bpf_sock_ops *skops,
				       struct bpf_sock *sk)
{
	__u64 cookie = bpf_get_socket_cookie(skops);
	struct tcpinc_ka ka = {};
	__u32 dst[4];

	/* connect4/6 redirected it to tcpincd (service.bpf.c). */
	if (!bpf_map_lookup_elem(&out_by_cookie, &cookie))
		return;
	ka_read(skops, &ka);
	if (!ka.on)
		return;
	ka.app_cookie = cookie;
	if (sk->family == AF_INET) {
		ka_put(AF_INET, (__u16)sk->src_port, 0, &ka);
		return;
	}
	dst[0] = sk->dst_ip6[0];
	dst[1] = sk->dst_ip6[1];
	dst[2] = sk->dst_ip6[2];
	dst[3] = sk->dst_ip6[3];
	/* keyed like out_by_port: a v4-mapped connection is AF_INET */
	ka_put(tcpinc_ip6_is_v4mapped(dst) ? AF_INET : AF_INET6,
	       (__u16)sk->src_port, 0, &ka);
}

static __always_inline void on_accepted(struct bpf_sock_ops *skops,
					struct bpf_sock *sk)
{
	struct tcpinc_rec r = {};
	struct tcpinc_ka ka = {};

	if (!tcpinc_find_rec(sk, &r) || !r.in)
		return;
	ka_read(skops, &ka);
	if (ka.on)
		ka_put_rec(&r, &ka);
}

SEC("sockops")
int tcpinc_ka_sockops(struct bpf_sock_ops *skops)
{
	struct bpf_sock *sk;

	if (skops->op != BPF_SOCK_OPS_TCP_CONNECT_CB &&
	    skops->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	sk = skops->sk;
	if (!sk || !tcpinc_in_our_netns(skops))
		return 1;
	if (skops->op == BPF_SOCK_OPS_TCP_CONNECT_CB)
		on_connect(skops, sk);
	else
		on_accepted(skops, sk);
	return 1;
}
