// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's clock: a timerfd that fires once a second, for work that no
 * socket event triggers (time-based rekeys, keep-alive probes, expiry of
 * cached secrets). Each concern adds one call to tcpincd_tick().
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tcpincd/keepalive.h"
#include "tcpincd/resume.h"
#include "tcpincd/tcpincd.h"

int tcpincd_tick_start(void)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = 1 },
		.it_value = { .tv_sec = 1 },
	};
	int fd;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	tcpincd.timer = (struct tcpincd_ev){ .kind = EV_TIMER, .fd = fd };
	if (timerfd_settime(fd, 0, &its, NULL) ||
	    tcpincd_ev_add(&tcpincd.timer, EPOLLIN)) {
		int e = -errno;

		close(fd);
		tcpincd.timer.fd = -1;
		return e;
	}
	return 0;
}

void tcpincd_tick(void)
{
	uint64_t expirations;

	/* a missed second or two changes nothing below */
	if (read(tcpincd.timer.fd, &expirations, sizeof(expirations)) < 0)
		return;
	tcpincd_resume_expire();
	keepalive_tick();
}
