/* Fans console output out to the serial port and the framebuffer.
 *
 * Interrupt handlers print too (a VT-d fault, a self-test's timer line),
 * and the cursor, the capture position and the line filter are plain
 * state that one write updates in several steps: a write entered from an
 * interrupt in the middle of another could move the framebuffer cursor
 * past its last row. On one CPU, turning interrupts off for each write,
 * and for a whole formatted kprintf so that its line stays in one piece,
 * is all the exclusion it needs. It holds an interrupt back for at most
 * one line's output, which the CPU spends printing anyway; deferring the
 * handlers' lines to the main loop instead would lose them whenever the
 * main loop never comes back (a hang, an exception). Once other CPUs run
 * (console_share), a lock keeps their lines apart too; a CPU may take it
 * again inside its own line (a write that reports the port giving up). */
#include "kernel/console.h"
#include "boot/boot_info.h"
#include "kernel/cpu.h"
#include "kernel/serial.h"
#include "kernel/smp.h"
#include "kernel/tsc.h"
#include "lib/console/capture.h"
#include "lib/console/fbcon.h"
#include "lib/fmt.h"
#include "lib/console/font_scale.h"
#include "lib/ticket_lock.h"
#include "lib/console/line_filter.h"

#define COLOR_NORMAL 0xaaaaaa
#define COLOR_ERROR  0xff5555
#define COLOR_BACKGROUND 0x000000

/* Large (its cell buffer covers a 4K screen), so it lives in .bss. */
static struct fbcon fb_console;
static int fb_ready;
/* The screen is for the person at the machine: the REPORT lines (JSON for
 * programs) go to serial and the saved report only, so the table and the
 * headline stay in view. */
static struct line_filter fb_filter;
/* The copy behind the saved report: its head and its tail once it is full. */
static struct capture capture;
static int capturing;

void console_init_serial(void)
{
	serial_init();
}

/* Draws without a pixel shadow: scrolling then redraws only the cells
 * that change, and the framebuffer is never read back. */
/* The console font magnified for big screens. */
static uint8_t scaled_glyphs[96 * 16 * FONT_SCALE_MAX * 4];
static struct fbcon_font scaled_font;

int console_init_fb(const struct boot_fb *fb, unsigned scale)
{
	struct fbcon_fb desc = {
		.base = (void *)fb->base,
		.width = fb->width,
		.height = fb->height,
		.stride = fb->stride,
		.format = fb->format == BOOT_FB_RGBX ? FBCON_FMT_RGBX8 : FBCON_FMT_BGRX8,
	};

	if (fb->format == BOOT_FB_NONE || !fb->base)
		return -1;
	const struct fbcon_font *font = &fbcon_font_default;
	if (!scale)
		scale = font_scale_for_screen(font, fb->width, fb->height);
	if (scale > 1 && font_scale(font, scale, scaled_glyphs, sizeof(scaled_glyphs),
				    &scaled_font) == 0)
		font = &scaled_font;
	int rc = fbcon_init(&fb_console, &desc, font, NULL, 0);
	if (rc < 0) {
		kprintf("console: framebuffer %ux%u not usable (%d); serial only\n",
			fb->width, fb->height, rc);
		return rc;
	}
	line_filter_init(&fb_filter, "REPORT ");
	fb_ready = 1;
	return 0;
}

void console_describe(void)
{
	if (fb_ready)
		kprintf("console: screen %ux%u, glyphs %ux%u, %u x %u characters\n",
			fb_console.width, fb_console.height, fb_console.font->width,
			fb_console.font->height, fbcon_cols(&fb_console), fbcon_rows(&fb_console));
	else
		kprintf("console: no usable framebuffer; serial only\n");
}

void console_set_error_color(int on)
{
	if (fb_ready)
		fbcon_set_color(&fb_console, on ? COLOR_ERROR : COLOR_NORMAL, COLOR_BACKGROUND);
}

void console_capture_start(char *buf, size_t size)
{
	if (size < CAPTURE_MIN_SIZE)
		return;
	capture_init(&capture, buf, size);
	capturing = 1;
}

size_t console_capture_stop(void)
{
	if (!capturing)
		return 0;
	capturing = 0;
	return capture_finish(&capture);
}

/* A CPU waits this long for another one's line before it prints anyway:
 * a CPU that stopped inside its line must not silence the others. */
#define CONSOLE_LOCK_LIMIT_US 1000000

static struct ticket_lock console_lock = TICKET_LOCK_INIT;
static volatile bool shared;        /* other CPUs may print */
static volatile unsigned holder;    /* the CPU in a line, when depth > 0 */
static volatile unsigned depth;  /* the holder's nesting: written by it alone */
static struct lock_wait console_waits[CPUS_MAX];

void console_share(void)
{
	shared = true;
}

/* With interrupts off. */
static void line_begin(void)
{
	unsigned me;

	if (!shared)
		return;
	me = smp_this_cpu();
	if (depth && holder == me) {
		depth++;
		return;
	}
	if (!ticket_lock_acquire(&console_lock, tsc_budget_from_us(CONSOLE_LOCK_LIMIT_US),
				 &console_waits[me])) {
		/* The lock is lost for good: from now on lines may mix. */
		shared = false;
		return;
	}
	holder = me;
	depth = 1;
}

static void line_end(void)
{
	if (!shared || !depth || holder != smp_this_cpu())
		return;
	if (--depth == 0)
		ticket_lock_release(&console_lock);
}

static void fb_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	fbcon_write(&fb_console, s, n);
}

static int serial_loss_told;

void console_write(const char *s, size_t n)
{
	uint64_t flags = cpu_irq_save();

	line_begin();
	if (capturing)
		capture_write(&capture, s, n);
	serial_write(s, n);
	if (fb_ready)
		line_filter_write(&fb_filter, s, n, fb_out, NULL);
	/* Said once, on the screen and in the report, when the port gives up;
	 * the total follows at the end of the run (console_report_serial_loss). */
	if (serial_given_up() && !serial_loss_told) {
		serial_loss_told = 1;
		kprintf("serial: transmitter not ready (LSR.THRE clear for %u ms); "
			"from here on output is on the screen only\n", serial_timeout_ms());
	}
	line_end();
	cpu_irq_restore(flags);
}

void console_report_serial_loss(void)
{
	if (serial_given_up())
		kprintf("serial: transmitter not ready, %lu characters dropped\n",
			serial_dropped());
}

static void console_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

int kvprintf(const char *fmt, va_list ap)
{
	uint64_t flags = cpu_irq_save();

	line_begin();
	int n = fmt_vformat(console_out, NULL, fmt, ap);

	line_end();
	cpu_irq_restore(flags);
	return n;
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
