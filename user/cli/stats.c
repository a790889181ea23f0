// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* stats: the daemon's counters, in the daemon's order. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

struct counter {
	char *name;
	unsigned long long value;
};

struct counters {
	struct counter *v;
	size_t n, cap;
};

static int add_counter(char *line, void *ctx)
{
	struct counters *c = ctx;
	struct counter *grown;
	char *f[3];

	/* Lines of other kinds may be added later: skip them. */
	if (split_fields(line, f, 3) != 3 || strcmp(f[0], "counter"))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		grown = realloc(c->v, c->cap * sizeof(*grown));
		if (!grown)
			return cli_error("out of memory");
		c->v = grown;
	}
	if (!json_number(f[2], &c->v[c->n].value)) {
		sanitize(f[1]);
		return cli_error("tcpincd sent a bad value for counter '%s'",
				 f[1]);
	}
	c->v[c->n].name = strdup(f[1]);
	if (!c->v[c->n].name)
		return cli_error("out of memory");
	c->n++;
	return 0;
}

static void print_json(const struct counters *c)
{
	size_t i;

	fputs("{\"counters\":{", stdout);
	for (i = 0; i < c->n; i++) {
		if (i)
			putchar(',');
		json_string(stdout, c->v[i].name);
		printf(":%llu", c->v[i].value);
	}
	fputs("}}\n", stdout);
}

static void print_human(const struct counters *c)
{
	int wn = 0, wv = 0, len;
	char num[24];
	size_t i;

	for (i = 0; i < c->n; i++) {
		sanitize(c->v[i].name);
		len = strlen(c->v[i].name);
		wn = len > wn ? len : wn;
		len = snprintf(num, sizeof(num), "%llu", c->v[i].value);
		wv = len > wv ? len : wv;
	}
	for (i = 0; i < c->n; i++)
		printf("%-*s %*llu\n", wn, c->v[i].name, wv, c->v[i].value);
}

int parse_json_flag(int argc, char **argv, bool *json)
{
	int i;

	*json = false;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			*json = true;
		else {
			cli_usage_error("%s: unexpected argument '%s'", argv[0],
					argv[i]);
			return -1;
		}
	}
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	struct counters c = {0};
	char *req[] = {"stats"};
	bool json;
	size_t i;
	int ret;

	if (parse_json_flag(argc, argv, &json))
		return EXIT_USAGE;
	ret = daemon_call(1, req, -1, add_counter, &c);
	if (ret == DAEMON_DOWN)
		ret = daemon_not_running();
	if (!ret) {
		if (json)
			print_json(&c);
		else
			print_human(&c);
	}
	for (i = 0; i < c.n; i++)
		free(c.v[i].name);
	free(c.v);
	return ret;
}
