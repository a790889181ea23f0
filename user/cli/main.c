// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcpinc: control tcpincd, the TCP-ENO/tcpcrypt helper of this network
 * namespace. Without arguments it shows the connections, like `wg`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{"show", cmd_show}, {"stats", cmd_stats},   {"up", cmd_up},
	{"down", cmd_down}, {"attach", cmd_attach}, {"detach", cmd_detach},
	{"run", cmd_run},   {"flush", cmd_flush},
};

void cli_usage(FILE *f)
{
	fputs("Usage: tcpinc [COMMAND [ARGS]]\n"
	      "Encrypt the TCP connections of unmodified applications with\n"
	      "TCP-ENO and tcpcrypt. State is per network namespace.\n"
	      "\n"
	      "Commands:\n"
	      "  show [-j]              list connections (the default)\n"
	      "  stats [-j]             print the counters\n"
	      "  up [-v]                start tcpincd\n"
	      "  down                   stop tcpincd\n"
	      "  attach [OPTS] CGROUP_DIR  encrypt the connections of a cgroup\n"
	      "                         (--resume, --no-resume, --teps L, --aeads L)\n"
	      "  detach CGROUP_DIR      stop encrypting them\n"
	      "  run [--] CMD [ARGS...] run CMD in a fresh attached cgroup\n"
	      "  flush [PEER]           wipe cached session secrets (all, or PEER's)\n"
	      "  help                   show this help\n"
	      "  --version              print the version\n"
	      "\n"
	      "-j prints one JSON object on one line. See tcpinc(8).\n",
	      f);
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tcpinc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tcpinc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(stderr);
	return EXIT_USAGE;
}

/* stdout may be a closed pipe or a full disk: say so, never exit 0. */
static int finish(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cli_error("error writing to standard output");
		return status ? status : 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct command *cmd = &commands[0];
	const char *name = argc > 1 ? argv[1] : "show";
	size_t i;

	if (!strcmp(name, "help") || !strcmp(name, "--help") ||
	    !strcmp(name, "-h")) {
		cli_usage(stdout);
		return finish(0);
	}
	if (!strcmp(name, "--version")) {
		printf("tcpinc %s\n", TCPINC_VERSION);
		return finish(0);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(name, commands[i].name))
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return cli_usage_error("unknown command '%s'", name);
	cmd = &commands[i];
	if (geteuid() != 0)
		return cli_error("must be run as root");
	/* Commands see argv[0] = their own name. */
	if (argc > 1)
		return finish(cmd->fn(argc - 1, argv + 1));
	return finish(cmd->fn(1, (char *[]){(char *)name, NULL}));
}
