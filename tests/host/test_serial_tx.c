/* lib/console/serial_tx.c: a UART whose transmitter never gets ready is
 * given up once a byte has waited its budget on the (simulated) clock, and
 * every character not sent is counted. Every status read costs simulated
 * time, as a port read on a real bus does. */
#include "lib/console/serial_tx.h"
#include "tests/host/check.h"

#define READ_TICKS 3000 /* simulated clock ticks per status read: 1 us at 3 GHz */
#define BUDGET 100000000ull /* 10 ms at the 10 GHz ceiling, as kernel/serial.c */

static uint64_t sim_clock;
static uint64_t ready_from; /* the transmitter is ready from this time on */
static char sent[64];
static size_t sent_len;

static int fake_ready(void)
{
	sim_clock += READ_TICKS;
	return sim_clock >= ready_from;
}

static void fake_put(uint8_t byte)
{
	if (sent_len < sizeof(sent))
		sent[sent_len++] = (char)byte;
}

static uint64_t fake_now(void)
{
	return sim_clock;
}

static const struct serial_tx_port port = { fake_ready, fake_put, fake_now };

static void reset(uint64_t ready_at)
{
	sim_clock = 0;
	ready_from = ready_at;
	sent_len = 0;
	memset(sent, 0, sizeof(sent));
}

static void ready_port_sends_everything_with_crlf(void)
{
	struct serial_tx tx = { .port = &port };

	reset(0);
	serial_tx_write(&tx, "ab\nc", 4, BUDGET);
	CHECK_EQ_U64(sent_len, 5);
	CHECK(memcmp(sent, "ab\r\nc", 5) == 0);
	CHECK_EQ_U64(tx.given_up, 0);
	CHECK_EQ_U64(tx.dropped, 0);
}

static void stuck_port_is_given_up_after_the_budget_and_counts_drops(void)
{
	struct serial_tx tx = { .port = &port };

	reset(~0ull);
	serial_tx_write(&tx, "hello\n", 6, BUDGET);
	CHECK_EQ_U64(tx.given_up, 1);
	CHECK_EQ_U64(sent_len, 0);
	CHECK_EQ_U64(tx.dropped, 6);
	/* One byte's budget, not one per character, and not a read count. */
	CHECK(sim_clock > BUDGET);
	CHECK(sim_clock <= BUDGET + 2 * READ_TICKS);
	uint64_t after_first = sim_clock;
	serial_tx_write(&tx, "more", 4, BUDGET);
	CHECK_EQ_U64(tx.dropped, 10);
	CHECK_EQ_U64(sim_clock, after_first); /* a given-up port is not read again */
}

static void port_that_stalls_midway_counts_the_rest(void)
{
	struct serial_tx tx = { .port = &port };

	reset(0);
	serial_tx_write(&tx, "ok", 2, BUDGET);
	ready_from = ~0ull; /* the transmitter stops now */
	serial_tx_write(&tx, "lost\n", 5, BUDGET);
	CHECK_EQ_U64(sent_len, 2);
	CHECK_EQ_U64(tx.dropped, 5);
}

static void slow_but_working_port_is_kept(void)
{
	struct serial_tx tx = { .port = &port };

	reset(BUDGET / 2); /* ready after half the budget */
	serial_tx_write(&tx, "x", 1, BUDGET);
	CHECK_EQ_U64(tx.given_up, 0);
	CHECK_EQ_U64(sent_len, 1);
}

int main(void)
{
	RUN_TEST("serial_tx", ready_port_sends_everything_with_crlf);
	RUN_TEST("serial_tx", stuck_port_is_given_up_after_the_budget_and_counts_drops);
	RUN_TEST("serial_tx", port_that_stalls_midway_counts_the_rest);
	RUN_TEST("serial_tx", slow_but_working_port_is_kept);
	return check_tests_failed ? 1 : 0;
}
