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

/*
 * Run tcpincd with argv[1..] (argv[0] is replaced, NULL-terminated), stdio
 * inherited; returns the exit status to use.
 */
static int run_tcpincd_argv(char **argv)
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
		argv[0] = "tcpincd";
		execv(path, argv);
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

static int run_tcpincd(const char *arg1, const char *arg2)
{
	char *argv[] = {NULL, (char *)arg1, (char *)arg2, NULL};

	return run_tcpincd_argv(argv);
}

/* tcpincd --daemon [-v] daemon_args... */
static int start_daemon(bool verbose, int nargs, char **daemon_args)
{
	char **argv = calloc(nargs + 4, sizeof(*argv));
	int n = 1, i, ret;

	if (!argv)
		return cli_error("out of memory");
	argv[n++] = "--daemon";
	if (verbose)
		argv[n++] = "-v";
	for (i = 0; i < nargs; i++)
		argv[n++] = daemon_args[i];
	ret = run_tcpincd_argv(argv);
	free(argv);
	return ret;
}

int ensure_daemon(bool verbose)
{
	if (daemon_running())
		return 0;
	return start_daemon(verbose, 0, NULL);
}

/* tcpinc up [-v] [-- TCPINCD_OPTIONS...] */
int cmd_up(int argc, char **argv)
{
	bool verbose = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "--"))
			break;
		else
			return cli_usage_error("up: unexpected argument '%s'",
					       argv[i]);
	}
	if (daemon_running()) {
		/* options belong to a start: say so rather than drop them */
		if (i + 1 < argc)
			return cli_error("tcpincd already runs in this network "
					 "namespace; 'tcpinc down' first to "
					 "change its options");
		return 0;
	}
	return start_daemon(verbose, i < argc ? argc - i - 1 : 0,
			    argv + i + 1);
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
