/* Boot-time DMAR handling: the parser in lib/dmar/dmar.c does the checking; this
 * file finds the table, prints through the console, and turns each device
 * scope's path into the bus:dev.fn it names on this machine, walking the
 * bridges as the VT-d specification (8.3.1) describes. */
#include "drivers/acpi/dmar_scan.h"
#include "drivers/acpi/acpi.h"
#include "drivers/pci/pci.h"
#include "kernel/console.h"

static struct dmar_table table;
static bool table_valid;

static void console_print(void *ctx, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

static void print_scope(const struct dmar_scope *sc)
{
	uint8_t bus;

	switch (sc->type) {
	case DMAR_SCOPE_ENDPOINT:
	case DMAR_SCOPE_BRIDGE:
		if (sc->path_len == 0 ||
		    pci_resolve_path(sc->start_bus, (const uint8_t (*)[2])sc->path, sc->path_len, &bus)) {
			kprintf("  %s path from bus %02x does not lead to a device here\n",
				dmar_scope_type_name(sc->type), sc->start_bus);
			return;
		}
		const struct dmar_pci_path *last = &sc->path[sc->path_len - 1];
		const struct pci_dev *d = pci_find(bus, last->device, last->function);
		kprintf("  %s %02x:%02x.%u %s%s\n", sc->type == DMAR_SCOPE_BRIDGE ? "bridge" : "device",
			bus, last->device, last->function, d ? pci_class_name(d->class_rev) : "(absent)",
			sc->type == DMAR_SCOPE_BRIDGE ? " and everything below it" : "");
		return;
	case DMAR_SCOPE_IOAPIC:
		kprintf("  I/O APIC id %u\n", sc->enumeration_id);
		return;
	case DMAR_SCOPE_HPET:
		kprintf("  HPET number %u\n", sc->enumeration_id);
		return;
	case DMAR_SCOPE_NAMESPACE:
		kprintf("  ACPI namespace device %u\n", sc->enumeration_id);
		return;
	default:
		kprintf("  scope of reserved type %u\n", sc->type);
	}
}

static void print_unit_scopes(void)
{
	struct dmar_iter it;
	struct dmar_struct s;

	dmar_iter_start(&it, &table);
	while (dmar_iter_next(&it, &s)) {
		if (s.type != DMAR_TYPE_DRHD)
			continue;
		kprintf("dmar: unit at 0x%lx (segment %u) covers%s\n", s.drhd.reg_base, s.drhd.segment,
			s.drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL ?
				" every PCI device no other unit lists, and:" : ":");
		struct dmar_scope_iter si;
		struct dmar_scope sc;
		dmar_scope_start(&si, &table, &s);
		while (dmar_scope_next(&si, &sc))
			print_scope(&sc);
	}
}

int dmar_scan(bool verbose)
{
	const struct acpi_sdt_header *h = acpi_find_table("DMAR", 0);

	table_valid = false;
	if (!h) {
		kprintf("dmar: no DMAR table: VT-d is off in the firmware setup, or this machine "
			"has no VT-d (under QEMU: -device intel-iommu)\n");
		return 0;
	}
	if (acpi_find_table("DMAR", 1))
		kprintf("dmar: WARNING: the firmware lists more than one DMAR table; using the first\n");
	int rc = dmar_parse(&table, h, h->length, console_print, NULL);
	if (rc < 0) {
		console_set_error_color(1);
		kprintf("dmar: the DMAR table at 0x%lx is malformed (see above); the remapping units "
			"cannot be used safely. Update the firmware, or report this table "
			"(dmardump decodes it).\n", (uint64_t)h);
		console_set_error_color(0);
		return rc;
	}
	table_valid = true;
	if (verbose)
		dmar_print_decoded(&table, console_print, NULL);
	else
		dmar_print_summary(&table, console_print, NULL);
	print_unit_scopes();
	return 1;
}

const struct dmar_table *dmar_scan_table(void)
{
	return table_valid ? &table : NULL;
}
