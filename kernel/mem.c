/* Physical memory: the UEFI memory map is checked, then every page the
 * firmware no longer needs (conventional and boot-services memory) goes to
 * the bitmap allocator. Loader pages hold the kernel, boot_info and the map
 * itself, so they stay reserved; so does the first MiB, home of legacy
 * firmware data structures. Then the kernel's own page tables replace the
 * firmware's. */
#include "kernel/mem.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/exit.h"
#include "lib/mm/pagetable.h"
#include "lib/mm/pmm.h"
#include "lib/string.h"

#define LOW_RESERVED_END (1ull << 20)
#define MIN_USABLE_BYTES (32ull << 20)
#define MSR_IA32_PAT 0x277
/* PAT entry 1 (selected by PWT alone) becomes write-combining; the rest
 * keep their reset values, so PCD|PWT still means uncached (SDM Vol. 3A
 * 11.12.2 and 11.12.4). */
#define PAT_VALUE 0x0007040600070106ull

static struct pmm pmm;
static struct pagetable kernel_pt;
static uint64_t ram_top;

static const struct efi_memory_descriptor *desc_at(const struct boot_info *bi, uint64_t i)
{
	return (const struct efi_memory_descriptor *)(bi->memmap.addr + i * bi->memmap.desc_size);
}

static uint64_t desc_count(const struct boot_info *bi)
{
	return bi->memmap.desc_size ? bi->memmap.size / bi->memmap.desc_size : 0;
}

static int is_free_type(uint32_t type)
{
	return type == EFI_MT_CONVENTIONAL || type == EFI_MT_BOOT_SERVICES_CODE ||
	       type == EFI_MT_BOOT_SERVICES_DATA;
}

/* Memory the kernel may map write-back: RAM of any owner. */
static int is_ram_type(uint32_t type)
{
	switch (type) {
	case EFI_MT_LOADER_CODE: case EFI_MT_LOADER_DATA:
	case EFI_MT_BOOT_SERVICES_CODE: case EFI_MT_BOOT_SERVICES_DATA:
	case EFI_MT_RUNTIME_SERVICES_CODE: case EFI_MT_RUNTIME_SERVICES_DATA:
	case EFI_MT_CONVENTIONAL: case EFI_MT_ACPI_RECLAIM: case EFI_MT_ACPI_NVS:
	case EFI_MT_PERSISTENT:
		return 1;
	default:
		return 0;
	}
}

static const char *type_name(uint32_t type)
{
	static const char *const names[] = {
		"reserved", "loader code", "loader data", "boot code", "boot data",
		"runtime code", "runtime data", "conventional", "unusable",
		"ACPI reclaim", "ACPI NVS", "MMIO", "MMIO ports", "PAL code", "persistent",
	};
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* Finds the descriptor covering addr, or NULL. */
static const struct efi_memory_descriptor *find_desc(const struct boot_info *bi, uint64_t addr)
{
	for (uint64_t i = 0; i < desc_count(bi); i++) {
		const struct efi_memory_descriptor *d = desc_at(bi, i);
		if (addr >= d->phys_start && addr - d->phys_start < d->npages * PAGE_SIZE)
			return d;
	}
	return NULL;
}

/* Checks the map's shape; every problem is printed. Returns the count. */
static int check_map(const struct boot_info *bi, int verbose)
{
	int problems = 0;
	uint64_t n = desc_count(bi);

	if (bi->memmap.desc_size < sizeof(struct efi_memory_descriptor) || n == 0) {
		kprintf("mem: memory map unusable (%lu bytes, descriptor size %lu)\n",
			bi->memmap.size, bi->memmap.desc_size);
		return 1;
	}
	for (uint64_t i = 0; i < n; i++) {
		const struct efi_memory_descriptor *a = desc_at(bi, i);
		if (a->phys_start % PAGE_SIZE || a->npages == 0 ||
		    a->npages > (UINT64_MAX - a->phys_start) / PAGE_SIZE) {
			if (verbose)
				kprintf("mem: descriptor %lu is malformed (start 0x%lx, %lu pages)\n",
					i, a->phys_start, a->npages);
			problems++;
			continue;
		}
		for (uint64_t j = i + 1; j < n; j++) {
			const struct efi_memory_descriptor *b = desc_at(bi, j);
			uint64_t a_end = a->phys_start + a->npages * PAGE_SIZE;
			uint64_t b_end = b->phys_start + b->npages * PAGE_SIZE;
			if (a->phys_start < b_end && b->phys_start < a_end && b->npages) {
				if (verbose)
					kprintf("mem: descriptors %lu and %lu overlap\n", i, j);
				problems++;
			}
		}
	}
	return problems;
}

int mem_init(const struct boot_info *bi)
{
	uint64_t n = desc_count(bi), usable = 0, ranges = 0;

	if (check_map(bi, 1))
		return -1;
	for (uint64_t i = 0; i < n; i++) {
		const struct efi_memory_descriptor *d = desc_at(bi, i);
		uint64_t end = d->phys_start + d->npages * PAGE_SIZE;
		if (is_ram_type(d->type) && end > ram_top)
			ram_top = end;
		if (is_free_type(d->type)) {
			usable += d->npages * PAGE_SIZE;
			ranges++;
		}
	}
	if (usable < MIN_USABLE_BYTES) {
		kprintf("mem: only %lu KiB of usable memory; at least %llu MiB are needed\n",
			usable / 1024, MIN_USABLE_BYTES >> 20);
		return -1;
	}

	/* The bitmap goes in the first free range large enough for it. */
	uint64_t npages = ram_top / PAGE_SIZE;
	uint64_t bitmap_bytes = pmm_bitmap_bytes(npages);
	uint64_t bitmap_pages = (bitmap_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t bitmap_addr = 0;
	for (uint64_t i = 0; i < n && !bitmap_addr; i++) {
		const struct efi_memory_descriptor *d = desc_at(bi, i);
		if (is_free_type(d->type) && d->phys_start >= LOW_RESERVED_END &&
		    d->npages >= bitmap_pages)
			bitmap_addr = d->phys_start;
	}
	if (!bitmap_addr) {
		kprintf("mem: no free range holds the %lu KiB page bitmap\n", bitmap_bytes / 1024);
		return -1;
	}
	pmm_init(&pmm, (uint64_t *)bitmap_addr, npages);
	for (uint64_t i = 0; i < n; i++) {
		const struct efi_memory_descriptor *d = desc_at(bi, i);
		if (is_free_type(d->type))
			pmm_add_free(&pmm, d->phys_start, d->npages);
	}
	pmm_reserve(&pmm, 0, LOW_RESERVED_END / PAGE_SIZE);
	pmm_reserve(&pmm, bitmap_addr, bitmap_pages);

	kprintf("mem: %lu MiB usable in %lu ranges of %lu map entries, RAM up to 0x%lx, %lu MiB free\n",
		usable >> 20, ranges, n, ram_top, (pmm_free_pages(&pmm) * PAGE_SIZE) >> 20);
	return 0;
}

uint64_t page_alloc(uint64_t npages)
{
	uint64_t addr = pmm_alloc(&pmm, npages, 1, 0);

	if (addr)
		memset((void *)addr, 0, npages * PAGE_SIZE);
	return addr;
}

uint64_t page_alloc_below(uint64_t npages, uint64_t max_addr)
{
	uint64_t addr = pmm_alloc(&pmm, npages, 1, max_addr);

	if (addr)
		memset((void *)addr, 0, npages * PAGE_SIZE);
	return addr;
}

void page_free(uint64_t addr, uint64_t npages)
{
	if (pmm_free(&pmm, addr, npages) < 0)
		panic("page_free(0x%lx, %lu): not an allocated range", addr, npages);
}

uint64_t mem_ram_top(void)
{
	return ram_top;
}

uint64_t mem_free_pages(void)
{
	return pmm_free_pages(&pmm);
}

static uint64_t alloc_table_page(void *ctx)
{
	(void)ctx;
	return page_alloc(1);
}

static int cpu_has_1g_pages(void)
{
	uint32_t a, b, c, d;

	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return 0;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	return (d >> 26) & 1; /* Page1GB, SDM Vol. 2A CPUID */
}

int map_mmio(uint64_t phys, uint64_t len)
{
	uint64_t start = phys & ~(PAGE_SIZE - 1);
	uint64_t end = (phys + len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (start < (4ull << 30) && end <= (4ull << 30))
		return 0; /* already mapped uncached by paging_init */
	int rc = pt_map(&kernel_pt, start, start, end - start, PTE_W | PTE_PCD | PTE_PWT);
	write_cr3(read_cr3()); /* drop any stale not-present entry */
	return rc;
}

int paging_init(const struct boot_info *bi)
{
	int rc = pt_init(&kernel_pt, alloc_table_page, NULL);

	if (rc)
		return rc;
	kernel_pt.allow_1g = cpu_has_1g_pages();
	/* First everything below 4 GiB uncached (MMIO lives there), then RAM
	 * write-back over it: the builder splits large pages where needed. */
	rc = pt_map(&kernel_pt, 0, 0, 4ull << 30, PTE_W | PTE_PCD | PTE_PWT);
	for (uint64_t i = 0; i < desc_count(bi) && !rc; i++) {
		const struct efi_memory_descriptor *d = desc_at(bi, i);
		if (is_ram_type(d->type) && (d->attribute & BOOT_EFI_MEMORY_WB))
			rc = pt_map(&kernel_pt, d->phys_start, d->phys_start,
				    d->npages * PAGE_SIZE, PTE_W);
	}
	if (!rc && bi->fb.base && bi->fb.size) {
		uint64_t fb = bi->fb.base & ~(PAGE_SIZE - 1);
		uint64_t fb_end = (bi->fb.base + bi->fb.size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		rc = pt_map(&kernel_pt, fb, fb, fb_end - fb, PTE_W | PTE_PWT);
	}
	if (rc) {
		kprintf("mem: building the page tables failed (%d)\n", rc);
		return rc;
	}
	/* New PAT before the new tables use it; write-back caches are flushed
	 * around the change as the SDM asks (Vol. 3A 11.12.4). */
	__asm__ volatile("wbinvd" ::: "memory");
	wrmsr(MSR_IA32_PAT, PAT_VALUE);
	write_cr3(kernel_pt.root);
	__asm__ volatile("wbinvd" ::: "memory");
	kprintf("mem: own page tables at 0x%lx (%s pages), MMIO below 4 GiB uncached, framebuffer write-combining\n",
		kernel_pt.root, kernel_pt.allow_1g ? "1 GiB" : "2 MiB");
	return 0;
}

int mem_selftest(const struct boot_info *bi)
{
	int failed = 0;
	const struct efi_memory_descriptor *d;

#define MEM_CHECK(cond, name)                                           \
	do {                                                            \
		int ok_ = (cond);                                       \
		kprintf("%s: mem: %s\n", ok_ ? "PASS" : "FAIL", name);  \
		failed += !ok_;                                         \
	} while (0)

	for (uint64_t i = 0; i < desc_count(bi); i++) {
		d = desc_at(bi, i);
		kprintf("mem: %016lx-%016lx %-13s attr 0x%lx\n", d->phys_start,
			d->phys_start + d->npages * PAGE_SIZE - 1, type_name(d->type), d->attribute);
	}
	MEM_CHECK(check_map(bi, 1) == 0, "memory map well-formed, no overlapping entries");
	d = find_desc(bi, bi->kernel_base);
	MEM_CHECK(d && d->type == EFI_MT_LOADER_CODE &&
		  bi->kernel_base + bi->kernel_size <= d->phys_start + d->npages * PAGE_SIZE,
		  "kernel image lies inside one loader-code range");
	d = find_desc(bi, (uint64_t)bi);
	MEM_CHECK(d && d->type == EFI_MT_LOADER_DATA, "boot_info lies in loader data");
	MEM_CHECK(mem_free_pages() * PAGE_SIZE >= MIN_USABLE_BYTES, "at least 32 MiB free");

	/* The allocator must hand out only free RAM and give it back. */
	uint64_t before = mem_free_pages();
	uint64_t a = page_alloc(1), b = page_alloc(16);
	d = a ? find_desc(bi, a) : NULL;
	MEM_CHECK(a && b && a != b && d && is_free_type(d->type) && a >= LOW_RESERVED_END,
		  "allocated pages come from free RAM above 1 MiB");
	MEM_CHECK(mem_free_pages() == before - 17, "free count drops by what was allocated");
	if (a)
		page_free(a, 1);
	if (b)
		page_free(b, 16);
	MEM_CHECK(mem_free_pages() == before, "freed pages return to the allocator");
#undef MEM_CHECK
	return failed;
}
