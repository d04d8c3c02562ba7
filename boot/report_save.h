/* Saving the report of the last run, which the kernel handed over in
 * non-volatile UEFI variables, as files on the loader's own volume. */
#ifndef BOOT_REPORT_SAVE_H
#define BOOT_REPORT_SAVE_H

#include <efi.h>

/* If the last run left a report (boot/report_handover.h), writes it to
 * \REPORTS\NNNN.txt and .json on root, deletes the variables, says where
 * the files are, waits for a key (report_wait= on cmdline) and powers the
 * machine off or restarts it (after_save=; both boot/loader_options.h).
 * Does not return then, so the kernel does not run again in this boot.
 * Returns when there is nothing to save. */
void report_save_pending(EFI_FILE_HANDLE root, const char *cmdline);

#endif
