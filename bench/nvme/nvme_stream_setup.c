/* Bringing an NVMe stream up and down: the controller's domain under the
 * policy (a lane of it per CPU), the controller started on one queue pair
 * per CPU, mapped once for its life, each CPU's buffers, one per read in
 * flight (plus, under batched and fq, a full queue of buffers waiting for
 * their flush), and how reads are checked: against the test pattern the
 * QEMU image holds, or, on a drive that does not hold it, against each
 * block's checksum from a first pass over the region. */
#include "bench/nvme/nvme_stream_state.h"
#include "drivers/pci/pci.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/smp.h"
#include "kernel/tsc.h"
#include "lib/block_pattern.h"
#include "lib/string.h"

#define SPARE_BUFFERS 2
/* The region read from: at most this much of the namespace, so that a
 * real drive's checksum table (8 bytes a block) stays small. */
#define REGION_BYTES (64ull << 20)
#define RNG_SEED 0x2545f4914f6cdd1dull
/* IOVAs live between 2 MiB and 1 GiB of the device's address space; with
 * several CPUs each lane gets an equal part of it, in whole 2 MiB regions
 * (lib/dma), hence the aligned start. */
#define IOVA_BASE (2ull << 20)
#define IOVA_LIMIT (1ull << 30)

/* One stream at a time, a part of it per CPU: the LAPIC timer's callback
 * has no context, and finds its CPU's part by the CPU. */
static struct nvme_stream the_streams[CPUS_MAX];
static struct dma_vtd the_domain;

struct nvme_stream *nvme_stream_of_cpu(unsigned i)
{
	return &the_streams[i];
}

static void deadline_timer(uint64_t now)
{
	(void)now;
	the_streams[smp_this_cpu()].deadline.fired = true;
}

void nvme_stream_arm_timer(struct nvme_stream *s)
{
	(void)s;
	lapic_timer_set_callback(deadline_timer);
}

static int map_queue(void *ctx, uint64_t phys, size_t len, uint64_t *dev)
{
	struct nvme_stream *s = ctx;

	return dma_map_coherent(s->dom, phys, len, DMA_BIDIRECTIONAL, dev);
}

/* What the drive allows for the configuration: 0, or -1 after saying why
 * (a bad option). */
static int fits(const struct nvme_stream *s)
{
	const struct nvme_info *in = s->info;
	unsigned io = s->cfg.io_bytes;

	if (!in->block_size || io % in->block_size) {
		kprintf("nvme: nvme_io=%u is not a multiple of the namespace's block size (%u "
			"bytes)\n", io, in->block_size);
		return -1;
	}
	if (in->max_transfer && io > in->max_transfer) {
		kprintf("nvme: nvme_io=%u is more than one command may move on this controller "
			"(MDTS: %u bytes)\n", io, in->max_transfer);
		return -1;
	}
	if (s->cfg.cpus > in->max_queue_pairs) {
		kprintf("nvme: cpus=%u asks for more I/O queue pairs than the controller granted "
			"(%u)\n", s->cfg.cpus, in->max_queue_pairs);
		return -1;
	}
	if (s->cfg.qd > in->max_qd) {
		kprintf("nvme: nvme_qd=%u is more than this controller and driver allow (%u)\n",
			s->cfg.qd, in->max_qd);
		return -1;
	}
	if (in->block_size < BLOCK_PATTERN_MIN_SIZE || in->block_size % 8) {
		kprintf("nvme: blocks of %u bytes cannot be checked\n", in->block_size);
		return -1;
	}
	return 0;
}

/* Once the namespace is identified. Every CPU reads the same region, from
 * its own place in it. */
static void set_region(struct nvme_stream *s)
{
	uint64_t most = REGION_BYTES / s->info->block_size;

	s->blocks_per_io = s->cfg.io_bytes / s->info->block_size;
	s->region_blocks = s->info->blocks < most ? s->info->blocks : most;
	s->region_ios = s->region_blocks / s->blocks_per_io;
	s->region_blocks = s->region_ios * s->blocks_per_io;
	s->rng = RNG_SEED + s->cpu * 0x9e3779b97f4a7c15ull;
	s->next_seq_pos = s->region_ios ? s->cpu * (s->region_ios / s->cfg.cpus) : 0;
}

static int alloc_buffers(struct nvme_stream *s)
{
	s->nbufs = s->cfg.qd + SPARE_BUFFERS +
		   deferred_buffers(s->cfg.policy, s->cfg.hwm, s->cfg.fq_size);
	s->meta_pages = (s->nbufs * (sizeof(struct nvme_buf) + sizeof(unsigned)) + PAGE_SIZE - 1) /
			PAGE_SIZE;
	s->bufs = (struct nvme_buf *)page_alloc(s->meta_pages);
	if (!s->bufs)
		return -1;
	memset(s->bufs, 0, s->meta_pages * PAGE_SIZE);
	s->free_list = (unsigned *)(s->bufs + s->nbufs);
	for (unsigned i = 0; i < s->nbufs; i++) {
		struct nvme_buf *b = &s->bufs[i];
		b->phys = page_alloc(s->pages);
		b->prp_phys = s->pages > 2 ? page_alloc(1) : 0;
		if (!b->phys || (s->pages > 2 && !b->prp_phys)) {
			kprintf("nvme: out of memory for %u read buffers of %u pages\n", s->nbufs,
				s->pages);
			return -1;
		}
	}
	return 0;
}

/* Pool maps every buffer (and its PRP list, written once) for the
 * stream's life; every buffer then goes to the free list. */
static int fill_free_list(struct nvme_stream *s)
{
	struct dma_domain *d = s->dom;

	for (unsigned i = 0; i < s->nbufs; i++) {
		struct nvme_buf *b = &s->bufs[i];
		if (s->cfg.policy == DMA_POLICY_POOL) {
			uint64_t *list = (uint64_t *)b->prp_phys;
			if (dma_map(d, b->phys, s->cfg.io_bytes, DMA_BIDIRECTIONAL, &b->data_dev))
				return -1;
			b->prp1 = b->data_dev;
			b->prp2 = s->pages == 2 ? b->data_dev + PAGE_SIZE : 0;
			for (unsigned p = 1; s->pages > 2 && p < s->pages; p++)
				list[p - 1] = b->data_dev + (uint64_t)p * PAGE_SIZE;
			if (s->pages > 2 && dma_map(d, b->prp_phys, PAGE_SIZE, DMA_TO_DEVICE,
						    &b->prp_dev))
				return -1;
			if (s->pages > 2)
				b->prp2 = b->prp_dev;
		}
		s->free_list[s->nfree++] = i;
	}
	return 0;
}

/* The first read tells how blocks are checked: a drive holding the test
 * pattern is checked against it; any other gets a first pass over the
 * region recording each block's checksum (reads must then agree with it:
 * the drive is only ever read). */
static int choose_check(struct nvme_stream *s)
{
	struct nvme_stream_result scratch;

	memset(&scratch, 0, sizeof(scratch));
	s->r = &scratch;
	if (nvme_read_sync(s, 0) || scratch.command_errors)
		return -1;
	if (!scratch.bad_blocks)
		return 0;
	s->sum_pages = (s->region_blocks * sizeof(uint64_t) + PAGE_SIZE - 1) / PAGE_SIZE;
	s->sums = (uint64_t *)page_alloc(s->sum_pages);
	if (!s->sums) {
		kprintf("nvme: no memory for the checksums of %lu blocks\n", s->region_blocks);
		return -1;
	}
	kprintf("nvme: the drive does not hold the test pattern (LBA 0 fails it): a first pass "
		"over its first %lu blocks records each block's checksum, later reads are checked "
		"against it\n", s->region_blocks);
	s->recording = true;
	for (uint64_t pos = 0; pos < s->region_ios; pos++)
		if (nvme_read_sync(s, pos * s->blocks_per_io) || scratch.command_errors)
			return -1;
	s->recording = false;
	return 0;
}

/* What every CPU's part shares, and its own place. */
static void part_init(struct nvme_stream *s, unsigned cpu, struct nvme_ctrl *c,
		      struct vtd_unit *u, const struct nvme_stream_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->ctrl = c;
	s->info = nvme_get_info(c);
	s->unit = u;
	s->cfg = *cfg;
	s->cpu = cpu;
	s->dv = &the_domain;
	s->pages = (cfg->io_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* The configuration against the machine before anything is set up. */
static bool machine_fits(const struct nvme_stream_config *cfg)
{
	if (cfg->cpus < 1 || cfg->cpus > smp_cpus()) {
		kprintf("nvme: cpus=%u, but %u CPU%s running\n", cfg->cpus, smp_cpus(),
			smp_cpus() == 1 ? " is" : "s are");
		return false;
	}
	return true;
}

struct nvme_stream *nvme_stream_open(struct nvme_ctrl *c, struct vtd_unit *u,
				     const struct nvme_stream_config *cfg, bool *bad_option)
{
	struct nvme_stream *s = &the_streams[0];
	const struct nvme_info *in = nvme_get_info(c);
	unsigned n = cfg->cpus ? cfg->cpus : 1;
	struct dma_config dc = {
		.policy = cfg->policy, .iova_base = IOVA_BASE, .iova_limit = IOVA_LIMIT,
		.hwm = cfg->hwm, .fq_size = cfg->fq_size,
		.flush_deadline = tsc_from_us((uint64_t)cfg->flush_ms * 1000),
		.batch_gran = cfg->batch_gran, .timing = cfg->timing,
	};
	void *ctx[CPUS_MAX];
	struct nvme_stream_config one = *cfg;

	one.cpus = n;
	*bad_option = false;
	if (!machine_fits(&one)) {
		*bad_option = true;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		part_init(&the_streams[i], i, c, u, &one);
		ctx[i] = &the_streams[i];
	}
	if (cfg->policy != DMA_POLICY_OFF && !u) {
		kprintf("nvme: policy %s needs VT-d\n", dma_policy_name(cfg->policy));
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		if (alloc_buffers(&the_streams[i]))
			goto fail;
	/* Bounce: a slot for every page any buffer of a CPU may have mapped. */
	dc.bounce_slots = s->nbufs * (s->pages + 1);
	s->qdma = (struct nvme_dma){ .map = map_queue, .ctx = s };
	if (dma_vtd_attach_cpus(&the_domain, u, in->bus, PCI_DEVFN(in->dev, in->fn), &dc, n,
				nvme_buf_release, ctx))
		goto fail;
	s->attached = true;
	for (unsigned i = 0; i < n; i++) {
		the_streams[i].dom = dma_vtd_domain(&the_domain, i);
		if (fill_free_list(&the_streams[i]))
			goto fail;
	}
	if (nvme_start(c, &s->qdma, cfg->qd, n)) {
		kprintf("nvme: the controller did not start under policy %s\n",
			dma_policy_name(cfg->policy));
		goto fail;
	}
	s->started = true;
	/* Block size, MDTS and the queue pairs are known once the controller
	 * is identified and started. */
	if (fits(s)) {
		*bad_option = true;
		goto fail;
	}
	for (unsigned i = 0; i < n; i++) {
		the_streams[i].q = nvme_queue(c, i);
		set_region(&the_streams[i]);
	}
	if (!s->region_ios) {
		kprintf("nvme: the namespace (%lu blocks) is smaller than one read\n", in->blocks);
		*bad_option = true;
		goto fail;
	}
	nvme_stream_arm_timer(s);
	if (choose_check(s))
		goto fail;
	for (unsigned i = 1; i < n; i++)
		the_streams[i].sums = s->sums;
	return s;
fail:
	nvme_stream_close(s);
	return NULL;
}

/* One CPU's buffers, unless a failed invalidation may still reach them. */
static void free_buffers(struct nvme_stream *s, bool tables_kept)
{
	for (unsigned i = 0; s->bufs && i < s->nbufs; i++) {
		struct nvme_buf *b = &s->bufs[i];
		/* After a failed invalidation, only what the DMA layer gave back. */
		if (tables_kept && (b->busy || s->cfg.policy == DMA_POLICY_POOL))
			continue;
		if (b->phys)
			page_free(b->phys, s->pages);
		if (b->prp_phys)
			page_free(b->prp_phys, 1);
	}
	if (s->bufs)
		page_free((uint64_t)s->bufs, s->meta_pages);
}

void nvme_stream_close(struct nvme_stream *s)
{
	bool tables_kept = false;
	unsigned n = s ? s->cfg.cpus : 0;

	if (!s)
		return;
	/* The controller stops (bus mastering off) before its domain goes.
	 * One that did not answer may still write anywhere its domain lets
	 * it: the domain, its tables and every buffer stay for good. */
	if (s->started && nvme_stop(s->ctrl) != 0) {
		kprintf("nvme: the controller did not stop: its domain, queues and buffers stay "
			"allocated for good\n");
		lapic_timer_set_callback(NULL);
		for (unsigned i = 0; i < n; i++)
			memset(&the_streams[i], 0, sizeof(the_streams[i]));
		return;
	}
	if (s->attached)
		tables_kept = dma_vtd_detach(&the_domain) != 0;
	for (unsigned i = 0; i < n; i++)
		free_buffers(&the_streams[i], tables_kept);
	if (s->sums)
		page_free((uint64_t)s->sums, s->sum_pages);
	lapic_timer_set_callback(NULL);
	for (unsigned i = 0; i < n; i++)
		memset(&the_streams[i], 0, sizeof(the_streams[i]));
}

void nvme_stream_set_quiet(struct nvme_stream *s, bool quiet)
{
	s->cfg.quiet = quiet;
}
