// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * attach/detach: hand tcpincd an fd of the cgroup directory. The fd, not
 * the path, identifies the cgroup: the daemon may live in another mount
 * namespace (`ip netns exec` gives each command its own).
 */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cgroup.h"
#include "common/ctl.h"

int open_cgroup_dir(const char *path)
{
	char root[PATH_MAX];
	int fd;

	fd = tcpinc_cgroup_open(path);
	if (fd >= 0)
		return fd;
	switch (fd) {
	case -ENOENT:
		cli_error("%s: no such directory", path);
		break;
	case -EMEDIUMTYPE:
		if (tcpinc_cgroup2_root(root, sizeof(root)) < 0)
			cli_error("no cgroup v2 mounted");
		else
			cli_error("%s: not a cgroup v2 directory", path);
		break;
	case -ENOTDIR:
		cli_error("%s: not a cgroup v2 directory", path);
		break;
	default:
		cli_error("%s: %s", path, strerror(-fd));
	}
	return -1;
}

void cgroup_display_path(const char *path, char *buf, size_t cap)
{
	char *real = realpath(path, NULL), cwd[PATH_MAX], abs[2 * PATH_MAX];

	/* Relative and missing here (ip netns exec): anchor it to our cwd. */
	if (!real && path[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
	else
		snprintf(abs, sizeof(abs), "%s", real ? real : path);
	if (tcpinc_cgroup_host_path(abs, buf, cap) < 0)
		snprintf(buf, cap, "%s", path);
	free(real);
}

static int attach_detach(const char *verb, int argc, char **argv)
{
	char shown[PATH_MAX];
	char *req[TCPINC_CTL_MAX_ARGS] = {(char *)verb, shown};
	const char *dir = NULL;
	int nreq = 2, fd, ret, i;
	bool attach = !strcmp(verb, "attach");

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (attach && (!strcmp(a, "--resume") ||
			       !strcmp(a, "--no-resume"))) {
			req[nreq++] = argv[i];
		} else if (attach &&
			   (!strcmp(a, "--teps") || !strcmp(a, "--aeads"))) {
			if (i + 1 == argc)
				return cli_usage_error("%s: %s needs a list",
						       verb, a);
			req[nreq++] = argv[i++];
			req[nreq++] = argv[i];
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("%s: unknown option '%s'", verb,
					       a);
		} else if (!dir) {
			dir = a;
		} else {
			return cli_usage_error("%s: unexpected argument '%s'",
					       verb, a);
		}
		if (nreq > TCPINC_CTL_MAX_ARGS - 2)
			return cli_usage_error("%s: too many options", verb);
	}
	if (!dir)
		return cli_usage_error("%s: missing CGROUP_DIR", verb);
	fd = open_cgroup_dir(dir);
	if (fd < 0)
		return 1;
	cgroup_display_path(dir, shown, sizeof(shown));
	ret = daemon_call(nreq, req, fd, NULL, NULL);
	close(fd);
	if (ret == DAEMON_DOWN)
		return daemon_not_running();
	return ret;
}

int cmd_attach(int argc, char **argv)
{
	return attach_detach("attach", argc, argv);
}

int cmd_detach(int argc, char **argv)
{
	return attach_detach("detach", argc, argv);
}
