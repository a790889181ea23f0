// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Locating cgroup v2 (see cgroup.h). Under `ip netns exec` our mount
 * namespace has a fresh sysfs without the cgroup2 mount, but pid 1's mount
 * namespace still has it and /proc/1/root reaches into it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "common/cgroup.h"

#define PID1_ROOT "/proc/1/root"

/* Undo mountinfo's octal escapes (\040 for a space and so on) in place. */
static void unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/*
 * Mount point of a cgroup2 mount listed in a mountinfo file, preferring one
 * that shows the whole hierarchy (root field "/") over a bind-mounted subtree.
 */
static int find_cgroup2(const char *mountinfo, char *mnt, size_t cap)
{
	char *line = NULL, *root, *point, *sep, *fstype, *save;
	int found = -ENOENT, whole;
	size_t lcap = 0;
	FILE *f;

	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	while (getline(&line, &lcap, f) > 0) {
		/* id parent maj:min root point options [tags] - fstype src ... */
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		fstype = strtok_r(sep + 3, " \n", &save);
		if (!fstype || strcmp(fstype, "cgroup2"))
			continue;
		*sep = '\0';
		if (!strtok_r(line, " ", &save) || !strtok_r(NULL, " ", &save) ||
		    !strtok_r(NULL, " ", &save))
			continue;
		root = strtok_r(NULL, " ", &save);
		point = strtok_r(NULL, " ", &save);
		if (!root || !point)
			continue;
		unescape(point);
		whole = !strcmp(root, "/");
		if (found == 0 && !whole)
			continue;
		if (strlen(point) >= cap) {
			found = -ENAMETOOLONG;
			continue;
		}
		strcpy(mnt, point);
		found = 0;
		if (whole)
			break;
	}
	free(line);
	fclose(f);
	return found;
}

int tcpinc_cgroup2_root(char *buf, size_t cap)
{
	char mnt[PATH_MAX];
	int err;

	err = find_cgroup2("/proc/self/mountinfo", buf, cap);
	if (err != -ENOENT)
		return err;
	err = find_cgroup2("/proc/1/mountinfo", mnt, sizeof(mnt));
	if (err)
		return -ENOENT;
	if ((size_t)snprintf(buf, cap, PID1_ROOT "%s",
			     strcmp(mnt, "/") ? mnt : "") >= cap)
		return -ENAMETOOLONG;
	return 0;
}

/* Open path as a cgroup v2 directory: the fd, or -errno / -EMEDIUMTYPE. */
static int open_cgroup2(const char *path)
{
	struct statfs st;
	int fd, err;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (st.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return -EMEDIUMTYPE;
	}
	return fd;
}

/* The absolute form of path, for looking it up under /proc/1/root. */
static int absolute(const char *path, char *buf, size_t cap)
{
	char cwd[PATH_MAX], *real;

	if (path[0] == '/') {
		if (strlen(path) >= cap)
			return -ENAMETOOLONG;
		strcpy(buf, path);
		return 0;
	}
	real = realpath(path, NULL);
	if (real) {
		if (strlen(real) >= cap) {
			free(real);
			return -ENAMETOOLONG;
		}
		strcpy(buf, real);
		free(real);
		return 0;
	}
	/* It does not exist here: name it relative to the working directory. */
	if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	if ((size_t)snprintf(buf, cap, "%s/%s", strcmp(cwd, "/") ? cwd : "",
			     path) >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int tcpinc_cgroup_open(const char *path)
{
	char abs[PATH_MAX], alt[PATH_MAX + sizeof(PID1_ROOT)];
	int fd, err;

	if (!path || !path[0])
		return -ENOENT;
	fd = open_cgroup2(path);
	if (fd >= 0 || (fd != -ENOENT && fd != -EMEDIUMTYPE))
		return fd;
	err = fd;
	if (absolute(path, abs, sizeof(abs)) < 0)
		return err;
	if (!strncmp(abs, PID1_ROOT "/", sizeof(PID1_ROOT)))
		return err; /* already there */
	snprintf(alt, sizeof(alt), PID1_ROOT "%s", abs);
	fd = open_cgroup2(alt);
	if (fd >= 0)
		return fd;
	/*
	 * Missing here but found there: what was found there says more.
	 * Otherwise keep our own view (e.g. EACCES on /proc/1/root says
	 * nothing about the user's path).
	 */
	if (err == -ENOENT && (fd == -ENOTDIR || fd == -EMEDIUMTYPE))
		return fd;
	return err;
}

int tcpinc_cgroup_enter(int dirfd, int pid)
{
	char num[24];
	int fd, n, err = 0;

	fd = openat(dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(num, sizeof(num), "%d\n", pid);
	errno = 0;
	if (write(fd, num, n) != n)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}
