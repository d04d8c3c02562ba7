/* Lanes (see dma.h): one device's page tables mapped from several CPUs,
 * one struct dma_domain per CPU. This file splits the IOVA range, builds
 * the page tables up front and sets the lanes up; what the lanes of a
 * batched group share at run time is in dma_batched_lanes.c. */
#include "lib/dma/dma_core.h"
#include "lib/dma/flushq.h"
#include "lib/string.h"

/* No two lanes may share a leaf table (one lane's map would write a table
 * another lane walks and remembers): slices are whole 2 MiB regions. */
#define LANE_ALIGN IOPT_SIZE_2M

static uint64_t lane_bytes_of(const struct dma_config *cfg, unsigned n)
{
	if ((cfg->iova_base & (LANE_ALIGN - 1)) || cfg->iova_limit <= cfg->iova_base)
		return 0;
	return ((cfg->iova_limit - cfg->iova_base) / n) & ~(LANE_ALIGN - 1);
}

/* Lane i's configuration: its slice of the range, its share of the bounce
 * slots. */
static struct dma_config lane_config(const struct dma_config *cfg, unsigned n, unsigned i,
				     uint64_t lane_bytes)
{
	struct dma_config c = *cfg;

	c.iova_base = cfg->iova_base + i * lane_bytes;
	c.iova_limit = c.iova_base + lane_bytes;
	if (cfg->policy == DMA_POLICY_BOUNCE) {
		c.bounce_slots = cfg->bounce_slots / n;
		c.bounce_phys = cfg->bounce_phys + ((uint64_t)i * c.bounce_slots << PAGE_SHIFT);
	}
	return c;
}

static bool remaps(const struct dma_config *cfg)
{
	return cfg->policy != DMA_POLICY_OFF && cfg->policy != DMA_POLICY_IDENTITY &&
	       (unsigned)cfg->policy < DMA_POLICY_COUNT;
}

/* The batched global list comes first in the storage, then each lane's. */
static size_t list_bytes(const struct dma_config *cfg)
{
	return cfg->policy == DMA_POLICY_BATCHED ? flushq_storage_bytes(dma_hwm(cfg)) : 0;
}

size_t dma_group_storage_bytes(const struct dma_config *cfg, unsigned lanes)
{
	uint64_t lane_bytes;
	struct dma_config c;

	if (!cfg || lanes == 0 || lanes > CPUS_MAX)
		return 0;
	if (lanes == 1)
		return dma_storage_bytes(cfg);
	if (!remaps(cfg) || (lane_bytes = lane_bytes_of(cfg, lanes)) == 0)
		return 0;
	c = lane_config(cfg, lanes, 0, lane_bytes);
	return list_bytes(cfg) + lanes * dma_storage_bytes(&c);
}

/* Makes every table the slices need, so that no map allocates or links one
 * later: a page mapped and unmapped per 2 MiB leaves its leaf table (and
 * the tables above it) in place. Nothing is present afterwards, so there
 * is nothing for the unit to have cached. */
static int build_tables(struct iopt *pt, uint64_t base, uint64_t limit)
{
	for (uint64_t a = base; a < limit; a += LANE_ALIGN) {
		int rc = iopt_map(pt, a, 0, IOPT_SIZE_4K, IOPT_R);

		if (rc)
			return rc == IOPT_ENOMEM ? DMA_ENOMEM : DMA_EINVAL;
		iopt_unmap(pt, a, IOPT_SIZE_4K);
	}
	return 0;
}

static int init_lanes(struct dma_group *g, struct iopt *pt, const struct dma_config *cfg,
		      const struct dma_ops *ops, char *storage)
{
	size_t per = 0;
	int rc;

	for (unsigned i = 0; i < g->n; i++) {
		struct dma_config c = lane_config(cfg, g->n, i, g->lane_bytes);
		struct iopt *view = NULL;

		if (remaps(cfg)) {
			/* Same tables, its own remembered leaf table. */
			view = &g->pt[i];
			*view = *pt;
			view->leaf = NULL;
			view->leaf_tag = IOPT_NO_LEAF;
			per = dma_storage_bytes(&c);
		}
		if ((rc = dma_domain_init(&g->lanes[i], view, &c, &ops[i], per ? storage : NULL,
					  per)) != 0)
			return rc;
		storage += per;
	}
	return 0;
}

int dma_group_init(struct dma_group *g, struct dma_domain *lanes, unsigned n, struct iopt *pt,
		   const struct dma_config *cfg, const struct dma_ops *ops, void *storage,
		   size_t storage_bytes)
{
	size_t lb;
	int rc;

	if (!g || !lanes || !cfg || !ops || n == 0 || n > CPUS_MAX)
		return DMA_EINVAL;
	memset(g, 0, sizeof(*g));
	g->n = n;
	g->lanes = lanes;
	if (n == 1)
		return dma_domain_init(&lanes[0], pt, cfg, &ops[0], storage, storage_bytes);
	if (remaps(cfg)) {
		g->base = cfg->iova_base;
		g->lane_bytes = lane_bytes_of(cfg, n);
		if (!pt || pt->root == 0 || g->lane_bytes == 0 ||
		    cfg->iova_base + n * g->lane_bytes - 1 > iopt_max_iova(pt))
			return DMA_EINVAL;
		if (!storage || ((uintptr_t)storage & 7) ||
		    storage_bytes < dma_group_storage_bytes(cfg, n))
			return DMA_EINVAL;
		if ((rc = build_tables(pt, g->base, g->base + n * g->lane_bytes)) != 0)
			return rc;
	} else if ((unsigned)cfg->policy >= DMA_POLICY_COUNT) {
		return DMA_EINVAL;
	}
	lb = list_bytes(cfg);
	/* storage is NULL for off and identity, where lb is 0. */
	if ((rc = init_lanes(g, pt, cfg, ops, lb ? (char *)storage + lb : storage)) != 0)
		return rc;
	if (cfg->policy == DMA_POLICY_FQ)
		for (unsigned i = 0; i < n; i++)
			lanes[i].fq_counters = &g->fq_counters;
	if (cfg->policy != DMA_POLICY_BATCHED)
		return 0;
	if (flushq_init(&g->q, dma_hwm(cfg), storage, lb))
		return DMA_EINVAL;
	for (unsigned i = 0; i < n; i++) {
		lanes[i].group = g;
		lanes[i].lane = i;
		lanes[i].policy = &dma_batched_lanes_policy;
	}
	return 0;
}
