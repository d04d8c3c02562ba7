/* The kernel's side of the report hand-over (boot/report_handover.h). */
#include "bench/report/report_save.h"
#include <stdbool.h>
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/efi_runtime.h"
#include "kernel/firmware_info.h"
#include "boot/boot_info.h"
#include "boot/report_handover.h"
#include "kernel/mem.h"
#include "lib/console/capture.h"
#include "lib/fmt.h"
#include "lib/string.h"

static const struct report_handover_guid vendor_guid = REPORT_HANDOVER_GUID;

static bool starts(const char *line, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	return n >= p && memcmp(line, prefix, p) == 0;
}

/* Lines a reader of the saved report needs: results, checks, the machine
 * and unit descriptions, errors. Progress lines and the memory map stay
 * on the console only. */
static bool keep(const char *line, size_t n)
{
	static const char *const prefixes[] = {
		"report:", "REPORT ", "result:", "PASS:", "FAIL:", "SKIP:", "EXIT:", "run:",
		"vtdbench", "boot:", CAPTURE_CUT_PREFIX, "cpu:", "mem:", "acpi:", "tsc:", "lapic:", "vtd", "dmar:",
		"e1000:", "stream:", "dma:", "micro:", "options:", "selftest:", "EXCEPTION", "PANIC",
	};
	if (starts(line, n, "stream:") && n > 8 && memcmp(line + n - 8, " packets", 8) == 0)
		return false; /* "stream: strict: 10000 of 100000 packets" */
	for (unsigned i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (starts(line, n, prefixes[i]))
			return true;
	return false;
}

/* The restart that follows must start this stick again, not the
 * machine's usual system: BootNext (UEFI spec 3.1.2) names the boot option
 * this start came from, for the next start only. */
static void come_back_here(void)
{
	uint32_t option = firmware_info()->boot_current;

	if (option == BOOT_OPTION_UNKNOWN) {
		kprintf("report: the firmware did not say which boot entry started this run; if the "
			"machine does not start this stick again, pick it in the boot menu\n");
		return;
	}
	uint16_t next = (uint16_t)option;
	uint64_t st = efi_set_variable("BootNext", efi_global_variable_guid, &next, sizeof(next));
	if (st)
		kprintf("report: the firmware refused BootNext (EFI status 0x%lx); if the machine "
			"does not start this stick again, pick it in the boot menu\n", st);
	else
		kprintf("report: the next start is this stick again (BootNext = Boot%04X)\n", next);
}

/* Different from run to run (the TSC has moved on), never 0. */
static uint32_t new_run_id(void)
{
	uint64_t t = rdtsc_ordered();
	uint32_t id = (uint32_t)(t ^ (t >> 32));

	return id ? id : 1;
}

/* Step 1 of the protocol (boot/report_handover.h): whatever an earlier
 * hand-over left, so no old chunk can end up inside this report; also what
 * a refused attempt of this one wrote (whose, the caller says). Deleting a
 * variable that does not exist is refused with EFI_NOT_FOUND. */
static void delete_leftovers(const char *whose)
{
	char name[32];
	unsigned gone = 0;

	gone += efi_set_variable(REPORT_HANDOVER_COUNT_NAME, &vendor_guid, NULL, 0) == 0;
	for (unsigned c = 0; c < REPORT_HANDOVER_CHUNKS_MAX; c++) {
		fmt_snprintf(name, sizeof(name), REPORT_HANDOVER_CHUNK_FMT, c);
		gone += efi_set_variable(name, &vendor_guid, NULL, 0) == 0;
	}
	if (gone)
		kprintf("report: deleted %u variable%s %s\n", gone, gone == 1 ? "" : "s", whose);
}

/* Keeps the lines keep() wants, each as it was: a last line without its
 * '\n' stays without one. Returns the bytes in out. */
static size_t keep_lines(const char *text, size_t len, char *out)
{
	size_t n = 0;
	bool in_dump = false;

	for (size_t i = 0; i < len;) {
		size_t end = i;
		while (end < len && text[end] != '\n')
			end++;
		size_t line = end - i;
		while (line && text[i + line - 1] == '\r')
			line--;
		/* An exception's or panic's dump: its indented lines too. */
		bool dump_line = in_dump && starts(text + i, line, "  ");
		in_dump = dump_line || starts(text + i, line, "EXCEPTION") ||
			  starts(text + i, line, "PANIC");
		if (dump_line || keep(text + i, line)) {
			memcpy(out + n, text + i, line);
			n += line;
			if (end < len)
				out[n++] = '\n';
		}
		i = end + 1;
	}
	return n;
}

#define EFI_OUT_OF_RESOURCES_STATUS 0x8000000000000009ull /* UEFI spec, Appendix D */

/* Steps 2 and 3: the chunks of text[0..n), then the count. Returns the EFI
 * status of the first refusal (0: all stored) and in *refused the chunk it
 * refused (chunks for the count). */
static uint64_t write_handover(const char *text, size_t n, struct report_handover_chunk *record,
			       struct report_handover_count *count, unsigned *refused)
{
	char name[32];

	count->chunks = (unsigned)((n + REPORT_HANDOVER_CHUNK_MAX - 1) / REPORT_HANDOVER_CHUNK_MAX);
	for (unsigned c = 0; c < count->chunks; c++) {
		size_t at = (size_t)c * REPORT_HANDOVER_CHUNK_MAX;
		size_t size = n - at < REPORT_HANDOVER_CHUNK_MAX ? n - at : REPORT_HANDOVER_CHUNK_MAX;
		record->run_id = count->run_id;
		record->index = c;
		memcpy(record->text, text + at, size);
		fmt_snprintf(name, sizeof(name), REPORT_HANDOVER_CHUNK_FMT, c);
		uint64_t st = efi_set_variable(name, &vendor_guid, record, sizeof(*record) + size);
		if (st) {
			kprintf("report: the firmware refused to store %s (EFI status 0x%lx)\n", name, st);
			*refused = c;
			return st;
		}
	}
	*refused = count->chunks;
	return efi_set_variable(REPORT_HANDOVER_COUNT_NAME, &vendor_guid, count, sizeof(*count));
}

int report_save_uefi(const char *text, size_t len)
{
	enum { CHUNK_RECORD = sizeof(struct report_handover_chunk) + REPORT_HANDOVER_CHUNK_MAX };
	size_t room = (len + 8) & ~(size_t)7; /* the kept lines; then a copy to cut; a record */
	uint64_t pages = (2 * room + CHUNK_RECORD + PAGE_SIZE - 1) / PAGE_SIZE + 1;
	char *out = (char *)page_alloc(pages);

	if (!out) {
		kprintf("report: no memory to prepare the report for saving\n");
		return -1;
	}
	char *cut = out + room;
	struct report_handover_chunk *record = (struct report_handover_chunk *)(cut + room);
	size_t whole = keep_lines(text, len, out), n;
	size_t limit = (size_t)REPORT_HANDOVER_CHUNKS_MAX * REPORT_HANDOVER_CHUNK_MAX;
	struct report_handover_count count = { 0, new_run_id() };
	unsigned refused;
	uint64_t st;

	delete_leftovers("an earlier hand-over left");
	for (;;) {
		/* The end (results, REPORT end, the verdict) matters most: a long
		 * report keeps its start and its end, and says so in its text. */
		memcpy(cut, out, whole);
		n = capture_fit(cut, whole, limit);
		if (n != whole)
			kprintf("report: %zu bytes is too large to hand over; keeping its start and its "
				"end (%zu bytes)\n", whole, n);
		st = write_handover(cut, n, record, &count, &refused);
		/* A store too small for the whole limit: fewer chunks, with room
		 * left for the count, after freeing what this attempt wrote. */
		if (st != EFI_OUT_OF_RESOURCES_STATUS || refused < 2)
			break;
		limit = (size_t)(refused - 1) * REPORT_HANDOVER_CHUNK_MAX;
		kprintf("report: the firmware's variable store is full; trying %u chunks\n", refused - 1);
		delete_leftovers("the refused attempt wrote");
	}
	page_free((uint64_t)out, pages);
	if (st) {
		kprintf("report: not handed over (EFI status 0x%lx): the report is only on the screen "
			"and the serial port\n", st);
		return -1;
	}
	come_back_here();
	kprintf("report: saved (%zu bytes in %u UEFI variable%s, run %08x); the next start of the "
		"stick writes it to \\REPORTS\n", n, count.chunks, count.chunks == 1 ? "" : "s",
		count.run_id);
	return 0;
}
