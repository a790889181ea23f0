// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * finrst: a one-shot "middlebox" that ends a TCP stream behind the
 * endpoints' backs, for the truncation tests (RFC 8548: only a FINp frame is
 * an end of stream; a bare TCP FIN or an RST is an error).
 *
 * Attached at tc clsact egress of one interface. Among TCP segments towards
 * destination port `dport` whose payload is at least `min_len` bytes, the
 * `nth` one (1-based) gets, depending on the mode,
 *
 *   FINRST_FIN: the FIN flag added. Its payload is left alone, so the
 *     receiver takes the data and then a FIN right after it, at the
 *     sequence number the sender will use for its next byte. The stream is
 *     then truncated: later segments towards `dport` that carry payload are
 *     dropped for `hold_ms` milliseconds, so that the receiver sees a plain
 *     end of stream; without that, the sender's next segment, arriving
 *     microseconds later on a closed receive side, makes the receiving
 *     kernel reset the connection at once (RFC 1122), and the receiver
 *     would see a reset rather than the FIN. After hold_ms, segments pass
 *     again (and get the receiver's RST), so that neither end hangs.
 *   FINRST_RST: the RST flag added (ACK and the payload kept; Linux accepts
 *     an RST whose sequence number is rcv_nxt, which an in-order segment
 *     has, and ignores its payload).
 *
 * Otherwise later segments pass untouched. The TCP checksum is patched for
 * the flags word (bpf_l4_csum_replace, a no-op on a CHECKSUM_PARTIAL skb).
 *
 * A GSO super-packet is one segment here: with FIN, segmentation would keep
 * the flag on its last piece only, i.e. still after the same data; with RST
 * every piece carries it and the first one (seq == rcv_nxt) resets.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "tcp_seg.h"

#define TC_ACT_SHOT    2

/* TCP flag bits in the 16-bit word at byte offset 12 of the header. */
#define TCPW_FIN 0x0001
#define TCPW_RST 0x0004

enum finrst_mode {
	FINRST_FIN = 1,
	FINRST_RST = 2,
};

/* Configuration, set by the loader before load. */
const volatile __u16 cfg_dport = 0; /* host byte order */
const volatile __u32 cfg_mode = FINRST_FIN;
const volatile __u32 cfg_nth = 20;
const volatile __u32 cfg_min_len = 500;
const volatile __u64 cfg_hold_ns = 1000000000ULL; /* mode fin only */

/* Results, read by the loader. */
__u64 seen = 0; /* matching segments (dport and payload length) */
__u64 injected = 0; /* segments modified (0 or 1) */
__u32 inj_seq = 0; /* TCP sequence number of the modified segment */
__u32 inj_len = 0; /* its payload length */
__u32 csum_errors = 0; /* bpf_l4_csum_replace failed (should stay 0) */
__u64 dropped = 0; /* data segments dropped after a FIN (mode fin) */
__u64 inj_time = 0; /* bpf_ktime_get_ns() at the injection */

SEC("tc")
int finrst(struct __sk_buff *skb)
{
	__u32 l4, tot_len, hlen, payload, woff;
	struct tcphdr th;
	__be16 old, new;
	__u64 n;

	if (injected && (cfg_mode != FINRST_FIN ||
			 bpf_ktime_get_ns() - inj_time >= cfg_hold_ns))
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
	if (injected) {
		/* Mode fin, within hold_ns: the stream ended at the FIN. */
		__sync_fetch_and_add(&dropped, 1);
		return TC_ACT_SHOT;
	}
	if (th.syn || th.fin || th.rst)
		return TC_ACT_OK;
	if (payload < cfg_min_len)
		return TC_ACT_OK;

	n = __sync_fetch_and_add(&seen, 1) + 1;
	if (n != cfg_nth)
		return TC_ACT_OK;

	/* Data offset, reserved bits and flags: one checksum word. */
	woff = l4 + 12;
	if (bpf_skb_load_bytes(skb, woff, &old, sizeof(old)))
		return TC_ACT_OK;
	if (cfg_mode == FINRST_RST)
		new = old | bpf_htons(TCPW_RST);
	else
		new = old | bpf_htons(TCPW_FIN);
	if (bpf_skb_store_bytes(skb, woff, &new, sizeof(new), 0))
		return TC_ACT_OK;
	if (bpf_l4_csum_replace(skb, l4 + offsetof(struct tcphdr, check), old,
				new, sizeof(new)))
		csum_errors++;

	inj_seq = bpf_ntohl(th.seq);
	inj_len = payload;
	inj_time = bpf_ktime_get_ns();
	__sync_fetch_and_add(&injected, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
