/* COM1 serial console, 115200 8N1. */
#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H

#include <stddef.h>

void serial_init(void);
void serial_write(const char *s, size_t n);

#endif
