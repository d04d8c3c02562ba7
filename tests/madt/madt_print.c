/* Prints what lib/acpi/madt.c decodes from a raw MADT file, one fact per
 * line, for tests/madt/run_tests.py to compare with what the table's
 * source says. Usage: madt_print FILE. The decoder gets the table's own
 * Length field when it is not more than the file holds, else the file's
 * size, as the kernel gives it the header's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/acpi/madt.h"

static void print_cpu(void *ctx, const struct madt_cpu *cpu)
{
	(void)ctx;
	printf("cpu offset=%u type=%u apic_id=0x%x uid=0x%x flags=0x%x\n", cpu->offset, cpu->type,
	       cpu->apic_id, cpu->uid, cpu->flags);
}

int main(int argc, char **argv)
{
	static uint8_t buf[65536];
	struct madt_info info;
	uint32_t length;
	size_t n;
	FILE *f;
	int err;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: madt_print FILE\n");
		return 2;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	length = (uint32_t)n;
	if (n >= 8) {
		uint32_t header_length = buf[4] | buf[5] << 8 | buf[6] << 16 | (uint32_t)buf[7] << 24;
		if (header_length <= n)
			length = header_length;
	}
	/* A heap copy of exactly `length` bytes, so ASan sees a read past it. */
	uint8_t *table = malloc(length ? length : 1);
	memcpy(table, buf, length);
	err = madt_decode(table, length, &info, print_cpu, NULL);
	free(table);
	printf("lapic_address=0x%llx\n", (unsigned long long)info.lapic_address);
	printf("pcat_compat=%d\n", info.pcat_compat);
	printf("cpus=%u\n", info.cpus);
	for (uint32_t i = 0; i < info.ioapics; i++)
		printf("ioapic id=%u address=0x%x gsi_base=%u\n", info.ioapic[i].id,
		       info.ioapic[i].address, info.ioapic[i].gsi_base);
	printf("short_entries=%u\n", info.short_entries);
	printf("result=%s\n", err == 0 ? "ok" : err == MADT_ESHORT ? "short" : "bad-length");
	if (err == MADT_ELENGTH)
		printf("bad_entry offset=%u length=%u\n", info.bad_offset, info.bad_length);
	return 0;
}
