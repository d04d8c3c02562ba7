/* Text console on a linear 32-bpp framebuffer (the UEFI GOP one): ASCII
 * glyphs, wrap, jump scrolling. It never reads the framebuffer back, since
 * write-combined VRAM is very slow to read: what is on screen is known from
 * the cell buffer and, if the caller gives one, a pixel shadow in RAM. */
#ifndef LIB_CONSOLE_FBCON_H
#define LIB_CONSOLE_FBCON_H

#include <stddef.h>
#include <stdint.h>

/* Pixel formats, numbered as EFI_GRAPHICS_PIXEL_FORMAT (UEFI spec 12.9). */
#define FBCON_FMT_RGBX8   0 /* PixelRedGreenBlueReserved8BitPerColor: bytes R,G,B,x */
#define FBCON_FMT_BGRX8   1 /* PixelBlueGreenRedReserved8BitPerColor: bytes B,G,R,x */
#define FBCON_FMT_BITMASK 2 /* PixelBitMask: only the two layouts above are taken */

/* Errors from fbcon_init. */
#define FBCON_EINVAL  (-1) /* NULL base, stride < width, or a malformed font */
#define FBCON_ESMALL  (-2) /* framebuffer smaller than one glyph */
#define FBCON_EFORMAT (-3) /* pixel format or channel masks not supported */
#define FBCON_ESHADOW (-4) /* shadow given but smaller than fbcon_shadow_bytes() */

/* Limits of the cell buffer inside struct fbcon: a 3840x2160 screen in an
 * 8x16 font. A larger screen uses its top-left 480x135 cells. */
#define FBCON_MAX_COLS 480
#define FBCON_MAX_ROWS 135

struct fbcon_fb {
	void *base;          /* linear framebuffer, mapped for writing */
	uint32_t width;      /* visible pixels */
	uint32_t height;
	uint32_t stride;     /* pixels per scan line, >= width */
	uint32_t format;     /* FBCON_FMT_* */
	uint32_t red_mask;   /* FBCON_FMT_BITMASK only */
	uint32_t green_mask;
	uint32_t blue_mask;
};

/* A bitmap font: each glyph is `height` rows of `bytes_per_row` bytes, the
 * leftmost pixel in the top bit of the first byte (the PSF layout). Glyph i
 * draws character first + i for i < count; glyphs[count] is drawn for every
 * other byte. The range must include ' ', and its glyph must be empty. */
struct fbcon_font {
	uint32_t width;          /* 1..32 pixels */
	uint32_t height;
	uint32_t bytes_per_row;  /* >= (width + 7) / 8 */
	uint32_t first;
	uint32_t count;
	const uint8_t *glyphs;   /* (count + 1) * height * bytes_per_row bytes */
};

/* The font built from a Debian console font into $(B)/gen/font.c; only
 * programs that link $(FONT_SRC) may refer to it. */
extern const struct fbcon_font fbcon_font_default;

/* One character cell. The supported pixel formats use the low 24 bits, so
 * the character rides in the top byte of fg and a cell compares as one
 * 64-bit value. */
struct fbcon_cell {
	uint32_t fg_ch;  /* ch << 24 | foreground pixel */
	uint32_t bg;     /* background pixel */
};

struct fbcon {
	volatile uint32_t *fb;
	uint32_t width, height, stride;
	uint32_t *shadow;        /* cols*fw x rows*fh pixels, or NULL */
	const struct fbcon_font *font;
	uint32_t red_shift, blue_shift; /* green is bits 8..15 in both formats */
	uint32_t cols, rows;
	/* col == cols: the line is full and the next character wraps;
	 * row == rows: the next line needs a scroll first. Deferring both keeps
	 * a line of exactly `cols` characters, or a final newline, from wasting
	 * a row. */
	uint32_t col, row;
	uint32_t scroll_step;    /* rows moved per scroll */
	uint32_t fg, bg;         /* current colours as pixels */
	struct fbcon_cell cells[FBCON_MAX_COLS * FBCON_MAX_ROWS];
};

/* Bytes of pixel shadow that fbcon_init accepts for this screen and font, or
 * 0 if fbcon_init would refuse them. */
size_t fbcon_shadow_bytes(const struct fbcon_fb *fb, const struct fbcon_font *font);

/* Takes over the framebuffer and clears it (light grey on black). `shadow`
 * may be NULL (scrolling then redraws the changed cells) or point to at
 * least fbcon_shadow_bytes() bytes of RAM (scrolling then writes only the
 * changed pixels). Returns 0 or a negative FBCON_E* code. */
int fbcon_init(struct fbcon *c, const struct fbcon_fb *fb, const struct fbcon_font *font,
	       uint32_t *shadow, size_t shadow_bytes);

/* Draws n bytes: printable ASCII, \n (to the start of the next line), \r,
 * \t (to the next multiple of 8), \b (one column left, nothing erased).
 * A UTF-8 character or any other byte shows as one fallback glyph. */
void fbcon_write(struct fbcon *c, const char *s, size_t n);

/* Colours as 0xRRGGBB for the characters written from now on. */
void fbcon_set_color(struct fbcon *c, uint32_t fg_rgb, uint32_t bg_rgb);

/* Fills the whole framebuffer with the background colour, cursor home. */
void fbcon_clear(struct fbcon *c);

/* Rows moved per scroll, clamped to 1..rows. The default, a quarter of the
 * screen, costs one screen redraw per quarter screen of output instead of
 * one per line. */
void fbcon_set_scroll_step(struct fbcon *c, uint32_t rows);

static inline uint32_t fbcon_cols(const struct fbcon *c)
{
	return c->cols;
}

static inline uint32_t fbcon_rows(const struct fbcon *c)
{
	return c->rows;
}

#endif
