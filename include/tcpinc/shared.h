/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Structures and constants shared by the BPF programs (bpf/) and userspace
 * (tcpincd, tcpinc). Everything here crosses a BPF map, so layouts are fixed
 * and use only __u8/__u16/__u32/__u64.
 */
#ifndef TCPINC_SHARED_H
#define TCPINC_SHARED_H

#ifdef __BPF__
/* vmlinux.h provides the __uN types */
#else
#include <linux/types.h>
#endif

#define TCPINC_ENO_KIND 69
/* Largest TCP option: kind + length + 38 bytes of contents. */
#define TCPINC_ENO_OPT_MAX 40

/* TEP identifiers (RFC 8547 §7, RFC 8548 §7). */
#define TCPINC_TEP_P256 0x21
#define TCPINC_TEP_P521 0x22
#define TCPINC_TEP_CURVE25519 0x23
#define TCPINC_TEP_CURVE448 0x24
/*
 * RFC 8547's experimental TEP id, used by tcpinc hosts with kernel TLS:
 * tcpcrypt's X25519 exchange, then TLS 1.3 records (docs/tep-0x20.md).
 */
#define TCPINC_TEP_KTLS 0x20

/* Global suboption bits (RFC 8547 §4.5). */
#define TCPINC_GOPT_B 0x01
#define TCPINC_GOPT_A 0x02

/*
 * Reason codes. A connection that ended up in plain TCP carries one
 * TCPINC_FB_* code; one that was aborted carries one TCPINC_AB_*. Each code is
 * also the index of its counter in the stats array, so every fallback and
 * abort is counted by the code that explains it.
 */
enum tcpinc_reason {
	TCPINC_R_NONE = 0, /* still negotiating */
	TCPINC_R_NEGOTIATED, /* ENO done, TEP running (not a fallback) */

	/* fallbacks to plain TCP (RFC 8547 §4.8 disable conditions and more) */
	TCPINC_FB_SYN_NO_ENO, /* passive: peer's SYN had no ENO option */
	TCPINC_FB_SYNACK_NO_ENO, /* active: peer's SYN-ACK had no ENO option */
	TCPINC_FB_ACK_NO_ENO, /* passive: first ACK from A lacked ENO */
	TCPINC_FB_SYN_MALFORMED, /* peer's SYN-form option ill-formed */
	TCPINC_FB_SYN_MULTIPLE, /* more than one ENO option in a SYN */
	TCPINC_FB_NO_COMMON_TEP, /* no valid TEP in common */
	TCPINC_FB_VACUOUS, /* peer sent a vacuous ENO option */
	TCPINC_FB_ROLE_CONFLICT, /* both sides sent the same b bit */
	TCPINC_FB_AA_MANDATORY, /* we need a=1 and the peer sent a=0 */
	TCPINC_FB_SYNCOOKIE, /* passive side answered with a SYN cookie */
	TCPINC_FB_NO_OPTION_SPACE, /* ENO did not fit beside the other options */
	TCPINC_FB_SYN_RETRIES, /* ENO dropped after SYN retransmissions */
	TCPINC_FB_NO_DAEMON, /* attached app connected while tcpincd was down */
	TCPINC_FB_PEER_CLOSED, /* peer closed before the TEP started */
	TCPINC_FB_RESUME_MISMATCH, /* active: the peer resumed with an
				      identifier that is not ours (RFC 8548
				      §3.5: ENO disabled) */

	/* aborts of an encrypted connection */
	TCPINC_AB_BAD_TAG, /* AEAD authentication failed on a frame */
	TCPINC_AB_BAD_INIT, /* malformed Init1/Init2 */
	TCPINC_AB_UNKNOWN_CIPHER, /* no common AEAD, or Init2 chose one not offered */
	TCPINC_AB_BAD_PUBKEY, /* public key invalid or all-zero shared secret */
	TCPINC_AB_FIN_WITHOUT_FINP, /* TCP FIN with no FINp frame */
	TCPINC_AB_PEER_RESET, /* peer reset the network connection */
	TCPINC_AB_CONNECT_FAILED, /* remote refused or timed out */
	TCPINC_AB_APP_RESET, /* local application reset its socket */
	TCPINC_AB_INTERNAL, /* out of memory or similar local failure */
	TCPINC_AB_ENO_MISMATCH, /* peer encrypts, we fell back (ENO stripped
				   from its third ACK): abort, never hand its
				   Init bytes to the application */
	TCPINC_AB_KEEPALIVE_TIMEOUT, /* keep-alive: the peer answered none of
					the application's keepcnt rekeys */
	TCPINC_AB_KTLS_SETUP, /* TEP 0x20: the kernel refused the TLS ULP
				 or a key */
	TCPINC_AB_KTLS_RECORD, /* TEP 0x20: a TLS record other than data
				  or close_notify (alert, key update) */

	TCPINC_R_MAX
};

#define TCPINC_R_FIRST_FB TCPINC_FB_SYN_NO_ENO
#define TCPINC_R_FIRST_AB TCPINC_AB_BAD_TAG

/* Counters that are not reasons follow the reason codes in the stats array. */
enum tcpinc_counter {
	TCPINC_C_CONN_OUT = TCPINC_R_MAX, /* outbound connections intercepted */
	TCPINC_C_CONN_IN, /* inbound connections intercepted */
	TCPINC_C_HANDSHAKES, /* tcpcrypt key exchanges completed */
	TCPINC_C_REKEYS, /* rekeys sent or answered */
	TCPINC_C_BYTES_ENC_IN, /* application bytes received encrypted */
	TCPINC_C_BYTES_ENC_OUT,
	TCPINC_C_BYTES_PLAIN_IN, /* application bytes moved in plain TCP */
	TCPINC_C_BYTES_PLAIN_OUT,
	TCPINC_C_ENO_SYN_SENT, /* BPF: SYNs sent carrying ENO */
	TCPINC_C_ENO_SYNACK_SENT, /* BPF: SYN-ACKs sent carrying ENO */
	TCPINC_C_BPF_ERRORS, /* BPF: a helper failed unexpectedly */
	TCPINC_C_ENO_TRIMMED, /* BPF: fewer TEPs offered so ENO fits */
	TCPINC_C_ENO_LATE, /* BPF: ENO from the peer after we disabled
			      (stripped from its first ACK only) */
	TCPINC_C_RESUME_OFFERED, /* BPF: SYNs sent with a resumption suboption */
	TCPINC_C_RESUME_ACCEPTED, /* BPF: SYN-ACKs that agreed to resume */
	TCPINC_C_RESUMED, /* sessions keyed by resumption (no Init) */
	TCPINC_C_RESUME_DECLINED, /* our offer to resume answered fresh */
	TCPINC_C_PLAIN_BYPASS, /* BPF: connects left direct, to a peer known
				  not to answer ENO (plain_peers) */
	TCPINC_C_KTLS, /* TEP 0x20 sessions keyed into kernel TLS */
	TCPINC_C_MAX
};

/* Negotiation state of one of tcpincd's network sockets. */
enum tcpinc_eno_state {
	TCPINC_ENO_NEGOTIATING = 0,
	TCPINC_ENO_ENABLED = 1,
	TCPINC_ENO_DISABLED = 2,
};

/* tcpinc_eno_conn.flags */
#define TCPINC_ENOF_ACTIVE 0x01 /* we sent the SYN-only */
#define TCPINC_ENOF_PEER_NONSYN 0x02 /* a non-SYN segment from the peer arrived */
#define TCPINC_ENOF_SENT_SYN 0x04 /* our SYN-form option was written */
/* After we disabled (ACK without ENO), the peer sent ENO on a non-SYN
 * segment: it believes encryption is on. tcpincd must abort. */
#define TCPINC_ENOF_PEER_ENO_LATE 0x08

/*
 * Value of the eno_conns map (hash keyed by the socket cookie of one of
 * tcpincd's network sockets). Written by bpf/eno.bpf.c, read and deleted by
 * tcpincd. local_opt/peer_opt hold the exact SYN-form options as they crossed
 * the wire, kind and length bytes included (the transcript's halves).
 */
struct tcpinc_eno_conn {
	__u8 state; /* enum tcpinc_eno_state */
	__u8 role; /* 0 = host A, 1 = host B (valid when ENABLED) */
	__u8 tep; /* negotiated TEP byte as B sent it, v bit included */
	__u8 reason; /* enum tcpinc_reason */
	__u8 flags; /* TCPINC_ENOF_* */
	__u8 peer_gopt; /* peer's global suboption (0 if implicit) */
	__u8 local_len; /* bytes used in local_opt */
	__u8 peer_len; /* bytes used in peer_opt */
	__u8 local_opt[TCPINC_ENO_OPT_MAX];
	__u8 peer_opt[TCPINC_ENO_OPT_MAX];
};

/* An IPv4 or IPv6 endpoint; IPv4 is stored as a v4-mapped IPv6 address. */
struct tcpinc_endpoint {
	__u8 addr[16];
	__u16 port; /* host byte order */
	__u16 family; /* AF_INET or AF_INET6 */
};

/* tcpinc_api.state */
enum tcpinc_api_state {
	TCPINC_API_NEGOTIATING = 0,
	TCPINC_API_ENCRYPTED = 1,
	TCPINC_API_PLAIN = 2,
};

/*
 * What bpf/api.bpf.c answers to an application's getsockopt(IPPROTO_TCP,
 * TCP_ENO_*) (include/tcpinc.h). tcpincd fills it as the connection
 * progresses; it lives inside the interception records below.
 */
struct tcpinc_api_info {
	__u8 state; /* enum tcpinc_api_state */
	__u8 role; /* 0 = A, 1 = B */
	__u8 tep; /* negotiated TEP byte as B sent it */
	__u8 self_gopt;
	__u8 peer_gopt;
	__u8 transcript_len;
	__u16 aead; /* AEAD id in use */
	__u8 session_id[33];
	__u8 pad[3];
	__u8 transcript[2 * TCPINC_ENO_OPT_MAX];
};

/*
 * Policy of an attachment (`tcpinc attach` options), in the cg_policy map
 * under the attached cgroup's id. BPF copies it, from the deepest attached
 * ancestor of a service's socket, into the interception records, where
 * tcpincd and the ENO program find it. id 0 = the host's defaults.
 */
#define TCPINC_POL_RESUME 0x01 /* resumption: offered (out) and accepted (in) */
struct tcpinc_policy_ref {
	__u32 id; /* tcpincd's attachment policy number, 0 = none */
	__u32 flags; /* TCPINC_POL_* */
};
/*
 * Outbound interception. connect4/6 on a service cgroup rewrites the
 * destination to tcpincd's loopback listener and stores the destination the
 * application asked for under the application socket's cookie (out_by_cookie).
 * The service sock_ops program, at TCP_CONNECT_CB, copies it under the
 * application's loopback source port (out_by_port) where tcpincd finds it
 * after accept(). tcpincd fills `local` once its network socket is bound, so
 * getsockname() shows the address the connection really uses.
 */
struct tcpinc_out {
	struct tcpinc_endpoint remote; /* what the application connect()ed to */
	struct tcpinc_endpoint local; /* tcpincd's network-side local address */
	__u64 app_cookie;
	struct tcpinc_api_info api; /* kept in out_by_port, until the app closes */
	struct tcpinc_policy_ref pol; /* of the application's cgroup */
};

struct tcpinc_port_key {
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 port; /* host byte order */
};

/*
 * Inbound interception. sk_lookup steers SYNs for a port in listen_ports to
 * tcpincd; tcpincd connects to the service over loopback from a port it bound
 * first, and records here, under {family, that port}, the real peer, so the
 * service's accept()/getpeername() show it.
 */
struct tcpinc_in {
	struct tcpinc_endpoint remote; /* the real remote host */
	struct tcpinc_endpoint local; /* the address the remote connected to */
	struct tcpinc_api_info api;
};

/* listen_ports value: a service in an attached cgroup listens on this port. */
struct tcpinc_listen {
	__u32 refs; /* listening sockets on the port */
	struct tcpinc_policy_ref pol; /* of the first listener */
};
/*
 * Active opener, per network socket (sk_storage eno_syn_cfg, written by
 * tcpincd by fd before connect()): the SYN-form option to send instead of
 * the host's default, and for a resumption offer, the identifier half the
 * peer must answer with (RFC 8548 §3.5).
 */
struct tcpinc_syn_cfg {
	__u8 len; /* of opt; 0: the host's default option */
	__u8 resume; /* opt's last suboption asks to resume */
	__u8 expect[9]; /* the peer's identifier half, if resume */
	__u8 pad[5];
	__u8 opt[TCPINC_ENO_OPT_MAX];
};
/*
 * Passive opener: session secrets a peer may resume (resume_ids map, filled
 * by tcpincd). Key: the TEP (v = 0 form) and the identifier half the peer
 * sends; value: our answer. The first SYN to claim an entry owns it (claim,
 * from its addresses and ports), so that SYN-ACK retransmissions and the
 * decision at establishment give the same answer and a second SYN with the
 * same identifier is answered fresh (each secret secures one connection).
 */
struct tcpinc_resume_key {
	__u8 tep;
	__u8 id[9];
	__u8 pad[2];
};
struct tcpinc_resume_ans {
	__u64 claim; /* 0 = unclaimed */
	__u8 half[9]; /* our identifier half */
	__u8 nonce_len; /* 0..8 */
	__u8 nonce[8]; /* our resumption nonce, fresh for this entry */
	/* answer length the SYN-ACK had room for (nonce cut short), 0 = all */
	__u8 sent_len;
	__u8 pad[5];
};
/*
 * Shortest resumption nonce we send when the SYN or SYN-ACK has no room for
 * all 8 bytes (timestamps, SACK, window scale and MSS leave 20 bytes, and
 * B's answer is 21 with 8): 4 random bytes keep (ss[i], nonce) unique for
 * a secret that is only ever used once anyway.
 */
#define TCPINC_RESUME_NONCE_MIN 4

/* Slots of the tcpincd_socks sockmap. A slot is empty when tcpincd is down. */
enum tcpinc_sock_slot {
	TCPINC_SLOT_OUT4 = 0, /* loopback listener for intercepted IPv4 connects */
	TCPINC_SLOT_OUT6, /* same for IPv6 */
	TCPINC_SLOT_IN4, /* listener for steered inbound IPv4 SYNs */
	TCPINC_SLOT_IN6, /* same for IPv6 */
	TCPINC_SLOT_MAX
};

#endif /* TCPINC_SHARED_H */
