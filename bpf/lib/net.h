/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small network helpers for BPF programs (vmlinux.h has no libc macros). */
#ifndef TCPINC_BPF_NET_H
#define TCPINC_BPF_NET_H

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif
#ifndef SOCK_STREAM
#define SOCK_STREAM 1
#endif

/* Addresses are in network byte order as the kernel hands them over. */
static __always_inline bool tcpinc_ip4_is_loopback(__u32 ip4)
{
	return (bpf_ntohl(ip4) >> 24) == 127;
}

static __always_inline bool tcpinc_ip6_is_v4mapped(const __u32 *ip6)
{
	return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == bpf_htonl(0xffff);
}

static __always_inline bool tcpinc_ip6_is_loopback(const __u32 *ip6)
{
	if (tcpinc_ip6_is_v4mapped(ip6))
		return tcpinc_ip4_is_loopback(ip6[3]);
	return ip6[0] == 0 && ip6[1] == 0 && ip6[2] == 0 &&
	       ip6[3] == bpf_htonl(1);
}

/* Store an IPv4 address as v4-mapped IPv6 (struct tcpinc_endpoint). */
static __always_inline void tcpinc_ep_set4(struct tcpinc_endpoint *ep,
					   __u32 ip4, __u16 port)
{
	__u32 *a = (__u32 *)ep->addr;

	a[0] = 0;
	a[1] = 0;
	a[2] = bpf_htonl(0xffff);
	a[3] = ip4;
	ep->port = port;
	ep->family = AF_INET;
}

static __always_inline void tcpinc_ep_set6(struct tcpinc_endpoint *ep,
					   const __u32 *ip6, __u16 port)
{
	__u32 *a = (__u32 *)ep->addr;

	a[0] = ip6[0];
	a[1] = ip6[1];
	a[2] = ip6[2];
	a[3] = ip6[3];
	ep->port = port;
	ep->family = tcpinc_ip6_is_v4mapped(ip6) ? AF_INET : AF_INET6;
}

#endif /* TCPINC_BPF_NET_H */
