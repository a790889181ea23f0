// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * New connections on tcpincd's listeners.
 *
 * OUT4/OUT6 (loopback): an application in an attached cgroup connect()ed;
 * its real destination is in out_by_port under its loopback source port.
 * IN4/IN6 (steered by sk_lookup): a remote host connected to a port a
 * service listens on; ENO already ran on this socket; the socket's local
 * address is the one the remote host dialled, and the service gets a local
 * connection from that address, registered in in_by_port so that the
 * service's accept()/getpeername() show the remote host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "tcpincd/addr.h"
#include "tcpincd/conn.h"
#include "tcpincd/log.h"

static int start_connect(int fd, const struct sockaddr_storage *ss,
			 socklen_t len)
{
	if (connect(fd, (const struct sockaddr *)ss, len) && errno != EINPROGRESS)
		return -errno;
	return 0;
}

static void accept_outbound(int afd, const struct sockaddr_storage *peer)
{
	struct tcpinc_port_key key = { 0 };
	struct sockaddr_storage dst;
	struct tcpinc_out o;
	struct conn *c;
	socklen_t len;
	int nfd, err;

	tcpincd_count(TCPINC_C_CONN_OUT, 1);
	key.family = peer->ss_family == AF_INET6 &&
				     !IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)peer)->sin6_addr) ?
			     AF_INET6 :
			     AF_INET;
	key.port = ntohs(((const struct sockaddr_in *)peer)->sin_port);
	if (bpf_map_lookup_elem(tcpincd.bpf.out_by_port, &key, &o)) {
		/* Not an intercepted connect(): nothing to relay to. */
		tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
		close(afd);
		return;
	}
	/* The entry stays (until the app closes): it holds the API record. */
	len = tcpincd_sa_from_ep(&dst, &o.remote);
	nfd = tcpincd_stream_socket(dst.ss_family);
	if (nfd < 0) {
		tcpincd_log("socket: %s", strerror(-nfd));
		tcpincd_count(TCPINC_AB_INTERNAL, 1);
		close(afd);
		return;
	}
	c = conn_new(afd, nfd, true);
	if (!c) {
		tcpincd_count(TCPINC_AB_INTERNAL, 1);
		close(afd);
		close(nfd);
		return;
	}
	c->app_cookie = o.app_cookie;
	c->out_key = key;
	c->remote = dst;
	c->pol = o.pol;
	conn_syn_prepare(c);
	err = start_connect(nfd, &dst, len);
	if (err)
		conn_connected(c, -err);
	else
		conn_publish_local(c);
}

static void accept_inbound(int nfd)
{
	struct sockaddr_storage bind_ss, local, remote;
	struct tcpinc_in in = { 0 };
	uint8_t syn[512];
	struct conn *c;
	socklen_t len;
	__u64 cookie;
	int afd, err;

	tcpincd_count(TCPINC_C_CONN_IN, 1);
	len = sizeof(local);
	if (getsockname(nfd, (struct sockaddr *)&local, &len))
		goto fail;
	len = sizeof(remote);
	if (getpeername(nfd, (struct sockaddr *)&remote, &len))
		goto fail;
	afd = tcpincd_stream_socket(local.ss_family);
	if (afd < 0) {
		errno = -afd;
		goto fail;
	}
	c = conn_new(afd, nfd, false);
	if (!c) {
		close(afd);
		goto fail;
	}
	c->local = local;
	c->remote = remote;
	/*
	 * Reading the saved SYN frees it (the ENO program kept it for the
	 * transcript) and takes the socket lock, which waits until the ENO
	 * program's PASSIVE_ESTABLISHED run, racing with accept(), is over.
	 */
	len = sizeof(syn);
	getsockopt(nfd, IPPROTO_TCP, TCP_SAVED_SYN, syn, &len);
	len = sizeof(cookie);
	if (getsockopt(nfd, SOL_SOCKET, SO_COOKIE, &cookie, &len) ||
	    bpf_map_lookup_elem(tcpincd.bpf.eno_conns, &cookie, &c->eno)) {
		tcpincd_count(TCPINC_C_BPF_ERRORS, 1);
		memset(&c->eno, 0, sizeof(c->eno));
		c->eno.state = TCPINC_ENO_DISABLED;
	} else if (c->eno.state == TCPINC_ENO_DISABLED &&
		   c->eno.reason == TCPINC_FB_ACK_NO_ENO) {
		/*
		 * We answered ENO but A's first ACK came without it: if a
		 * middlebox stripped it, A is encrypting. Keep the entry (the
		 * ENO program flags late ENO in it) and check A's first bytes.
		 */
		c->init_watch = true;
		c->net_cookie = cookie;
	} else {
		bpf_map_delete_elem(tcpincd.bpf.eno_conns, &cookie);
	}

	conn_policy_inbound(c);
	conn_resume_settle(c);

	/* Connect to the service from the address the remote host dialled. */
	err = tcpincd_bpf_skip_eno(&tcpincd.bpf, c->app.fd);
	bind_ss = c->local;
	if (bind_ss.ss_family == AF_INET)
		((struct sockaddr_in *)&bind_ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&bind_ss)->sin6_port = 0;
	if (!err && bind(c->app.fd, (struct sockaddr *)&bind_ss,
			 bind_ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							sizeof(struct sockaddr_in6)))
		err = -errno;
	len = sizeof(bind_ss);
	if (!err && getsockname(c->app.fd, (struct sockaddr *)&bind_ss, &len))
		err = -errno;
	if (!err) {
		tcpincd_ep_from_sa(&in.remote, &c->remote);
		tcpincd_ep_from_sa(&in.local, &c->local);
		c->in_key.family = in.local.family;
		c->in_key.port = ntohs(((struct sockaddr_in *)&bind_ss)->sin_port);
		if (bpf_map_update_elem(tcpincd.bpf.in_by_port, &c->in_key, &in,
					BPF_ANY))
			err = -errno;
		else
			c->in_key_set = true;
	}
	if (!err)
		err = start_connect(c->app.fd, &c->local,
				    c->local.ss_family == AF_INET ?
					    sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6));
	if (err) {
		tcpincd_log("connect to service: %s", strerror(-err));
		conn_connected(c, -err);
	}
	return;
fail:
	tcpincd_log("inbound connection: %s", strerror(errno));
	tcpincd_count(TCPINC_AB_INTERNAL, 1);
	close(nfd);
}

void tcpincd_accept(struct tcpincd_ev *lst)
{
	struct sockaddr_storage peer;
	socklen_t len;
	int fd, i;

	/* Drain a batch; level-triggered epoll brings us back for more. */
	for (i = 0; i < 64; i++) {
		len = sizeof(peer);
		fd = accept4(lst->fd, (struct sockaddr *)&peer, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				tcpincd_log("accept: %s", strerror(errno));
			return;
		}
		if (lst->slot == TCPINC_SLOT_OUT4 || lst->slot == TCPINC_SLOT_OUT6)
			accept_outbound(fd, &peer);
		else
			accept_inbound(fd);
	}
}
