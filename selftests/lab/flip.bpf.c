// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flip: a one-shot bit-flipping "middlebox" for the tamper test.
 *
 * Attached at tc clsact egress of one interface. Among TCP segments towards
 * destination port `dport` whose payload is at least `min_len` bytes, it
 * flips one bit in the payload of the `nth` one (1-based) and then lets every
 * later segment through untouched. The TCP checksum is patched for the
 * changed 16-bit word (bpf_l4_csum_replace; on a CHECKSUM_PARTIAL skb, as
 * veth and loopback produce, the kernel leaves the field alone since the
 * payload sum is still to be computed), so the receiving TCP accepts the
 * modified bytes and hands them to the application.
 *
 * The segment seen here may be a GSO super-packet; flipping a bit in it
 * changes exactly one of the segments it is cut into.
 *
 * Counters (in .bss, read by the loader): segments that matched the filter
 * and segments flipped, plus where the flip happened.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "tcp_seg.h"


/* Configuration, set by the loader before load. */
const volatile __u16 cfg_dport = 0; /* host byte order */
const volatile __u32 cfg_nth = 20;
const volatile __u32 cfg_min_len = 500;

/* Results, read by the loader. */
__u64 seen = 0; /* matching segments (dport and payload length) */
__u64 flipped = 0; /* segments modified (0 or 1) */
__u32 flip_seq = 0; /* TCP sequence number of the flipped segment */
__u32 flip_off = 0; /* payload offset of the flipped byte */
__u32 flip_len = 0; /* payload length of the flipped segment */
__u32 csum_errors = 0; /* bpf_l4_csum_replace failed (should stay 0) */

SEC("tc")
int flip(struct __sk_buff *skb)
{
	__u32 l4, tot_len, hlen, payload, poff, csum_off;
	struct tcphdr th;
	__be16 old, new;
	__u64 n;

	if (flipped)
		return TC_ACT_OK;

	if (lab_tcp_seg(skb, &l4, &tot_len))
		return TC_ACT_OK;

	if (bpf_skb_load_bytes(skb, l4, &th, sizeof(th)))
		return TC_ACT_OK;
	if (th.dest != bpf_htons(cfg_dport))
		return TC_ACT_OK;
	hlen = th.doff * 4;
	if (hlen < sizeof(th) || tot_len <= hlen)
		return TC_ACT_OK;
	payload = tot_len - hlen;
	if (payload < cfg_min_len)
		return TC_ACT_OK;

	n = __sync_fetch_and_add(&seen, 1) + 1;
	if (n != cfg_nth)
		return TC_ACT_OK;

	/* The 16-bit word in the middle of the payload, at an even offset
	 * from the start of the TCP header so that it is one checksum word. */
	poff = (payload / 2) & ~1U;
	if (poff + 2 > payload)
		return TC_ACT_OK;
	if ((hlen & 1) != 0)
		return TC_ACT_OK; /* cannot happen: doff counts 32-bit words */
	if (bpf_skb_load_bytes(skb, l4 + hlen + poff, &old, sizeof(old)))
		return TC_ACT_OK;
	new = old ^ bpf_htons(0x0100); /* lowest bit of the first byte */
	if (bpf_skb_store_bytes(skb, l4 + hlen + poff, &new, sizeof(new), 0))
		return TC_ACT_OK;
	csum_off = l4 + offsetof(struct tcphdr, check);
	if (bpf_l4_csum_replace(skb, csum_off, old, new, sizeof(new)))
		csum_errors++;

	flip_seq = bpf_ntohl(th.seq);
	flip_off = poff;
	flip_len = payload;
	__sync_fetch_and_add(&flipped, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
