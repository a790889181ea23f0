// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* cgroup v2 path resolution: the errors the CLI turns into messages. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "common/cgroup.h"
#include "test.h"

static void test_nonexistent(void)
{
	CHECK_EQ(tcpinc_cgroup_open("/nonexistent/tcpinc-test"), -ENOENT);
	CHECK_EQ(tcpinc_cgroup_open("no/such/relative/dir"), -ENOENT);
	CHECK_EQ(tcpinc_cgroup_open(""), -ENOENT);
}

static void test_regular_file(void)
{
	char path[] = "/tmp/tcpinc-test-cgroup-XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK_EQ(tcpinc_cgroup_open(path), -ENOTDIR);
	close(fd);
	unlink(path);
}

static void test_not_cgroup2(void)
{
	CHECK_EQ(tcpinc_cgroup_open("/tmp"), -EMEDIUMTYPE);
	CHECK_EQ(tcpinc_cgroup_open("/"), -EMEDIUMTYPE);
}

/* Wherever the root is found, it must open as a cgroup2 directory. */
static void test_root_opens(void)
{
	char root[PATH_MAX];
	struct statfs st;
	int err, fd, tmp;

	err = tcpinc_cgroup2_root(root, sizeof(root));
	if (err == -ENOENT) {
		printf("# test_root_opens: no cgroup v2 here, skipped\n");
		return;
	}
	CHECK_EQ(err, 0);
	fd = tcpinc_cgroup_open(root);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	CHECK(fstatfs(fd, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC);
	/* No cgroup.procs outside cgroupfs: enter must fail. */
	tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(tmp >= 0);
	CHECK_EQ(tcpinc_cgroup_enter(tmp, getpid()), -ENOENT);
	close(tmp);
	close(fd);
	CHECK_EQ(tcpinc_cgroup2_root(root, 4), -ENAMETOOLONG);
}

static void test_host_path(void)
{
	char buf[64];

	CHECK_EQ(tcpinc_cgroup_host_path("/proc/1/root/sys/fs/cgroup/a", buf,
					 sizeof(buf)),
		 0);
	CHECK(!strcmp(buf, "/sys/fs/cgroup/a"));
	CHECK_EQ(tcpinc_cgroup_host_path("/sys/fs/cgroup", buf, sizeof(buf)),
		 0);
	CHECK(!strcmp(buf, "/sys/fs/cgroup"));
	CHECK_EQ(tcpinc_cgroup_host_path("/sys/fs/cgroup", buf, 4),
		 -ENAMETOOLONG);
}

int main(void)
{
	TEST_RUN(test_nonexistent);
	TEST_RUN(test_regular_file);
	TEST_RUN(test_not_cgroup2);
	TEST_RUN(test_root_opens);
	TEST_RUN(test_host_path);
	return TEST_EXIT();
}
