/* The kernel's own GDT and TSS: 64-bit code and data segments, and a TSS
 * whose interrupt stack gives double faults, NMIs and machine checks a
 * known-good stack even when the kernel stack overflowed. Every CPU has
 * its own GDT and TSS (a TSS descriptor is marked busy by ltr, so CPUs
 * cannot share one) and its own GS base, where its per-CPU data lives. */
#include "kernel/gdt.h"
#include "kernel/cpu.h"
#include "kernel/smp.h"
#include "lib/cpus.h"
#include "lib/string.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "SDM Vol. 3A 8.7, 64-bit TSS");

struct gdtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static uint64_t gdt[CPUS_MAX][5] __attribute__((aligned(16)));
static struct tss tss[CPUS_MAX] __attribute__((aligned(16)));
/* The boot CPU's; the others' come from the page allocator. */
static uint8_t ist_stack[GDT_IST_STACK_BYTES] __attribute__((aligned(16)));

#define MSR_IA32_GS_BASE 0xc0000101 /* SDM Vol. 4 2.1, architectural MSRs */

void gdt_load(const struct gdtr *gdtr, uint16_t code_sel, uint16_t data_sel);

/* Descriptor bits, SDM Vol. 3A 3.4.5: P, S, type, L (64-bit code). */
#define SEG_PRESENT  (1ull << 47)
#define SEG_CODEDATA (1ull << 44)
#define SEG_EXEC     (1ull << 43)
#define SEG_RW       (1ull << 41)
#define SEG_LONG     (1ull << 53)
#define SEG_TSS_AVAIL (0x9ull << 40)

void gdt_init_cpu(unsigned cpu, uint64_t ist_top, uint64_t gs_base)
{
	struct tss *t = &tss[cpu];
	uint64_t *g = gdt[cpu];
	uint64_t tss_base = (uint64_t)t;
	uint64_t tss_limit = sizeof(*t) - 1;

	memset(t, 0, sizeof(*t));
	t->ist[GDT_IST_CRITICAL - 1] = ist_top;
	t->iomap_base = sizeof(*t); /* no I/O permission bitmap */

	g[0] = 0;
	g[GDT_KERNEL_CODE / 8] = SEG_PRESENT | SEG_CODEDATA | SEG_EXEC | SEG_RW | SEG_LONG;
	g[GDT_KERNEL_DATA / 8] = SEG_PRESENT | SEG_CODEDATA | SEG_RW;
	/* A 64-bit TSS descriptor takes two slots (SDM Vol. 3A 8.2.3). */
	g[GDT_TSS / 8] = SEG_PRESENT | SEG_TSS_AVAIL | (tss_limit & 0xffff) |
			 ((tss_base & 0xffffff) << 16) | ((tss_base >> 24 & 0xff) << 56);
	g[GDT_TSS / 8 + 1] = tss_base >> 32;

	struct gdtr gdtr = { sizeof(gdt[cpu]) - 1, (uint64_t)g };
	gdt_load(&gdtr, GDT_KERNEL_CODE, GDT_KERNEL_DATA);
	__asm__ volatile("ltr %0" ::"r"((uint16_t)GDT_TSS));
	/* After gdt_load: loading GS's selector may clear its base. */
	wrmsr(MSR_IA32_GS_BASE, gs_base);
}

void gdt_init(void)
{
	gdt_init_cpu(0, (uint64_t)(ist_stack + sizeof(ist_stack)), smp_gs_base(0));
}
