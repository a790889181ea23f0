// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Experiment (docs/performance.md, "fallback"): an application's sends on
 * its loopback hop to a relay redirected to the egress of the relay's
 * network socket, once every byte sent before has gone through the relay.
 *
 *   sockops  the application's connection to the relay (port 5000) at
 *            establishment: into `app`, its write_seq into `state`
 *   sk_msg   on `app`: pass until the relay says ready and the bytes the
 *            application queued equal the bytes the relay forwarded; then
 *            redirect to the relay's network socket in `net`
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define RELAY_PORT 5000

struct egress_state {
	__u32 base; /* the application's write_seq at establishment */
	__u32 ready; /* the relay put its network socket into `net` */
	__u64 fwd; /* bytes the relay forwarded into that socket */
};

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 64);
	__type(key, __u32); /* the application's local port */
	__type(value, __u64);
} app SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} net SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct egress_state);
} state SEC(".maps");

__u64 passed, early, redirected;

SEC("sockops")
int egress_ops(struct bpf_sock_ops *s)
{
	struct egress_state v = {};
	__u32 k;

	if (s->op != BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB ||
	    s->remote_port != bpf_htonl(RELAY_PORT))
		return 1;
	k = s->local_port;
	v.base = s->snd_nxt;
	bpf_map_update_elem(&state, &k, &v, BPF_ANY);
	bpf_sock_hash_update(s, &app, &k, BPF_ANY);
	return 1;
}

SEC("sk_msg")
int egress_msg(struct sk_msg_md *m)
{
	__u32 k = m->local_port;
	struct egress_state *v;
	struct tcp_sock *tp;

	v = bpf_map_lookup_elem(&state, &k);
	if (!v || !v->ready || !m->sk) {
		__sync_fetch_and_add(&passed, 1);
		return SK_PASS;
	}
	/* Bytes still on the hop or in the relay would be overtaken. */
	tp = bpf_skc_to_tcp_sock(m->sk);
	if (!tp || tp->write_seq - v->base != (__u32)v->fwd) {
		__sync_fetch_and_add(&early, 1);
		return SK_PASS;
	}
	__sync_fetch_and_add(&redirected, 1);
	return bpf_msg_redirect_hash(m, &net, &k, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
