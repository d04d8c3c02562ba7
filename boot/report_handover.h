/* The report hand-over across a restart: after ExitBootServices the kernel
 * cannot write the FAT volume, so it stores the report's text in
 * non-volatile UEFI variables under one vendor GUID and restarts; the
 * loader (boot/report_save.c) finds them at its next start and writes the
 * files. The kernel's side is bench/report/report_save.c.
 *
 * The variables: chunks REPORT_HANDOVER_PREFIX "0000", "0001", ... each a
 * struct report_handover_chunk and at most REPORT_HANDOVER_CHUNK_MAX bytes
 * of text, and REPORT_HANDOVER_COUNT_NAME, a struct report_handover_count,
 * the commit marker. Every record carries the run's identifier, so text of
 * two runs is never joined. The names are ASCII here; the loader widens
 * them with REPORT_HANDOVER_WIDE.
 *
 * Each step leaves a state the next start handles, whenever the power goes:
 *  kernel
 *   1. deletes the count, then every chunk name (leftovers of a hand-over
 *      that was cut short);
 *   2. writes the chunks, each with its run id and index;
 *   3. writes the count with the same run id: the report now exists.
 *  loader, at the next start
 *   4. no count: any chunks are leftovers of steps 1-2 or 6; it deletes
 *      them and saves nothing (no report made of gaps or of two runs);
 *   5. a count: it reads the chunks it names; a chunk that is missing or
 *      carries another run id or index is left out and named in the
 *      file's first line. It writes NNNN.txt and NNNN.json, unless a file
 *      in \REPORTS already holds exactly this text (the power went after
 *      step 5 at an earlier start: the report is not saved twice);
 *   6. deletes the count, and only when that worked, the chunks: a count
 *      left behind keeps its chunks, and the next start finds it saved.
 */
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

#define REPORT_HANDOVER_CHUNK_MAX  4000 /* bytes of text in one chunk */
/* Chunks in one hand-over (128000 bytes): firmware variable stores are
 * small, and after ExitBootServices they do not free deleted variables
 * until the next start (OVMF's took 41 chunks, then refused). A longer
 * report keeps its start and its end within this (lib/console/capture.h),
 * and the loader takes a larger count as malformed. */
#define REPORT_HANDOVER_CHUNKS_MAX 32

/* Both records little-endian, as x86 stores them. */
struct report_handover_chunk {
	uint32_t run_id;        /* the count's run_id */
	uint32_t index;         /* the NNNN of its name */
	char text[];            /* up to REPORT_HANDOVER_CHUNK_MAX bytes */
};

struct report_handover_count {
	uint32_t chunks;        /* 1 .. REPORT_HANDOVER_CHUNKS_MAX */
	uint32_t run_id;        /* not 0; differs from run to run */
};

/* A name above as the UCS-2 string the firmware takes (the loader is
 * built with -fshort-wchar, so L"" strings are UCS-2). */
#define REPORT_HANDOVER_WIDE(ascii) L"" ascii

#endif
