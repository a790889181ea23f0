/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal unit-test harness. Each test binary defines test functions and
 * lists them in main() with TEST_RUN(fn). Output, one line per test:
 *   PASS name        or        FAIL name: file:line: expression
 * selftests/run.sh counts these lines. The exit status is 1 if any failed.
 */
#ifndef TCPINC_UNIT_TEST_H
#define TCPINC_UNIT_TEST_H

#include <stdio.h>
#include <string.h>

static int test_failed_total;
static int test_cur_failed;

#define CHECK(expr)                                                          \
	do {                                                                 \
		if (!(expr)) {                                               \
			if (!test_cur_failed)                                \
				printf("FAIL %s: %s:%d: %s\n", test_cur_name,  \
				       __FILE__, __LINE__, #expr);           \
			test_cur_failed = 1;                                 \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b) CHECK((a) == (b))
#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

static const char *test_cur_name = "";

#define TEST_RUN(fn)                                                         \
	do {                                                                 \
		test_cur_name = #fn;                                         \
		test_cur_failed = 0;                                         \
		fn();                                                        \
		if (!test_cur_failed)                                        \
			printf("PASS %s\n", #fn);                            \
		else                                                         \
			test_failed_total++;                                 \
	} while (0)

#define TEST_EXIT() (test_failed_total ? 1 : 0)

/* Parse a hex string ("0a1b...", spaces allowed) into buf; returns length. */
static inline size_t test_unhex(const char *hex, unsigned char *buf, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int v;

		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			if (n < cap)
				buf[n] = (unsigned char)(hi << 4 | v);
			n++;
			hi = -1;
		}
	}
	return n;
}

#endif /* TCPINC_UNIT_TEST_H */
