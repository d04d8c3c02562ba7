/* Saving the report of the last run, which the kernel handed over in
 * non-volatile UEFI variables, as files on the loader's own volume. */
#ifndef BOOT_REPORT_SAVE_H
#define BOOT_REPORT_SAVE_H

#include <efi.h>

/* Variables of the hand-over (the kernel writes them, see
 * bench/report_save.c): chunks L"VtdbenchReport0000", ...0001, ... of at
 * most REPORT_CHUNK_MAX bytes, then L"VtdbenchReportCount", a UINT32
 * little-endian chunk count, written last as the commit marker. */
#define REPORT_VENDOR_GUID \
	{ 0xfde40004, 0x496c, 0x4882, { 0xbb, 0x0d, 0xc3, 0x2a, 0x0d, 0x37, 0x73, 0x4d } }
#define REPORT_COUNT_NAME L"VtdbenchReportCount"
#define REPORT_CHUNK_FMT  L"VtdbenchReport%04d"
#define REPORT_CHUNK_MAX  4000
#define REPORT_CHUNKS_MAX 10000 /* four decimal digits */
#define REPORT_ATTRIBUTES \
	(EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)

/* If the last run left a report, writes it to \REPORTS\NNNN.txt and .json
 * on root, deletes the variables, says where the files are, waits for a
 * key (report_wait=S on cmdline, 30 s by default) and powers the machine
 * off (after_save=reboot: restarts it). Does not return then, so the
 * kernel does not run again in this boot. Returns when there is nothing
 * to save. */
void report_save_pending(EFI_FILE_HANDLE root, const char *cmdline);

#endif
