/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Finding the TCP segment in a packet at tc, for the lab's middleboxes:
 * Ethernet, then IPv4 (not a fragment) or IPv6 (no extension headers).
 */
#ifndef TCPINC_LAB_TCP_SEG_H
#define TCPINC_LAB_TCP_SEG_H

#define ETH_HLEN       14
#define ETH_P_IP       0x0800
#define ETH_P_IPV6     0x86DD
#define IPPROTO_TCP_NR 6
#define TC_ACT_OK      0

/*
 * The offset of the TCP header (*l4) and the length of the TCP segment,
 * header included (*seg_len). Returns 0, or -1 for anything else.
 */
static __always_inline int lab_tcp_seg(struct __sk_buff *skb, __u32 *l4,
				       __u32 *seg_len)
{
	const __u32 l3 = ETH_HLEN;
	__be16 proto = skb->protocol;
	__u32 tot_len;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)))
			return -1;
		if (ip.protocol != IPPROTO_TCP_NR)
			return -1;
		if (ip.frag_off & bpf_htons(0x3fff))
			return -1; /* fragment */
		*l4 = l3 + ip.ihl * 4;
		tot_len = bpf_ntohs(ip.tot_len);
		/* A GSO packet may carry tot_len 0; use the skb length then. */
		if (tot_len == 0)
			tot_len = skb->len - l3;
		if (tot_len < ip.ihl * 4)
			return -1;
		*seg_len = tot_len - ip.ihl * 4;
		return 0;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, l3, &ip6, sizeof(ip6)))
			return -1;
		if (ip6.nexthdr != IPPROTO_TCP_NR)
			return -1; /* extension headers: not handled */
		*l4 = l3 + sizeof(ip6);
		tot_len = bpf_ntohs(ip6.payload_len);
		if (tot_len == 0)
			tot_len = skb->len - *l4;
		*seg_len = tot_len;
		return 0;
	}
	return -1; /* not IP (VLAN tags do not occur on the test veths) */
}

#endif /* TCPINC_LAB_TCP_SEG_H */
