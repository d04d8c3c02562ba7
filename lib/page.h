/* The 4 KiB page: the unit of the CPU's page tables (Intel SDM Vol. 3A,
 * 4.5), of VT-d's second-level tables (VT-d spec 3.6) and of UEFI's page
 * allocations (UEFI spec 7.2). Every size in pages is counted in these. */
#ifndef LIB_PAGE_H
#define LIB_PAGE_H

#include <stdint.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE  ((uint64_t)1 << PAGE_SHIFT)
#define PAGE_MASK  (PAGE_SIZE - 1)

/* Whole pages needed for n bytes. */
static inline uint64_t pages_for(uint64_t n)
{
	return (n + PAGE_MASK) >> PAGE_SHIFT;
}

#endif
