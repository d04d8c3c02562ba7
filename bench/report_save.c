/* The hand-over protocol, shared with boot/report_save.c: chunks of at most
 * CHUNK bytes in variables VtdbenchReport0000, 0001, ... under the vendor
 * GUID below, then VtdbenchReportCount (a little-endian UINT32) written
 * last, as the commit marker the loader looks for. */
#include "bench/report_save.h"
#include <stdbool.h>
#include "kernel/console.h"
#include "kernel/efi_runtime.h"
#include "kernel/firmware_info.h"
#include "boot/boot_info.h"
#include "kernel/mem.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define CHUNK 4000
#define MAX_CHUNKS 64

/* {fde40004-496c-4882-bb0d-c32a0d37734d}, in EFI_GUID byte order. */
static const uint8_t vendor_guid[16] = {
	0x04, 0x00, 0xe4, 0xfd, 0x6c, 0x49, 0x82, 0x48,
	0xbb, 0x0d, 0xc3, 0x2a, 0x0d, 0x37, 0x73, 0x4d,
};

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
	unsigned chunks = (unsigned)((n + CHUNK - 1) / CHUNK);
	if (chunks > MAX_CHUNKS) {
		kprintf("report: %zu bytes is too large to hand over; keeping the first %u\n", n,
			MAX_CHUNKS * CHUNK);
		chunks = MAX_CHUNKS;
	}
	for (unsigned c = 0; c < chunks; c++) {
		size_t size = n - (size_t)c * CHUNK < CHUNK ? n - (size_t)c * CHUNK : CHUNK;
		fmt_snprintf(name, sizeof(name), "VtdbenchReport%04u", c);
		uint64_t st = efi_set_variable(name, vendor_guid, out + (size_t)c * CHUNK, size);
		if (st) {
			kprintf("report: the firmware refused to store %s (EFI status 0x%lx): the report "
				"is only on the screen and the serial port\n", name, st);
			page_free((uint64_t)out, pages);
			return -1;
		}
	}
	uint32_t count = chunks;
	uint64_t st = efi_set_variable("VtdbenchReportCount", vendor_guid, &count, sizeof(count));
	page_free((uint64_t)out, pages);
	if (st) {
		kprintf("report: the firmware refused to store VtdbenchReportCount (EFI status 0x%lx)\n",
			st);
		return -1;
	}
	come_back_here();
	kprintf("report: saved (%zu bytes in %u UEFI variable%s); the next start of the stick "
		"writes it to \\REPORTS\n", n, chunks, chunks == 1 ? "" : "s");
	return 0;
}
