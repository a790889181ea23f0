/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Peers known not to answer TCP-ENO (plain_peers map): for a while, the
 * service programs leave connect()s to them alone, so plain TCP to a peer
 * without tcpinc costs nothing after the first connection.
 */
#ifndef TCPINCD_PLAIN_PEERS_H
#define TCPINCD_PLAIN_PEERS_H

#include <stddef.h>
#include <sys/socket.h>

/* tcpincd --plain-peer-ttl SECONDS (0: never bypass). */
int tcpincd_plain_peers_option(const char *arg, char *err, size_t errlen);

/* An outbound connection's SYN-ACK came without ENO: remember its peer. */
void tcpincd_plain_peer_note(const struct sockaddr_storage *peer);

#endif
