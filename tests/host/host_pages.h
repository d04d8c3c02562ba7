/* Page-table pages for lib/iopt on the host: zeroed, 4 KiB-aligned heap
 * pages whose "physical" address is their pointer (struct iopt_ops). */
#ifndef TESTS_HOST_HOST_PAGES_H
#define TESTS_HOST_HOST_PAGES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t host_page(void *ctx)
{
	void *p = aligned_alloc(4096, 4096);

	(void)ctx;
	if (p)
		memset(p, 0, 4096);
	return (uint64_t)(uintptr_t)p;
}

static inline void host_free(void *ctx, uint64_t page)
{
	(void)ctx;
	free((void *)(uintptr_t)page);
}

#endif
