/* HPET main counter (IA-PC HPET specification 1.0a, section 2.3), found
 * through the ACPI HPET table. */
#include "drivers/clock/clock.h"
#include "drivers/acpi/acpi.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "lib/string.h"

#define HPET_GCAP_ID   0x000 /* General Capabilities and ID */
#define HPET_GCAP_PERIOD_SHIFT 32 /* COUNTER_CLK_PERIOD, femtoseconds */
#define HPET_GCAP_COUNT_SIZE  (1ull << 13) /* 64-bit main counter */
#define HPET_GEN_CONF  0x010 /* General Configuration */
#define HPET_CONF_ENABLE (1ull << 0)
#define HPET_MAIN_COUNTER 0x0f0

#define HPET_MAX_PERIOD_FS 100000000ull /* spec: at most 100 ns */
#define FS_PER_S 1000000000000000ul

static volatile uint64_t *hpet_regs;
static uint64_t hpet_mask;

static uint64_t hpet_read(void)
{
	return hpet_regs[HPET_MAIN_COUNTER / 8] & hpet_mask;
}

int hpet_probe(struct clock_counter *c)
{
	const struct acpi_sdt_header *t = acpi_find_table("HPET", 0);
	struct acpi_gas base;

	if (!t || t->length < 56) {
		kprintf("hpet: no ACPI HPET table\n");
		return -1;
	}
	memcpy(&base, (const uint8_t *)t + 40, sizeof(base));
	if (base.space_id != ACPI_GAS_MEMORY || !base.address || base.address % 1024) {
		kprintf("hpet: unusable base address 0x%lx (space %u)\n", base.address, base.space_id);
		return -1;
	}
	if (map_mmio(base.address, 1024))
		return -1;
	hpet_regs = (volatile uint64_t *)base.address;
	uint64_t cap = hpet_regs[HPET_GCAP_ID / 8];
	uint64_t period = cap >> HPET_GCAP_PERIOD_SHIFT;
	if (cap == ~0ull || period == 0 || period > HPET_MAX_PERIOD_FS) {
		kprintf("hpet: at 0x%lx does not answer sanely (capabilities 0x%lx)\n",
			base.address, cap);
		return -1;
	}
	hpet_mask = (cap & HPET_GCAP_COUNT_SIZE) ? ~0ull : 0xffffffffull;
	/* Firmware may leave the counter stopped; starting it is harmless. */
	hpet_regs[HPET_GEN_CONF / 8] |= HPET_CONF_ENABLE;

	c->name = "HPET";
	c->read = hpet_read;
	c->mask = hpet_mask;
	c->hz_num = FS_PER_S;
	c->hz_den = period;
	kprintf("hpet: at 0x%lx, period %lu fs (%lu Hz), %s counter\n", base.address, period,
		FS_PER_S / period, hpet_mask == ~0ull ? "64-bit" : "32-bit");
	return 0;
}
