// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <net/if.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/cgroup.h"
#include "api.skel.h"
#include "eno.skel.h"
#include "keepalive.skel.h"
#include "service.skel.h"
#include "steer.skel.h"
#include "tcpincd/bpf_setup.h"
#include "tcpincd/log.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define BPFFS "/sys/fs/bpf"

static int netns_ino(ino_t *ino)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

static int netns_is_initial(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/net", &self))
		return -errno;
	/* pid 1 may be out of reach (no ptrace access): not the initial one. */
	if (stat("/proc/1/ns/net", &init))
		return 0;
	return self.st_ino == init.st_ino;
}

int tcpincd_pin_dir(char *buf, size_t cap)
{
	ino_t ino = 0;
	int err, n;

	err = netns_is_initial();
	if (err < 0)
		return err;
	if (err)
		n = snprintf(buf, cap, BPFFS "/tcpinc");
	else {
		err = netns_ino(&ino);
		if (err)
			return err;
		n = snprintf(buf, cap, BPFFS "/tcpinc/netns-%lu",
			     (unsigned long)ino);
	}
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int daemon_cg_path(const char *root, char *buf, size_t cap)
{
	ino_t ino = 0;
	int err, n;

	err = netns_ino(&ino);
	if (err)
		return err;
	n = snprintf(buf, cap, "%s/tcpinc.daemon.%lu", root, (unsigned long)ino);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* Remove pinned files under dir (one level of subdirectories at most). */
static void unpin_dir(const char *dir)
{
	char cmd[PATH_MAX + 32];
	struct statfs sfs;

	if (statfs(BPFFS, &sfs) || sfs.f_type != BPF_FS_MAGIC)
		return;
	if (access(dir, F_OK))
		return;
	/* bpffs only holds our pins here; rm -r is the simplest correct walk. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tcpincd_log("could not remove %s", dir);
	if (!netns_is_initial())
		rmdir(BPFFS "/tcpinc"); /* only if no other namespace uses it */
}

int tcpincd_cleanup_stale(void)
{
	char pin[PATH_MAX], root[PATH_MAX], cg[PATH_MAX];

	if (tcpincd_pin_dir(pin, sizeof(pin)) == 0)
		unpin_dir(pin);
	if (tcpinc_cgroup2_root(root, sizeof(root)) == 0 &&
	    daemon_cg_path(root, cg, sizeof(cg)) == 0 && rmdir(cg) &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

static int ensure_bpffs(void)
{
	struct statfs sfs;

	if (statfs(BPFFS, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	/* As systemd does at boot; under `ip netns exec` it stays private. */
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700"))
		return -errno;
	return 0;
}

static int pin_all(struct tcpincd_bpf *b)
{
	struct bpf_object *objs[] = { b->svc->obj, b->steer->obj, b->eno->obj,
				      b->api->obj, b->ka->obj };
	struct bpf_program *p;
	struct bpf_map *m;
	char path[PATH_MAX + 64];
	size_t i;
	int err;

	err = ensure_bpffs();
	if (err)
		return err;
	err = tcpincd_pin_dir(b->pin_dir, sizeof(b->pin_dir));
	if (err)
		return err;
	unpin_dir(b->pin_dir); /* a dead daemon's leftovers */
	if (!netns_is_initial() && mkdir(BPFFS "/tcpinc", 0700) && errno != EEXIST)
		return -errno;
	if (mkdir(b->pin_dir, 0700) && errno != EEXIST)
		return -errno;
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		bpf_object__for_each_map(m, objs[i]) {
			if (bpf_map__is_internal(m))
				continue;
			snprintf(path, sizeof(path), "%s/%s", b->pin_dir,
				 bpf_map__name(m));
			if (access(path, F_OK) == 0)
				continue; /* shared map, pinned already */
			if (bpf_obj_pin(bpf_map__fd(m), path))
				return -errno;
		}
		bpf_object__for_each_program(p, objs[i]) {
			snprintf(path, sizeof(path), "%s/%s", b->pin_dir,
				 bpf_program__name(p));
			if (bpf_obj_pin(bpf_program__fd(p), path))
				return -errno;
		}
	}
	return 0;
}

/* Give obj the owner's maps of the same name, before obj is loaded. */
static int share_maps(struct bpf_object *owner, struct bpf_object *obj)
{
	struct bpf_map *m, *src;
	int err;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__is_internal(m))
			continue;
		src = bpf_object__find_map_by_name(owner, bpf_map__name(m));
		if (!src)
			continue;
		err = bpf_map__reuse_fd(m, bpf_map__fd(src));
		if (err)
			return err;
	}
	return 0;
}

int tcpincd_bpf_join_cgroup(struct tcpincd_bpf *b)
{
	int fd, err;

	err = tcpinc_cgroup2_root(b->cg_root, sizeof(b->cg_root));
	if (err)
		return err;
	err = daemon_cg_path(b->cg_root, b->daemon_cg, sizeof(b->daemon_cg));
	if (err)
		return err;
	if (mkdir(b->daemon_cg, 0755) && errno != EEXIST)
		return -errno;
	fd = open(b->daemon_cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = tcpinc_cgroup_enter(fd, getpid());
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static void leave_daemon_cgroup(struct tcpincd_bpf *b)
{
	int fd;

	if (!b->daemon_cg[0])
		return;
	fd = open(b->cg_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (tcpinc_cgroup_enter(fd, getpid()))
			tcpincd_log("could not leave %s", b->daemon_cg);
		close(fd);
	}
	if (rmdir(b->daemon_cg) && errno != ENOENT)
		tcpincd_log("rmdir %s: %s", b->daemon_cg, strerror(errno));
	b->daemon_cg[0] = '\0';
}

static void fail(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s\n%s", what, strerror(e < 0 ? -e : e),
		 tcpincd_libbpf_tail());
}

/*
 * Load a skeleton's object, first giving it owner's maps of the same names
 * (owner NULL: it is the owner). The error names the object file.
 */
static int load_skeleton(struct bpf_object_skeleton *s,
			 struct bpf_object *owner, char *err, size_t errlen)
{
	const char *name = s->name;
	char what[64];
	int e = 0;

	if (!strncmp(name, "tcpinc_", 7))
		name += 7;
	if (owner) {
		e = share_maps(owner, *s->obj);
		if (e) {
			fail(err, errlen, "share maps", e);
			return e;
		}
	}
	e = bpf_object__load_skeleton(s);
	if (e) {
		snprintf(what, sizeof(what), "load %s.bpf.o (verifier)", name);
		fail(err, errlen, what, e);
	}
	return e;
}

/* svc owns the shared maps; the others reuse them by name. */
static int load_all(struct tcpincd_bpf *b, char *err, size_t errlen)
{
	struct bpf_object_skeleton *later[] = {
		b->steer->skeleton,
		b->eno->skeleton,
		b->api->skeleton,
		b->ka->skeleton,
	};
	size_t i;
	int e;

	e = load_skeleton(b->svc->skeleton, NULL, err, errlen);
	for (i = 0; !e && i < sizeof(later) / sizeof(later[0]); i++)
		e = load_skeleton(later[i], b->svc->obj, err, errlen);
	return e;
}

int tcpincd_bpf_load(struct tcpincd_bpf *b, uint16_t in_port4,
		     uint16_t in_port6, const struct tcpincd_eno_cfg *eno_cfg,
		     char *err, size_t errlen)
{
	__u64 cookie = 0;
	socklen_t len = sizeof(cookie);
	int s, e, cgfd = -1, nsfd = -1;
	size_t i;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0 || getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len)) {
		e = -errno;
		if (s >= 0)
			close(s);
		fail(err, errlen, "network namespace cookie", e);
		return e;
	}
	close(s);

	b->svc = tcpinc_service__open();
	b->steer = tcpinc_steer__open();
	b->eno = tcpinc_eno__open();
	b->api = tcpinc_api__open();
	b->ka = tcpinc_keepalive__open();
	if (!b->svc || !b->steer || !b->eno || !b->api || !b->ka) {
		e = -errno;
		fail(err, errlen, "open BPF objects", e);
		goto out;
	}
	b->svc->rodata->netns_cookie = cookie;
	b->eno->rodata->netns_cookie = cookie;
	b->api->rodata->netns_cookie = cookie;
	b->steer->rodata->netns_cookie = cookie;
	b->ka->rodata->netns_cookie = cookie;
	b->svc->rodata->sockops_cgroup_id = libbpf_probe_bpf_helper(
		BPF_PROG_TYPE_SOCK_OPS, BPF_FUNC_get_current_cgroup_id, NULL) == 1;
	b->eno->rodata->in_port4 = in_port4;
	b->eno->rodata->in_port6 = in_port6;
	b->eno->rodata->eno_gopt = eno_cfg->gopt;
	b->eno->rodata->eno_aa_mandatory = eno_cfg->aa_mandatory;
	b->eno->rodata->eno_syn_retries = eno_cfg->syn_retries;
	b->eno->rodata->eno_syn_len = tcpincd_eno_syn_opt(
		eno_cfg, (uint8_t *)b->eno->rodata->eno_syn_opt);
	/* as passive opener: our TEPs (all runnable, so at most 4) */
	b->eno->rodata->eno_ans_n = 0;
	for (i = 0; i < eno_cfg->n_teps &&
		    i < sizeof(b->eno->rodata->eno_ans_teps);
	     i++)
		b->eno->rodata->eno_ans_teps[b->eno->rodata->eno_ans_n++] =
			eno_cfg->teps[i];
	b->steer->rodata->loopback_ifindex = if_nametoindex("lo");
	if (!b->steer->rodata->loopback_ifindex) {
		e = -ENODEV;
		fail(err, errlen, "no loopback interface", e);
		goto out;
	}

	e = load_all(b, err, errlen);
	if (e)
		goto out;

	b->eno_conns = bpf_map__fd(b->eno->maps.eno_conns);
	b->eno_skip = bpf_map__fd(b->eno->maps.eno_skip);
	b->out_by_port = bpf_map__fd(b->svc->maps.out_by_port);
	b->out_by_cookie = bpf_map__fd(b->svc->maps.out_by_cookie);
	b->in_by_port = bpf_map__fd(b->svc->maps.in_by_port);
	b->stats = bpf_map__fd(b->svc->maps.stats);
	b->socks = bpf_map__fd(b->svc->maps.tcpincd_socks);
	b->listen_ports = bpf_map__fd(b->svc->maps.listen_ports);
	b->cg_policy = bpf_map__fd(b->svc->maps.cg_policy);
	b->plain_peers = bpf_map__fd(b->svc->maps.plain_peers);
	b->eno_syn_cfg = bpf_map__fd(b->eno->maps.eno_syn_cfg);
	b->resume_ids = bpf_map__fd(b->eno->maps.resume_ids);
	b->ka_by_port = bpf_map__fd(b->ka->maps.ka_by_port);
	b->ka_seq = bpf_map__fd(b->ka->maps.ka_seq);

	cgfd = open(b->daemon_cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0) {
		e = -errno;
		fail(err, errlen, "tcpincd's cgroup", e);
		goto out;
	}
	b->eno_link = bpf_program__attach_cgroup(b->eno->progs.tcpinc_eno_sockops,
						 cgfd);
	if (!b->eno_link) {
		e = -errno;
		fail(err, errlen, "attach ENO sock_ops", e);
		goto out;
	}
	nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		e = -errno;
		fail(err, errlen, "open network namespace", e);
		goto out;
	}
	b->steer_link = bpf_program__attach_netns(b->steer->progs.tcpinc_steer,
						  nsfd);
	if (!b->steer_link) {
		e = -errno;
		fail(err, errlen, "attach sk_lookup", e);
		goto out;
	}
	e = pin_all(b);
	if (e) {
		/* Inspection aid only: run without pins rather than fail. */
		tcpincd_log("pinning under %s failed: %s", b->pin_dir,
			    strerror(-e));
		unpin_dir(b->pin_dir);
		b->pin_dir[0] = '\0';
		e = 0;
	}
out:
	if (cgfd >= 0)
		close(cgfd);
	if (nsfd >= 0)
		close(nsfd);
	if (e)
		tcpincd_bpf_unload(b);
	return e;
}

void tcpincd_bpf_unload(struct tcpincd_bpf *b)
{
	int i, j;

	for (i = 0; i < b->natt; i++)
		for (j = 0; j < b->att[i].nlinks; j++)
			bpf_link__destroy(b->att[i].links[j]);
	b->natt = 0;
	bpf_link__destroy(b->steer_link);
	bpf_link__destroy(b->eno_link);
	b->steer_link = b->eno_link = NULL;
	if (b->pin_dir[0])
		unpin_dir(b->pin_dir);
	b->pin_dir[0] = '\0';
	tcpinc_keepalive__destroy(b->ka);
	b->ka = NULL;
	tcpinc_api__destroy(b->api);
	b->api = NULL;
	tcpinc_eno__destroy(b->eno);
	tcpinc_steer__destroy(b->steer);
	tcpinc_service__destroy(b->svc);
	b->eno = NULL;
	b->steer = NULL;
	b->svc = NULL;
	leave_daemon_cgroup(b);
}

int tcpincd_bpf_set_listener(struct tcpincd_bpf *b, enum tcpinc_sock_slot slot,
			     int fd)
{
	__u32 key = slot;
	__u64 val = fd;

	if (bpf_map_update_elem(b->socks, &key, &val, BPF_ANY))
		return -errno;
	return 0;
}

static struct tcpincd_attachment *find_att(struct tcpincd_bpf *b, ino_t ino)
{
	int i;

	for (i = 0; i < b->natt; i++)
		if (b->att[i].ino == ino)
			return &b->att[i];
	return NULL;
}

static int attach_one(struct tcpincd_attachment *a, struct bpf_program *p,
		      int cgfd)
{
	struct bpf_link *l;

	if (a->nlinks == TCPINCD_SVC_PROGS)
		return -E2BIG;
	l = bpf_program__attach_cgroup(p, cgfd);
	if (!l)
		return -errno;
	a->links[a->nlinks++] = l;
	return 0;
}

int tcpincd_bpf_attach(struct tcpincd_bpf *b, int cgfd, const char *path,
		       const struct tcpincd_policy *pol, char *err,
		       size_t errlen)
{
	struct bpf_object *objs[] = { b->svc->obj, b->api->obj, b->ka->obj };
	__u64 id;
	struct tcpincd_attachment *a;
	struct bpf_program *p;
	struct stat st;
	int e, i;

	if (fstat(cgfd, &st))
		return -errno;
	a = find_att(b, st.st_ino);
	if (a) {
		/* attached already: only the policy changes */
		id = st.st_ino;
		a->pol = *pol;
		if (bpf_map_update_elem(b->cg_policy, &id, &pol->ref, BPF_ANY))
			return -errno;
		return 0;
	}
	if (b->natt == TCPINCD_MAX_ATTACH) {
		snprintf(err, errlen, "too many attached cgroups (%d)",
			 TCPINCD_MAX_ATTACH);
		return -ENOSPC;
	}
	a = &b->att[b->natt];
	memset(a, 0, sizeof(*a));
	a->ino = st.st_ino;
	a->pol = *pol;
	snprintf(a->path, sizeof(a->path), "%s", path);
	/* the cgroup id is its directory's inode number (cgroup v2) */
	id = st.st_ino;
	if (bpf_map_update_elem(b->cg_policy, &id, &pol->ref, BPF_ANY)) {
		e = -errno;
		snprintf(err, errlen, "policy of %s: %s", path, strerror(-e));
		return e;
	}
	for (i = 0; i < (int)(sizeof(objs) / sizeof(objs[0])); i++) {
		bpf_object__for_each_program(p, objs[i]) {
			e = attach_one(a, p, cgfd);
			if (e) {
				snprintf(err, errlen, "attach %s to %s: %s",
					 bpf_program__name(p), path,
					 strerror(-e));
				while (a->nlinks)
					bpf_link__destroy(a->links[--a->nlinks]);
				bpf_map_delete_elem(b->cg_policy, &id);
				return e;
			}
		}
	}
	b->natt++;
	return 0;
}

int tcpincd_bpf_detach(struct tcpincd_bpf *b, int cgfd, char *err,
		       size_t errlen)
{
	__u64 id;
	struct tcpincd_attachment *a;
	struct stat st;

	if (fstat(cgfd, &st))
		return -errno;
	a = find_att(b, st.st_ino);
	if (!a) {
		snprintf(err, errlen, "cgroup is not attached");
		return -ENOENT;
	}
	while (a->nlinks)
		bpf_link__destroy(a->links[--a->nlinks]);
	id = a->ino;
	bpf_map_delete_elem(b->cg_policy, &id);
	*a = b->att[--b->natt];
	return 0;
}

int tcpincd_bpf_read_stats(struct tcpincd_bpf *b, uint64_t *out)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 vals[ncpu > 0 ? ncpu : 1];
	__u32 k;
	int c;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	for (k = 0; k < TCPINC_C_MAX; k++) {
		if (bpf_map_lookup_elem(b->stats, &k, vals))
			return -errno;
		for (c = 0; c < ncpu; c++)
			out[k] += vals[c];
	}
	return 0;
}

int tcpincd_bpf_skip_eno(struct tcpincd_bpf *b, int fd)
{
	__u32 one = 1;

	if (bpf_map_update_elem(b->eno_skip, &fd, &one, BPF_ANY))
		return -errno;
	return 0;
}
