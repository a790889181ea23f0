/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Included by exactly one file of a fuzz target: replaces libsodium's
 * guarded allocator for the proto code linked into it.
 *
 * sodium_malloc() costs mmap, mprotect and mlock, sodium_free() the
 * reverse: about 45 us a pair, more than the rest of a session setup, so
 * it used to dominate the fuzzers. Here both are plain malloc/free, whose
 * overflows ASan reports byte-exactly (better than guard pages). The
 * region starts out as garbage like libsodium's, and sodium_free() traps
 * unless the proto code wiped it first: every fuzzed path, error paths
 * included, checks that no secret is left behind.
 */
#ifndef TCPINC_FUZZ_GUARDED_H
#define TCPINC_FUZZ_GUARDED_H

#include <sanitizer/allocator_interface.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void *sodium_malloc(const size_t size)
{
	unsigned char *p = malloc(size ? size : 1);

	if (p) {
		memset(p, 0xdb, size);
		if (!size)
			p[0] = 0;
	}
	return p;
}

void sodium_free(void *ptr)
{
	const unsigned char *p = ptr;
	size_t i, n;

	if (!ptr)
		return;
	/* ASan knows the size that was asked for. */
	n = __sanitizer_get_allocated_size(ptr);
	for (i = 0; i < n; i++)
		if (p[i])
			__builtin_trap(); /* a secret not wiped before free */
	free(ptr);
}

#endif /* TCPINC_FUZZ_GUARDED_H */
