/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The tcpinc CLI: shared declarations of its commands and helpers. */
#ifndef TCPINC_CLI_H
#define TCPINC_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define EXIT_USAGE 2

/* main.c: messages; both print "tcpinc: ..." on stderr. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_usage(FILE *f);

/* daemon.c: talking to tcpincd over the control socket. */
#define DAEMON_DOWN (-1000) /* no daemon in this netns; nothing printed */
typedef int (*daemon_line_fn)(char *line, void *ctx);
/*
 * Send a request (with fd, or -1), check "ok", pass each data line to fn.
 * 0 on success, DAEMON_DOWN, or 1 after printing the error.
 */
int daemon_call(int argc, char *const argv[], int fd, daemon_line_fn fn,
		void *ctx);
bool daemon_running(void);
int daemon_not_running(void);
/* Split line at TABs in place; returns the number of fields (<= max). */
int split_fields(char *line, char **field, int max);
/*
 * Replace control bytes and invalid UTF-8 by '?' so that daemon text cannot
 * drive the terminal; call it on single fields, it replaces TABs too.
 */
void sanitize(char *s);
/* Columns taken by sanitized text (one per code point). */
int text_width(const char *s);

/* up_down.c */
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
/* Start tcpincd unless one answers; 0, or the exit status to use. */
int ensure_daemon(bool verbose);

/* attach.c */
int cmd_attach(int argc, char **argv);
int cmd_detach(int argc, char **argv);
/* Open a cgroup directory, printing the error; fd or -1. */
int open_cgroup_dir(const char *path);
/* The path word sent to the daemon: absolute when it resolves here. */
void cgroup_display_path(const char *path, char *buf, size_t cap);

/* run.c */
int cmd_run(int argc, char **argv);

/* show.c, stats.c */
int cmd_show(int argc, char **argv);
/* cache.c: the resumption cache in `show` (json: a member), and flush. */
int cache_print(bool json);
int cmd_flush(int argc, char **argv);
int cmd_stats(int argc, char **argv);
/* Parse "-j" (or --json) as the only option of show/stats; -1 on misuse. */
int parse_json_flag(int argc, char **argv, bool *json);

/* json.c */
/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
int utf8_len(const unsigned char *s);
void json_string(FILE *f, const char *s);
/* A decimal unsigned integer (empty means 0); false if s is not one. */
bool json_number(const char *s, unsigned long long *v);

#endif /* TCPINC_CLI_H */
