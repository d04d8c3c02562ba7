/* MADT: the interrupt controllers the firmware describes. The decoding is
 * lib/acpi/madt.h's; this side finds the table, lists the CPUs with
 * kernel/smp.c and prints what it found. */
#ifndef DRIVERS_ACPI_MADT_H
#define DRIVERS_ACPI_MADT_H

#include "lib/acpi/madt.h"

/* Reads the MADT; returns 0, or a negative error (and prints why). */
int madt_parse(struct madt_info *out);

#endif
