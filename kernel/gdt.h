/* Segment selectors of the kernel's GDT. */
#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18
#define GDT_IST_CRITICAL 1 /* IST slot for #DF, NMI and #MC */

#define GDT_IST_STACK_BYTES (16 * 1024)

/* The boot CPU's GDT, TSS and GS base (its per-CPU data, kernel/smp.c). */
void gdt_init(void);
/* The same for CPU cpu, run on that CPU: its IST stack ends at ist_top,
 * its GS base is gs_base. */
void gdt_init_cpu(unsigned cpu, uint64_t ist_top, uint64_t gs_base);

#endif
