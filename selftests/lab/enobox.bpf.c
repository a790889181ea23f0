// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * enobox: a "middlebox" that interferes with TCP-ENO (option kind 69), for
 * the lab tests (selftests/e2e/lab_*.bats).
 *
 * Attached at tc clsact ingress of both interfaces of a router namespace that
 * sits between host A (active opener) and host B (passive opener), so it
 * sees both directions of every connection. It only looks at TCP segments
 * to or from port `cfg_port` (the server's port on B). One mode per load:
 *
 *   STRIP_SYN     overwrite ENO with NOPs in SYN-only segments (A's SYN)
 *   STRIP_SYNACK  the same in SYN-ACK segments (B's answer)
 *   STRIP_ACK3    the same in the first non-SYN segment of A in a flow only
 *                 (the third segment of the handshake); flows are tracked
 *                 in a map from A's SYN on
 *   STRIP_NONSYN  the same in every non-SYN segment, both directions
 *   ECHO          an "echoing load balancer": remember the ENO option of
 *                 A's SYN per flow and write those bytes over B's ENO option
 *                 in the SYN-ACK (NOP-padded if A's is shorter; if longer,
 *                 it may only grow over NOPs that follow B's option)
 *   DROP_SYN      drop every SYN or SYN-ACK that carries kind 69
 *   FORGE_ID      in a SYN-ACK that agrees to resume (`45 len gopt TEP|v
 *                 id...`, RFC 8548 §3.5), invert the first identifier byte
 *
 * Stripping and rewriting never change a length: the option bytes are
 * replaced in place and the TCP checksum is patched with the difference
 * (bpf_l4_csum_replace; on a CHECKSUM_PARTIAL skb the kernel leaves the
 * field alone, as the sum is still to be computed over the new bytes).
 *
 * Counters (.bss, printed by the loader): TCP segments on the port, those
 * carrying kind 69, segments changed, dropped, flows tracked, and failures.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_HLEN       14
#define ETH_P_IP       0x0800
#define ETH_P_IPV6     0x86DD
#define IPPROTO_TCP_NR 6
#define TC_ACT_OK      0
#define TC_ACT_SHOT    2

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_ENO 69
#define OPT_MAX	   40 /* TCP option space */
#define OPT_BUF \
	64 /* buffers: a power of 2 above OPT_MAX, so that an
			* index masked with OPT_BUF - 1 is in bounds */

#define TH_SYN 0x02
#define TH_ACK 0x10

enum enobox_mode {
	ENOBOX_STRIP_SYN = 1,
	ENOBOX_STRIP_SYNACK,
	ENOBOX_STRIP_ACK3,
	ENOBOX_STRIP_NONSYN,
	ENOBOX_ECHO,
	ENOBOX_DROP_SYN,
	ENOBOX_FORGE_ID,
};

/* Configuration, set by the loader before load. */
const volatile __u32 cfg_mode = 0;
const volatile __u16 cfg_port = 0; /* host byte order */

/* Results, read by the loader. */
__u64 seen = 0; /* TCP segments to or from cfg_port */
__u64 eno = 0; /* ... of which carried an option of kind 69 */
__u64 changed = 0; /* segments whose options were rewritten */
__u64 dropped = 0; /* segments dropped */
__u64 flows = 0; /* SYNs of A recorded in the flow map */
__u64 nofit = 0; /* echo: A's option could not be written over B's */
__u64 errors = 0; /* a helper failed (should stay 0) */

/* A flow, oriented from A (the SYN's sender) to B. */
struct flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u32 family;
};

struct flow_val {
	__u32 acked; /* A's first non-SYN segment went by */
	__u32 opt_len; /* ENO option of A's SYN (0: none) */
	__u8 opt[OPT_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
} flow_map SEC(".maps");

struct seg {
	struct flow_key key; /* as seen: source is this segment's sender */
	__u32 l4; /* offset of the TCP header */
	__u32 opt_len; /* bytes of options (multiple of 4, <= 40) */
	/* Kept here rather than in registers: the verifier then need not
	 * walk every (offset, length) combination separately. */
	__u32 i; /* option scan position */
	__u32 eno_start; /* the ENO option found: offset, length */
	__u32 eno_len;
	__u8 flags;
	__u8 opt[OPT_BUF];
	__u8 newopt[OPT_BUF];
};

/* Scratch space: one segment at a time per CPU (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct seg);
} scratch SEC(".maps");

/* Fill s from the skb; 0 if it is a TCP segment on cfg_port. */
static __always_inline int parse(struct __sk_buff *skb, struct seg *s)
{
	__u32 l3 = ETH_HLEN;
	struct tcphdr th;
	__u32 hlen, olen;

	__builtin_memset(&s->key, 0, sizeof(s->key));
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)))
			return -1;
		if (ip.protocol != IPPROTO_TCP_NR)
			return -1;
		if (ip.frag_off & bpf_htons(0x1fff))
			return -1; /* not the first fragment */
		__builtin_memcpy(s->key.saddr, &ip.saddr, 4);
		__builtin_memcpy(s->key.daddr, &ip.daddr, 4);
		s->key.family = 4;
		s->l4 = l3 + ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, l3, &ip6, sizeof(ip6)))
			return -1;
		if (ip6.nexthdr != IPPROTO_TCP_NR)
			return -1; /* extension headers: not handled */
		__builtin_memcpy(s->key.saddr, &ip6.saddr, 16);
		__builtin_memcpy(s->key.daddr, &ip6.daddr, 16);
		s->key.family = 6;
		s->l4 = l3 + sizeof(ip6);
	} else {
		return -1;
	}

	if (bpf_skb_load_bytes(skb, s->l4, &th, sizeof(th)))
		return -1;
	if (th.dest != bpf_htons(cfg_port) && th.source != bpf_htons(cfg_port))
		return -1;
	s->key.sport = th.source;
	s->key.dport = th.dest;
	s->flags = ((__u8 *)&th)[13];
	hlen = th.doff * 4;
	if (hlen < sizeof(th) || hlen > sizeof(th) + OPT_MAX)
		return -1;
	/*
	 * Options come in words: ">= 4", not "!= 0", is what 6.1's verifier
	 * needs to see a length above zero.
	 */
	olen = hlen - sizeof(th);
	s->opt_len = olen;
	if (olen >= 4 &&
	    bpf_skb_load_bytes(skb, s->l4 + sizeof(th), s->opt, olen))
		return -1;
	return 0;
}

/*
 * Find the first option of kind 69: its offset in s->eno_start, its length in
 * s->eno_len. Returns 0 if found.
 */
__noinline int find_eno(struct seg *s)
{
	__u32 n;

	if (!s)
		return -1;
	s->i = 0;
	for (n = 0; n < OPT_MAX; n++) {
		__u32 i = s->i;
		__u8 kind, l;

		if (i >= s->opt_len || i >= OPT_MAX)
			return -1;
		kind = s->opt[i & (OPT_BUF - 1)];
		if (kind == TCPOPT_EOL)
			return -1;
		if (kind == TCPOPT_NOP) {
			s->i = i + 1;
			continue;
		}
		if (i + 1 >= s->opt_len || i + 1 >= OPT_MAX)
			return -1;
		l = s->opt[(i + 1) & (OPT_BUF - 1)];
		if (l < 2 || i + l > s->opt_len)
			return -1; /* malformed: leave the segment alone */
		if (kind == TCPOPT_ENO) {
			s->eno_start = i;
			s->eno_len = l;
			return 0;
		}
		s->i = i + l;
	}
	return -1;
}

/* Write s->newopt over the options and patch the TCP checksum. */
static __always_inline int commit(struct __sk_buff *skb, struct seg *s)
{
	__u32 csum_off = s->l4 + offsetof(struct tcphdr, check);
	__u32 len = s->opt_len;
	__s64 diff;

	if (len < 4 || len > OPT_MAX || (len & 3)) /* "< 4": as in parse() */
		return -1;
	diff = bpf_csum_diff((__be32 *)s->opt, len, (__be32 *)s->newopt, len,
			     0);
	if (diff < 0)
		return -1;
	if (bpf_skb_store_bytes(skb, s->l4 + sizeof(struct tcphdr), s->newopt,
				len, 0))
		return -1;
	if (bpf_l4_csum_replace(skb, csum_off, 0, (__u32)diff, 0))
		return -1;
	return 0;
}

/*
 * newopt = opt with the ENO option replaced by NOPs. The helpers that walk
 * the options are global functions: the verifier checks each once, for any
 * input, instead of once per option layout of every path that calls it.
 */
__noinline int nop_out(struct seg *s)
{
	__u32 start, len, j;

	if (!s)
		return -1;
	start = s->eno_start;
	len = s->eno_len;
	for (j = 0; j < OPT_MAX; j++) {
		if (j >= start && j < start + len)
			s->newopt[j] = TCPOPT_NOP;
		else
			s->newopt[j] = s->opt[j];
	}
	return 0;
}

/*
 * newopt = opt with A's option written over B's (at s->eno_start, length
 * s->eno_len), NOP-padded. -1 if A's option is longer than B's.
 */
__noinline int echo_over(struct seg *s, const struct flow_val *a)
{
	__u32 start, alen, blen, k, idx;

	if (!s || !a)
		return -1;
	start = s->eno_start;
	alen = a->opt_len;
	blen = s->eno_len;
	if (alen < 2 || alen > blen || blen > OPT_MAX)
		return -1;
	__builtin_memcpy(s->newopt, s->opt, OPT_MAX);
	for (k = 0; k < OPT_MAX; k++) {
		if (k >= blen)
			break;
		idx = start + k;
		if (idx >= OPT_MAX)
			return -1;
		/* Keep the mask below: the compiler would drop it after the
		 * check above and index with start + k, which the verifier
		 * cannot bound. */
		asm volatile("" : "+r"(idx));
		s->newopt[idx & (OPT_BUF - 1)] =
			k < alen ? a->opt[k] : TCPOPT_NOP;
	}
	return 0;
}

/*
 * newopt = opt with the first identifier byte of a resumption answer (the
 * byte after a v=1 TEP right after the global suboption) inverted. -1 if
 * the option is not such an answer.
 */
__noinline int forge_id(struct seg *s)
{
	__u32 start;

	if (!s)
		return -1;
	start = s->eno_start;
	if (s->eno_len < 14 || start > OPT_MAX - 14)
		return -1;
	__builtin_memcpy(s->newopt, s->opt, OPT_MAX);
	if (!(s->opt[(start + 3) & (OPT_BUF - 1)] & 0x80))
		return -1;
	s->newopt[(start + 4) & (OPT_BUF - 1)] ^= 0xff;
	return 0;
}

static __always_inline void reverse(const struct flow_key *in,
				    struct flow_key *out)
{
	__builtin_memcpy(out->saddr, in->daddr, sizeof(out->saddr));
	__builtin_memcpy(out->daddr, in->saddr, sizeof(out->daddr));
	out->sport = in->dport;
	out->dport = in->sport;
	out->family = in->family;
}

SEC("tc")
int enobox(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct flow_key rkey;
	struct flow_val *fv;
	struct seg *s;
	int has_eno, syn, ack, rewrite = 0;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return TC_ACT_OK;
	if (parse(skb, s))
		return TC_ACT_OK;
	__sync_fetch_and_add(&seen, 1);
	has_eno = find_eno(s) == 0;
	if (has_eno)
		__sync_fetch_and_add(&eno, 1);
	syn = s->flags & TH_SYN;
	ack = s->flags & TH_ACK;

	if (syn && !ack) {
		/* A's SYN: (re)start tracking the flow. */
		struct flow_val v;

		__builtin_memset(&v, 0, sizeof(v));
		if (has_eno) {
			__u32 start = s->eno_start, len = s->eno_len;

			v.opt_len = len;
			for (__u32 j = 0; j < OPT_MAX; j++) {
				__u32 k = start + j;

				if (j < len && k < OPT_MAX)
					v.opt[j] = s->opt[k & (OPT_BUF - 1)];
			}
		}
		if (bpf_map_update_elem(&flow_map, &s->key, &v, BPF_ANY))
			__sync_fetch_and_add(&errors, 1);
		else
			__sync_fetch_and_add(&flows, 1);
	}

	switch (cfg_mode) {
	case ENOBOX_STRIP_SYN:
		rewrite = has_eno && syn && !ack;
		break;
	case ENOBOX_STRIP_SYNACK:
		rewrite = has_eno && syn && ack;
		break;
	case ENOBOX_STRIP_NONSYN:
		rewrite = has_eno && !syn;
		break;
	case ENOBOX_STRIP_ACK3:
		if (syn)
			break;
		fv = bpf_map_lookup_elem(&flow_map, &s->key);
		if (!fv || fv->acked)
			break; /* not from A, or not the first */
		fv->acked = 1;
		rewrite = has_eno;
		break;
	case ENOBOX_DROP_SYN:
		if (has_eno && syn) {
			__sync_fetch_and_add(&dropped, 1);
			return TC_ACT_SHOT;
		}
		break;
	case ENOBOX_FORGE_ID:
		if (!(has_eno && syn && ack) || forge_id(s)) {
			if (has_eno && syn && ack)
				__sync_fetch_and_add(&nofit, 1);
			break;
		}
		if (commit(skb, s))
			__sync_fetch_and_add(&errors, 1);
		else
			__sync_fetch_and_add(&changed, 1);
		return TC_ACT_OK;
	case ENOBOX_ECHO:
		if (!(has_eno && syn && ack))
			break;
		reverse(&s->key, &rkey);
		fv = bpf_map_lookup_elem(&flow_map, &rkey);
		if (!fv || !fv->opt_len || echo_over(s, fv)) {
			__sync_fetch_and_add(&nofit, 1);
			break;
		}
		if (commit(skb, s))
			__sync_fetch_and_add(&errors, 1);
		else
			__sync_fetch_and_add(&changed, 1);
		return TC_ACT_OK;
	default:
		break;
	}

	if (rewrite) {
		if (nop_out(s) || commit(skb, s))
			__sync_fetch_and_add(&errors, 1);
		else
			__sync_fetch_and_add(&changed, 1);
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
