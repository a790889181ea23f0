// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * run: CMD in a fresh cgroup attached for its lifetime. The child joins the
 * cgroup before exec, so CMD's first connect() is already intercepted.
 *
 * Signals: SIGINT/SIGTERM/SIGHUP are blocked before fork and collected with
 * sigwaitinfo, so none is lost between fork and knowing the child's pid.
 * One the terminal sent to the whole foreground group already reached the
 * child; forwarding it again would make a ^C count twice.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cgroup.h"

#define RMDIR_POLL_MS 20
#define RMDIR_WAIT_MS 1000

/*
 * path: usable by this process; shown: as the host names it. The name
 * carries the network namespace (like tcpincd's own cgroup), so that what
 * belongs to one namespace can be told apart on a shared machine.
 */
static int make_cgroup(char *path, char *shown, size_t cap)
{
	char root[PATH_MAX];
	struct stat ns;

	if (tcpinc_cgroup2_root(root, sizeof(root)) < 0)
		return cli_error("no cgroup v2 mounted");
	if (stat("/proc/self/ns/net", &ns) < 0)
		return cli_error("network namespace: %s", strerror(errno));
	if ((size_t)snprintf(path, cap, "%s/tcpinc.run.%lu.%d", root,
			     (unsigned long)ns.st_ino, (int)getpid()) >= cap)
		return cli_error("%s: path too long", root);
	if (tcpinc_cgroup_host_path(path, shown, cap) < 0)
		snprintf(shown, cap, "%s", path);
	/* Left over from an earlier process with our pid: reuse if empty. */
	if (mkdir(path, 0755) < 0 &&
	    (errno != EEXIST || rmdir(path) < 0 || mkdir(path, 0755) < 0))
		return cli_error("cannot create cgroup %s: %s", shown,
				 strerror(errno));
	return 0;
}

static void remove_cgroup(const char *path, const char *shown)
{
	struct timespec ts = {0, RMDIR_POLL_MS * 1000000L};
	int waited;

	for (waited = 0;; waited += RMDIR_POLL_MS) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return;
		if (errno != EBUSY || waited >= RMDIR_WAIT_MS)
			break;
		if (nanosleep(&ts, NULL) < 0 && errno != EINTR)
			break;
	}
	if (errno == EBUSY)
		cli_error("processes remain in %s; not removed", shown);
	else
		cli_error("cannot remove cgroup %s: %s", shown,
			  strerror(errno));
}

static int call(const char *verb, const char *path, int fd, bool quiet_down)
{
	char *req[] = {(char *)verb, (char *)path};
	int ret = daemon_call(2, req, fd, NULL, NULL);

	if (ret == DAEMON_DOWN)
		return quiet_down ? 0 : daemon_not_running();
	return ret;
}

static void child(int fd, char **cmd, const sigset_t *oldmask,
		  const struct sigaction *oldchld)
{
	int err;

	err = tcpinc_cgroup_enter(fd, getpid());
	if (err < 0) {
		/* Never run CMD unencrypted behind the user's back. */
		cli_error("cannot join the cgroup: %s", strerror(-err));
		_exit(1);
	}
	if (sigaction(SIGCHLD, oldchld, NULL) < 0 ||
	    sigprocmask(SIG_SETMASK, oldmask, NULL) < 0) {
		cli_error("sigprocmask: %s", strerror(errno));
		_exit(1);
	}
	execvp(cmd[0], cmd);
	cli_error("%s: %s", cmd[0], strerror(errno));
	_exit(127);
}

/* Forward signals until the child exits; returns its wait status. */
static int supervise(pid_t pid, const sigset_t *set, int *status)
{
	siginfo_t si;
	pid_t got;
	int sig;

	for (;;) {
		got = waitpid(pid, status, WNOHANG);
		if (got == pid)
			return 0;
		if (got < 0 && errno != EINTR)
			return cli_error("waitpid: %s", strerror(errno));
		sig = sigwaitinfo(set, &si);
		if (sig < 0 || sig == SIGCHLD)
			continue;
		if (si.si_code == SI_KERNEL && getpgid(pid) == getpgrp())
			continue;
		if (kill(pid, sig) < 0 && errno != ESRCH)
			return cli_error("kill: %s", strerror(errno));
	}
}

int cmd_run(int argc, char **argv)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL}, oldchld;
	char path[PATH_MAX], shown[PATH_MAX];
	sigset_t set, oldmask;
	int first = 1, ret, fd, status = 0;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	if (first >= argc)
		return cli_usage_error("run: missing CMD");
	ret = ensure_daemon(false);
	if (ret)
		return ret;
	if (make_cgroup(path, shown, sizeof(path)))
		return 1;
	fd = tcpinc_cgroup_open(path);
	if (fd < 0) {
		cli_error("%s: %s", shown, strerror(-fd));
		remove_cgroup(path, shown);
		return 1;
	}
	ret = call("attach", shown, fd, false);
	if (ret)
		goto out_rmdir;

	/* SIGCHLD must be generated, not discarded, for sigwaitinfo. */
	/*
	 * Signals stay blocked until we exit: a ^C arriving after CMD ended
	 * must not cut the cleanup short and leave the cgroup behind.
	 */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigaction(SIGCHLD, &dfl, &oldchld) < 0 ||
	    sigprocmask(SIG_BLOCK, &set, &oldmask) < 0) {
		ret = cli_error("signals: %s", strerror(errno));
		goto out_detach;
	}
	pid = fork();
	if (pid < 0) {
		ret = cli_error("fork: %s", strerror(errno));
		goto out_detach;
	}
	if (pid == 0)
		child(fd, argv + first, &oldmask, &oldchld);
	ret = supervise(pid, &set, &status);
	if (!ret)
		ret = WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					  : WEXITSTATUS(status);
out_detach:
	/*
	 * Errors are printed but do not change CMD's status; a daemon that
	 * went away meanwhile has nothing left to detach.
	 */
	call("detach", shown, fd, true);
out_rmdir:
	close(fd);
	remove_cgroup(path, shown);
	return ret;
}
