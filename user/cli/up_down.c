// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * up/down: start and stop tcpincd. `tcpincd --daemon` forks and its parent
 * exits only once the daemon is ready (or with the loader's error on
 * stderr), so waiting for our child is waiting for readiness.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/ctl.h"

#define DOWN_POLL_MS 20
#define DOWN_WAIT_MS 10000

static bool executable(const char *path)
{
	return access(path, X_OK) == 0;
}

/* $TCPINCD, else tcpincd beside our own binary, else the first in $PATH. */
static int find_tcpincd(char *buf, size_t cap)
{
	const char *env = getenv("TCPINCD"), *p, *end;
	char self[PATH_MAX], *slash;
	ssize_t n;
	size_t len;

	if (env && env[0]) {
		if (strlen(env) >= cap)
			return -ENAMETOOLONG;
		strcpy(buf, env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash &&
		    (size_t)snprintf(buf, cap, "%.*s/tcpincd",
				     (int)(slash - self), self) < cap &&
		    executable(buf))
			return 0;
	}
	p = getenv("PATH");
	for (; p && *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		len = end - p;
		if ((size_t)snprintf(buf, cap, "%.*s/tcpincd", (int)len,
				     len ? p : ".") < cap &&
		    executable(buf))
			return 0;
	}
	return -ENOENT;
}

/* Run tcpincd with args, stdio inherited; returns the exit status to use. */
static int run_tcpincd(const char *arg1, const char *arg2)
{
	char path[PATH_MAX];
	int status;
	pid_t pid;

	if (find_tcpincd(path, sizeof(path)) < 0)
		return cli_error("cannot find tcpincd (looked beside tcpinc "
				 "and in PATH; set TCPINCD to its path)");
	pid = fork();
	if (pid < 0)
		return cli_error("fork: %s", strerror(errno));
	if (pid == 0) {
		execl(path, "tcpincd", arg1, arg2, (char *)NULL);
		cli_error("cannot run %s: %s", path, strerror(errno));
		_exit(1);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_error("waitpid: %s", strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return cli_error("tcpincd killed by signal %d", WTERMSIG(status));
}

int ensure_daemon(bool verbose)
{
	if (daemon_running())
		return 0;
	return run_tcpincd("--daemon", verbose ? "-v" : NULL);
}

int cmd_up(int argc, char **argv)
{
	bool verbose = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else
			return cli_usage_error("up: unexpected argument '%s'",
					       argv[i]);
	}
	return ensure_daemon(verbose);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cmd_down(int argc, char **argv)
{
	char *req[] = {"down"};
	int ret, bound, waited;

	if (argc > 1)
		return cli_usage_error("down: unexpected argument '%s'",
				       argv[1]);
	ret = daemon_call(1, req, -1, NULL, NULL);
	if (ret == DAEMON_DOWN)
		return run_tcpincd("--cleanup", NULL);
	if (ret)
		return ret;
	/* The daemon answers before it tears down; gone = name unbound. */
	for (waited = 0; waited <= DOWN_WAIT_MS; waited += DOWN_POLL_MS) {
		bound = tcpinc_ctl_bound();
		if (bound == 0)
			return 0;
		if (bound < 0)
			return cli_error("control socket: %s",
					 strerror(-bound));
		sleep_ms(DOWN_POLL_MS);
	}
	return cli_error("tcpincd still answers %d s after 'down'",
			 DOWN_WAIT_MS / 1000);
}
