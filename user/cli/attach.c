// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * attach/detach: hand tcpincd an fd of the cgroup directory. The fd, not
 * the path, identifies the cgroup: the daemon may live in another mount
 * namespace (`ip netns exec` gives each command its own).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/cgroup.h"

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
	char *req[] = {(char *)verb, shown};
	int fd, ret;

	if (argc < 2)
		return cli_usage_error("%s: missing CGROUP_DIR", verb);
	if (argc > 2)
		return cli_usage_error("%s: unexpected argument '%s'", verb,
				       argv[2]);
	fd = open_cgroup_dir(argv[1]);
	if (fd < 0)
		return 1;
	cgroup_display_path(argv[1], shown, sizeof(shown));
	ret = daemon_call(2, req, fd, NULL, NULL);
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
