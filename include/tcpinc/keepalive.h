/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keep-alive requests of intercepted applications, from bpf/keepalive.bpf.c
 * to tcpincd (user/tcpincd/keepalive.c). Crosses BPF maps: fixed layouts.
 */
#ifndef TCPINC_KEEPALIVE_H
#define TCPINC_KEEPALIVE_H

#include <tcpinc/shared.h>

/* ka_by_port key: the key of the connection's interception record. */
struct tcpinc_ka_key {
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 port; /* out_by_port or in_by_port port, host byte order */
	__u8 inbound; /* 0: out_by_port key, 1: in_by_port key */
	__u8 pad[3];
};

/*
 * The application socket's keep-alive settings as the kernel applies them
 * (its sysctl defaults for what the application did not set); 0 where the
 * kernel could not be asked (tcpincd then uses Linux's defaults).
 */
struct tcpinc_ka {
	__u32 on; /* SO_KEEPALIVE */
	__u32 idle; /* TCP_KEEPIDLE, seconds */
	__u32 intvl; /* TCP_KEEPINTVL, seconds */
	__u32 cnt; /* TCP_KEEPCNT, probes */
	/*
	 * Which connection wrote this, so that a late write for a closed
	 * connection is never taken for a new one on the same port:
	 * outbound, the application socket's cookie (tcpinc_out.app_cookie);
	 * inbound, the real remote host (tcpinc_in.remote).
	 */
	__u64 app_cookie;
	struct tcpinc_endpoint remote;
	__u32 pad;
};

#endif /* TCPINC_KEEPALIVE_H */
