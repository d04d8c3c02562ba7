/* The simulated register block of tests/host/vtd_sim.h, and the kernel
 * services the driver's files expect (kprintf, tsc_from_us, pages). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "tests/host/vtd_sim.h"

struct vtd_sim vtd_sim;
/* One access at a time, as the bus serialises them; outside vtd_sim so
 * that a reset leaves it alone. */
static pthread_mutex_t sim_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_t iva_writer;

void vtd_sim_reset(struct vtd_unit *u, uint64_t cap, uint64_t ecap)
{
	memset(&vtd_sim, 0, sizeof(vtd_sim));
	vtd_sim.cap = cap;
	vtd_sim.ecap = ecap | ((uint64_t)(VTD_SIM_IRO / VTD_REG_OFFSET_UNIT) << 8);
	vtd_sim.caig = 1;
	*u = (struct vtd_unit){ .index = 0, .cap = vtd_sim.cap, .ecap = vtd_sim.ecap,
				.inval = VTD_INVAL_REG, .coherent = true };
}

const char *vtd_sim_event_string(void)
{
	static char s[VTD_SIM_EVENTS * 8];

	s[0] = 0;
	for (unsigned i = 0; i < vtd_sim.nevents; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, vtd_sim.events[i]);
	}
	return s;
}

bool vtd_sim_logged(const char *needle)
{
	return strstr(vtd_sim.log, needle) != NULL;
}

unsigned vtd_sim_pages_done(uint16_t did)
{
	pthread_mutex_lock(&sim_mutex);
	unsigned n = did < VTD_SIM_DIDS ? vtd_sim.pages_done[did] : 0;
	pthread_mutex_unlock(&sim_mutex);
	return n;
}

/* A page-selective invalidation of domain did at addr, run. */
static void page_done(uint64_t did, uint64_t addr)
{
	if (did >= VTD_SIM_DIDS)
		return;
	if ((addr >> 12) != vtd_sim.pages_done[did])
		vtd_sim.page_order_errors++;
	vtd_sim.pages_done[did]++;
}

static void event(const char *what)
{
	if (vtd_sim.nevents < VTD_SIM_EVENTS)
		vtd_sim.events[vtd_sim.nevents++] = what;
}

/* The persistent bits of GCMD, each applied as it changes (10.4.4). */
static void gcmd_write(uint32_t v)
{
	static const struct { uint32_t bit; const char *on, *off; } persistent[] = {
		{ DMA_GCMD_TE, "TE+", "TE-" },
		{ DMA_GCMD_IRE, "IRE+", "IRE-" },
		{ DMA_GCMD_QIE, "QIE+", "QIE-" },
	};

	for (unsigned i = 0; i < sizeof(persistent) / sizeof(persistent[0]); i++) {
		uint32_t bit = persistent[i].bit;
		if ((v & bit) == (vtd_sim.gsts & bit))
			continue;
		/* Interrupt remapping invalidates its entry cache through the
		 * queue: the queue must not go away under it. */
		if (bit == DMA_GCMD_QIE && !(v & bit) && (vtd_sim.gsts & DMA_GSTS_IRES))
			vtd_sim.violations++;
		vtd_sim.gsts ^= bit;
		event(v & bit ? persistent[i].on : persistent[i].off);
		if (bit == DMA_GCMD_QIE && !(v & bit))
			vtd_sim.iqh = 0; /* 10.4.22: IQH reads 0 once the queue is off */
	}
	if (v & DMA_GCMD_SRTP)
		vtd_sim.gsts |= DMA_GSTS_RTPS;
	if ((v & DMA_GCMD_WBF) && cap_rwbf(vtd_sim.cap)) {
		vtd_sim.wbf_started++;
		vtd_sim.wbf_running = true;
		vtd_sim.wbf_reads_left = vtd_sim.wbf_latency;
		vtd_sim.gsts |= DMA_GSTS_WBFS;
	}
}

static uint32_t gsts_read(void)
{
	if (vtd_sim.wbf_running) {
		if (vtd_sim.wbf_reads_left == 0) {
			vtd_sim.wbf_running = false;
			vtd_sim.wbf_completed++;
			vtd_sim.gsts &= ~DMA_GSTS_WBFS;
		} else {
			vtd_sim.wbf_reads_left--;
		}
	}
	return vtd_sim.gsts;
}

static uint64_t iqh_read(void)
{
	if ((vtd_sim.gsts & DMA_GSTS_QIES) && !(vtd_sim.fsts & DMA_FSTS_IQE) &&
	    vtd_sim.iqh != vtd_sim.iqt)
		vtd_sim.iqh += VTD_QI_DESC_BYTES;
	return vtd_sim.iqh;
}

/* Runs the driver's queue from IQH up to IQT (see vtd_sim.h). */
static void qi_run(void)
{
	if (!vtd_sim.iqa || !(vtd_sim.gsts & DMA_GSTS_QIES))
		return;
	unsigned ring = 4096; /* IQA.QS = 0: one page */
	while (vtd_sim.iqh != vtd_sim.iqt && !(vtd_sim.fsts & DMA_FSTS_IQE)) {
		volatile uint64_t *d = (volatile uint64_t *)(uintptr_t)(vtd_sim.iqa + vtd_sim.iqh);
		uint64_t type = d[0] & 0xf;
		if (type != QI_CC_TYPE && type != QI_IOTLB_TYPE && type != QI_IWD_TYPE) {
			vtd_sim.fsts |= DMA_FSTS_IQE;
			return;
		}
		if (type == QI_IWD_TYPE && (d[0] & QI_IWD_SW)) {
			/* The waiting CPU polls the word without the driver's
			 * lock: a release store, as the unit's posted write. */
			__atomic_store_n((uint32_t *)(uintptr_t)d[1], (uint32_t)(d[0] >> 32),
					 __ATOMIC_RELEASE);
			vtd_sim.qi_status_writes++;
			vtd_sim.status_writes_by_slot[(d[1] & 0xfff) / 64]++;
		}
		if (type == QI_IOTLB_TYPE && (d[0] & (3ull << 4)) == QI_GRAN_DEVICE_OR_PAGE)
			page_done((d[0] >> 16) & 0xffff, d[1] & ~0xfffull);
		vtd_sim.qi_descriptors_run++;
		vtd_sim.iqh = (vtd_sim.iqh + VTD_QI_DESC_BYTES) % ring;
		if (vtd_sim.iqh == 0)
			vtd_sim.qi_wraps++;
	}
}

static void fsts_write(uint32_t v)
{
	if (v & vtd_sim.fsts & DMA_FSTS_IQE)
		vtd_sim.iqe_clears++;
	vtd_sim.fsts &= ~(v & DMA_FSTS_RW1C);
	if (vtd_sim.iqe_sticky && (vtd_sim.gsts & DMA_GSTS_QIES) && vtd_sim.iqh != vtd_sim.iqt)
		vtd_sim.fsts |= DMA_FSTS_IQE;
	qi_run();
}

static uint64_t reg_read(unsigned off)
{
	switch (off) {
	case DMAR_VER_REG: return vtd_sim.ver;
	case DMAR_FEDATA_REG: return vtd_sim.fedata;
	case DMAR_CAP_REG: return vtd_sim.cap;
	case DMAR_ECAP_REG: return vtd_sim.ecap;
	case DMAR_GSTS_REG: return gsts_read();
	case DMAR_FSTS_REG: return vtd_sim.fsts;
	case DMAR_PMEN_REG: return vtd_sim.pmen;
	case DMAR_IQH_REG: return iqh_read();
	case DMAR_IQT_REG: return vtd_sim.iqt;
	case DMAR_CCMD_REG: return vtd_sim.ccmd;
	case VTD_SIM_IRO + DMAR_IOTLB_OFF: return vtd_sim.iotlb;
	default: return 0;
	}
}

static void reg_write(unsigned off, uint64_t v)
{
	switch (off) {
	case DMAR_GCMD_REG: gcmd_write((uint32_t)v); break;
	case DMAR_FSTS_REG: fsts_write((uint32_t)v); break;
	case DMAR_PMEN_REG: vtd_sim.pmen = (uint32_t)v & DMA_PMEN_EPM; break;
	case DMAR_IQT_REG:
		vtd_sim.iqt = v;
		qi_run();
		break;
	case DMAR_IQA_REG: vtd_sim.iqa = v & ~0xfffull; break;
	case DMAR_FEDATA_REG:
		vtd_sim.fedata = (uint32_t)v;
		vtd_sim.fedata_writes++;
		break;
	case DMAR_CCMD_REG:
		/* Done at once: ICC clears, CAIG (60:59) says how it was done. */
		vtd_sim.ccmd = (v & ~DMA_CCMD_ICC & ~(3ull << 59)) | ((uint64_t)vtd_sim.caig << 59);
		break;
	case VTD_SIM_IRO + DMAR_IVA_OFF:
		iva_writer = pthread_self();
		vtd_sim.iva = v;
		break;
	case VTD_SIM_IRO + DMAR_IOTLB_OFF:
		if (((v >> 60) & 3) == 3) { /* IIRG page-selective (10.4.8) */
			if (!pthread_equal(iva_writer, pthread_self()))
				vtd_sim.iva_interleavings++;
			page_done((v >> 32) & 0xffff, vtd_sim.iva & ~0xfffull);
		}
		/* Done at once, as asked: IAIG (58:57) = IIRG (61:60). */
		vtd_sim.iotlb = (v & ~DMA_TLB_IVT & ~(3ull << 57)) | (((v >> 60) & 3) << 57);
		break;
	default: break;
	}
}

/* Counted twice over, as drivers/vtd/vtd_mmio.c does in the unit's stats
 * and in the simulation's own counters, so a test can compare the two. */
uint32_t vtd_read32(struct vtd_unit *u, unsigned off)
{
	return (uint32_t)vtd_read64(u, off);
}

uint64_t vtd_read64(struct vtd_unit *u, unsigned off)
{
	__atomic_fetch_add(&u->stats.mmio_reads, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&sim_mutex);
	vtd_sim.reads++;
	uint64_t v = reg_read(off);
	pthread_mutex_unlock(&sim_mutex);
	return v;
}

void vtd_write32(struct vtd_unit *u, unsigned off, uint32_t v)
{
	vtd_write64(u, off, v);
}

void vtd_write64(struct vtd_unit *u, unsigned off, uint64_t v)
{
	__atomic_fetch_add(&u->stats.mmio_writes, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&sim_mutex);
	vtd_sim.writes++;
	reg_write(off, v);
	pthread_mutex_unlock(&sim_mutex);
}

/* ---- the kernel services the driver's files call ---------------------- */

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	pthread_mutex_lock(&sim_mutex);
	va_start(ap, fmt);
	n = vsnprintf(vtd_sim.log + vtd_sim.loglen, sizeof(vtd_sim.log) - vtd_sim.loglen, fmt, ap);
	va_end(ap);
	if (n > 0)
		vtd_sim.loglen += (size_t)n;
	if (vtd_sim.loglen >= sizeof(vtd_sim.log))
		vtd_sim.loglen = sizeof(vtd_sim.log) - 1;
	pthread_mutex_unlock(&sim_mutex);
	return n;
}

void console_set_error_color(int on)
{
	(void)on;
}

/* The driver's waits are bounded by the real TSC: at a nominal 1 GHz a
 * wait that never ends gives up within a second. */
uint64_t tsc_from_us(uint64_t us)
{
	return us * 1000;
}

uint64_t page_alloc(uint64_t npages)
{
	void *p = aligned_alloc(4096, npages * 4096);

	memset(p, 0, npages * 4096);
	return (uint64_t)(uintptr_t)p;
}

void page_free(uint64_t addr, uint64_t npages)
{
	(void)npages;
	free((void *)(uintptr_t)addr);
}
