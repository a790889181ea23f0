// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpincd/policy.c with eno_cfg.c: which TEPs an attachment offers, given
 * the daemon's options, on a kernel with TLS (0x20 added to the default
 * offer) and without. Resumption needs tcpcrypt frames, so 0x20 leaves the
 * offer of whatever resumes and comes back for what does not.
 */
#include "tcpincd/eno_cfg.c"
#include "tcpincd/policy.c"
#include "test.h"

struct tcpincd tcpincd;
static bool have_tls;

bool tcpincd_ktls_available(void)
{
	return have_tls;
}

/* The daemon's start: options, kernel TLS probe, host policy. */
static void daemon_start(struct tcpincd_eno_cfg *cfg, bool tls, bool resume)
{
	char err[128];

	*cfg = (struct tcpincd_eno_cfg)TCPINCD_ENO_CFG_DEFAULT;
	have_tls = tls;
	CHECK_EQ(tcpincd_eno_cfg_ktls(cfg, err, sizeof(err)), 0);
	tcpincd_policy_host(cfg, resume);
}

/* Attach with argv (NULL-terminated); its description into desc. */
static void attach(const char *desc_want, char **argv)
{
	struct tcpincd_policy p;
	char err[128], desc[128];
	int argc = 0;

	while (argv[argc])
		argc++;
	CHECK_EQ(tcpincd_policy_parse(&p, argc, argv, err, sizeof(err)), 0);
	tcpincd_policy_describe(&p, desc, sizeof(desc));
	if (strcmp(desc, desc_want))
		printf("  got '%s', want '%s'\n", desc, desc_want);
	CHECK(!strcmp(desc, desc_want));
}

static char *none[] = {NULL};
static char *resume[] = {"--resume", NULL};
static char *no_resume[] = {"--no-resume", NULL};
static char *resume_teps[] = {"--resume", "--teps", "0x23,0x20", NULL};

static void test_tls_host_no_resume(void)
{
	struct tcpincd_eno_cfg cfg;

	daemon_start(&cfg, true, false);
	CHECK_EQ(cfg.n_teps, 2);
	CHECK_EQ(cfg.teps[1], TCPINC_TEP_KTLS);
	attach("no-resume", none);
	attach("no-resume", no_resume);
	attach("resume teps=0x23", resume);
	attach("resume teps=0x23,0x20", resume_teps);
}

static void test_tls_host_resume(void)
{
	struct tcpincd_eno_cfg cfg;

	daemon_start(&cfg, true, true);
	/* the host's own offer and answers: frames only */
	CHECK_EQ(cfg.n_teps, 1);
	CHECK_EQ(cfg.teps[0], TCPINC_TEP_CURVE25519);
	attach("resume", none);
	attach("resume", resume);
	/* the corner this test is for: --no-resume offers 0x20 again */
	attach("no-resume teps=0x23,0x20", no_resume);
	attach("resume teps=0x23,0x20", resume_teps);
}

static void test_no_tls_host(void)
{
	struct tcpincd_eno_cfg cfg;

	daemon_start(&cfg, false, true);
	CHECK_EQ(cfg.n_teps, 1);
	attach("resume", none);
	attach("no-resume", no_resume);
	daemon_start(&cfg, false, false);
	attach("resume", resume);
}

static void test_rekey_keeps_0x20_out(void)
{
	struct tcpincd_eno_cfg cfg = TCPINCD_ENO_CFG_DEFAULT;
	char err[128];

	cfg.frames_wanted = true; /* --rekey-bytes N > 0 */
	have_tls = true;
	CHECK_EQ(tcpincd_eno_cfg_ktls(&cfg, err, sizeof(err)), 0);
	tcpincd_policy_host(&cfg, true);
	CHECK_EQ(cfg.n_teps, 1);
	attach("no-resume", no_resume);
}

int main(void)
{
	TEST_RUN(test_tls_host_no_resume);
	TEST_RUN(test_tls_host_resume);
	TEST_RUN(test_no_tls_host);
	TEST_RUN(test_rekey_keeps_0x20_out);
	return TEST_EXIT();
}
