// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flip: a one-shot bit-flipping "middlebox" for the tamper test.
 *
 * Attached at tc clsact egress of one interface. Among TCP segments towards
 * destination port `dport` whose payload is at least `min_len` bytes, it
 * flips one bit in the payload of the `nth` one (1-based), and the same bit
 * of that stream byte in every later segment that carries it again
 * (retransmissions), so the receiver cannot get the byte unaltered when the
 * first altered copy is lost on the way. The TCP checksum is patched for the
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
__u64 reflipped = 0; /* later copies of the flipped byte altered too */
static __u32 flip_byte_seq; /* sequence number of the flipped byte */

/*
 * Flip the lowest bit of payload byte off. One byte is loaded and stored,
 * so the last byte of a segment is reached too; in the checksum it is the
 * high half of a 16-bit word at an even offset (doff counts 32-bit words).
 */
static __always_inline int flip_byte(struct __sk_buff *skb, __u32 l4,
				     __u32 hlen, __u32 off)
{
	__u32 at = l4 + hlen + off;
	__u8 old, new;

	if (bpf_skb_load_bytes(skb, at, &old, sizeof(old)))
		return -1;
	new = old ^ 1;
	if (bpf_skb_store_bytes(skb, at, &new, sizeof(new), 0))
		return -1;
	if (bpf_l4_csum_replace(skb, l4 + offsetof(struct tcphdr, check),
				bpf_htons(off & 1 ? old : old << 8),
				bpf_htons(off & 1 ? new : new << 8), 2))
		csum_errors++;
	return 0;
}

SEC("tc")
int flip(struct __sk_buff *skb)
{
	__u32 l4, tot_len, hlen, payload, poff;
	struct tcphdr th;
	__u64 n;

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
	if (flipped) {
		poff = flip_byte_seq - bpf_ntohl(th.seq);
		if (poff < payload && !flip_byte(skb, l4, hlen, poff))
			__sync_fetch_and_add(&reflipped, 1);
		return TC_ACT_OK;
	}
	if (payload < cfg_min_len)
		return TC_ACT_OK;

	n = __sync_fetch_and_add(&seen, 1) + 1;
	if (n != cfg_nth)
		return TC_ACT_OK;

	/* the byte in the middle of the payload */
	poff = payload / 2;
	if (flip_byte(skb, l4, hlen, poff))
		return TC_ACT_OK;

	flip_seq = bpf_ntohl(th.seq);
	flip_byte_seq = flip_seq + poff;
	flip_off = poff;
	flip_len = payload;
	__sync_fetch_and_add(&flipped, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
