/* One read's path, as Linux's nvme driver makes it with the streaming DMA
 * API: the data buffer is mapped for the device to write (and, when the
 * read spans more than two pages, the PRP list page for it to read) before
 * the command is queued, and unmapped when its completion comes; then every
 * logical block is checked. Under pool the buffers and lists are mapped
 * once when the stream opens. Buffers return to the free list only through
 * the DMA layer's release callback, so none is reused while a stale
 * translation may reach it. */
#include "bench/nvme/nvme_stream_state.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lapic.h"
#include "kernel/mem.h"
#include "kernel/tsc.h"
#include "lib/block_pattern.h"

const char *const nvme_pattern_names[NVME_PATTERN_COUNT + 1] = {
	[NVME_PATTERN_RAND] = "rand", [NVME_PATTERN_SEQ] = "seq", NULL
};

void nvme_buf_release(void *stream, uint64_t idx)
{
	struct nvme_stream *s = stream;
	struct nvme_buf *b = &s->bufs[idx];

	if (b->pending && --b->pending == 0 && b->busy) {
		b->busy = false;
		s->free_list[s->nfree++] = (unsigned)idx;
	}
}

int nvme_buf_get(struct nvme_stream *s, unsigned *idx)
{
	if (!s->nfree && deferred_policy(s->cfg.policy))
		dma_flush(s->dom); /* queued buffers come back after the flush */
	if (!s->nfree) {
		kprintf("nvme: out of read buffers (%u in use)\n", s->nbufs);
		return -1;
	}
	*idx = s->free_list[--s->nfree];
	s->bufs[*idx].busy = true;
	return 0;
}

static bool pooled(const struct nvme_stream *s)
{
	return s->cfg.policy == DMA_POLICY_POOL;
}

/* Bounce's slots are one page each: its data is mapped page by page (PRP
 * entries need not be contiguous). The others map the buffer whole. */
static bool per_page(const struct nvme_stream *s)
{
	return s->cfg.policy == DMA_POLICY_BOUNCE;
}

static int map(struct nvme_stream *s, uint64_t phys, size_t len, enum dma_dir dir, uint64_t *dev)
{
	int rc = dma_map(s->dom, phys, len, dir, dev);

	if (rc < 0)
		kprintf("nvme: dma_map failed (%d)%s\n", rc,
			rc == DMA_ENOSPC ? ": the IOVA range is exhausted" : "");
	return rc;
}

static size_t page_len(const struct nvme_stream *s, unsigned page)
{
	size_t left = s->cfg.io_bytes - (size_t)page * PAGE_SIZE;

	return left < PAGE_SIZE ? left : PAGE_SIZE;
}

int nvme_map_read(struct nvme_stream *s, unsigned idx)
{
	struct nvme_buf *b = &s->bufs[idx];
	uint64_t *list = (uint64_t *)b->prp_phys, dev1 = 0;

	if (pooled(s))
		return 0; /* prp1/prp2 were set when the stream opened */
	if (per_page(s)) {
		for (unsigned i = 0; i < s->pages; i++) {
			uint64_t d;
			if (map(s, b->phys + (uint64_t)i * PAGE_SIZE, page_len(s, i), DMA_FROM_DEVICE,
				&d))
				return -1;
			b->pending++;
			if (i == 0)
				b->prp1 = d;
			else if (s->pages == 2)
				dev1 = d;
			else
				list[i - 1] = d;
		}
	} else {
		if (map(s, b->phys, s->cfg.io_bytes, DMA_FROM_DEVICE, &b->data_dev))
			return -1;
		b->pending++;
		b->prp1 = b->data_dev;
		dev1 = b->data_dev + PAGE_SIZE;
		for (unsigned i = 1; s->pages > 2 && i < s->pages; i++)
			list[i - 1] = b->data_dev + (uint64_t)i * PAGE_SIZE;
	}
	b->prp2 = s->pages == 2 ? dev1 : 0;
	if (s->pages > 2) {
		/* Written before the mapping: bounce copies the list at map. */
		if (map(s, b->prp_phys, (s->pages - 1) * sizeof(uint64_t), DMA_TO_DEVICE, &b->prp_dev))
			return -1;
		b->pending++;
		b->prp2 = b->prp_dev;
	}
	return 0;
}

static int unmap(struct nvme_stream *s, unsigned idx, uint64_t dev, size_t len, enum dma_dir dir)
{
	int rc = dma_unmap(s->dom, dev, len, dir, idx);

	if (rc < 0)
		kprintf("nvme: dma_unmap failed (%d)\n", rc);
	return rc;
}

int nvme_unmap_read(struct nvme_stream *s, unsigned idx)
{
	struct nvme_buf *b = &s->bufs[idx];
	const uint64_t *list = (const uint64_t *)b->prp_phys;
	int rc = 0;

	if (pooled(s)) {
		b->busy = false;
		s->free_list[s->nfree++] = idx;
		return 0;
	}
	/* The list first: the data's last release gives the buffer back. */
	if (s->pages > 2 && unmap(s, idx, b->prp_dev, (s->pages - 1) * sizeof(uint64_t),
				  DMA_TO_DEVICE) < 0)
		rc = -1;
	if (!per_page(s))
		return unmap(s, idx, b->data_dev, s->cfg.io_bytes, DMA_FROM_DEVICE) < 0 ? -1 : rc;
	for (unsigned i = 0; i < s->pages; i++) {
		uint64_t d = i == 0 ? b->prp1 : s->pages == 2 ? b->prp2 : list[i - 1];
		if (unmap(s, idx, d, page_len(s, i), DMA_FROM_DEVICE) < 0)
			rc = -1;
	}
	return rc;
}

/* xorshift64: the read positions of `rand`, the same on every run. */
uint64_t nvme_next_lba(struct nvme_stream *s)
{
	uint64_t pos;

	if (s->cfg.pattern == NVME_PATTERN_SEQ) {
		pos = s->next_seq_pos++ % s->region_ios;
	} else {
		uint64_t x = s->rng;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s->rng = x;
		pos = x % s->region_ios;
	}
	return pos * s->blocks_per_io;
}

int nvme_queue_read(struct nvme_stream *s, uint64_t lba, uint64_t now)
{
	unsigned tag = 0, idx;

	while (tag < s->cfg.qd && s->slot[tag].busy)
		tag++;
	if (tag == s->cfg.qd) {
		kprintf("nvme: no free tag with %u reads in flight\n", s->inflight);
		return -1;
	}
	if (nvme_buf_get(s, &idx) || nvme_map_read(s, idx))
		return -1;
	const struct nvme_buf *b = &s->bufs[idx];
	if (nvme_q_submit_read(s->q, lba, s->blocks_per_io, b->prp1, b->prp2, (uint16_t)tag)) {
		kprintf("nvme: the submission queue is full with %u reads in flight (qd %u)\n",
			s->inflight, s->cfg.qd);
		return -1;
	}
	s->slot[tag] = (struct nvme_slot){ .busy = true, .buf = idx, .lba = lba, .t_submit = now };
	s->inflight++;
	s->r->res.sent++;
	if (s->pages > 2)
		s->r->prp_lists++;
	return 0;
}

unsigned nvme_check_blocks(struct nvme_stream *s, unsigned idx, uint64_t lba)
{
	return nvme_check_first_blocks(s, idx, lba, s->blocks_per_io);
}

unsigned nvme_check_first_blocks(struct nvme_stream *s, unsigned idx, uint64_t lba,
				 uint32_t blocks)
{
	const uint8_t *p = (const uint8_t *)s->bufs[idx].phys;
	uint32_t bs = s->info->block_size;
	unsigned bad = 0;

	for (uint32_t i = 0; i < blocks; i++, p += bs) {
		bool ok;
		if (s->recording) {
			s->sums[lba + i] = block_checksum(p, bs);
			ok = true;
		} else if (s->sums) {
			ok = block_checksum(p, bs) == s->sums[lba + i];
		} else {
			ok = block_pattern_check(p, bs, lba + i);
		}
		bad += !ok;
	}
	s->r->blocks_checked += blocks;
	s->r->bad_blocks += bad;
	return bad;
}

int nvme_complete(struct nvme_stream *s, uint16_t tag, uint16_t status)
{
	struct nvme_stream_result *r = s->r;

	if (tag >= s->cfg.qd || !s->slot[tag].busy) {
		kprintf("nvme: a completion for tag %u, which is not in flight\n", tag);
		return -1;
	}
	struct nvme_slot *sl = &s->slot[tag];
	sl->busy = false;
	s->inflight--;
	/* The device is done with the buffer: unmapped before the CPU reads
	 * it (bounce copies it back here). */
	int rc = nvme_unmap_read(s, sl->buf);
	if (status) {
		if (r->command_errors++ < 5)
			kprintf("nvme: the read of LBA %lu failed: %s (status 0x%x)\n", sl->lba,
				nvme_status_text(status), status);
	} else if (nvme_check_blocks(s, sl->buf, sl->lba)) {
		if (r->res.corrupted++ < 5)
			kprintf("nvme: the read of LBA %lu holds a block that is not the drive's\n",
				sl->lba);
	} else {
		r->res.received++;
	}
	return rc;
}

int nvme_service_deadline(struct nvme_stream *s)
{
	return flush_deadline_serve(&s->deadline, s->dom);
}

/* The oldest read in flight, the one a time-out names. */
static const struct nvme_slot *oldest(const struct nvme_stream *s)
{
	const struct nvme_slot *o = NULL;

	for (unsigned i = 0; i < s->cfg.qd; i++)
		if (s->slot[i].busy && (!o || s->slot[i].t_submit < o->t_submit))
			o = &s->slot[i];
	return o;
}

int nvme_poll_wait(struct nvme_stream *s, uint16_t *tag, uint16_t *status)
{
	const struct nvme_slot *o = oldest(s);
	uint64_t limit = tsc_from_us(NVME_READ_TIMEOUT_US);

	if (!o) {
		kprintf("nvme: waiting for a completion with no read in flight\n");
		return -1;
	}
	/* The flush deadline is served inside the wait: a read that never
	 * completes must not hold a queued unmap past flush_ms. */
	while (!nvme_q_poll(s->q, tag, status)) {
		if (nvme_service_deadline(s) < 0)
			return -1;
		if (rdtsc_ordered() - o->t_submit > limit) {
			kprintf("nvme: the read of LBA %lu (%u blocks) did not complete within %u ms "
				"(CSTS.CFS %s; %u reads in flight): the stream stops\n", o->lba,
				s->blocks_per_io, NVME_READ_TIMEOUT_US / 1000,
				nvme_fatal(s->ctrl) ? "set: the controller failed" : "clear",
				s->inflight);
			s->r->res.lost += s->inflight;
			return -1;
		}
		cpu_pause();
	}
	return 0;
}

int nvme_read_sync(struct nvme_stream *s, uint64_t lba)
{
	uint16_t tag, status;

	if (nvme_queue_read(s, lba, rdtsc_ordered()))
		return -1;
	nvme_q_ring(s->q);
	if (nvme_poll_wait(s, &tag, &status))
		return -1;
	nvme_q_cq_done(s->q);
	return nvme_complete(s, tag, status);
}
