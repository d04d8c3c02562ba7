/* Walks the firmware's ACPI tables (ACPI 6.5 5.2.5 - 5.2.8). Every length
 * is bounded before it is used: real firmware ships odd tables. */
#include "drivers/acpi/acpi.h"
#include "kernel/console.h"
#include "lib/string.h"

struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;  /* 0 = ACPI 1.0, 2 = ACPI 2.0+ */
	uint32_t rsdt_address;
	uint32_t length;   /* 2.0+: whole structure */
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 6.5 table 5.3");

#define ACPI_MAX_TABLES 64
#define ACPI_MAX_TABLE_BYTES (16u << 20)

static const struct acpi_sdt_header *tables[ACPI_MAX_TABLES];
static unsigned table_count;

uint8_t acpi_checksum(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += b[i];
	return sum;
}

static int plausible(const struct acpi_sdt_header *t)
{
	return t && t->length >= sizeof(*t) && t->length <= ACPI_MAX_TABLE_BYTES;
}

static void add_table(uint64_t phys)
{
	const struct acpi_sdt_header *t = (const struct acpi_sdt_header *)phys;

	if (!phys || !plausible(t)) {
		kprintf("acpi: ignoring an entry at 0x%lx with an implausible length\n", phys);
		return;
	}
	int bad_sum = acpi_checksum(t, t->length) != 0;
	kprintf("acpi: %.4s at 0x%lx, %u bytes, rev %u, OEM '%.6s' '%.8s'%s\n",
		t->signature, phys, t->length, t->revision, t->oem_id, t->oem_table_id,
		bad_sum ? " -- WARNING: checksum fails" : "");
	if (table_count < ACPI_MAX_TABLES)
		tables[table_count++] = t;
	else
		kprintf("acpi: more than %d tables; ignoring the rest\n", ACPI_MAX_TABLES);
}

int acpi_init(uint64_t rsdp_phys)
{
	const struct acpi_rsdp *rsdp = (const struct acpi_rsdp *)rsdp_phys;

	if (!rsdp_phys) {
		kprintf("acpi: the firmware gave no ACPI RSDP; this machine cannot be described\n");
		return -1;
	}
	if (memcmp(rsdp->signature, "RSD PTR ", 8) != 0 || acpi_checksum(rsdp, 20) != 0) {
		kprintf("acpi: RSDP at 0x%lx is invalid (signature or checksum)\n", rsdp_phys);
		return -1;
	}
	int use_xsdt = rsdp->revision >= 2 && rsdp->xsdt_address &&
		       rsdp->length >= sizeof(*rsdp) && acpi_checksum(rsdp, sizeof(*rsdp)) == 0;
	uint64_t root_phys = use_xsdt ? rsdp->xsdt_address : rsdp->rsdt_address;
	const struct acpi_sdt_header *root = (const struct acpi_sdt_header *)root_phys;
	kprintf("acpi: RSDP at 0x%lx, revision %u, OEM '%.6s', using the %s at 0x%lx\n",
		rsdp_phys, rsdp->revision, rsdp->oem_id, use_xsdt ? "XSDT" : "RSDT", root_phys);
	if (!root_phys || !plausible(root) ||
	    memcmp(root->signature, use_xsdt ? "XSDT" : "RSDT", 4) != 0) {
		kprintf("acpi: the %s is missing or malformed\n", use_xsdt ? "XSDT" : "RSDT");
		return -1;
	}
	if (acpi_checksum(root, root->length) != 0)
		kprintf("acpi: WARNING: %s checksum fails; reading it anyway\n",
			use_xsdt ? "XSDT" : "RSDT");

	uint32_t entry_size = use_xsdt ? 8 : 4;
	uint32_t entries = (root->length - sizeof(*root)) / entry_size;
	const uint8_t *p = (const uint8_t *)root + sizeof(*root);
	table_count = 0;
	for (uint32_t i = 0; i < entries; i++) {
		uint64_t phys = 0;
		memcpy(&phys, p + i * entry_size, entry_size); /* entries may be unaligned */
		add_table(phys);
	}
	/* The FADT points at the DSDT, which the root table does not list. */
	const struct acpi_sdt_header *fadt = acpi_find_table("FACP", 0);
	if (fadt && fadt->length >= 44) {
		uint32_t dsdt32;
		uint64_t dsdt64 = 0;
		memcpy(&dsdt32, (const uint8_t *)fadt + 40, 4);
		if (fadt->length >= 148)
			memcpy(&dsdt64, (const uint8_t *)fadt + 140, 8);
		add_table(dsdt64 ? dsdt64 : dsdt32);
	}
	return 0;
}

const struct acpi_sdt_header *acpi_find_table(const char sig[4], unsigned n)
{
	for (unsigned i = 0; i < table_count; i++)
		if (memcmp(tables[i]->signature, sig, 4) == 0 && n-- == 0)
			return tables[i];
	return NULL;
}
