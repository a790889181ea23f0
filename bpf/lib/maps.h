/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Maps shared between the BPF objects. Each object that includes this file
 * gets its own definition; tcpincd loads the first object and hands the same
 * map fds to the others by name (bpf_map__reuse_fd), so definitions must stay
 * identical everywhere.
 */
#ifndef TCPINC_BPF_MAPS_H
#define TCPINC_BPF_MAPS_H

#include "lib/common.h"

/* tcpincd's listeners, by enum tcpinc_sock_slot; empty slots = daemon down. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, TCPINC_SLOT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tcpincd_socks SEC(".maps");

/* Outbound: application socket cookie -> destination it asked for. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct tcpinc_out);
} out_by_cookie SEC(".maps");

/* Outbound: {family, app's loopback source port} -> the same, for tcpincd. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcpinc_port_key);
	__type(value, struct tcpinc_out);
} out_by_port SEC(".maps");

/* Inbound: {family, tcpincd's source port towards the service} -> real peer. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct tcpinc_port_key);
	__type(value, struct tcpinc_in);
} in_by_port SEC(".maps");

/* Ports that services in attached cgroups listen on (host byte order). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u16);
	__type(value, struct tcpinc_listen);
} listen_ports SEC(".maps");

/*
 * Peers (address and port) whose SYN-ACK came without ENO, until when
 * (bpf_ktime_get_ns()): an application's connect() to one goes direct,
 * without the detour through tcpincd. Bounded: the least recent go first.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct tcpinc_endpoint);
	__type(value, __u64);
} plain_peers SEC(".maps");

/* Attached cgroup id -> its attachment's policy (tcpincd attach). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct tcpinc_policy_ref);
} cg_policy SEC(".maps");

/* Deepest cgroup levels searched for an attachment's policy. */
#define TCPINC_CG_LEVELS 16

/*
 * The policy of the deepest attached cgroup among self's ancestors (self
 * included): programs attached to a cgroup run for its descendants too.
 * ancestor(level) gives the id at that level. Zero (the host's) if none.
 * A macro: program types differ in which cgroup helpers they may call.
 */
#define TCPINC_POLICY_OF(self, ancestor)                              \
	({                                                            \
		struct tcpinc_policy_ref ref_ = {}, *p_;              \
		__u64 id_, self_ = (self);                            \
		int lvl_;                                             \
		for (lvl_ = 1; lvl_ <= TCPINC_CG_LEVELS; lvl_++) {    \
			id_ = ancestor(lvl_);                         \
			if (!id_)                                     \
				break;                                \
			p_ = bpf_map_lookup_elem(&cg_policy, &id_);   \
			if (p_)                                       \
				ref_ = *p_;                           \
			if (id_ == self_)                             \
				break;                                \
		}                                                     \
		ref_;                                                 \
	})

/* For a process's own call (connect(), listen()): its cgroup. */
#define TCPINC_POLICY_OF_CURRENT() \
	TCPINC_POLICY_OF(bpf_get_current_cgroup_id(), \
			 bpf_get_current_ancestor_cgroup_id)

#endif /* TCPINC_BPF_MAPS_H */
