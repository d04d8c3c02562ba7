/* The firmware's DMAR table, checked and shown at boot. */
#ifndef DRIVERS_ACPI_DMAR_SCAN_H
#define DRIVERS_ACPI_DMAR_SCAN_H

#include <stdbool.h>
#include "lib/dmar/dmar.h"

/* Finds the DMAR table, validates it, prints a summary (every field when
 * verbose) and each unit's device scopes resolved to bus:dev.fn.
 * Returns 1 when a valid table was found, 0 when there is none, or a
 * negative error for a malformed one (after printing what is wrong). */
int dmar_scan(bool verbose);
/* The validated table, or NULL. */
const struct dmar_table *dmar_scan_table(void);

#endif
