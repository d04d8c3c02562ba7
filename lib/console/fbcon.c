/* Framebuffer text console: glyph rendering, cursor movement, scrolling.
 *
 * Rules of this file:
 * - The framebuffer is written, never read: uncached or write-combined VRAM
 *   reads cost microseconds each. What the screen shows is known from
 *   c->cells (always) and c->shadow (if the caller gave one).
 * - Framebuffer stores go through a volatile uint32_t pointer, so they stay
 *   single 32-bit stores that the compiler cannot turn into a byte-wise
 *   memset/memcpy call.
 * - Nothing is drawn outside the text area except by fbcon_clear, which
 *   paints the whole visible framebuffer (the margins right of and below
 *   the last full cell) and never the padding between width and stride.
 */
#include <stdbool.h>

#include "lib/console/fbcon.h"

#define FBCON_DEFAULT_FG 0xaaaaaa /* the VGA text mode's light grey */
#define FBCON_DEFAULT_BG 0x000000
#define FBCON_TAB        8
#define FBCON_CH_SHIFT   24

/* One glyph row, left-aligned in 32 bits so the leftmost pixel is bit 31. */
static uint32_t glyph_row(const uint8_t *p, uint32_t width)
{
	uint32_t bytes = (width + 7) / 8, bits = 0;

	for (uint32_t i = 0; i < bytes; i++)
		bits = bits << 8 | p[i];
	return bits << (32 - 8 * bytes);
}

/* Besides sane sizes, the font must have an empty space: clearing paints
 * plain background yet records spaces, and scrolling relies on the two
 * looking the same. */
static bool font_ok(const struct fbcon_font *f)
{
	const uint8_t *space;

	if (!f || !f->glyphs || f->width < 1 || f->width > 32 || f->height < 1 ||
	    f->bytes_per_row < (f->width + 7) / 8 || ' ' - f->first >= f->count)
		return false;
	space = f->glyphs + (size_t)(' ' - f->first) * f->height * f->bytes_per_row;
	for (uint32_t y = 0; y < f->height; y++)
		if (glyph_row(space + y * f->bytes_per_row, f->width) >> (32 - f->width))
			return false;
	return true;
}

/* Finds where red and blue sit in a pixel; green is bits 8..15 in every
 * format accepted here. A PixelBitMask screen is accepted when its masks
 * describe one of the two 8-bit layouts (UEFI spec 12.9,
 * EFI_PIXEL_BITMASK), which is what firmware reports in practice. */
static int pixel_layout(const struct fbcon_fb *fb, uint32_t *red_shift, uint32_t *blue_shift)
{
	uint32_t fmt = fb->format;

	if (fmt == FBCON_FMT_BITMASK) {
		if (fb->green_mask != 0x00ff00)
			return FBCON_EFORMAT;
		if (fb->red_mask == 0xff0000 && fb->blue_mask == 0x0000ff)
			fmt = FBCON_FMT_BGRX8;
		else if (fb->red_mask == 0x0000ff && fb->blue_mask == 0xff0000)
			fmt = FBCON_FMT_RGBX8;
		else
			return FBCON_EFORMAT;
	}
	/* Pixels are little-endian 32-bit words: byte 0 is bits 0..7. */
	switch (fmt) {
	case FBCON_FMT_RGBX8:
		*red_shift = 0;
		*blue_shift = 16;
		return 0;
	case FBCON_FMT_BGRX8:
		*red_shift = 16;
		*blue_shift = 0;
		return 0;
	}
	return FBCON_EFORMAT;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Checks everything fbcon_init checks except the shadow, and gives the
 * cell grid and pixel layout. */
static int layout(const struct fbcon_fb *fb, const struct fbcon_font *font, uint32_t *cols,
		  uint32_t *rows, uint32_t *red_shift, uint32_t *blue_shift)
{
	if (!fb || !fb->base || fb->stride < fb->width || !font_ok(font))
		return FBCON_EINVAL;
	if (fb->width < font->width || fb->height < font->height)
		return FBCON_ESMALL;
	*cols = min_u32(fb->width / font->width, FBCON_MAX_COLS);
	*rows = min_u32(fb->height / font->height, FBCON_MAX_ROWS);
	return pixel_layout(fb, red_shift, blue_shift);
}

size_t fbcon_shadow_bytes(const struct fbcon_fb *fb, const struct fbcon_font *font)
{
	uint32_t cols, rows, rs, bs;

	if (layout(fb, font, &cols, &rows, &rs, &bs) != 0)
		return 0;
	return (size_t)cols * font->width * rows * font->height * sizeof(uint32_t);
}

/* The shadow holds the text area only, rows packed without padding. */
static size_t shadow_pitch(const struct fbcon *c)
{
	return (size_t)c->cols * c->font->width;
}

static struct fbcon_cell make_cell(const struct fbcon *c, uint8_t ch)
{
	return (struct fbcon_cell){ (uint32_t)ch << FBCON_CH_SHIFT | c->fg, c->bg };
}

static bool same_cell(struct fbcon_cell a, struct fbcon_cell b)
{
	return a.fg_ch == b.fg_ch && a.bg == b.bg;
}

static struct fbcon_cell *cell_at(struct fbcon *c, uint32_t col, uint32_t row)
{
	return &c->cells[(size_t)row * c->cols + col];
}

static void draw_cell(struct fbcon *c, uint32_t col, uint32_t row, struct fbcon_cell cell)
{
	const struct fbcon_font *f = c->font;
	uint32_t ch = cell.fg_ch >> FBCON_CH_SHIFT;
	uint32_t fg = cell.fg_ch & ((1u << FBCON_CH_SHIFT) - 1), bg = cell.bg;
	/* Unsigned wrap-around sends characters below `first` to the fallback. */
	uint32_t idx = ch - f->first < f->count ? ch - f->first : f->count;
	const uint8_t *g = f->glyphs + (size_t)idx * f->height * f->bytes_per_row;
	size_t x0 = (size_t)col * f->width, y0 = (size_t)row * f->height;
	volatile uint32_t *p = c->fb + y0 * c->stride + x0;
	uint32_t *s = c->shadow ? c->shadow + y0 * shadow_pitch(c) + x0 : NULL;
	uint32_t line[32];

	for (uint32_t y = 0; y < f->height; y++) {
		uint32_t bits = glyph_row(g, f->width);

		for (uint32_t x = 0; x < f->width; x++, bits <<= 1)
			line[x] = (bits & 0x80000000u) ? fg : bg;
		for (uint32_t x = 0; x < f->width; x++)
			p[x] = line[x];
		if (s) {
			for (uint32_t x = 0; x < f->width; x++)
				s[x] = line[x];
			s += shadow_pitch(c);
		}
		g += f->bytes_per_row;
		p += c->stride;
	}
}

/* With a pixel shadow, scrolling moves the shadow up and stores to the
 * framebuffer only the pixels that change: text is mostly background, so
 * most of the screen is left alone. */
static void scroll_pixels(struct fbcon *c, uint32_t lines)
{
	size_t pitch = shadow_pitch(c);
	uint32_t h = c->rows * c->font->height, dy = lines * c->font->height;

	for (uint32_t y = 0; y < h; y++) {
		uint32_t *dst = c->shadow + y * pitch;
		volatile uint32_t *p = c->fb + (size_t)y * c->stride;

		if (y + dy < h) {
			const uint32_t *src = c->shadow + (y + dy) * pitch;

			for (size_t x = 0; x < pitch; x++) {
				if (dst[x] != src[x]) {
					dst[x] = src[x];
					p[x] = src[x];
				}
			}
		} else {
			for (size_t x = 0; x < pitch; x++) {
				if (dst[x] != c->bg) {
					dst[x] = c->bg;
					p[x] = c->bg;
				}
			}
		}
	}
}

/* Moves the text up by scroll_step rows and blanks the rows that come free.
 * Without a pixel shadow, a cell is redrawn only where its new content
 * differs from what it shows now, so blank areas cost nothing. */
static void scroll(struct fbcon *c)
{
	uint32_t n = c->scroll_step;
	struct fbcon_cell blank = make_cell(c, ' ');

	if (c->shadow)
		scroll_pixels(c, n);
	for (uint32_t row = 0; row < c->rows; row++) {
		for (uint32_t col = 0; col < c->cols; col++) {
			struct fbcon_cell *cur = cell_at(c, col, row);
			struct fbcon_cell next =
				row + n < c->rows ? *cell_at(c, col, row + n) : blank;

			if (same_cell(*cur, next))
				continue;
			if (!c->shadow)
				draw_cell(c, col, row, next);
			*cur = next;
		}
	}
	c->row -= n;
}

/* Keeps row <= rows: a pending scroll is done before moving further down. */
static void newline(struct fbcon *c)
{
	if (c->row >= c->rows)
		scroll(c);
	c->col = 0;
	c->row++;
}

static void put_char(struct fbcon *c, uint8_t ch)
{
	struct fbcon_cell cell = make_cell(c, ch), *cur;

	if (c->col >= c->cols)
		newline(c);
	if (c->row >= c->rows)
		scroll(c);
	cur = cell_at(c, c->col, c->row);
	if (!same_cell(*cur, cell)) {
		draw_cell(c, c->col, c->row, cell);
		*cur = cell;
	}
	c->col++;
}

void fbcon_write(struct fbcon *c, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = (uint8_t)s[i];

		switch (ch) {
		case '\n':
			newline(c);
			break;
		case '\r':
			c->col = 0;
			break;
		case '\t':
			/* Past the last stop the line counts as full, so the next
			 * character wraps instead of overwriting the last column. */
			c->col = min_u32((c->col / FBCON_TAB + 1) * FBCON_TAB, c->cols);
			break;
		case '\b':
			if (c->col > 0)
				c->col--;
			break;
		default:
			/* UTF-8 continuation bytes: the lead byte already drew
			 * the one fallback glyph for the whole character. */
			if (ch >= 0x80 && ch < 0xc0)
				break;
			put_char(c, ch);
		}
	}
}

static uint32_t rgb_to_pixel(const struct fbcon *c, uint32_t rgb)
{
	uint32_t r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;

	return r << c->red_shift | g << 8 | b << c->blue_shift;
}

void fbcon_set_color(struct fbcon *c, uint32_t fg_rgb, uint32_t bg_rgb)
{
	c->fg = rgb_to_pixel(c, fg_rgb);
	c->bg = rgb_to_pixel(c, bg_rgb);
}

void fbcon_clear(struct fbcon *c)
{
	struct fbcon_cell blank = make_cell(c, ' ');

	for (uint32_t y = 0; y < c->height; y++) {
		volatile uint32_t *p = c->fb + (size_t)y * c->stride;

		for (uint32_t x = 0; x < c->width; x++)
			p[x] = c->bg;
	}
	if (c->shadow) {
		size_t n = shadow_pitch(c) * c->rows * c->font->height;

		for (size_t i = 0; i < n; i++)
			c->shadow[i] = c->bg;
	}
	for (size_t i = 0; i < (size_t)c->cols * c->rows; i++)
		c->cells[i] = blank;
	c->col = 0;
	c->row = 0;
}

void fbcon_set_scroll_step(struct fbcon *c, uint32_t rows)
{
	c->scroll_step = rows < 1 ? 1 : min_u32(rows, c->rows);
}

int fbcon_init(struct fbcon *c, const struct fbcon_fb *fb, const struct fbcon_font *font,
	       uint32_t *shadow, size_t shadow_bytes)
{
	uint32_t cols, rows, red_shift, blue_shift;
	int err = layout(fb, font, &cols, &rows, &red_shift, &blue_shift);

	if (err)
		return err;
	if (shadow && shadow_bytes < fbcon_shadow_bytes(fb, font))
		return FBCON_ESHADOW;

	c->fb = fb->base;
	c->width = fb->width;
	c->height = fb->height;
	c->stride = fb->stride;
	c->shadow = shadow;
	c->font = font;
	c->red_shift = red_shift;
	c->blue_shift = blue_shift;
	c->cols = cols;
	c->rows = rows;
	fbcon_set_scroll_step(c, rows / 4);
	fbcon_set_color(c, FBCON_DEFAULT_FG, FBCON_DEFAULT_BG);
	fbcon_clear(c);
	return 0;
}
