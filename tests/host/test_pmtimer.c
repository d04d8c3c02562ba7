/* drivers/clock/pmtimer.c, built on the host against a simulated FADT and
 * stand-ins for the kernel services it calls: a PM timer the FADT places in
 * system memory (X_PM_TMR_BLK) is mapped before it is used, and a mapping
 * that fails leaves it unused. The port case needs no mapping. */
#include <stdarg.h>
#include "tests/host/check.h"
#include "drivers/clock/pmtimer.c"

static uint8_t fadt[244];
static uint64_t mapped_phys, mapped_len;
static int map_calls, map_result;
static char said[256]; /* the driver's last message */

const struct acpi_sdt_header *acpi_find_table(const char sig[4], unsigned n)
{
	return (!memcmp(sig, "FACP", 4) && n == 0) ? (const void *)fadt : NULL;
}

int map_mmio(uint64_t phys, uint64_t len)
{
	map_calls++;
	mapped_phys = phys;
	mapped_len = len;
	return map_result;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(said, sizeof(said), fmt, ap);
	va_end(ap);
	return n;
}

static void make_fadt(uint32_t port, uint8_t x_space, uint64_t x_address)
{
	struct acpi_sdt_header h = { .signature = "FACP", .length = sizeof(fadt), .revision = 6 };
	struct acpi_gas x = { .space_id = x_space, .bit_width = 32, .address = x_address };
	uint32_t flags = FADT_TMR_VAL_EXT;

	memset(fadt, 0, sizeof(fadt));
	memcpy(fadt, &h, sizeof(h));
	memcpy(fadt + FADT_PM_TMR_BLK, &port, 4);
	fadt[FADT_PM_TMR_LEN] = 4;
	memcpy(fadt + FADT_FLAGS, &flags, 4);
	memcpy(fadt + FADT_X_PM_TMR_BLK, &x, sizeof(x));
	map_calls = 0;
	map_result = 0;
	mapped_phys = mapped_len = 0;
	pm_mmio = NULL;
	pm_port = 0;
}

static void memory_timer_is_mapped_before_use(void)
{
	struct clock_counter c = { 0 };

	make_fadt(0, ACPI_GAS_MEMORY, 0x12fe0000008ull); /* above 4 GiB */
	CHECK_EQ_U64(pmtimer_probe(&c), 0);
	CHECK_EQ_U64(map_calls, 1);
	CHECK_EQ_U64(mapped_phys, 0x12fe0000008ull);
	CHECK(mapped_len >= 4);
	CHECK(c.read == pmtimer_read_mmio);
	CHECK_EQ_U64(c.mask, 0xffffffff);
}

static void memory_timer_that_cannot_be_mapped_is_not_used(void)
{
	struct clock_counter c = { 0 };

	make_fadt(0, ACPI_GAS_MEMORY, 0x12fe0000008ull);
	map_result = -1;
	CHECK(pmtimer_probe(&c) < 0);
	CHECK(c.read == NULL);
	CHECK(pm_mmio == NULL);
	CHECK(strstr(said, "cannot map") != NULL);
}

static void port_timer_needs_no_mapping(void)
{
	struct clock_counter c = { 0 };

	make_fadt(0x608, ACPI_GAS_IO, 0x608);
	CHECK_EQ_U64(pmtimer_probe(&c), 0);
	CHECK_EQ_U64(map_calls, 0);
	CHECK(c.read == pmtimer_read_io);
	CHECK_EQ_U64(pm_port, 0x608);
}

int main(void)
{
	RUN_TEST("pmtimer", memory_timer_is_mapped_before_use);
	RUN_TEST("pmtimer", memory_timer_that_cannot_be_mapped_is_not_used);
	RUN_TEST("pmtimer", port_timer_needs_no_mapping);
	return check_tests_failed ? 1 : 0;
}
