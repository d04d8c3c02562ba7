/* The kernel's side of the report hand-over (boot/report_handover.h). */
#include "bench/report/report_save.h"
#include <stdbool.h>
#include "kernel/console.h"
#include "kernel/efi_runtime.h"
#include "kernel/firmware_info.h"
#include "boot/boot_info.h"
#include "boot/report_handover.h"
#include "kernel/mem.h"
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
		"vtdbench", "boot:", "cpu:", "mem:", "acpi:", "tsc:", "lapic:", "vtd", "dmar:",
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

int report_save_uefi(const char *text, size_t len)
{
	uint64_t pages = (len + PAGE_SIZE - 1) / PAGE_SIZE + 1;
	char *out = (char *)page_alloc(pages);
	size_t n = 0;
	char name[32];
	bool in_dump = false;

	if (!out) {
		kprintf("report: no memory to prepare the report for saving\n");
		return -1;
	}
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
			out[n++] = '\n';
		}
		i = end + 1;
	}
	unsigned chunks = (unsigned)((n + REPORT_HANDOVER_CHUNK_MAX - 1) / REPORT_HANDOVER_CHUNK_MAX);
	if (chunks > REPORT_HANDOVER_CHUNKS_MAX) {
		kprintf("report: %zu bytes is too large to hand over; keeping the first %u\n", n,
			REPORT_HANDOVER_CHUNKS_MAX * REPORT_HANDOVER_CHUNK_MAX);
		chunks = REPORT_HANDOVER_CHUNKS_MAX;
	}
	for (unsigned c = 0; c < chunks; c++) {
		size_t at = (size_t)c * REPORT_HANDOVER_CHUNK_MAX;
		size_t size = n - at < REPORT_HANDOVER_CHUNK_MAX ? n - at : REPORT_HANDOVER_CHUNK_MAX;
		fmt_snprintf(name, sizeof(name), REPORT_HANDOVER_CHUNK_FMT, c);
		uint64_t st = efi_set_variable(name, &vendor_guid, out + at, size);
		if (st) {
			kprintf("report: the firmware refused to store %s (EFI status 0x%lx): the report "
				"is only on the screen and the serial port\n", name, st);
			page_free((uint64_t)out, pages);
			return -1;
		}
	}
	uint32_t count = chunks;
	uint64_t st = efi_set_variable(REPORT_HANDOVER_COUNT_NAME, &vendor_guid, &count,
				       sizeof(count));
	page_free((uint64_t)out, pages);
	if (st) {
		kprintf("report: the firmware refused to store " REPORT_HANDOVER_COUNT_NAME
			" (EFI status 0x%lx)\n", st);
		return -1;
	}
	come_back_here();
	kprintf("report: saved (%zu bytes in %u UEFI variable%s); the next start of the stick "
		"writes it to \\REPORTS\n", n, chunks, chunks == 1 ? "" : "s");
	return 0;
}
