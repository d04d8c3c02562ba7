/* The report hand-over across a restart: after ExitBootServices the kernel
 * cannot write the FAT volume, so it stores the report's text in
 * non-volatile UEFI variables under one vendor GUID and restarts; the
 * loader (boot/report_save.c) finds them at its next start and writes the
 * files. The kernel's side is bench/report/report_save.c.
 *
 * The variables: chunks REPORT_HANDOVER_PREFIX "0000", "0001", ... of at
 * most REPORT_HANDOVER_CHUNK_MAX bytes each, then REPORT_HANDOVER_COUNT_NAME
 * holding the chunk count as a little-endian 32-bit integer, written last:
 * the commit marker the loader looks for. The names are ASCII here; the
 * loader widens them with REPORT_HANDOVER_WIDE. */
#ifndef BOOT_REPORT_HANDOVER_H
#define BOOT_REPORT_HANDOVER_H

#include <stdint.h>

/* EFI_GUID's layout (UEFI spec, Appendix A), for the kernel, which has no
 * firmware headers; the loader puts the same initializer in an EFI_GUID. */
struct report_handover_guid {
	uint32_t data1;
	uint16_t data2, data3;
	uint8_t data4[8];
};

/* {fde40004-496c-4882-bb0d-c32a0d37734d} */
#define REPORT_HANDOVER_GUID \
	{ 0xfde40004, 0x496c, 0x4882, { 0xbb, 0x0d, 0xc3, 0x2a, 0x0d, 0x37, 0x73, 0x4d } }

#define REPORT_HANDOVER_PREFIX     "VtdbenchReport"
#define REPORT_HANDOVER_COUNT_NAME REPORT_HANDOVER_PREFIX "Count"
/* A chunk's name from its index (an unsigned int), as both sides' printf
 * formatting reads it. */
#define REPORT_HANDOVER_CHUNK_FMT  REPORT_HANDOVER_PREFIX "%04u"

#define REPORT_HANDOVER_CHUNK_MAX  4000 /* bytes in one chunk */
/* Chunks in one hand-over (256000 bytes; firmware variable stores are
 * small): a run keeps its report's start within this, and the loader takes
 * a larger count as malformed. */
#define REPORT_HANDOVER_CHUNKS_MAX 64

/* A name above as the UCS-2 string the firmware takes (the loader is
 * built with -fshort-wchar, so L"" strings are UCS-2). */
#define REPORT_HANDOVER_WIDE(ascii) L"" ascii

#endif
