/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Loading, sharing, pinning and attaching tcpinc's BPF objects:
 *   eno.bpf.c     sock_ops on tcpincd's own cgroup (ENO on network sockets)
 *   service.bpf.c connect/getname/sock_ops on each attached service cgroup
 *   steer.bpf.c   sk_lookup on the network namespace
 *   api.bpf.c     getsockopt on each attached service cgroup (tcpinc.h)
 *   keepalive.bpf.c setsockopt/sock_ops on each attached service cgroup
 *                 (the applications' keep-alive settings, for keepalive.c)
 * All links belong to tcpincd: when it exits, for whatever reason, nothing
 * stays attached and services get plain TCP.
 */
#ifndef TCPINCD_BPF_SETUP_H
#define TCPINCD_BPF_SETUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <tcpinc/shared.h>

#define TCPINCD_MAX_ATTACH 64
#define TCPINCD_SVC_PROGS 12

/*
 * tcpincd's AEAD policy (--aeads, --aead-prefs, user/tcpincd/eno_cfg.c):
 * offer as A, acceptance as B in increasing preference; n = 0 leaves the
 * tcpcrypt library's default.
 */
#define TCPINCD_AEADS_MAX 16
struct tcpincd_aead_cfg {
	size_t n_offer, n_accept;
	uint16_t offer[TCPINCD_AEADS_MAX];
	uint16_t accept[TCPINCD_AEADS_MAX];
};
/* An attachment's policy (policy.h). */
struct tcpincd_policy {
	struct tcpinc_policy_ref ref; /* id 0: the host's policy */
	uint8_t syn_len; /* our SYN option with its TEPs; 0: the host's */
	uint8_t syn_opt[TCPINC_ENO_OPT_MAX];
	struct tcpincd_aead_cfg aeads; /* n = 0: the host's lists */
};

struct tcpincd_attachment {
	ino_t ino; /* cgroup id */
	char path[PATH_MAX]; /* as the user named it */
	struct bpf_link *links[TCPINCD_SVC_PROGS];
	int nlinks;
	struct tcpincd_policy pol;
};

struct tcpincd_bpf {
	struct tcpinc_service *svc;
	struct tcpinc_steer *steer;
	struct tcpinc_eno *eno;
	struct tcpinc_api *api;
	struct tcpinc_keepalive *ka;
	struct bpf_link *eno_link;
	struct bpf_link *steer_link;
	char daemon_cg[PATH_MAX]; /* tcpincd's own cgroup, "" if none */
	char cg_root[PATH_MAX];
	char pin_dir[PATH_MAX]; /* "" if nothing pinned */
	struct tcpincd_attachment att[TCPINCD_MAX_ATTACH];
	int natt;
	/* map fds used on the data path */
	int eno_conns, eno_skip, out_by_port, out_by_cookie, in_by_port,
		stats, socks, listen_ports, cg_policy, eno_syn_cfg, resume_ids,
		plain_peers;
	int ka_by_port, ka_seq; /* keepalive.bpf.c */
};

/*
 * TCP-ENO policy of eno.bpf.c (tcpincd --eno-* options, tcpincd(8)). As
 * passive opener tcpincd answers only the TEP it implements (0x23).
 */
struct tcpincd_eno_cfg {
	uint8_t gopt; /* TCPINC_GOPT_A; TCPINC_GOPT_B: b=1 on active opens */
	uint8_t aa_mandatory; /* disable unless the peer sets a=1 */
	uint8_t syn_retries; /* SYN retransmissions still carrying ENO */
	/*
	 * --eno-teps: TEPs tcpincd runs (0x21..0x24, 0x20 with kernel TLS),
	 * increasing priority:
	 * offered as active opener, chosen from as passive opener
	 */
	uint8_t n_teps;
	uint8_t teps[TCPINC_ENO_OPT_MAX - 2];
	/* --eno-offer-raw (tests, interop): offered instead when n_raw > 0 */
	uint8_t n_raw;
	uint8_t raw[TCPINC_ENO_OPT_MAX - 2];
	bool teps_given; /* --eno-teps: no TEP 0x20 added on our own */
	/* --rekey-* N > 0: no 0x20 added (never rekeyed); --resume: policy.h */
	bool frames_wanted;
	bool no_ktls; /* --no-ktls */
};

#define TCPINCD_ENO_CFG_DEFAULT                                             \
	{                                                                   \
		.syn_retries = 2, .n_teps = 1, .teps = {TCPINC_TEP_CURVE25519}, \
	}

/*
 * Apply one --eno-* option (its long name without "--") to cfg. Returns 0,
 * or -1 with a message in err.
 */
int tcpincd_eno_cfg_option(struct tcpincd_eno_cfg *cfg, const char *name,
			   const char *arg, char *err, size_t errlen);

extern struct tcpincd_aead_cfg tcpincd_aeads;

/*
 * List parsers behind those options (name: the option, for messages):
 * TEP ids (runnable: only those tcpcrypt runs), AEAD ids. 0 or -1 + err.
 */
int tcpincd_parse_teps(const char *name, const char *list, bool runnable,
		       uint8_t *teps, uint8_t *n, char *err, size_t errlen);
int tcpincd_parse_aeads(const char *name, const char *list, uint16_t *aeads,
			size_t *n, char *err, size_t errlen);

/*
 * After the options: probe kernel TLS (unless --no-ktls) and, when it is
 * there and neither --eno-teps nor frames_wanted was given, offer TEP 0x20
 * first. 0, or -1 and err when --eno-teps names 0x20 without kernel TLS.
 */
int tcpincd_eno_cfg_ktls(struct tcpincd_eno_cfg *cfg, char *err,
			 size_t errlen);
/* Take out the 0x20 that tcpincd_eno_cfg_ktls() added; false: none. */
bool tcpincd_eno_cfg_drop_ktls(struct tcpincd_eno_cfg *cfg);
/* TEP 0x20 can run here: 1 yes, 0 no, -1 not probed yet. */
extern int tcpincd_ktls_ok;

/* Our whole SYN-form option under cfg into out[TCPINC_ENO_OPT_MAX]. */
uint8_t tcpincd_eno_syn_opt(const struct tcpincd_eno_cfg *cfg, uint8_t *out);

/* Directory where this network namespace's objects are pinned. */
int tcpincd_pin_dir(char *buf, size_t cap);
/* Remove what a dead daemon of this namespace left (pins, its cgroup). */
int tcpincd_cleanup_stale(void);

/*
 * Move tcpincd into its own cgroup. Sockets belong to the cgroup of their
 * creator, so this comes before any socket the ENO program must see.
 * Returns 0 or -errno.
 */
int tcpincd_bpf_join_cgroup(struct tcpincd_bpf *b);

/*
 * Load everything (after tcpincd_bpf_join_cgroup), attach ENO there and
 * sk_lookup to the namespace, pin. in_port4/6: ports of the inbound
 * listeners; eno_cfg: the ENO policy. On error, err holds a message (with libbpf's last lines).
 */
int tcpincd_bpf_load(struct tcpincd_bpf *b, uint16_t in_port4,
		     uint16_t in_port6, const struct tcpincd_eno_cfg *eno_cfg,
		     char *err, size_t errlen);
void tcpincd_bpf_unload(struct tcpincd_bpf *b);

int tcpincd_bpf_set_listener(struct tcpincd_bpf *b, enum tcpinc_sock_slot slot,
			     int fd);

/* Attach the service programs to a cgroup under policy pol (copied). */
int tcpincd_bpf_attach(struct tcpincd_bpf *b, int cgfd, const char *path,
		       const struct tcpincd_policy *pol, char *err,
		       size_t errlen);
int tcpincd_bpf_detach(struct tcpincd_bpf *b, int cgfd, char *err,
		       size_t errlen);

/* Sum of the BPF counters (per-CPU) into out[TCPINC_C_MAX] (added). */
int tcpincd_bpf_read_stats(struct tcpincd_bpf *b, uint64_t *out);

/* Mark a tcpincd socket so the ENO program leaves it alone. */
int tcpincd_bpf_skip_eno(struct tcpincd_bpf *b, int fd);

#endif
