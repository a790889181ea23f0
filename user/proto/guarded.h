/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Guarded memory for secrets: sodium_malloc() regions (guard pages,
 * mlocked as RLIMIT_MEMLOCK allows, left out of core dumps), wiped on
 * release. A bounded pool of released, wiped regions can be kept for
 * reuse: one sodium_malloc()/sodium_free() pair costs about ten system
 * calls (mmap, mprotect, mlock, madvise, munmap), a noticeable share of
 * a short connection. Not thread-safe: one user per process.
 */
#ifndef TCPINC_PROTO_GUARDED_H
#define TCPINC_PROTO_GUARDED_H

#include <stddef.h>

/* Keep up to max released regions for reuse (0, the default: none). */
void tcpinc_guarded_pool_set(unsigned int max);

/* A zeroed guarded region of size bytes, or NULL. */
void *tcpinc_guarded_alloc(size_t size);

/* Wipe p (size bytes, as allocated), then pool or free it. NULL is a no-op. */
void tcpinc_guarded_free(void *p, size_t size);

/* Free every pooled region. */
void tcpinc_guarded_pool_drain(void);

/* Regions in the pool now. */
unsigned int tcpinc_guarded_pool_count(void);

#endif
