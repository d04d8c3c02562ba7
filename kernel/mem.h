/* Physical memory and the kernel's page tables. */
#ifndef KERNEL_MEM_H
#define KERNEL_MEM_H

#include <stdint.h>
#include "boot/boot_info.h"
#include "lib/page.h"


/* Reads the firmware memory map, checks it and feeds the page allocator.
 * Returns 0, or a negative error after printing what is wrong. */
int mem_init(const struct boot_info *bi);
/* Switches to the kernel's own identity-mapped page tables: RAM
 * write-back, everything else below 4 GiB uncached, the framebuffer
 * write-combining. */
int paging_init(const struct boot_info *bi);
/* Maps a device's registers (identity, uncached) wherever they are. */
int map_mmio(uint64_t phys, uint64_t len);

/* Zeroed, page-aligned physical pages; 0 when memory ran out. */
uint64_t page_alloc(uint64_t npages);
/* The same, the whole range below max_addr (for what a CPU reads before
 * it runs in 64-bit mode). */
uint64_t page_alloc_below(uint64_t npages, uint64_t max_addr);
void page_free(uint64_t addr, uint64_t npages);
uint64_t mem_free_pages(void);
/* End of the highest RAM range in the firmware's memory map. */
uint64_t mem_ram_top(void);

/* Self-test: re-checks the memory map and the allocator's view of it,
 * printing a PASS:/FAIL: line per check; returns the failures. */
int mem_selftest(const struct boot_info *bi);

#endif
