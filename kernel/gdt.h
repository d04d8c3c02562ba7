/* Segment selectors of the kernel's GDT. */
#ifndef KERNEL_GDT_H
#define KERNEL_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_TSS         0x18
#define GDT_IST_CRITICAL 1 /* IST slot for #DF, NMI and #MC */

void gdt_init(void);

#endif
