/* The units the DMAR table lists, and the read-only view of each that the
 * rest of the kernel gets through vtd.h: the registry is its own file so
 * that bring-up (vtd_unit.c), context tables and fault handling all look
 * units up here without depending on each other. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_internal.h"
#include "drivers/vtd/vtd_regs.h"
#include "lib/string.h"

static struct vtd_unit units[VTD_MAX_UNITS];
static unsigned unit_count;

void vtd_units_clear(void)
{
	unit_count = 0;
}

struct vtd_unit *vtd_unit_new(void)
{
	if (unit_count == VTD_MAX_UNITS)
		return NULL;
	/* memset, not a compound literal: the unit is large (its CPUs' queue
	 * state), too large for a temporary on the kernel stack. */
	memset(&units[unit_count], 0, sizeof(units[unit_count]));
	units[unit_count].index = unit_count;
	return &units[unit_count];
}

void vtd_unit_keep(struct vtd_unit *u)
{
	if (u == &units[unit_count])
		unit_count++;
}

unsigned vtd_unit_count(void)
{
	return unit_count;
}

struct vtd_unit *vtd_unit(unsigned i)
{
	return i < unit_count ? &units[i] : NULL;
}

void vtd_get_info(const struct vtd_unit *u, struct vtd_unit_info *info)
{
	*info = (struct vtd_unit_info){
		.index = u->index, .base = u->reg_phys,
		.ver_major = (u->ver >> 4) & 0xf, .ver_minor = u->ver & 0xf, /* 10.4.1 */
		.cap = u->cap, .ecap = u->ecap, .levels = u->levels,
		.coherent = u->coherent, .caching_mode = cap_cm(u->cap), .inval = u->inval,
	};
}

unsigned vtd_unit_index(const struct vtd_unit *u)
{
	return u->index;
}

bool vtd_has_qi(const struct vtd_unit *u)
{
	return ecap_qi(u->ecap);
}

bool vtd_caching_mode(const struct vtd_unit *u)
{
	return cap_cm(u->cap);
}

unsigned vtd_fault_record_count(const struct vtd_unit *u)
{
	return cap_nfr(u->cap);
}

enum vtd_inval_mode vtd_get_inval_mode(const struct vtd_unit *u)
{
	return u->inval;
}

bool vtd_translating(const struct vtd_unit *u)
{
	return u->translating;
}

unsigned vtd_last_iaig(const struct vtd_unit *u)
{
	return u->last_iaig;
}

unsigned vtd_last_caig(const struct vtd_unit *u)
{
	return u->last_caig;
}

bool vtd_needs_write_buffer_flush(const struct vtd_unit *u)
{
	return cap_rwbf(u->cap) && !cap_cm(u->cap);
}

const struct vtd_stats *vtd_get_stats(const struct vtd_unit *u)
{
	return &u->stats;
}

void vtd_reset_stats(struct vtd_unit *u)
{
	u->mmio_reads_earlier += u->stats.mmio_reads;
	u->mmio_writes_earlier += u->stats.mmio_writes;
	u->stats = (struct vtd_stats){ 0 };
	for (unsigned cpu = 0; cpu < CPUS_MAX; cpu++) {
		struct vtd_cpu_queue *c = &u->cpu[cpu];
		c->lock_wait = (struct lock_wait){ 0 };
		memset(c->iotlb_inval, 0, sizeof(c->iotlb_inval));
		c->psi_fallbacks = c->context_inval = 0;
	}
}

struct lock_wait vtd_queue_lock_wait(const struct vtd_unit *u, unsigned cpu)
{
	return u->cpu[cpu].lock_wait;
}

void vtd_get_ring_totals(const struct vtd_unit *u, struct vtd_ring_totals *t)
{
	*t = u->ring_totals;
}

void vtd_mmio_totals(const struct vtd_unit *u, uint64_t *reads, uint64_t *writes)
{
	*reads = u->mmio_reads_earlier + u->stats.mmio_reads;
	*writes = u->mmio_writes_earlier + u->stats.mmio_writes;
}

const struct vtd_fault_record *vtd_last_fault(const struct vtd_unit *u)
{
	return &u->last_fault;
}

struct vtd_global_status vtd_read_global_status(struct vtd_unit *u)
{
	uint32_t gsts = vtd_read32(u, DMAR_GSTS_REG);

	return (struct vtd_global_status){ .raw = gsts, .translating = gsts & DMA_GSTS_TES,
					   .queued_inval = gsts & DMA_GSTS_QIES };
}

uint32_t vtd_probe_read(struct vtd_unit *u)
{
	return vtd_read32(u, DMAR_VER_REG);
}

uint32_t vtd_probe_fedata(struct vtd_unit *u)
{
	return vtd_read32(u, DMAR_FEDATA_REG);
}

void vtd_probe_write(struct vtd_unit *u, uint32_t fedata)
{
	vtd_write32(u, DMAR_FEDATA_REG, fedata);
}
