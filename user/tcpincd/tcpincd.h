/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The daemon's global state and the event-loop plumbing shared by its files. */
#ifndef TCPINCD_H
#define TCPINCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <tcpinc/shared.h>

#include "tcpincd/bpf_setup.h"

/* What an epoll event refers to (the first member of each owner). */
enum tcpincd_ev_kind {
	EV_LISTENER,
	EV_CTL,
	EV_SIGNAL,
	EV_TIMER, /* the once-a-second tick (tick.c) */
	EV_CONN_APP,
	EV_CONN_NET,
};

struct tcpincd_ev {
	enum tcpincd_ev_kind kind;
	int fd;
	void *owner; /* struct conn for EV_CONN_* */
	int slot; /* enum tcpinc_sock_slot for EV_LISTENER */
};

struct conn;

struct tcpincd {
	int epfd;
	struct tcpincd_ev ctl, sig, timer;
	struct tcpincd_ev lst[TCPINC_SLOT_MAX]; /* fd -1 when absent */
	struct tcpincd_bpf bpf;
	struct conn *conns; /* doubly linked list of live connections */
	unsigned int nconns;
	uint64_t counters[TCPINC_C_MAX]; /* userspace side of the stats */
	bool stopping;
	/* start a new key generation after any of these (0: never) */
	uint64_t rekey_bytes, rekey_frames, rekey_secs;
};

/* 1: a rekey policy set, 0: that one turned off, -1: err filled */
int tcpincd_rekey_option(const char *name, const char *arg, char *err,
			 size_t errlen);

extern struct tcpincd tcpincd;

static inline void tcpincd_count(unsigned int idx, uint64_t n)
{
	if (idx < TCPINC_C_MAX)
		tcpincd.counters[idx] += n;
}

int tcpincd_ev_add(struct tcpincd_ev *ev, uint32_t events);
int tcpincd_ev_mod(struct tcpincd_ev *ev, uint32_t events);
void tcpincd_ev_del(struct tcpincd_ev *ev);

/* Monotonic clock, whole seconds. */
static inline uint64_t tcpincd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* tick.c: start the 1 s timer; run what is due when it fires. */
int tcpincd_tick_start(void);
void tcpincd_tick(void);

/* accept.c: a listener is readable. */
void tcpincd_accept(struct tcpincd_ev *lst);
/* ctl_server.c: the control socket is readable. */
void tcpincd_ctl_accept(void);

#endif
