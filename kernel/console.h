/* The kernel's console: every line goes to the serial port and to the
 * framebuffer, so a person at the machine and a log file see the same. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct boot_fb;

void console_init_serial(void);
/* Starts drawing on the framebuffer too, the font magnified `scale` times
 * (0: as large as still leaves 160 x 50 characters); returns 0 or a
 * negative error. */
int console_init_fb(const struct boot_fb *fb, unsigned scale);
/* Prints the screen's size in pixels and characters. */
void console_describe(void);
void console_write(const char *s, size_t n);
/* Prints how many characters the serial port dropped, if it gave up. */
void console_report_serial_loss(void);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
/* Colours for the framebuffer (serial stays plain): errors stand out. */
void console_set_error_color(int on);

/* Other CPUs run from now on: each line is printed whole, under a lock
 * (until then interrupts off are enough). */
void console_share(void);
/* Keeps a copy of everything printed from now on, so the report can be
 * saved when the run ends: within size bytes, its start and its end
 * (lib/console/capture.h). */
void console_capture_start(char *buf, size_t size);
/* Stops copying; returns the bytes in buf, where a line
 * CAPTURE_CUT_PREFIX "N bytes of the log left out ...]" marks a cut. */
size_t console_capture_stop(void);

#endif
