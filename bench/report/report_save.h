/* Handing the report to the loader across a reboot (the kernel cannot write
 * the FAT volume itself after ExitBootServices). */
#ifndef BENCH_REPORT_REPORT_SAVE_H
#define BENCH_REPORT_REPORT_SAVE_H

#include <stddef.h>

/* Keeps the report-worthy lines of text (drops progress and maps) and
 * stores them in non-volatile UEFI variables for the loader, which writes
 * them to \REPORTS on the boot volume at the next start. Returns 0 or -1
 * after saying why. */
int report_save_uefi(const char *text, size_t len);

#endif
