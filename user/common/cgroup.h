/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Finding cgroup v2 whatever the mount namespace. `ip netns exec` gives its
 * command a fresh sysfs with nothing mounted under /sys/fs/cgroup; the host's
 * hierarchy is still reachable through /proc/1/root.
 */
#ifndef TCPINC_COMMON_CGROUP_H
#define TCPINC_COMMON_CGROUP_H

#include <stddef.h>

/*
 * Path of a cgroup v2 mount usable from this process: a cgroup2 mount of this
 * mount namespace (e.g. /sys/fs/cgroup or /sys/fs/cgroup/unified), else pid
 * 1's seen through /proc/1/root. 0 or -ENOENT (no cgroup v2 anywhere).
 */
int tcpinc_cgroup2_root(char *buf, size_t cap);

/*
 * Open a cgroup v2 directory named by the user. A path that does not exist
 * here, or is not on cgroup2 here, is tried again under /proc/1/root.
 * Returns an O_RDONLY|O_DIRECTORY fd, or -ENOENT, -ENOTDIR, or
 * -EMEDIUMTYPE (exists but is not a cgroup v2 directory).
 */
int tcpinc_cgroup_open(const char *path);

/* Move process pid into the cgroup open as dirfd. 0 or -errno. */
int tcpinc_cgroup_enter(int dirfd, int pid);

/*
 * Additions (tcpinc CLI author).
 *
 * When /proc/1/root is closed to us (no CAP_SYS_PTRACE over pid 1), the two
 * functions above fall back to a private, detached cgroup2 mount kept open
 * for the life of the process: tcpinc_cgroup2_root then returns
 * "/proc/self/fd/N", a path valid in this process only.
 *
 * tcpinc_cgroup_host_path: the name of a cgroup path returned or accepted
 * above as pid 1's mount namespace spells it, for display and for the
 * daemon's path word ("/proc/self/fd/N/x" -> "/sys/fs/cgroup/x",
 * "/proc/1/root/sys/..." -> "/sys/..."). 0 or -ENAMETOOLONG.
 */
int tcpinc_cgroup_host_path(const char *path, char *buf, size_t cap);

#endif /* TCPINC_COMMON_CGROUP_H */
