// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <sodium.h>

#include "proto/guarded.h"

#define POOL_MAX 256

static struct {
	void *p;
	size_t size;
} pool[POOL_MAX];
static unsigned int pool_len, pool_cap;

void tcpinc_guarded_pool_set(unsigned int max)
{
	pool_cap = max < POOL_MAX ? max : POOL_MAX;
	while (pool_len > pool_cap) {
		pool_len--;
		sodium_free(pool[pool_len].p);
	}
}

void *tcpinc_guarded_alloc(size_t size)
{
	unsigned int i;
	void *p;

	/* Newest first: its pages are the likeliest to be cached. */
	for (i = pool_len; i-- > 0;) {
		if (pool[i].size != size)
			continue;
		p = pool[i].p;
		pool[i] = pool[--pool_len];
		return p; /* wiped when it was released */
	}
	p = sodium_malloc(size);
	if (p)
		sodium_memzero(p, size);
	return p;
}

void tcpinc_guarded_free(void *p, size_t size)
{
	if (!p)
		return;
	sodium_memzero(p, size);
	if (pool_len < pool_cap) {
		pool[pool_len].p = p;
		pool[pool_len].size = size;
		pool_len++;
		return;
	}
	sodium_free(p);
}

void tcpinc_guarded_pool_drain(void)
{
	while (pool_len) {
		pool_len--;
		sodium_free(pool[pool_len].p);
	}
}

unsigned int tcpinc_guarded_pool_count(void)
{
	return pool_len;
}
