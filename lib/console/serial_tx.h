/* Sending text to a UART whose transmitter may never become ready (a
 * missing or stuck port): each byte waits at most a budget of clock ticks,
 * after which the port is given up and every character from then on is
 * counted as dropped, so the loss can be reported. Pure logic: the UART and
 * the clock are reached through the functions passed in. */
#ifndef LIB_CONSOLE_SERIAL_TX_H
#define LIB_CONSOLE_SERIAL_TX_H

#include <stddef.h>
#include <stdint.h>

struct serial_tx_port {
	int (*ready)(void);         /* the transmitter takes a byte now */
	void (*put)(uint8_t byte);
	uint64_t (*now)(void);      /* a clock, in the unit of the budget */
};

struct serial_tx {
	const struct serial_tx_port *port;
	int given_up;      /* a byte waited a whole budget: the port is unused since */
	uint64_t dropped;  /* characters not sent because of that */
};

/* Writes n characters, "\n" as "\r\n"; each byte may wait budget ticks. */
void serial_tx_write(struct serial_tx *tx, const char *s, size_t n, uint64_t budget);

#endif
