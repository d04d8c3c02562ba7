/* The NVMe driver's I/O queue pairs driven by real threads at once, under
 * ThreadSanitizer: four threads, each on its own pair of a simulated
 * controller (tests/host/nvme_sim.h, whose doorbell handling takes a
 * mutex of its own), keep reads in flight, ring, poll and acknowledge
 * completions concurrently. Any state the driver shared between pairs on
 * that path (a counter in the controller struct, one doorbell shadow)
 * would be a data race TSan reports, and the run fails. Every read must
 * complete exactly once, successfully, on its own pair, with its data. */
#include <pthread.h>
#include <stdlib.h>
#include "check.h"
#include "drivers/nvme/nvme_internal.h"
#include "kernel/mem.h"
#include "lib/block_pattern.h"
#include "tests/host/nvme_sim.h"

#define THREADS 4
#define QD 4
#define READS 3000              /* per thread */
#define TAG_BASE(q) (10000u * (q))
/* A loop that never sees its completion gives up after this many polls
 * (nothing in the sim completes later than the doorbell write). */
#define POLL_LIMIT 1000

/* CAP (3.1.1): MQES 0x7ff, CQR, TO 2, DSTRD 2 (16-byte doorbell stride),
 * CSS NVM. */
#define SIM_CAP ((uint64_t)0x7ff | 1ull << 16 | 2ull << 24 | 2ull << 32 | 1ull << 37)

static struct nvme_ctrl ctrl;
static pthread_barrier_t go;

struct worker {
	unsigned index;
	struct nvme_queue *q;
	uint8_t *buf[QD];           /* one buffer per slot in flight */
	unsigned slot_read[QD];     /* the read index in each slot */
	uint8_t done[READS];        /* completions seen per read */
	unsigned foreign, failed, bad_data, lost;
};

static int map_identity(void *ctx, uint64_t phys, size_t len, uint64_t *dev)
{
	(void)ctx;
	(void)len;
	*dev = phys;
	return 0;
}

static uint64_t lba_of(unsigned thread, unsigned i)
{
	return (thread * 131u + i * 7u) % 992u; /* 8 blocks fit below 1000 */
}

static void submit(struct worker *w, unsigned slot, unsigned i)
{
	memset(w->buf[slot], 0, 4096);
	w->slot_read[slot] = i;
	if (nvme_q_submit_read(w->q, lba_of(w->index, i), 8, (uint64_t)(uintptr_t)w->buf[slot], 0,
			       (uint16_t)(TAG_BASE(w->index) + slot)))
		w->failed++;
}

static void *drive(void *arg)
{
	struct worker *w = arg;
	unsigned next = 0, outstanding = 0, idle = 0;
	uint16_t tag, status;

	pthread_barrier_wait(&go);
	for (; next < QD && next < READS; next++, outstanding++)
		submit(w, next, next);
	nvme_q_ring(w->q);
	while (outstanding && idle < POLL_LIMIT) {
		unsigned got = 0;
		while (nvme_q_poll(w->q, &tag, &status)) {
			got++;
			outstanding--;
			unsigned slot = tag - TAG_BASE(w->index);
			if (tag < TAG_BASE(w->index) || slot >= QD) {
				w->foreign++; /* another pair's completion */
				continue;
			}
			unsigned i = w->slot_read[slot];
			w->done[i]++;
			w->failed += status != 0;
			for (unsigned b = 0; b < 8; b++)
				w->bad_data += !block_pattern_check(w->buf[slot] + 512 * b, 512,
								    lba_of(w->index, i) + b);
			if (next < READS) {
				submit(w, slot, next++);
				outstanding++;
			}
		}
		nvme_q_cq_done(w->q);
		nvme_q_ring(w->q);
		idle = got ? 0 : idle + 1;
	}
	w->lost = outstanding;
	return NULL;
}

static void test_four_threads_on_their_own_pairs(void)
{
	static const struct nvme_dma dma = { map_identity, NULL };
	static struct worker w[THREADS];
	pthread_t t[THREADS];

	nvme_sim_reset(SIM_CAP);
	ctrl = (struct nvme_ctrl){ .info = { .cap = SIM_CAP }, .db_stride = 4u << 2,
				   .admin_sq = page_alloc(1), .admin_cq = page_alloc(1),
				   .identify = page_alloc(1) };
	CHECK_EQ_U64(nvme_start(&ctrl, &dma, QD, THREADS), 0);
	CHECK_EQ_U64(nvme_get_info(&ctrl)->max_queue_pairs, THREADS);
	pthread_barrier_init(&go, NULL, THREADS);
	for (unsigned i = 0; i < THREADS; i++) {
		w[i].index = i;
		w[i].q = nvme_queue(&ctrl, i);
		CHECK(w[i].q != NULL);
		for (unsigned s = 0; s < QD; s++)
			w[i].buf[s] = aligned_alloc(4096, 4096);
	}
	for (unsigned i = 0; i < THREADS && w[i].q; i++)
		CHECK_EQ_U64(pthread_create(&t[i], NULL, drive, &w[i]), 0);
	for (unsigned i = 0; i < THREADS && w[i].q; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&go);

	for (unsigned i = 0; i < THREADS; i++) {
		unsigned once = 0;
		for (unsigned r = 0; r < READS; r++)
			once += w[i].done[r] == 1;
		CHECK_EQ_U64(once, READS);       /* every read completed exactly once */
		CHECK_EQ_U64(w[i].foreign, 0);   /* and on its own pair */
		CHECK_EQ_U64(w[i].failed, 0);
		CHECK_EQ_U64(w[i].bad_data, 0);
		CHECK_EQ_U64(w[i].lost, 0);
		CHECK_EQ_U64(nvme_sim.ioq[i + 1].reads_done, READS);
		for (unsigned s = 0; s < QD; s++)
			free(w[i].buf[s]);
	}
	CHECK_EQ_U64(nvme_sim.reads_done, THREADS * READS);
	CHECK_EQ_U64(nvme_sim.violations, 0);
	CHECK_EQ_U64(nvme_stop(&ctrl), 0);
	for (unsigned q = 1; q <= THREADS; q++)
		CHECK(!nvme_sim.ioq[q].sq && !nvme_sim.ioq[q].cq);
	for (unsigned i = 0; i < THREADS; i++)
		free((void *)(uintptr_t)ctrl.io_mem[i]);
	free((void *)(uintptr_t)ctrl.admin_sq);
	free((void *)(uintptr_t)ctrl.admin_cq);
	free((void *)(uintptr_t)ctrl.identify);
}

int main(void)
{
	RUN_TEST("tsan_nvme_pairs", test_four_threads_on_their_own_pairs);
	return CHECK_EXIT_STATUS();
}
