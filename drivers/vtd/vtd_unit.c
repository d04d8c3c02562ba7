/* Bringing up each DRHD unit: registers, capabilities, take-over from the
 * firmware, root table, invalidation interface, fault reporting, and
 * finally translation. The order follows VT-d spec 6.5 and 10.4: tables and
 * caches must be consistent before TE is set. */
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_internal.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/mem.h"

static void print_caps(const struct vtd_unit *u)
{
	uint64_t c = u->cap, e = u->ecap;

	kprintf("vtd%u: at 0x%lx, version %u.%u, CAP 0x%016lx, ECAP 0x%016lx\n", u->index,
		u->reg_phys, (u->ver >> 4) & 0xf, u->ver & 0xf, c, e);
	kprintf("vtd%u: CAP: %u domains (ND=%u), SAGAW 0x%x (%s%s%s), MGAW %u, RWBF %u, CM %u, "
		"PSI %u, MAMV %u, %u fault record%s at 0x%x, superpages%s%s%s, PLMR %u, PHMR %u\n",
		u->index, cap_ndoms(c), cap_nd(c), cap_sagaw(c),
		cap_sagaw(c) & 2 ? "39-bit 3-level " : "", cap_sagaw(c) & 4 ? "48-bit 4-level " : "",
		cap_sagaw(c) & 8 ? "57-bit 5-level" : "", cap_mgaw(c), cap_rwbf(c), cap_cm(c),
		cap_psi(c), cap_mamv(c), cap_nfr(c), cap_nfr(c) == 1 ? "" : "s", cap_fro(c),
		cap_sllps(c) & 1 ? " 2M" : "", cap_sllps(c) & 2 ? " 1G" : "",
		cap_sllps(c) ? "" : " none", cap_plmr(c), cap_phmr(c));
	kprintf("vtd%u: ECAP: QI %u, C %u (%s), IR %u, EIM %u, PT %u, SC %u, DT %u, NEST %u, "
		"SMTS %u, IOTLB registers at 0x%x\n", u->index, ecap_qi(e), ecap_c(e),
		ecap_c(e) ? "page walks snoop caches" : "not coherent: table writes are clflushed",
		ecap_ir(e), ecap_eim(e), ecap_pt(e), ecap_sc(e), ecap_dt(e), ecap_nest(e),
		ecap_smts(e), ecap_iro(e));
}

static int set_root_table(struct vtd_unit *u)
{
	u->root_table = page_alloc(1);
	if (!u->root_table) {
		kprintf("vtd%u: out of memory for the root table\n", u->index);
		return -1;
	}
	vtd_flush_cache(u, (const void *)u->root_table, PAGE_SIZE);
	vtd_write64(u, DMAR_RTADDR_REG, u->root_table | DMA_RTADDR_TTM_LEGACY);
	return vtd_gcmd(u, DMA_GCMD_SRTP, true, "RTPS");
}

/* Chooses the paging depth: 4 levels (48-bit) when the unit offers it, so
 * any RAM is reachable, else 3 levels (39-bit). VT-d spec 3.6 / 10.4.2. */
static int choose_levels(struct vtd_unit *u)
{
	unsigned sagaw = cap_sagaw(u->cap);

	if (sagaw & 4)
		u->levels = 4;
	else if (sagaw & 2)
		u->levels = 3;
	else {
		kprintf("vtd%u: SAGAW 0x%x offers neither 3- nor 4-level tables\n", u->index, sagaw);
		return -1;
	}
	return 0;
}

static int unit_probe(struct vtd_unit *u, const struct dmar_struct *s)
{
	u->reg_phys = s->drhd.reg_base;
	u->segment = s->drhd.segment;
	u->include_pci_all = s->drhd.flags & DMAR_DRHD_INCLUDE_PCI_ALL;
	if (map_mmio(u->reg_phys, dmar_drhd_reg_size(s)))
		return -1;
	u->regs = (volatile uint8_t *)u->reg_phys;
	u->ver = vtd_read32(u, DMAR_VER_REG);
	u->cap = vtd_read64(u, DMAR_CAP_REG);
	u->ecap = vtd_read64(u, DMAR_ECAP_REG);
	if (u->ver == 0xffffffffu || u->cap == ~0ull || u->ecap == ~0ull || u->cap == 0) {
		kprintf("vtd: the unit at 0x%lx reads all ones or zero: it does not answer; "
			"skipping it\n", u->reg_phys);
		return -1;
	}
	u->coherent = ecap_c(u->ecap);
	print_caps(u);
	if (u->segment != 0) {
		kprintf("vtd%u: PCI segment %u is not supported (only segment 0); skipping\n",
			u->index, u->segment);
		return -1;
	}
	return choose_levels(u);
}

static int unit_start(struct vtd_unit *u, const struct dmar_table *dmar,
		      const struct vtd_options *opt)
{
	if (vtd_take_over(u) || set_root_table(u))
		return -1;
	/* Register-based invalidation is used for the first flushes unless the
	 * queue is asked for; vtd_set_inval_mode switches either way later. */
	u->inval = VTD_INVAL_REG;
	if (opt->inval == VTD_INVAL_QI && vtd_set_inval_mode(u, VTD_INVAL_QI))
		return -1;
	vtd_fault_poll(u); /* records left by the firmware */
	vtd_fault_irq_init(u);
	if (vtd_context_setup(u, dmar, opt))
		return -1;
	if (vtd_write_buffer_flush(u))
		return -1;
	if (vtd_context_inval_global(u))
		return -1;
	if (vtd_gcmd(u, DMA_GCMD_TE, true, "TES"))
		return -1;
	u->translating = true;
	kprintf("vtd%u: translation enabled (%u-level tables, %s%s invalidation)\n", u->index,
		u->levels, vtd_inval_mode_name(u->inval), u->inval == VTD_INVAL_REG ? "-based" : "");
	return 0;
}

int vtd_init(const struct dmar_table *dmar, const struct vtd_options *opt)
{
	struct dmar_iter it;
	struct dmar_struct s;

	vtd_units_clear();
	dmar_iter_start(&it, dmar);
	while (dmar_iter_next(&it, &s)) {
		if (s.type != DMAR_TYPE_DRHD)
			continue;
		struct vtd_unit *u = vtd_unit_new();
		if (!u) {
			kprintf("vtd: more than %d units; ignoring the rest\n", VTD_MAX_UNITS);
			break;
		}
		if (unit_probe(u, &s) == 0 && vtd_scope_load(u, dmar, &s) == 0)
			vtd_unit_keep(u);
	}
	/* Units with INCLUDE_PCI_ALL cover what the others do not list, so
	 * every scope must be known before any context entry is written. */
	unsigned started = 0;
	for (unsigned i = 0; i < vtd_unit_count(); i++)
		if (unit_start(vtd_unit(i), dmar, opt) == 0)
			started++;
	return started == vtd_unit_count() ? (int)started : -1;
}

int vtd_restart(struct vtd_unit *u, const struct dmar_table *dmar, const struct vtd_options *opt)
{
	kprintf("vtd%u: restarting a running unit, as if the firmware had left it on\n", u->index);
	u->translating = false;
	u->reg_pending = false;
	/* The new root table starts empty: every context table is rebuilt. */
	for (unsigned bus = 0; bus < 256; bus++)
		u->context_table[bus] = 0;
	return unit_start(u, dmar, opt);
}
