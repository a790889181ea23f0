// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * show: the connections tcpincd handles. -j is the script face (one JSON
 * object, values verbatim from the daemon); the human face is a table
 * under a short header about the daemon, and may change.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* Fields of a "conn" line after the tag, in ctl.h's order. */
enum {
	F_LOCAL,
	F_REMOTE,
	F_ROLE,
	F_STATE,
	F_REASON,
	F_TEP,
	F_AEAD,
	F_SESSID,
	F_IN,
	F_OUT,
	NF
};

static const char *const json_key[NF] = {
	"local", "remote", "role",	 "state",    "reason",
	"tep",	 "aead",   "session_id", "bytes_in", "bytes_out",
};

static const char *const heading[NF] = {
	"LOCAL", "REMOTE", "ROLE",	 "STATE",    "REASON",
	"TEP",	 "AEAD",   "SESSION ID", "BYTES IN", "BYTES OUT",
};

/* Session IDs are 66 hex digits; the first 16 tell connections apart. */
#define SESSID_SHOWN 16

struct conn {
	char *line; /* owns the strings f[] points into */
	char *f[NF];
	unsigned long long in, out;
};

struct conns {
	struct conn *v;
	size_t n, cap;
};

static int add_conn(char *line, void *ctx)
{
	struct conns *c = ctx;
	struct conn *grown, *row;
	char *f[NF + 1];

	if (strncmp(line, "conn\t", 5))
		return 0; /* other kinds of lines may be added later */
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		grown = realloc(c->v, c->cap * sizeof(*grown));
		if (!grown)
			return cli_error("out of memory");
		c->v = grown;
	}
	row = &c->v[c->n];
	row->line = strdup(line + 5);
	if (!row->line)
		return cli_error("out of memory");
	/* Extra trailing fields from a newer daemon are ignored. */
	if (split_fields(row->line, f, NF + 1) < NF ||
	    !json_number(f[F_IN], &row->in) ||
	    !json_number(f[F_OUT], &row->out)) {
		free(row->line);
		return cli_error("malformed connection line from tcpincd");
	}
	memcpy(row->f, f, sizeof(row->f));
	c->n++;
	return 0;
}

static void print_json(const struct conns *c)
{
	const struct conn *row;
	size_t i;
	int k;

	fputs("{\"connections\":[", stdout);
	for (i = 0; i < c->n; i++) {
		row = &c->v[i];
		fputs(i ? ",{" : "{", stdout);
		for (k = 0; k < F_IN; k++) {
			printf("\"%s\":", json_key[k]);
			json_string(stdout, row->f[k]);
			putchar(',');
		}
		printf("\"bytes_in\":%llu,\"bytes_out\":%llu}", row->in,
		       row->out);
	}
	fputs("],", stdout);
}

/* Text of a table cell; buf holds numbers and shortened IDs. */
static const char *cell(const struct conn *row, int k, char *buf, size_t cap)
{
	const char *s = row->f[k];

	if (k == F_IN || k == F_OUT) {
		snprintf(buf, cap, "%llu", k == F_IN ? row->in : row->out);
		return buf;
	}
	if (!*s)
		return "-";
	if (k == F_SESSID && strlen(s) > SESSID_SHOWN) {
		snprintf(buf, cap, "%.*s...", SESSID_SHOWN, s);
		return buf;
	}
	return s;
}

/* Text left-aligned, byte counts right-aligned; two spaces between. */
static void print_row(const char *const text[NF], const int width[NF])
{
	int k, pad;

	for (k = 0; k < NF; k++) {
		pad = width[k] - text_width(text[k]);
		if (k < F_IN)
			printf("%s%*s  ", text[k], pad, "");
		else
			printf("%*s%s%s", pad, "", text[k],
			       k == F_OUT ? "\n" : "  ");
	}
}

static void print_table(struct conns *c)
{
	char buf[NF][32];
	const char *text[NF];
	int width[NF], k;
	size_t i;

	for (k = 0; k < NF; k++)
		width[k] = text_width(heading[k]);
	for (i = 0; i < c->n; i++) {
		for (k = 0; k < NF; k++) {
			sanitize(c->v[i].f[k]);
			text[k] = cell(&c->v[i], k, buf[k], sizeof(buf[k]));
			if (text_width(text[k]) > width[k])
				width[k] = text_width(text[k]);
		}
	}
	print_row(heading, width);
	for (i = 0; i < c->n; i++) {
		for (k = 0; k < NF; k++)
			text[k] = cell(&c->v[i], k, buf[k], sizeof(buf[k]));
		print_row(text, width);
	}
}

/* The header lines come from ping and cgroups, printed as they arrive. */
static int print_ping(char *line, void *ctx)
{
	char *f[2];

	(void)ctx;
	if (split_fields(line, f, 2) != 2)
		return 0;
	sanitize(f[1]);
	if (!strcmp(f[0], "pid"))
		printf("tcpincd: pid %s\n", f[1]);
	else if (!strcmp(f[0], "pin") && f[1][0])
		printf("  pins: %s\n", f[1]);
	return 0;
}

static int print_cgroup(char *line, void *ctx)
{
	char *f[3];
	int n = split_fields(line, f, 3);

	if (n >= 2 && !strcmp(f[0], "cgroup")) {
		sanitize(f[1]);
		if (n == 3) {
			sanitize(f[2]);
			printf("  cgroup: %s (%s)\n", f[1], f[2]);
		} else {
			printf("  cgroup: %s\n", f[1]);
		}
		(*(int *)ctx)++;
	}
	return 0;
}

static int show_human(struct conns *c)
{
	char *ping[] = {"ping"}, *cgroups[] = {"cgroups"};
	int ret, ncg = 0;

	ret = daemon_call(1, ping, -1, print_ping, NULL);
	if (!ret)
		ret = daemon_call(1, cgroups, -1, print_cgroup, &ncg);
	if (ret)
		return ret;
	if (!ncg)
		puts("  cgroups: none");
	if (!c->n) {
		puts("  connections: none");
		return 0;
	}
	putchar('\n');
	print_table(c);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct conns c = {0};
	char *req[] = {"show"};
	bool json;
	size_t i;
	int ret;

	if (parse_json_flag(argc, argv, &json))
		return EXIT_USAGE;
	/* Fetch connections first so a half-printed header never remains. */
	ret = daemon_call(1, req, -1, add_conn, &c);
	if (!ret)
		ret = json ? (print_json(&c), 0) : show_human(&c);
	/* a JSON object is closed even if the cache cannot be read */
	if (!ret)
		ret = cache_print(json);
	if (json && ret != DAEMON_DOWN)
		fputs("}\n", stdout);
	if (ret == DAEMON_DOWN)
		ret = daemon_not_running();
	for (i = 0; i < c.n; i++)
		free(c.v[i].line);
	free(c.v);
	return ret;
}
