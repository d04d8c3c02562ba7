/* COM1 at 115200 8N1 (16550 UART registers, PC16550D datasheet). The
 * transmit wait is bounded in time: a missing or stuck UART (many laptops
 * have none) must not hang the kernel, so after one timeout the port is
 * dropped, the framebuffer console carries on alone, and the characters
 * lost are counted (lib/console/serial_tx.c). */
#include "kernel/serial.h"
#include "kernel/cpu.h"
#include "kernel/tsc.h"
#include "lib/console/serial_tx.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_LCR_8N1  0x03
#define UART_LCR_DLAB 0x80
#define UART_MCR 4
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR 5
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_SCR 7

/* One character at 115200 8N1 takes 86.8 us, so even a full 16-byte FIFO
 * empties (LSR.THRE) within 1.4 ms; 10 ms without THRE is a stuck port.
 * Before the TSC is calibrated the budget assumes TSC_HZ_CEILING, which
 * stretches it to 100 ms at most on a 1 GHz TSC. */
#define TX_TIMEOUT_US 10000

static int serial_present;

static int thr_empty(void)
{
	return (inb(COM1 + UART_LSR) & UART_LSR_THRE) != 0;
}

static void put_thr(uint8_t byte)
{
	outb(COM1 + UART_THR, byte);
}

static uint64_t read_tsc(void)
{
	return rdtsc_ordered();
}

static const struct serial_tx_port com1 = { thr_empty, put_thr, read_tsc };
static struct serial_tx tx = { .port = &com1 };

void serial_init(void)
{
	/* The scratch register reads back what was written if a UART is
	 * there; an absent port floats to 0xff. */
	outb(COM1 + UART_SCR, 0x5a);
	if (inb(COM1 + UART_SCR) != 0x5a)
		return;
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
	serial_present = 1;
}

void serial_write(const char *s, size_t n)
{
	if (serial_present)
		serial_tx_write(&tx, s, n, tsc_budget_from_us(TX_TIMEOUT_US));
}

int serial_given_up(void)
{
	return tx.given_up;
}

uint64_t serial_dropped(void)
{
	return tx.dropped;
}

unsigned serial_timeout_ms(void)
{
	return TX_TIMEOUT_US / 1000;
}
