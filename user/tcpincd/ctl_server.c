// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Answers the tcpinc CLI on the control socket (protocol in common/ctl.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/ctl.h"
#include "common/names.h"
#include "tcpincd/addr.h"
#include "tcpincd/conn.h"
#include "tcpincd/log.h"
#include "tcpincd/policy.h"
#include "tcpincd/resume.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void cmd_show(int s)
{
	char local[TCPINCD_ADDRSTRLEN], remote[TCPINCD_ADDRSTRLEN];
	char tep[8] = "", aead[8] = "", sid[2 * TCPINC_SESSID_LEN + 1];
	struct conn *c;

	tcpinc_ctl_send_line(s, "ok");
	for (c = tcpincd.conns; c; c = c->next) {
		tcpincd_addr_str(&c->local, local, sizeof(local));
		tcpincd_addr_str(&c->remote, remote, sizeof(remote));
		tep[0] = aead[0] = sid[0] = '\0';
		if (c->mode == MODE_CRYPT || c->mode == MODE_KTLS) {
			snprintf(tep, sizeof(tep), "0x%02x", c->tep);
			if (c->info_valid) {
				snprintf(aead, sizeof(aead), "0x%04x",
					 c->info.aead);
				hex(c->info.session_id, TCPINC_SESSID_LEN, sid);
			}
		}
		tcpinc_ctl_send_line(s, "conn\t%s\t%s\t%c\t%s\t%s\t%s\t%s\t%s\t%llu\t%llu",
				     local, remote, c->role ? 'B' : 'A',
				     conn_state_name(c),
				     tcpinc_reason_name(c->reason), tep, aead,
				     sid, (unsigned long long)c->bytes_in,
				     (unsigned long long)c->bytes_out);
	}
}

static void cmd_stats(int s)
{
	uint64_t v[TCPINC_C_MAX];
	unsigned int i;

	memcpy(v, tcpincd.counters, sizeof(v));
	if (tcpincd_bpf_read_stats(&tcpincd.bpf, v)) {
		tcpinc_ctl_send_line(s, "error\tcannot read BPF counters: %s",
				     strerror(errno));
		return;
	}
	tcpinc_ctl_send_line(s, "ok");
	for (i = TCPINC_R_NEGOTIATED; i < TCPINC_C_MAX; i++)
		tcpinc_ctl_send_line(s, "counter\t%s\t%llu",
				     tcpinc_counter_name(i),
				     (unsigned long long)v[i]);
}

static void cache_line(const struct sockaddr_storage *peer, bool passive,
		       uint32_t index, uint8_t tep, uint64_t age, void *ctx)
{
	char addr[TCPINCD_ADDRSTRLEN], *colon;

	tcpincd_addr_str(peer, addr, sizeof(addr));
	/* the host only: drop the ":0" (and IPv6 brackets) */
	colon = strrchr(addr, ':');
	if (colon)
		*colon = '\0';
	if (addr[0] == '[') {
		memmove(addr, addr + 1, strlen(addr));
		addr[strlen(addr) - 1] = '\0';
	}
	tcpinc_ctl_send_line(*(int *)ctx, "secret\t%s\t%s\t%u\t0x%02x\t%llu",
			     addr, passive ? "in" : "out", index, tep,
			     (unsigned long long)age);
}

/* flush [ADDRESS]: wipe cached session secrets (all, or one peer's). */
static void cmd_flush(int s, int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	unsigned int n;

	if (argc > 1) {
		if (inet_pton(AF_INET, argv[1], &in->sin_addr) == 1) {
			ss.ss_family = AF_INET;
		} else if (inet_pton(AF_INET6, argv[1], &in6->sin6_addr) == 1) {
			ss.ss_family = AF_INET6;
		} else {
			tcpinc_ctl_send_line(s, "error\t%s: not an IP address",
					     argv[1]);
			return;
		}
	}
	n = tcpincd_resume_flush(argc > 1 ? &ss : NULL);
	tcpinc_ctl_send_line(s, "ok");
	tcpinc_ctl_send_line(s, "flushed\t%u", n);
}

/* attach PATH [OPTION...] / detach PATH, with the cgroup's fd. */
static void cmd_attach(int s, bool attach, int argc, char **argv, int fd)
{
	const char *path = argc > 1 ? argv[1] : "?";
	struct tcpincd_policy pol;
	char err[512] = "";
	int e;

	if (fd < 0) {
		tcpinc_ctl_send_line(s, "error\tno cgroup descriptor received");
		return;
	}
	if (attach) {
		e = tcpincd_policy_parse(&pol, argc > 2 ? argc - 2 : 0,
					 argv + 2, err, sizeof(err));
		if (!e)
			e = tcpincd_bpf_attach(&tcpincd.bpf, fd, path, &pol,
					       err, sizeof(err));
	} else {
		e = tcpincd_bpf_detach(&tcpincd.bpf, fd, err, sizeof(err));
	}
	if (e)
		tcpinc_ctl_send_line(s, "error\t%s", err[0] ? err : strerror(-e));
	else
		tcpinc_ctl_send_line(s, "ok");
}

void tcpincd_ctl_accept(void)
{
	struct timeval tv = { .tv_sec = 1 };
	char buf[TCPINC_CTL_MSG_MAX], err[256];
	char *argv[TCPINC_CTL_MAX_ARGS];
	int s, argc, fd = -1, i;

	s = accept4(tcpincd.ctl.fd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		return;
	/* A stuck client must not stall the data path for long. */
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	argc = tcpinc_ctl_read_request(s, buf, sizeof(buf), argv,
				       TCPINC_CTL_MAX_ARGS, &fd);
	if (argc <= 0) {
		tcpinc_ctl_send_line(s, "error\tbad request");
	} else if (!strcmp(argv[0], "ping")) {
		tcpinc_ctl_send_line(s, "ok");
		tcpinc_ctl_send_line(s, "pid\t%d", getpid());
		tcpinc_ctl_send_line(s, "pin\t%s", tcpincd.bpf.pin_dir);
	} else if (!strcmp(argv[0], "show")) {
		cmd_show(s);
	} else if (!strcmp(argv[0], "stats")) {
		cmd_stats(s);
	} else if (!strcmp(argv[0], "attach") || !strcmp(argv[0], "detach")) {
		cmd_attach(s, argv[0][0] == 'a', argc, argv, fd);
	} else if (!strcmp(argv[0], "cgroups")) {
		tcpinc_ctl_send_line(s, "ok");
		for (i = 0; i < tcpincd.bpf.natt; i++) {
			tcpincd_policy_describe(&tcpincd.bpf.att[i].pol, err,
						sizeof(err));
			tcpinc_ctl_send_line(s, "cgroup\t%s\t%s",
					     tcpincd.bpf.att[i].path, err);
		}
	} else if (!strcmp(argv[0], "cache")) {
		tcpinc_ctl_send_line(s, "ok");
		tcpincd_resume_list(cache_line, &s);
	} else if (!strcmp(argv[0], "flush")) {
		cmd_flush(s, argc, argv);
	} else if (!strcmp(argv[0], "down")) {
		tcpinc_ctl_send_line(s, "ok");
		tcpincd.stopping = true;
	} else {
		tcpinc_ctl_send_line(s, "error\tunknown command '%s'", argv[0]);
	}
	if (fd >= 0)
		close(fd);
	close(s);
}
