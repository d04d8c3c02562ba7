/* The stale-translation test with the NVMe workload (selftest=stale): on
 * an open stream, a read is made on purpose into a buffer whose mapping
 * was just unmapped. The device writes memory here (the NIC's test has it
 * read), so what must not happen is data landing: under strict the unit
 * blocks the write at once (a fault recorded, the buffer untouched); under
 * batched the IOTLB's stale translation still lets it land until the batch
 * is flushed, then the same read faults; under bounce the IOVA is a slot,
 * mapped by design, and the data lands in the slot, never in the buffer. */
#include "bench/nvme/nvme_stream_state.h"
#include "bench/check.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/string.h"

#define MARKER 0xa5 /* what the buffer holds before a read that must not land */

/* The stale reads move one page: a buffer's first mapping is all the
 * IOVA they need, whatever nvme_io is. */
static uint32_t page_blocks(const struct nvme_stream *s)
{
	uint32_t b = PAGE_SIZE / s->info->block_size;

	return b < s->blocks_per_io ? b : s->blocks_per_io;
}

static int stale_check(int ok, const char *policy, const char *what)
{
	return check_line(ok, "dma: nvme: %s: %s", policy, what);
}

/* A read of lba straight to the device address prp1 (the first page's
 * blocks, outside the normal flow: no map, no unmap), waited for. Returns the DMA faults
 * it caused, or -1; *status gets the command's. */
static int64_t read_raw(struct nvme_stream *s, uint64_t lba, uint64_t prp1, uint16_t *status)
{
	uint64_t faults = vtd_get_stats(s->unit)->faults;
	uint16_t tag;

	if (nvme_q_submit_read(s->q, lba, page_blocks(s), prp1, 0, 0))
		return -1;
	s->slot[0] = (struct nvme_slot){ .busy = true, .lba = lba, .t_submit = rdtsc_ordered() };
	s->inflight++;
	nvme_q_ring(s->q);
	int rc = nvme_poll_wait(s, &tag, status);
	s->slot[0].busy = false;
	s->inflight = 0;
	if (rc)
		return -1;
	nvme_q_cq_done(s->q);
	vtd_fault_poll(s->unit);
	return (int64_t)(vtd_get_stats(s->unit)->faults - faults);
}

static bool untouched(const struct nvme_stream *s, unsigned idx)
{
	const uint8_t *p = (const uint8_t *)s->bufs[idx].phys;

	for (unsigned i = 0; i < page_blocks(s) * s->info->block_size; i++)
		if (p[i] != MARKER)
			return false;
	return true;
}

/* The fault a blocked read into dev must have left: its page, a write. */
static bool faulted_at(const struct nvme_stream *s, uint64_t dev)
{
	const struct vtd_fault_record *f = vtd_last_fault(s->unit);

	return f->addr == (dev & ~0xffful) && !f->read;
}

int nvme_stream_stale_test(struct nvme_stream *s)
{
	const char *name = dma_policy_name(s->cfg.policy);
	struct nvme_stream_result scratch;
	const uint64_t lba = s->blocks_per_io; /* the second read position */
	uint16_t status;
	unsigned idx;
	int failed = 0;

	if (s->cfg.policy == DMA_POLICY_IDENTITY || s->cfg.policy == DMA_POLICY_OFF ||
	    s->cfg.policy == DMA_POLICY_POOL) {
		kprintf("dma: nvme: %s: SKIP: nothing is unmapped while the stream runs, so no "
			"stale translation can be tested\n", name);
		return 0;
	}
	if (!s->unit)
		return 0;
	memset(&scratch, 0, sizeof(scratch));
	s->r = &scratch;
	if (nvme_read_sync(s, lba))
		return stale_check(0, name, "a read into a mapped buffer");
	failed += stale_check(scratch.res.received == 1 && scratch.res.faults == 0, name,
			      "a read into a mapped buffer lands, checked, without a fault");
	/* A buffer mapped, read into through its mapping (so the unit caches
	 * the translation, as a read of the stream would leave it), then
	 * unmapped as a completion unmaps it; kept off the free list. */
	if (nvme_buf_get(s, &idx) || nvme_map_read(s, idx))
		return failed + 1;
	uint64_t dev = s->bufs[idx].prp1;
	int64_t f = read_raw(s, lba, dev, &status);
	if (nvme_unmap_read(s, idx)) /* bounce: the data comes from the slot here */
		return failed + 1;
	failed += stale_check(f == 0 && status == 0 &&
				      nvme_check_first_blocks(s, idx, lba, page_blocks(s)) == 0, name,
			      "a read through the buffer's mapping lands without a fault");
	memset((void *)s->bufs[idx].phys, MARKER, s->cfg.io_bytes);
	kprintf("dma: nvme: %s: reading LBA %lu into IOVA 0x%lx, unmapped just now, on purpose\n",
		name, lba, dev);
	f = read_raw(s, lba, dev, &status);
	if (s->cfg.policy == DMA_POLICY_STRICT)
		return failed + stale_check(f >= 1 && faulted_at(s, dev) && untouched(s, idx), name,
					    "a read into a just-unmapped buffer faults at once and "
					    "no data lands");
	if (s->cfg.policy == DMA_POLICY_BOUNCE)
		return failed + stale_check(f == 0 && status == 0 && untouched(s, idx), name,
					    "a read into the just-unmapped slot lands in the slot, "
					    "not in the buffer");
	failed += stale_check(f == 0 && status == 0 &&
				      nvme_check_first_blocks(s, idx, lba, page_blocks(s)) == 0, name,
			      "before the batch is flushed the stale translation still lets the "
			      "read land");
	if (dma_flush(s->dom) < 0)
		return failed + 1;
	memset((void *)s->bufs[idx].phys, MARKER, s->cfg.io_bytes);
	f = read_raw(s, lba, dev, &status);
	failed += stale_check(f >= 1 && faulted_at(s, dev) && untouched(s, idx), name,
			      "after the batch's flush the same read faults and no data lands");
	return failed;
}
