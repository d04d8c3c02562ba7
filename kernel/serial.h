/* COM1 serial console, 115200 8N1. */
#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H

#include <stddef.h>
#include <stdint.h>

void serial_init(void);
void serial_write(const char *s, size_t n);
/* Whether the transmitter stayed busy (LSR.THRE clear) for a whole
 * timeout, after which nothing more is sent; and the characters lost. */
int serial_given_up(void);
uint64_t serial_dropped(void);
unsigned serial_timeout_ms(void);

#endif
