/* The NVMe driver checked on the controller it finds: started inside its
 * own VT-d domain (strict policy), identified, the first 256 logical
 * blocks read in 4 KiB reads and each checked against the test drive's
 * pattern (lib/block_pattern.h), a read past the end refused with the
 * right status, no DMA fault, and a clean stop. Only reads are issued:
 * the driver has no other I/O command. */
#include "bench/check.h"
#include "bench/dma_vtd.h"
#include "bench/selftest/selftest.h"
#include "drivers/nvme/nvme.h"
#include "drivers/vtd/vtd.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/block_pattern.h"
#include "lib/stats.h"

#define CHECKED_BLOCKS  256
#define READ_BYTES      4096
#define READ_TIMEOUT_US 1000000
#define IOVA_BASE       (1ull << 20)
#define IOVA_LIMIT      (1ull << 30)
#define STATUS_LBA_OUT_OF_RANGE 0x0080 /* NVMe 1.4 Figure 128: generic, SC 0x80 */

struct nvme_test {
	struct nvme_ctrl *c;
	struct dma_vtd dv;
	struct vtd_unit *u;
	uint64_t buf;                 /* one page, the read target */
	uint32_t device_cycles[CHECKED_BLOCKS], total_cycles[CHECKED_BLOCKS];
};

static struct nvme_test the_test;

static void release_nothing(void *ctx, uint64_t cookie)
{
	(void)ctx;
	(void)cookie;
}

/* The driver's queues and Identify buffer: shared with the device for the
 * domain's life. */
static int map_for_life(void *ctx, uint64_t phys, size_t len, uint64_t *dev)
{
	struct nvme_test *t = ctx;

	return dma_map_coherent(&t->dv.dom, phys, len, DMA_BIDIRECTIONAL, dev) ? -1 : 0;
}

/* One read of `blocks` at lba into the test buffer, mapped for it alone;
 * returns the completion status, or -1 when none came in time. */
static int read_once(struct nvme_test *t, uint64_t lba, uint32_t blocks, unsigned i)
{
	uint64_t iova;
	uint16_t tag = (uint16_t)i, got_tag = 0, status = 0;
	uint64_t t0 = rdtsc_ordered();

	if (dma_map(&t->dv.dom, t->buf, READ_BYTES, DMA_FROM_DEVICE, &iova))
		return -1;
	uint64_t t1 = rdtsc_ordered();
	int done = 0;
	if (nvme_submit_read(t->c, lba, blocks, iova, 0, tag) == 0) {
		nvme_ring(t->c);
		uint64_t end = t1 + tsc_from_us(READ_TIMEOUT_US);
		while (!(done = nvme_poll(t->c, &got_tag, &status)) && rdtsc_ordered() < end)
			cpu_pause();
	}
	uint64_t t2 = rdtsc_ordered();
	if (done)
		nvme_cq_done(t->c);
	else
		kprintf("nvme: read of LBA %lu: no completion within %u ms%s\n", lba,
			READ_TIMEOUT_US / 1000,
			nvme_fatal(t->c) ? " (controller fatal status, CSTS.CFS, is set)" : "");
	/* Unmapped even after a time-out: strict invalidates, so a late DMA
	 * faults instead of landing in the page. */
	dma_unmap(&t->dv.dom, iova, READ_BYTES, DMA_FROM_DEVICE, 0);
	uint64_t t3 = rdtsc_ordered();
	if (i < CHECKED_BLOCKS) {
		t->device_cycles[i] = (uint32_t)(t2 - t1);
		t->total_cycles[i] = (uint32_t)(t3 - t0);
	}
	if (!done)
		return -1;
	if (got_tag != tag)
		kprintf("nvme: read of LBA %lu completed with tag %u, not %u\n", lba, got_tag, tag);
	return got_tag == tag ? status : -1;
}

static int read_and_check(struct nvme_test *t, const struct nvme_info *in)
{
	uint32_t per_read = READ_BYTES / in->block_size;
	unsigned reads = CHECKED_BLOCKS / per_read, bad_blocks = 0, failed_reads = 0;

	for (unsigned i = 0; i < reads; i++) {
		uint64_t lba = (uint64_t)i * per_read;
		int st = read_once(t, lba, per_read, i);
		if (st) {
			if (st > 0)
				kprintf("nvme: read of LBA %lu failed: %s\n", lba, nvme_status_text((uint16_t)st));
			failed_reads++;
			continue;
		}
		for (uint32_t b = 0; b < per_read; b++) {
			const uint8_t *blk = (const uint8_t *)t->buf + b * in->block_size;
			if (!block_pattern_check(blk, in->block_size, lba + b)) {
				if (bad_blocks++ < 4)
					kprintf("nvme: block %lu does not hold its pattern (first word 0x%lx)\n",
						lba + b, *(const uint64_t *)blk);
			}
		}
	}
	struct stats_summary dev, all;
	stats_summarize(t->device_cycles, reads, &dev);
	stats_summarize(t->total_cycles, reads, &all);
	kprintf("nvme: a %u-byte read, submit to completion: p50 %lu cycles (%lu us), min %lu, max %lu; "
		"with strict's map and unmap: p50 %lu cycles (%lu us)\n", READ_BYTES, dev.p50,
		tsc_to_us(dev.p50), dev.min, dev.max, all.p50, tsc_to_us(all.p50));
	int failed = check_line(failed_reads == 0, "nvme: %u reads of %u bytes complete successfully (%u failed)",
				reads, READ_BYTES, failed_reads);
	failed += check_line(failed_reads == 0 && bad_blocks == 0,
			     "nvme: the first %u blocks hold the test pattern (%u do not)", CHECKED_BLOCKS,
			     bad_blocks);
	return failed;
}

static int run(struct nvme_test *t, const struct nvme_info *in)
{
	struct nvme_dma dma = { map_for_life, t };
	int failed = 0;

	uint64_t faults = vtd_get_stats(t->u)->faults;
	int started = nvme_start(t->c, &dma, 1, 1) == 0;
	failed += check_line(started, "nvme: the controller starts in its own domain and is identified");
	if (!started)
		goto stop;
	kprintf("nvme: CAP 0x%lx, VS %u.%u, model %s, serial %s, firmware %s, max transfer %u bytes, "
		"max queue depth %u, namespace %u: %lu blocks of %u bytes\n", in->cap, in->ver_major,
		in->ver_minor, in->model, in->serial, in->firmware, in->max_transfer, in->max_qd,
		in->nsid, in->blocks, in->block_size);
	if (in->block_size > READ_BYTES || in->blocks < CHECKED_BLOCKS) {
		kprintf("SKIP: nvme: reading the pattern needs blocks of at most %u bytes and %u of "
			"them (%u, %lu)\n", READ_BYTES, CHECKED_BLOCKS, in->block_size, in->blocks);
		goto stop;
	}
	failed += read_and_check(t, in);
	int st = read_once(t, in->blocks, 1, CHECKED_BLOCKS);
	failed += check_line(st == STATUS_LBA_OUT_OF_RANGE,
			     "nvme: a read past the end completes with \"%s\" (got 0x%x: %s)",
			     nvme_status_text(STATUS_LBA_OUT_OF_RANGE), (unsigned)st,
			     st >= 0 ? nvme_status_text((uint16_t)st) : "no completion");
stop:
	failed += check_line(nvme_stop(t->c) == 0,
			     "nvme: the controller stops (queues deleted, CC.EN=0, bus mastering off)");
	vtd_fault_poll(t->u);
	uint64_t new_faults = vtd_get_stats(t->u)->faults - faults;
	failed += check_line(new_faults == 0, "nvme: no DMA fault from the controller (%lu)", new_faults);
	return failed;
}

int selftest_nvme(void)
{
	struct nvme_test *t = &the_test;
	struct nvme_ctrl *c;

	if (nvme_probe(&c)) {
		kprintf("SKIP: nvme: no NVMe controller\n");
		return 0;
	}
	const struct nvme_info *in = nvme_get_info(c);
	struct vtd_unit *u = vtd_unit_for(in->bus, PCI_DEVFN(in->dev, in->fn));
	if (!u) {
		kprintf("SKIP: nvme: no VT-d unit translates for the controller (vtd=off, or no "
			"intel-iommu)\n");
		return 0;
	}
	*t = (struct nvme_test){ .c = c, .u = u, .buf = page_alloc(1) };
	struct dma_config dc = { .policy = DMA_POLICY_STRICT, .iova_base = IOVA_BASE,
				 .iova_limit = IOVA_LIMIT };
	if (!t->buf || dma_vtd_attach(&t->dv, u, in->bus, PCI_DEVFN(in->dev, in->fn), &dc,
				      release_nothing, t))
		return check_line(false, "nvme: the controller gets a DMA domain of its own");
	int failed = run(t, in);
	if (dma_vtd_detach(&t->dv) == 0)
		page_free(t->buf, 1);
	return failed;
}
