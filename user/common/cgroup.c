// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Locating cgroup v2 (see cgroup.h). Under `ip netns exec` our mount
 * namespace has a fresh sysfs without the cgroup2 mount. Three ways in,
 * tried in order:
 *  1. a cgroup2 mount of our own mount namespace;
 *  2. pid 1's, through /proc/1/root (needs ptrace access to pid 1, which
 *     root lacks in sandboxes that drop CAP_SYS_PTRACE);
 *  3. a private, detached cgroup2 mount (fsopen/fsmount): attached to no
 *     path in any namespace, gone when the process exits. There is one
 *     cgroup2 hierarchy, so it shows the same tree as pid 1's mount.
 *     Mounting cgroup2 applies its options (nsdelegate, ...) to the whole
 *     hierarchy, so it is mounted with exactly pid 1's options.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "common/cgroup.h"

#define PID1_ROOT "/proc/1/root"
#define SELF_FD	  "/proc/self/fd/"

struct mount_info {
	char point[PATH_MAX];
	char opts[256]; /* super options, e.g. "rw,nsdelegate" */
};

/* The private mount of way 3, kept open for the life of the process. */
static int private_fd = -1;

/* Undo mountinfo's octal escapes (\040 for a space and so on) in place. */
static void unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
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
 * A cgroup2 mount listed in a mountinfo file, preferring one that shows the
 * whole hierarchy (root field "/") over a bind-mounted subtree.
 */
static int find_cgroup2(const char *mountinfo, struct mount_info *mi)
{
	char *line = NULL, *root, *point, *sep, *fstype, *opts, *save;
	int found = -ENOENT, whole;
	size_t lcap = 0;
	FILE *f;

	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	while (getline(&line, &lcap, f) > 0) {
		/* id parent maj:min root point options [tags] - fstype src super */
		sep = strstr(line, " - ");
		if (!sep)
			continue;
		fstype = strtok_r(sep + 3, " \n", &save);
		if (!fstype || strcmp(fstype, "cgroup2"))
			continue;
		if (!strtok_r(NULL, " \n", &save))
			continue;
		opts = strtok_r(NULL, " \n", &save);
		*sep = '\0';
		if (!strtok_r(line, " ", &save) ||
		    !strtok_r(NULL, " ", &save) || !strtok_r(NULL, " ", &save))
			continue;
		root = strtok_r(NULL, " ", &save);
		point = strtok_r(NULL, " ", &save);
		if (!root || !point)
			continue;
		unescape(point);
		whole = !strcmp(root, "/");
		if (found == 0 && !whole)
			continue;
		if (strlen(point) >= sizeof(mi->point) ||
		    strlen(opts ? opts : "") >= sizeof(mi->opts)) {
			found = -ENAMETOOLONG;
			continue;
		}
		strcpy(mi->point, point);
		strcpy(mi->opts, opts ? opts : "");
		found = 0;
		if (whole)
			break;
	}
	free(line);
	fclose(f);
	return found;
}

/* Open path as a cgroup v2 directory: the fd, or -errno / -EMEDIUMTYPE. */
static int open_cgroup2_at(int dirfd, const char *path)
{
	struct statfs st;
	int fd, err;

	fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

/* Way 3: the private mount's fd (cached), or -errno. */
static int private_mount(const struct mount_info *pid1)
{
	char opts[sizeof(pid1->opts)], *opt, *save;
	int fs, mnt, err;

	if (private_fd >= 0)
		return private_fd;
	fs = fsopen("cgroup2", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	strcpy(opts, pid1->opts);
	for (opt = strtok_r(opts, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		/* per-mount flags, not hierarchy options */
		if (!strcmp(opt, "rw") || !strcmp(opt, "ro") ||
		    !strcmp(opt, "seclabel"))
			continue;
		if (fsconfig(fs, FSCONFIG_SET_FLAG, opt, NULL, 0) < 0)
			goto fail;
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		goto fail;
	mnt = fsmount(fs, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		goto fail;
	close(fs);
	private_fd = mnt;
	return mnt;
fail:
	err = -errno;
	close(fs);
	return err;
}

/* pid 1's hierarchy through way 2 or 3, as a path usable by this process. */
static int pid1_root(char *buf, size_t cap, struct mount_info *mi)
{
	int fd, err;

	err = find_cgroup2("/proc/1/mountinfo", mi);
	if (err)
		return err;
	if ((size_t)snprintf(buf, cap, PID1_ROOT "%s",
			     strcmp(mi->point, "/") ? mi->point : "") >= cap)
		return -ENAMETOOLONG;
	fd = open_cgroup2_at(AT_FDCWD, buf);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	fd = private_mount(mi);
	if (fd < 0)
		return fd;
	if ((size_t)snprintf(buf, cap, SELF_FD "%d", fd) >= cap)
		return -ENAMETOOLONG;
	return 0;
}

int tcpinc_cgroup2_root(char *buf, size_t cap)
{
	struct mount_info mi;
	int err;

	err = find_cgroup2("/proc/self/mountinfo", &mi);
	if (!err) {
		if (strlen(mi.point) >= cap)
			return -ENAMETOOLONG;
		strcpy(buf, mi.point);
		return 0;
	}
	if (err != -ENOENT)
		return err;
	err = pid1_root(buf, cap, &mi);
	return err && err != -ENAMETOOLONG ? -ENOENT : err;
}

/* The absolute form of path, for looking it up in pid 1's namespace. */
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

/* The part of abs below mount point mnt ("." for mnt itself), or NULL. */
static const char *below(const char *abs, const char *mnt)
{
	size_t n = strlen(mnt);

	if (!strcmp(mnt, "/"))
		n = 0;
	if (strncmp(abs, mnt, n) || (abs[n] && abs[n] != '/'))
		return NULL;
	while (abs[n] == '/')
		n++;
	return abs[n] ? abs + n : ".";
}

/* Ways 2 and 3 for an absolute path; the fd or -errno. */
static int open_in_pid1(const char *abs)
{
	char alt[PATH_MAX + sizeof(PID1_ROOT)];
	struct mount_info mi;
	const char *rel;
	int fd, mnt;

	snprintf(alt, sizeof(alt), PID1_ROOT "%s", abs);
	fd = open_cgroup2_at(AT_FDCWD, alt);
	if (fd != -EACCES && fd != -EPERM)
		return fd;
	/* /proc/1/root is closed to us: look in pid 1's cgroup2 mount. */
	if (find_cgroup2("/proc/1/mountinfo", &mi))
		return fd;
	rel = below(abs, mi.point);
	if (!rel)
		return fd; /* outside pid 1's cgroup2: nothing learnt */
	mnt = private_mount(&mi);
	if (mnt < 0)
		return fd;
	return open_cgroup2_at(mnt, rel);
}

int tcpinc_cgroup_open(const char *path)
{
	char abs[PATH_MAX];
	int fd, err;

	if (!path || !path[0])
		return -ENOENT;
	fd = open_cgroup2_at(AT_FDCWD, path);
	if (fd >= 0 || (fd != -ENOENT && fd != -EMEDIUMTYPE))
		return fd;
	err = fd;
	if (absolute(path, abs, sizeof(abs)) < 0)
		return err;
	if (!strncmp(abs, PID1_ROOT "/", sizeof(PID1_ROOT)) ||
	    !strncmp(abs, SELF_FD, strlen(SELF_FD)))
		return err; /* already a way into pid 1's namespace */
	fd = open_in_pid1(abs);
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

int tcpinc_cgroup_host_path(const char *path, char *buf, size_t cap)
{
	struct mount_info mi;
	char prefix[32];
	size_t n;

	n = (size_t)snprintf(prefix, sizeof(prefix), SELF_FD "%d", private_fd);
	if (private_fd >= 0 && !strncmp(path, prefix, n) &&
	    (!path[n] || path[n] == '/') &&
	    !find_cgroup2("/proc/1/mountinfo", &mi)) {
		if ((size_t)snprintf(
			    buf, cap, "%s%s",
			    strcmp(mi.point, "/") || !path[n] ? mi.point : "",
			    path + n) >= cap)
			return -ENAMETOOLONG;
		return 0;
	}
	if (!strncmp(path, PID1_ROOT "/", sizeof(PID1_ROOT)))
		path += sizeof(PID1_ROOT) - 1;
	if (strlen(path) >= cap)
		return -ENAMETOOLONG;
	strcpy(buf, path);
	return 0;
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
