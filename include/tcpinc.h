/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tcpinc.h: socket options for TCP-ENO (RFC 8547) and tcpcrypt (RFC 8548)
 * aware applications, named as in draft-ietf-tcpinc-api-06.
 *
 * All options are at level IPPROTO_TCP. On Linux they are answered by
 * tcpinc's cgroup getsockopt program for sockets in an attached cgroup;
 * elsewhere the kernel answers ENOPROTOOPT.
 *
 * Read-only options succeed only on an encrypted connection: ENOTCONN while
 * ENO is still negotiating, EINVAL when the connection is not encrypted.
 * Never treat an error as an empty session ID (draft §3, security rules).
 *
 * Link with -ltcpinc for the helpers; the constants need nothing else.
 */
#ifndef TCPINC_H
#define TCPINC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The draft assigns no numbers. These live at 0x4500 + n (0x45 = 69, the
 * ENO option kind), far above the kernel's TCP_* options (below 64 today)
 * so that no kernel option is ever shadowed or mistaken for one of these.
 */
#define TCPINC_SOCKOPT_BASE 0x4500

/* TCP-ENO, per connection (draft Table 1). */
#define TCP_ENO_ENABLED	      (TCPINC_SOCKOPT_BASE + 0) /* RW int -1/0/1 */
#define TCP_ENO_SESSID	      (TCPINC_SOCKOPT_BASE + 1) /* R bytes */
#define TCP_ENO_NEGTEP	      (TCPINC_SOCKOPT_BASE + 2) /* R int, TEP | v<<7 */
#define TCP_ENO_TEPS	      (TCPINC_SOCKOPT_BASE + 3) /* RW bytes */
#define TCP_ENO_SELF_GOPT     (TCPINC_SOCKOPT_BASE + 4) /* RW int 0-31 */
#define TCP_ENO_PEER_GOPT     (TCPINC_SOCKOPT_BASE + 5) /* R int 0-31 */
#define TCP_ENO_AA_MANDATORY  (TCPINC_SOCKOPT_BASE + 6) /* RW int 0/1 */
#define TCP_ENO_TEP_MANDATORY (TCPINC_SOCKOPT_BASE + 7) /* RW int 0/1 */
#define TCP_ENO_ROLE	      (TCPINC_SOCKOPT_BASE + 8) /* R int 0 = A, 1 = B */
#define TCP_ENO_SELF_NAME     (TCPINC_SOCKOPT_BASE + 9) /* R role | sessid */
#define TCP_ENO_PEER_NAME     (TCPINC_SOCKOPT_BASE + 10) /* R !role | sessid */
#define TCP_ENO_TRANSCRIPT    (TCPINC_SOCKOPT_BASE + 11) /* R bytes */

/* tcpcrypt, per connection (draft Table 4). */
#define TCP_CRYPT_CONF	      (TCPINC_SOCKOPT_BASE + 16) /* R int, AEAD in use */
#define TCP_CRYPT_CACHE_FLUSH (TCPINC_SOCKOPT_BASE + 17) /* W int 1 */
#define TCP_CRYPT_ACONF	      (TCPINC_SOCKOPT_BASE + 18) /* RW bytes */
#define TCP_CRYPT_BCONF	      (TCPINC_SOCKOPT_BASE + 19) /* RW bytes */

/* Roles (TCP_ENO_ROLE). */
#define TCP_ENO_ROLE_A 0
#define TCP_ENO_ROLE_B 1

/* Global suboption bits (TCP_ENO_SELF_GOPT / TCP_ENO_PEER_GOPT). */
#define TCP_ENO_GOPT_B 0x01 /* role: this host wants to be B */
#define TCP_ENO_GOPT_A 0x02 /* application-aware */

/* tcpcrypt session IDs are 33 bytes; TEPs may define longer ones. */
#define TCPINC_SESSID_MAX 64

/*
 * The session ID of fd into buf. *len is buf's size on entry and the ID's
 * length on return. 0, or -errno: -ENOTCONN while negotiating, -EINVAL if
 * the connection is not encrypted, -ENOPROTOOPT if tcpinc does not answer
 * on this socket, -ENOBUFS if buf is too small to hold the whole ID.
 */
int tcpinc_get_session_id(int fd, uint8_t *buf, size_t *len);

/* TCP_ENO_ROLE_A or TCP_ENO_ROLE_B, or -errno as above. */
int tcpinc_get_role(int fd);

/*
 * The negotiated TEP byte (low 7 bits the TEP identifier, e.g. 0x23; high
 * bit the v bit of B's suboption), or -errno as above.
 */
int tcpinc_get_negtep(int fd);

#ifdef __cplusplus
}
#endif

#endif /* TCPINC_H */
