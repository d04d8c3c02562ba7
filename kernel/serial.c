/* COM1 at 115200 8N1 (16550 UART registers, PC16550D datasheet). The
 * transmit wait is bounded: a missing or stuck UART (many laptops have
 * none) must not hang the kernel, so after one timeout the port is dropped
 * and the framebuffer console carries on alone. */
#include "kernel/serial.h"
#include "kernel/cpu.h"

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

#define TX_SPIN_LIMIT 100000

static int serial_present;

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

static void put_byte(char c)
{
	for (int i = 0; i < TX_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE) {
			outb(COM1 + UART_THR, (uint8_t)c);
			return;
		}
		cpu_pause();
	}
	serial_present = 0; /* stuck transmitter: stop using it */
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n && serial_present; i++) {
		if (s[i] == '\n')
			put_byte('\r');
		put_byte(s[i]);
	}
}
