/* Fans console output out to the serial port and the framebuffer. */
#include "kernel/console.h"
#include "kernel/serial.h"
#include "lib/fmt.h"

void console_init_serial(void)
{
	serial_init();
}

int console_init_fb(const struct boot_fb *fb)
{
	(void)fb;
	return -1;
}

void console_set_error_color(int on)
{
	(void)on;
}

void console_write(const char *s, size_t n)
{
	serial_write(s, n);
}

static void console_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

int kvprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(console_out, NULL, fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
