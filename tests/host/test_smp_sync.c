/* The cross-CPU handshakes of lib/cpu_mailbox.h (a job slot per CPU) and
 * lib/tsc_pingpong.h (the TSC skew measurement), on real threads: built
 * with ASan/UBSan as every host test, and a second time under
 * ThreadSanitizer (tests/host/rules.mk), which reports any access the
 * handshakes leave unordered. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/cpu_mailbox.h"
#include "lib/tsc_pingpong.h"
#include "tests/host/check.h"

#define TAKERS 3
#define JOBS   3000
#define ROUNDS 500
#define LIMIT  (1ull << 40) /* TSC ticks: minutes; the threads answer long before */

struct taker {
	struct cpu_mailbox box;
	uint64_t ran;            /* plain: only ordered by the mailbox */
	uint64_t seen_arg_sum;
	int stop;
	pthread_t thread;
};

static struct taker takers[TAKERS];

static void job(void *arg)
{
	struct taker *t = arg;

	t->ran++;
	t->seen_arg_sum += (uint64_t)(t - takers) + 1;
}

static void *taker_main(void *arg)
{
	struct taker *t = arg;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE))
		if (!cpu_mailbox_run(&t->box))
			__builtin_ia32_pause();
	return NULL;
}

/* Every posted job runs exactly once, on the taker it was posted to, with
 * its argument; the poster sees what the job wrote once the slot is free. */
static void test_mailbox_runs_each_job_once(void)
{
	memset(takers, 0, sizeof(takers));
	for (int i = 0; i < TAKERS; i++)
		pthread_create(&takers[i].thread, NULL, taker_main, &takers[i]);
	uint64_t posted[TAKERS] = { 0 };
	for (int n = 0; n < JOBS; n++) {
		struct taker *t = &takers[n % TAKERS];
		while (!cpu_mailbox_post(&t->box, job, t))
			__builtin_ia32_pause();
		posted[n % TAKERS]++;
	}
	for (int i = 0; i < TAKERS; i++) {
		while (cpu_mailbox_busy(&takers[i].box))
			__builtin_ia32_pause();
		CHECK_EQ_U64(takers[i].ran, posted[i]);
		CHECK_EQ_U64(takers[i].seen_arg_sum, posted[i] * (uint64_t)(i + 1));
		__atomic_store_n(&takers[i].stop, 1, __ATOMIC_RELEASE);
		pthread_join(takers[i].thread, NULL);
	}
}

static int release_job;

static void blocking_job(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&release_job, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

/* A slot whose job still runs refuses the next one and stays busy. */
static void test_mailbox_refuses_while_busy(void)
{
	struct taker *t = &takers[0];

	memset(t, 0, sizeof(*t));
	release_job = 0;
	CHECK(!cpu_mailbox_post(&t->box, NULL, NULL));
	CHECK(cpu_mailbox_post(&t->box, blocking_job, NULL));
	pthread_create(&t->thread, NULL, taker_main, t);
	CHECK(!cpu_mailbox_post(&t->box, job, t));
	CHECK(cpu_mailbox_busy(&t->box));
	__atomic_store_n(&release_job, 1, __ATOMIC_RELEASE);
	while (cpu_mailbox_busy(&t->box))
		__builtin_ia32_pause();
	CHECK(cpu_mailbox_post(&t->box, job, t));
	while (cpu_mailbox_busy(&t->box))
		__builtin_ia32_pause();
	CHECK_EQ_U64(t->ran, 1);
	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	pthread_join(t->thread, NULL);
}

/* The arithmetic on made-up rounds: the answerer's clock 5000 ahead. */
static void test_skew_keeps_the_shortest_round(void)
{
	struct tsc_pingpong p;
	struct tsc_skew s;

	tsc_pingpong_reset(&p, &s);
	CHECK_EQ_U64(tsc_skew_uncertainty(&s), UINT64_MAX);
	tsc_skew_keep(&s, 1000, 6400, 1800);  /* trip 800: skew 5000 */
	CHECK_EQ_U64(s.skew, 5000);
	CHECK_EQ_U64(tsc_skew_uncertainty(&s), 400);
	tsc_skew_keep(&s, 2000, 7050, 2101);  /* trip 101: skew 5000, +-51 */
	CHECK_EQ_U64(s.skew, 5000);
	CHECK_EQ_U64(s.trip, 101);
	CHECK_EQ_U64(tsc_skew_uncertainty(&s), 51);
	tsc_skew_keep(&s, 3000, 3000, 4000);  /* longer: not kept */
	CHECK_EQ_U64(s.trip, 101);
	CHECK_EQ_U64(s.rounds, 3);
	tsc_skew_keep(&s, 10000, 9960, 10040); /* behind: -80, trip 40 */
	CHECK(s.skew == -60);
	CHECK_EQ_U64(tsc_skew_uncertainty(&s), 20);
}

static struct tsc_pingpong line;
static uint64_t answered;

static void *answerer(void *arg)
{
	uint64_t rounds = (uint64_t)(uintptr_t)arg;

	answered = tsc_pingpong_answer(&line, rounds, LIMIT);
	return NULL;
}

/* Both sides on threads: every round is answered in turn. */
static void test_pingpong_on_threads(void)
{
	struct tsc_skew s;
	pthread_t th;
	uint64_t ok = 0;

	tsc_pingpong_reset(&line, &s);
	pthread_create(&th, NULL, answerer, (void *)(uintptr_t)ROUNDS);
	for (uint64_t r = 0; r < ROUNDS; r++)
		ok += tsc_pingpong_ask(&line, &s, r, LIMIT);
	pthread_join(th, NULL);
	CHECK_EQ_U64(ok, ROUNDS);
	CHECK_EQ_U64(answered, ROUNDS);
	CHECK_EQ_U64(s.rounds, ROUNDS);
	CHECK(s.trip != UINT64_MAX);
}

/* The asker stopping early ends the answerer's wait at once, short of
 * its rounds, and an asker whose answerer is gone gives up at its limit. */
static void test_pingpong_stop_and_limit(void)
{
	struct tsc_skew s;
	pthread_t th;

	tsc_pingpong_reset(&line, &s);
	pthread_create(&th, NULL, answerer, (void *)(uintptr_t)ROUNDS);
	for (uint64_t r = 0; r < 10; r++)
		CHECK(tsc_pingpong_ask(&line, &s, r, LIMIT));
	tsc_pingpong_stop(&line);
	pthread_join(th, NULL);
	CHECK_EQ_U64(answered, 10);
	/* Nobody answers now: a short limit must end the wait, failing. */
	tsc_pingpong_reset(&line, &s);
	CHECK(!tsc_pingpong_ask(&line, &s, 0, 1000000));
	CHECK_EQ_U64(s.rounds, 0);
}

int main(void)
{
	RUN_TEST("smp_sync", test_mailbox_runs_each_job_once);
	RUN_TEST("smp_sync", test_mailbox_refuses_while_busy);
	RUN_TEST("smp_sync", test_skew_keeps_the_shortest_round);
	RUN_TEST("smp_sync", test_pingpong_on_threads);
	RUN_TEST("smp_sync", test_pingpong_stop_and_limit);
	return CHECK_EXIT_STATUS();
}
