/* A bounded UART transmit: the wait for each byte is measured on a clock,
 * not in register reads, since how long a read takes depends on the bus.
 * The clock is read before the status: a wait that was interrupted past
 * its deadline still gets one last look at the transmitter. */
#include "lib/console/serial_tx.h"

static int wait_ready(const struct serial_tx_port *p, uint64_t budget)
{
	uint64_t start = p->now();

	for (;;) {
		uint64_t t = p->now();
		if (p->ready())
			return 0;
		if (t - start > budget)
			return -1;
	}
}

static int put_byte(struct serial_tx *tx, uint8_t byte, uint64_t budget)
{
	if (wait_ready(tx->port, budget)) {
		tx->given_up = 1;
		return -1;
	}
	tx->port->put(byte);
	return 0;
}

void serial_tx_write(struct serial_tx *tx, const char *s, size_t n, uint64_t budget)
{
	size_t i = 0;

	for (; i < n && !tx->given_up; i++) {
		if (s[i] == '\n' && put_byte(tx, '\r', budget))
			break;
		if (put_byte(tx, (uint8_t)s[i], budget))
			break;
	}
	if (tx->given_up)
		tx->dropped += n - i;
}
