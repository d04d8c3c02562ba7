/* ACPI power-management timer: a 3.579545 MHz counter, 24 or 32 bits wide,
 * at the port the FADT names (ACPI 6.5 4.8.3.3 and table 5.9). */
#include "drivers/clock/clock.h"
#include "drivers/acpi/acpi.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "lib/string.h"

#define FADT_PM_TMR_BLK    76  /* 32-bit I/O port */
#define FADT_PM_TMR_LEN    91
#define FADT_FLAGS         112
#define FADT_TMR_VAL_EXT   (1u << 8) /* 32-bit counter */
#define FADT_X_PM_TMR_BLK  208 /* GAS, FADT revision 3+ */
#define PM_TIMER_HZ        3579545ull

static uint16_t pm_port;
static uint64_t pm_mask;
static volatile uint32_t *pm_mmio;

static uint64_t pmtimer_read_io(void)
{
	return inl(pm_port) & pm_mask;
}

static uint64_t pmtimer_read_mmio(void)
{
	return *pm_mmio & pm_mask;
}

int pmtimer_probe(struct clock_counter *c)
{
	const struct acpi_sdt_header *f = acpi_find_table("FACP", 0);
	const uint8_t *p = (const uint8_t *)f;
	uint32_t port = 0, flags = 0;
	struct acpi_gas x = { 0 };

	if (!f || f->length < FADT_FLAGS + 4) {
		kprintf("pmtimer: no usable FADT\n");
		return -1;
	}
	memcpy(&port, p + FADT_PM_TMR_BLK, 4);
	memcpy(&flags, p + FADT_FLAGS, 4);
	if (f->length >= FADT_X_PM_TMR_BLK + sizeof(x))
		memcpy(&x, p + FADT_X_PM_TMR_BLK, sizeof(x));
	pm_mask = (flags & FADT_TMR_VAL_EXT) ? 0xffffffffull : 0xffffffull;

	if (x.address && x.space_id == ACPI_GAS_MEMORY) {
		/* Firmware may place it anywhere, above 4 GiB too, where
		 * paging_init mapped nothing: map the 32-bit register first. */
		if (map_mmio(x.address, sizeof(*pm_mmio))) {
			kprintf("pmtimer: cannot map its register at 0x%lx\n", x.address);
			return -1;
		}
		pm_mmio = (volatile uint32_t *)x.address;
		c->read = pmtimer_read_mmio;
	} else {
		if (x.address && x.space_id == ACPI_GAS_IO)
			port = (uint32_t)x.address;
		if (!port || port > 0xfffc || p[FADT_PM_TMR_LEN] < 4) {
			kprintf("pmtimer: the FADT describes no PM timer\n");
			return -1;
		}
		pm_port = (uint16_t)port;
		c->read = pmtimer_read_io;
	}
	c->name = "ACPI PM timer";
	c->mask = pm_mask;
	c->hz_num = PM_TIMER_HZ;
	c->hz_den = 1;
	kprintf("pmtimer: %s 0x%lx, %s counter\n", pm_mmio ? "memory" : "port",
		pm_mmio ? x.address : port, pm_mask == 0xffffffffull ? "32-bit" : "24-bit");
	return 0;
}
