/* The hand-over's variables as the loader reads and deletes them
 * (boot/report_vars.c; the protocol is boot/report_handover.h). */
#ifndef BOOT_REPORT_VARS_H
#define BOOT_REPORT_VARS_H

#include <efi.h>
#include <efilib.h>
#include "boot/report_handover.h"

/* The names as the firmware takes them. */
#define COUNT_NAME REPORT_HANDOVER_WIDE(REPORT_HANDOVER_COUNT_NAME)
#define CHUNK_FMT  REPORT_HANDOVER_WIDE(REPORT_HANDOVER_CHUNK_FMT)

/* GetVariable of one of the hand-over's variables. */
EFI_STATUS get_var(const CHAR16 *name, void *data, UINTN *size);
/* Step 4: a count that is missing or malformed; deletes whatever is
 * there and says why (why: what was found), saving nothing. */
void delete_stale(const CHAR16 *why);
/* Step 6: the count, and only when that worked, every chunk. */
EFI_STATUS delete_handover(void);

#endif
