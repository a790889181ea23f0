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

#endif /* TCPINC_BPF_MAPS_H */
