// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The resumption cache as the CLI shows it (in `show`) and `flush`: only
 * which peers have a secret, never the secret or its identifiers.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Fields of a "secret" line after the tag. */
enum { S_PEER, S_DIR, S_INDEX, S_TEP, S_AGE, NS };

static int each_secret(char *line, void (*fn)(char **f, int i, void *ctx),
		       int *count, void *ctx)
{
	char *f[NS + 1];
	unsigned long long v;

	if (strncmp(line, "secret\t", 7))
		return 0;
	if (split_fields(line + 7, f, NS + 1) < NS ||
	    !json_number(f[S_INDEX], &v) || !json_number(f[S_AGE], &v))
		return cli_error("malformed cache line from tcpincd");
	fn(f, (*count)++, ctx);
	return 0;
}

static void print_json_secret(char **f, int i, void *ctx)
{
	(void)ctx;
	fputs(i ? ",{\"peer\":" : "{\"peer\":", stdout);
	json_string(stdout, f[S_PEER]);
	fputs(",\"direction\":", stdout);
	json_string(stdout, f[S_DIR]);
	printf(",\"index\":%s,\"tep\":", f[S_INDEX]);
	json_string(stdout, f[S_TEP]);
	printf(",\"age\":%s}", f[S_AGE]);
}

static void print_human_secret(char **f, int i, void *ctx)
{
	(void)ctx;
	if (!i)
		puts("  resumption cache:");
	sanitize(f[S_PEER]);
	sanitize(f[S_DIR]);
	sanitize(f[S_TEP]);
	printf("    %s  %s  i=%s  tep %s  age %ss\n", f[S_PEER], f[S_DIR],
	       f[S_INDEX], f[S_TEP], f[S_AGE]);
}

struct walk {
	void (*fn)(char **f, int i, void *ctx);
	int count;
};

static int walk_line(char *line, void *ctx)
{
	struct walk *w = ctx;

	return each_secret(line, w->fn, &w->count, NULL);
}

int cache_print(bool json)
{
	char *req[] = {"cache"};
	struct walk w = {json ? print_json_secret : print_human_secret, 0};
	int ret;

	if (json)
		fputs("\"resume_cache\":[", stdout);
	ret = daemon_call(1, req, -1, walk_line, &w);
	if (json)
		fputs("]", stdout);
	else if (!ret && !w.count)
		puts("  resumption cache: empty");
	return ret;
}

static int print_flushed(char *line, void *ctx)
{
	(void)ctx;
	if (!strncmp(line, "flushed\t", 8)) {
		sanitize(line + 8);
		printf("flushed %s cached session secret(s)\n", line + 8);
	}
	return 0;
}

int cmd_flush(int argc, char **argv)
{
	char *req[] = {"flush", argc > 1 ? argv[1] : NULL};
	int ret;

	if (argc > 2)
		return cli_usage_error("flush: unexpected argument '%s'",
				       argv[2]);
	ret = daemon_call(argc > 1 ? 2 : 1, req, -1, print_flushed, NULL);
	if (ret == DAEMON_DOWN)
		return daemon_not_running();
	return ret;
}
