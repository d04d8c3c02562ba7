/* Which devices each unit translates, and through which domain. Every PCI
 * function a unit covers starts in the identity domain (DID 1), whose page
 * tables map all of RAM and the space below 4 GiB one-to-one with
 * superpages, so firmware-owned devices keep working once translation is
 * on; or in pass-through when asked and ECAP.PT allows. A device under
 * test is then moved into a domain of its own. Root entries: VT-d spec 9.1;
 * context entries: 9.3. */
#include "drivers/pci/pci.h"
#include "drivers/vtd/vtd.h"
#include "drivers/vtd/vtd_did.h"
#include "drivers/vtd/vtd_internal.h"
#include "drivers/vtd/vtd_regs.h"
#include "kernel/console.h"
#include "kernel/mem.h"

#define MAX_SCOPES 64

struct scope_range {
	uint8_t bus, devfn;      /* the device named by the scope */
	uint8_t sec, sub;        /* bridges: buses below it; sub = 0 otherwise */
};

static struct {
	struct scope_range r[MAX_SCOPES];
	unsigned n;
	struct iopt identity;
	bool identity_ready;
	bool passthrough;
	struct vtd_did_map dids;
} scope[VTD_MAX_UNITS];

int vtd_scope_load(struct vtd_unit *u, const struct dmar_table *dmar, const struct dmar_struct *s)
{
	struct dmar_scope_iter si;
	struct dmar_scope sc;
	uint8_t bus;

	scope[u->index].n = 0;
	vtd_did_init(&scope[u->index].dids, cap_ndoms(u->cap), VTD_FIRST_TEST_DID);
	dmar_scope_start(&si, dmar, s);
	while (dmar_scope_next(&si, &sc)) {
		if (sc.type != DMAR_SCOPE_ENDPOINT && sc.type != DMAR_SCOPE_BRIDGE)
			continue;
		if (sc.path_len == 0 ||
		    pci_resolve_path(sc.start_bus, (const uint8_t (*)[2])sc.path, sc.path_len, &bus))
			continue; /* the scope names a device that is not here */
		if (scope[u->index].n == MAX_SCOPES) {
			kprintf("vtd%u: more than %d device scopes; ignoring the rest\n", u->index,
				MAX_SCOPES);
			break;
		}
		const struct dmar_pci_path *last = &sc.path[sc.path_len - 1];
		struct scope_range *r = &scope[u->index].r[scope[u->index].n++];
		r->bus = bus;
		r->devfn = PCI_DEVFN(last->device, last->function);
		r->sec = r->sub = 0;
		if (sc.type == DMAR_SCOPE_BRIDGE) {
			r->sec = pci_read8(bus, last->device, last->function, PCI_SECONDARY_BUS);
			r->sub = pci_read8(bus, last->device, last->function, PCI_SUBORDINATE_BUS);
		}
	}
	return 0;
}

static bool listed_by(const struct vtd_unit *u, uint8_t bus, uint8_t devfn)
{
	for (unsigned i = 0; i < scope[u->index].n; i++) {
		const struct scope_range *r = &scope[u->index].r[i];
		if (r->bus == bus && r->devfn == devfn)
			return true;
		if (r->sub && bus >= r->sec && bus <= r->sub)
			return true;
	}
	return false;
}

struct vtd_unit *vtd_unit_for(uint8_t bus, uint8_t devfn)
{
	struct vtd_unit *catch_all = NULL;

	for (unsigned i = 0; i < vtd_unit_count(); i++) {
		struct vtd_unit *u = vtd_unit(i);
		if (listed_by(u, bus, devfn))
			return u;
		if (u->include_pci_all && !catch_all)
			catch_all = u;
	}
	return catch_all;
}

static struct vtd_entry128 *context_entry(struct vtd_unit *u, uint8_t bus, uint8_t devfn,
					  bool create)
{
	struct vtd_entry128 *root = (struct vtd_entry128 *)u->root_table;

	if (!u->context_table[bus]) {
		if (!create)
			return NULL;
		uint64_t page = page_alloc(1);
		if (!page)
			return NULL;
		vtd_flush_cache(u, (const void *)page, PAGE_SIZE);
		u->context_table[bus] = page;
		/* The table is complete (all zero) before the root points at it. */
		root[bus].hi = 0;
		root[bus].lo = page | VTD_ROOT_P;
		vtd_flush_cache(u, &root[bus], sizeof(root[bus]));
	}
	return (struct vtd_entry128 *)u->context_table[bus] + devfn;
}

/* Writes a present context entry: the high word first, the present bit
 * last, then flushes the line (9.3; 6.2.5 for the ordering rule). */
static void write_context(struct vtd_unit *u, struct vtd_entry128 *e, uint16_t did,
			  const struct iopt *pt, bool passthrough)
{
	unsigned aw = u->levels == 4 ? 2 : 1;

	e->hi = VTD_CTX_AW(aw) | VTD_CTX_DID(did);
	__asm__ volatile("" ::: "memory");
	if (passthrough)
		e->lo = VTD_CTX_TT_PASSTHROUGH | VTD_CTX_P;
	else
		e->lo = pt->root | VTD_CTX_TT_UNTRANSLATED | VTD_CTX_P;
	vtd_flush_cache(u, e, sizeof(*e));
}

static void flush_for_unit(void *ctx, const void *p, size_t len)
{
	vtd_flush_cache(ctx, p, len);
}

static uint64_t alloc_table(void *ctx)
{
	(void)ctx;
	return page_alloc(1);
}

static void free_table(void *ctx, uint64_t page)
{
	(void)ctx;
	page_free(page, 1);
}

int vtd_iopt_init(struct vtd_unit *u, struct iopt *pt)
{
	struct iopt_ops ops = { alloc_table, free_table, u->coherent ? NULL : flush_for_unit, u };

	if (iopt_init(pt, u->levels, &ops))
		return -1;
	pt->allow_2m = cap_sllps(u->cap) & 1;
	pt->allow_1g = (cap_sllps(u->cap) & 2) != 0;
	return 0;
}

/* dmar NULL: no RMRR mappings (the tables are for a device under test). */
static int build_identity(struct vtd_unit *u, const struct dmar_table *dmar)
{
	struct iopt *pt = &scope[u->index].identity;
	uint64_t top = mem_ram_top() > 4 * IOPT_SIZE_1G ? mem_ram_top() : 4 * IOPT_SIZE_1G;

	top = (top + IOPT_SIZE_2M - 1) & ~(IOPT_SIZE_2M - 1);
	if (vtd_iopt_init(u, pt) || iopt_map(pt, 0, 0, top, IOPT_R | IOPT_W)) {
		kprintf("vtd%u: cannot build the identity domain\n", u->index);
		return -1;
	}
	/* RMRRs (8.4) below `top` are already identity-mapped; one above it
	 * gets its own mapping so the device that names it keeps working. */
	struct dmar_iter it;
	struct dmar_struct s;
	if (!dmar)
		goto ready;
	dmar_iter_start(&it, dmar);
	while (dmar_iter_next(&it, &s)) {
		if (s.type != DMAR_TYPE_RMRR)
			continue;
		uint64_t base = s.rmrr.base & ~0xfffull, end = (s.rmrr.limit | 0xfff) + 1;
		if (base >= top && iopt_map(pt, base, base, end - base, IOPT_R | IOPT_W))
			kprintf("vtd%u: cannot map RMRR 0x%lx-0x%lx\n", u->index, base, end - 1);
	}
ready:
	scope[u->index].identity_ready = true;
	return 0;
}

int vtd_context_setup(struct vtd_unit *u, const struct dmar_table *dmar,
		      const struct vtd_options *opt)
{
	bool pt = opt->passthrough && ecap_pt(u->ecap);
	unsigned devices = 0;

	if (opt->passthrough && !pt)
		kprintf("vtd%u: no pass-through (ECAP.PT = 0); using an identity domain\n", u->index);
	scope[u->index].passthrough = pt;
	if (!pt && build_identity(u, dmar))
		return -1;
	for (unsigned i = 0; i < pci_device_count(); i++) {
		const struct pci_dev *d = pci_device(i);
		uint8_t devfn = PCI_DEVFN(d->dev, d->fn);
		if (vtd_unit_for(d->bus, devfn) != u)
			continue;
		struct vtd_entry128 *e = context_entry(u, d->bus, devfn, true);
		if (!e)
			return -1;
		write_context(u, e, VTD_IDENTITY_DID, &scope[u->index].identity, pt);
		devices++;
	}
	kprintf("vtd%u: %u PCI function%s in the %s domain (DID %u)\n", u->index, devices,
		devices == 1 ? "" : "s", pt ? "pass-through" : "identity", VTD_IDENTITY_DID);
	return 0;
}

/* Replaces a live context entry (VT-d spec 6.5.3.3 / 6.2.4): make it not
 * present, invalidate the context cache and the old domain's IOTLB, then
 * write the new one; with caching mode (CAP.CM) the not-present to present
 * change needs its own invalidation too. */
static int switch_context(struct vtd_unit *u, uint8_t bus, uint8_t devfn, uint16_t did,
			  const struct iopt *pt, bool passthrough)
{
	struct vtd_entry128 *e = context_entry(u, bus, devfn, true);

	if (!e)
		return -1;
	if (e->lo & VTD_CTX_P) {
		e->lo = 0;
		vtd_flush_cache(u, e, sizeof(*e));
		if (vtd_context_inval_global(u))
			return -1;
	}
	write_context(u, e, did, pt, passthrough);
	if (vtd_write_buffer_flush(u))
		return -1;
	if (cap_cm(u->cap) && vtd_context_inval_global(u))
		return -1;
	return 0;
}

int vtd_attach(struct vtd_unit *u, uint8_t bus, uint8_t devfn, const struct iopt *pt)
{
	int did = vtd_did_alloc(&scope[u->index].dids);

	if (did < 0) {
		kprintf("vtd%u: out of domain ids (%u)\n", u->index, cap_ndoms(u->cap));
		return -1;
	}
	if (switch_context(u, bus, devfn, (uint16_t)did, pt, false)) {
		/* What the unit may hold for the id is unknown: it stays taken. */
		return -1;
	}
	kprintf("vtd%u: %02x:%02x.%u now in its own domain (DID %u, tables at 0x%lx)\n", u->index,
		bus, PCI_SLOT(devfn), PCI_FUNC(devfn), did, pt->root);
	return did;
}

bool vtd_has_passthrough(const struct vtd_unit *u)
{
	return ecap_pt(u->ecap);
}

/* A pass-through entry (TT = 10b, VT-d spec 9.3) still carries a domain
 * id, which tags what the unit caches for it: a fresh one, so that nothing
 * cached for the shared domain mixes with it. */
int vtd_attach_passthrough(struct vtd_unit *u, uint8_t bus, uint8_t devfn)
{
	int did;

	if (!ecap_pt(u->ecap))
		return -1;
	did = vtd_did_alloc(&scope[u->index].dids);
	if (did < 0) {
		kprintf("vtd%u: out of domain ids (%u)\n", u->index, cap_ndoms(u->cap));
		return -1;
	}
	if (switch_context(u, bus, devfn, (uint16_t)did, NULL, true))
		return -1; /* the id stays taken, as in vtd_attach */
	kprintf("vtd%u: %02x:%02x.%u now in pass-through (DID %u)\n", u->index, bus,
		PCI_SLOT(devfn), PCI_FUNC(devfn), did);
	return did;
}

/* When the other devices are in pass-through, the 1:1 tables were never
 * built: build them now (once, kept for later rows), without the RMRRs,
 * which belong to the devices that name them, and give them a domain id of
 * the device's own. */
int vtd_attach_identity(struct vtd_unit *u, uint8_t bus, uint8_t devfn)
{
	bool shared = !scope[u->index].passthrough;
	int did = VTD_IDENTITY_DID;

	if (!shared && !scope[u->index].identity_ready && build_identity(u, NULL))
		return -1;
	if (!shared && (did = vtd_did_alloc(&scope[u->index].dids)) < 0) {
		kprintf("vtd%u: out of domain ids (%u)\n", u->index, cap_ndoms(u->cap));
		return -1;
	}
	if (switch_context(u, bus, devfn, (uint16_t)did, &scope[u->index].identity, false))
		return -1;
	if (shared)
		kprintf("vtd%u: %02x:%02x.%u translated by the shared identity domain (DID %u)\n",
			u->index, bus, PCI_SLOT(devfn), PCI_FUNC(devfn), did);
	else
		kprintf("vtd%u: %02x:%02x.%u translated by a 1:1 domain of its own (DID %u; the "
			"other devices are in pass-through)\n", u->index, bus, PCI_SLOT(devfn),
			PCI_FUNC(devfn), did);
	return did;
}

/* The id goes back only after switch_context's invalidation of the context
 * cache and the IOTLB completed, so nothing cached is tagged with it when
 * the next domain gets it. */
int vtd_detach(struct vtd_unit *u, uint8_t bus, uint8_t devfn)
{
	struct vtd_entry128 *e = context_entry(u, bus, devfn, false);
	unsigned old = e && (e->lo & VTD_CTX_P) ? VTD_CTX_DID_OF(e->hi) : VTD_IDENTITY_DID;

	if (switch_context(u, bus, devfn, VTD_IDENTITY_DID, &scope[u->index].identity,
			   scope[u->index].passthrough))
		return -1;
	if (old != VTD_IDENTITY_DID)
		vtd_did_free(&scope[u->index].dids, old);
	return 0;
}

int vtd_reserve_did(struct vtd_unit *u)
{
	return vtd_did_alloc(&scope[u->index].dids);
}
