/* lib/console/fbcon.c drawing into malloc'd framebuffers of exact size, so ASan
 * reports any pixel stored outside them. Screens are checked pixel by pixel
 * against the font bitmaps. */
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "lib/console/fbcon.h"

#define SENTINEL 0xdeadbeefu

struct screen {
	uint32_t *px;
	struct fbcon_fb fb;
};

static struct screen screen_new(uint32_t w, uint32_t h, uint32_t stride, uint32_t format)
{
	struct screen s = { 0 };
	size_t n = (size_t)stride * h;

	s.px = malloc(n * sizeof(uint32_t));
	for (size_t i = 0; i < n; i++)
		s.px[i] = SENTINEL;
	s.fb = (struct fbcon_fb){ .base = s.px, .width = w, .height = h,
				  .stride = stride, .format = format };
	return s;
}

static uint32_t pixel(const struct screen *s, uint32_t x, uint32_t y)
{
	return s->px[(size_t)y * s->fb.stride + x];
}

static const uint8_t *glyph_of(const struct fbcon_font *f, uint8_t ch)
{
	uint32_t idx = ch >= f->first && ch - f->first < f->count ? ch - f->first : f->count;

	return f->glyphs + (size_t)idx * f->height * f->bytes_per_row;
}

static int glyph_bit(const struct fbcon_font *f, const uint8_t *g, uint32_t x, uint32_t y)
{
	return (g[y * f->bytes_per_row + x / 8] >> (7 - x % 8)) & 1;
}

/* Pixels of cell (col, row) that differ from `ch` drawn in fg on bg. */
static int cell_mismatches(const struct screen *s, const struct fbcon_font *f, uint32_t col,
			   uint32_t row, uint8_t ch, uint32_t fg, uint32_t bg)
{
	const uint8_t *g = glyph_of(f, ch);
	int bad = 0;

	for (uint32_t y = 0; y < f->height; y++)
		for (uint32_t x = 0; x < f->width; x++)
			bad += pixel(s, col * f->width + x, row * f->height + y) !=
			       (glyph_bit(f, g, x, y) ? fg : bg);
	return bad;
}

/* Every cell's pixels agree with what the cell buffer says it shows. */
static int screen_mismatches(const struct screen *s, const struct fbcon *c)
{
	int bad = 0;

	for (uint32_t row = 0; row < c->rows; row++) {
		for (uint32_t col = 0; col < c->cols; col++) {
			struct fbcon_cell cell = c->cells[row * c->cols + col];

			bad += cell_mismatches(s, c->font, col, row, (uint8_t)(cell.fg_ch >> 24),
					       cell.fg_ch & 0xffffff, cell.bg);
		}
	}
	return bad;
}

static uint8_t cell_ch(const struct fbcon *c, uint32_t col, uint32_t row)
{
	return (uint8_t)(c->cells[row * c->cols + col].fg_ch >> 24);
}

/* The text of one row, trailing spaces dropped. */
static const char *row_text(const struct fbcon *c, uint32_t row)
{
	static char buf[FBCON_MAX_COLS + 1];
	uint32_t n = 0;

	for (uint32_t col = 0; col < c->cols; col++)
		buf[n++] = (char)cell_ch(c, col, row);
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}

static void puts_con(struct fbcon *c, const char *s)
{
	fbcon_write(c, s, strlen(s));
}

/* Two synthetic fonts with widths that are not 8, and junk in the unused
 * low bits of each row, which must never be drawn. Glyph 0, the space, has
 * ink only in those bits. */
static uint8_t narrow_bits[96 * 7];
static uint8_t wide_bits[96 * 10 * 2];
static const struct fbcon_font font_narrow = { 5, 7, 1, 0x20, 95, narrow_bits };
static const struct fbcon_font font_wide = { 12, 10, 2, 0x20, 95, wide_bits };

static void make_fonts(void)
{
	for (size_t i = 0; i < sizeof(narrow_bits); i++)
		narrow_bits[i] = (uint8_t)(i * 37 + 11);
	for (size_t i = 0; i < sizeof(wide_bits); i++)
		wide_bits[i] = (uint8_t)(i * 53 + 7);
	for (size_t y = 0; y < 7; y++)
		narrow_bits[y] = 0x07;
	for (size_t y = 0; y < 10; y++) {
		wide_bits[2 * y] = 0;
		wide_bits[2 * y + 1] = 0x0f;
	}
}

static struct fbcon *con_new(void)
{
	return calloc(1, sizeof(struct fbcon));
}

static void check_glyph_in_format(uint32_t format, uint32_t fg_px, uint32_t bg_px)
{
	const struct fbcon_font *f = &fbcon_font_default;
	struct screen s = screen_new(64, 32, 64, format);
	struct fbcon *c = con_new();

	if (format == FBCON_FMT_BITMASK) {
		s.fb.red_mask = 0xff0000;
		s.fb.green_mask = 0x00ff00;
		s.fb.blue_mask = 0x0000ff;
	}
	CHECK_EQ_U64(fbcon_init(c, &s.fb, f, NULL, 0), 0);
	fbcon_set_color(c, 0x123456, 0x0a0b0c);
	puts_con(c, "A#");
	CHECK_EQ_U64(cell_mismatches(&s, f, 0, 0, 'A', fg_px, bg_px), 0);
	CHECK_EQ_U64(cell_mismatches(&s, f, 1, 0, '#', fg_px, bg_px), 0);
	/* The rest still shows the default colours from fbcon_init. */
	CHECK_EQ_U64(pixel(&s, 63, 31), 0);
	CHECK_EQ_U64(screen_mismatches(&s, c), 0);
	free(c);
	free(s.px);
}

static void test_glyph_bgr(void)
{
	check_glyph_in_format(FBCON_FMT_BGRX8, 0x123456, 0x0a0b0c);
}

static void test_glyph_rgb(void)
{
	/* Bytes R,G,B,x in memory: red is the low byte of the word. */
	check_glyph_in_format(FBCON_FMT_RGBX8, 0x563412, 0x0c0b0a);
}

static void test_glyph_bitmask(void)
{
	check_glyph_in_format(FBCON_FMT_BITMASK, 0x123456, 0x0a0b0c);
}

static void test_font_default(void)
{
	const struct fbcon_font *f = &fbcon_font_default;
	size_t size = (size_t)f->height * f->bytes_per_row;

	CHECK_EQ_U64(f->width, 8);
	CHECK_EQ_U64(f->height, 16);
	CHECK_EQ_U64(f->first, ' ');
	CHECK_EQ_U64(f->count, 95);
	for (size_t i = 0; i < size; i++)
		CHECK_EQ_U64(glyph_of(f, ' ')[i], 0);
	/* Looked up by code point, not by position in the PSF file. */
	CHECK_EQ_U64(glyph_of(f, '|')[5], 0x18);
	for (int a = '!'; a <= 0x7f; a++) {
		int ink = 0;

		for (size_t i = 0; i < size; i++)
			ink |= glyph_of(f, (uint8_t)a)[i];
		CHECK(ink != 0);
		for (int b = a + 1; b <= 0x7f; b++)
			CHECK(memcmp(glyph_of(f, (uint8_t)a), glyph_of(f, (uint8_t)b), size) != 0);
	}
}

static void test_refuses(void)
{
	const struct fbcon_font *f = &fbcon_font_default;
	struct fbcon *c = con_new();
	struct screen s = screen_new(8, 16, 8, FBCON_FMT_BGRX8);
	struct fbcon_fb fb = s.fb;
	struct fbcon_font bad_font = *f;
	uint32_t shadow[8 * 16];

	fb.width = 7;
	CHECK_EQ_U64(fbcon_init(c, &fb, f, NULL, 0), FBCON_ESMALL);
	fb = s.fb;
	fb.height = 15;
	CHECK_EQ_U64(fbcon_init(c, &fb, f, NULL, 0), FBCON_ESMALL);
	CHECK_EQ_U64(fbcon_shadow_bytes(&fb, f), 0);
	fb = s.fb;
	fb.stride = 7;
	fb.width = 8;
	CHECK_EQ_U64(fbcon_init(c, &fb, f, NULL, 0), FBCON_EINVAL);
	fb = s.fb;
	fb.base = NULL;
	CHECK_EQ_U64(fbcon_init(c, &fb, f, NULL, 0), FBCON_EINVAL);
	fb = s.fb;
	fb.format = 3; /* PixelBltOnly: no framebuffer at all */
	CHECK_EQ_U64(fbcon_init(c, &fb, f, NULL, 0), FBCON_EFORMAT);
	fb.format = FBCON_FMT_BITMASK;
	fb.red_mask = 0xf800; /* 16-bit 5:6:5 */
	fb.green_mask = 0x07e0;
	fb.blue_mask = 0x001f;
	CHECK_EQ_U64(fbcon_init(c, &fb, f, NULL, 0), FBCON_EFORMAT);
	fb.red_mask = 0x3ff00000; /* 10:10:10 */
	fb.green_mask = 0x000ffc00;
	fb.blue_mask = 0x000003ff;
	CHECK_EQ_U64(fbcon_init(c, &fb, f, NULL, 0), FBCON_EFORMAT);
	bad_font.width = 33;
	CHECK_EQ_U64(fbcon_init(c, &s.fb, &bad_font, NULL, 0), FBCON_EINVAL);
	bad_font = *f;
	bad_font.first = '!'; /* no space */
	CHECK_EQ_U64(fbcon_init(c, &s.fb, &bad_font, NULL, 0), FBCON_EINVAL);
	bad_font.first = ' ' - 1; /* the space would be the glyph of '!' */
	CHECK_EQ_U64(fbcon_init(c, &s.fb, &bad_font, NULL, 0), FBCON_EINVAL);
	bad_font = font_narrow; /* junk in the unused bits is fine */
	CHECK_EQ_U64(fbcon_shadow_bytes(&s.fb, &bad_font), 5 * 14 * 4);
	CHECK_EQ_U64(fbcon_init(c, &s.fb, NULL, NULL, 0), FBCON_EINVAL);
	CHECK_EQ_U64(fbcon_init(c, &s.fb, f, shadow, sizeof(shadow) - 4), FBCON_ESHADOW);
	/* Nothing was drawn by the refused calls. */
	for (int i = 0; i < 8 * 16; i++)
		CHECK_EQ_U64(s.px[i], SENTINEL);

	/* Exactly one glyph is enough. */
	CHECK_EQ_U64(fbcon_shadow_bytes(&s.fb, f), sizeof(shadow));
	CHECK_EQ_U64(fbcon_init(c, &s.fb, f, shadow, sizeof(shadow)), 0);
	CHECK_EQ_U64(fbcon_cols(c), 1);
	CHECK_EQ_U64(fbcon_rows(c), 1);
	puts_con(c, "ab\ncd\n\tef");
	CHECK_EQ_U64(cell_ch(c, 0, 0), 'f');
	CHECK_EQ_U64(screen_mismatches(&s, c), 0);
	free(c);
	free(s.px);
}

static void test_wrap(void)
{
	struct screen s = screen_new(80, 64, 80, FBCON_FMT_BGRX8); /* 10x4 cells */
	struct fbcon *c = con_new();

	CHECK_EQ_U64(fbcon_init(c, &s.fb, &fbcon_font_default, NULL, 0), 0);
	CHECK_EQ_U64(fbcon_cols(c), 10);
	CHECK_EQ_U64(fbcon_rows(c), 4);
	puts_con(c, "0123456789abc");
	CHECK_STR_EQ(row_text(c, 0), "0123456789");
	CHECK_STR_EQ(row_text(c, 1), "abc");
	CHECK_EQ_U64(c->col, 3);
	CHECK_EQ_U64(c->row, 1);
	/* A line of exactly `cols` characters and its newline take one row. */
	puts_con(c, "\n0123456789\nxy");
	CHECK_STR_EQ(row_text(c, 2), "0123456789");
	CHECK_STR_EQ(row_text(c, 3), "xy");
	CHECK_EQ_U64(screen_mismatches(&s, c), 0);
	free(c);
	free(s.px);
}

static void test_control_chars(void)
{
	struct screen s = screen_new(160, 64, 160, FBCON_FMT_RGBX8); /* 20x4 cells */
	struct fbcon *c = con_new();

	CHECK_EQ_U64(fbcon_init(c, &s.fb, &fbcon_font_default, NULL, 0), 0);
	puts_con(c, "ab\ncd");
	CHECK_STR_EQ(row_text(c, 0), "ab");
	CHECK_STR_EQ(row_text(c, 1), "cd");
	puts_con(c, "\rX\tT\tU");
	CHECK_STR_EQ(row_text(c, 1), "Xd      T       U");
	puts_con(c, "\b\bVW\b");
	CHECK_STR_EQ(row_text(c, 1), "Xd      T      VW");
	CHECK_EQ_U64(c->col, 16);
	/* At column 0, backspace stays put. */
	puts_con(c, "\n\b\bq");
	CHECK_STR_EQ(row_text(c, 2), "q");
	/* Tab at or past the last stop fills the line; the next char wraps. */
	puts_con(c, "\n0123456789abcdefg\t");
	CHECK_STR_EQ(row_text(c, 3), "0123456789abcdefg");
	CHECK_EQ_U64(c->col, 20);
	puts_con(c, "Z");
	/* Wrapping off the last row scrolled by one of the four rows. */
	CHECK_STR_EQ(row_text(c, 2), "0123456789abcdefg");
	CHECK_STR_EQ(row_text(c, 3), "Z");
	CHECK_EQ_U64(c->row, 3);
	CHECK_EQ_U64(screen_mismatches(&s, c), 0);
	free(c);
	free(s.px);
}

static void test_fallback(void)
{
	const struct fbcon_font *f = &fbcon_font_default;
	struct screen s = screen_new(160, 32, 160, FBCON_FMT_BGRX8);
	struct fbcon *c = con_new();
	const char text[] = "a\x01" "b\xc3\xa9" "c\x7f" "d\xe2\x96\xa0" "e";

	CHECK_EQ_U64(fbcon_init(c, &s.fb, f, NULL, 0), 0);
	fbcon_write(c, text, sizeof(text) - 1);
	/* One fallback glyph per unknown byte or per UTF-8 character. */
	CHECK_EQ_U64(c->col, 9);
	CHECK_EQ_U64(cell_ch(c, 8, 0), 'e');
	for (uint32_t col = 1; col < 8; col += 2) {
		CHECK_EQ_U64(cell_mismatches(&s, f, col, 0, 0xff, 0xaaaaaa, 0), 0);
		CHECK(memcmp(glyph_of(f, cell_ch(c, col, 0)), glyph_of(f, '?'), 16) != 0);
	}
	CHECK_EQ_U64(screen_mismatches(&s, c), 0);
	free(c);
	free(s.px);
}

/* Scrolling gives the same screen with and without a pixel shadow. */
static void check_scroll(bool with_shadow, uint32_t step)
{
	const struct fbcon_font *f = &fbcon_font_default;
	struct screen s = screen_new(48, 64, 48, FBCON_FMT_BGRX8); /* 6x4 cells */
	struct fbcon *c = con_new();
	size_t shadow_bytes = fbcon_shadow_bytes(&s.fb, f);
	uint32_t *shadow = with_shadow ? malloc(shadow_bytes) : NULL;

	CHECK_EQ_U64(fbcon_init(c, &s.fb, f, shadow, shadow_bytes), 0);
	CHECK_EQ_U64(c->scroll_step, 1); /* a quarter of four rows */
	fbcon_set_scroll_step(c, step);
	puts_con(c, "L0\nL1\nL2\n");
	fbcon_set_color(c, 0xff0000, 0x0000ff);
	puts_con(c, "L3 red");
	fbcon_set_color(c, 0xaaaaaa, 0);
	/* The screen is full; the pending newline must not scroll yet. */
	puts_con(c, "\n");
	CHECK_STR_EQ(row_text(c, 0), "L0");
	puts_con(c, "L4");
	if (step == 1) {
		CHECK_STR_EQ(row_text(c, 0), "L1");
		CHECK_STR_EQ(row_text(c, 2), "L3 red");
		CHECK_STR_EQ(row_text(c, 3), "L4");
		CHECK_EQ_U64(cell_mismatches(&s, f, 0, 2, 'L', 0xff0000, 0x0000ff), 0);
	} else {
		/* Jump scroll: two rows at once, the last one left empty. */
		CHECK_STR_EQ(row_text(c, 0), "L2");
		CHECK_STR_EQ(row_text(c, 1), "L3 red");
		CHECK_STR_EQ(row_text(c, 2), "L4");
		CHECK_STR_EQ(row_text(c, 3), "");
		CHECK_EQ_U64(cell_mismatches(&s, f, 5, 1, 'd', 0xff0000, 0x0000ff), 0);
		for (uint32_t col = 0; col < 6; col++)
			CHECK_EQ_U64(cell_mismatches(&s, f, col, 3, ' ', 0xaaaaaa, 0), 0);
	}
	CHECK_EQ_U64(screen_mismatches(&s, c), 0);
	/* A long run through many scrolls stays consistent. */
	for (int i = 0; i < 200; i++) {
		char line[16];

		snprintf(line, sizeof(line), i % 7 ? "%d\n" : "%d wraps here\n", i);
		fbcon_set_color(c, (uint32_t)i * 0x010203, (uint32_t)(i % 3) * 0x202020);
		puts_con(c, line);
	}
	CHECK_EQ_U64(screen_mismatches(&s, c), 0);
	free(shadow);
	free(c);
	free(s.px);
}

static void test_scroll_one_row(void)
{
	check_scroll(false, 1);
}

static void test_scroll_one_row_shadow(void)
{
	check_scroll(true, 1);
}

static void test_scroll_jump(void)
{
	check_scroll(false, 2);
}

static void test_scroll_jump_shadow(void)
{
	check_scroll(true, 2);
}

/* Pixels between width and stride belong to nobody: never written. */
static void test_stride_padding(void)
{
	for (int with_shadow = 0; with_shadow < 2; with_shadow++) {
		const struct fbcon_font *f = &fbcon_font_default;
		struct screen s = screen_new(21, 37, 27, FBCON_FMT_BGRX8);
		struct fbcon *c = con_new();
		size_t shadow_bytes = fbcon_shadow_bytes(&s.fb, f);
		uint32_t *shadow = with_shadow ? malloc(shadow_bytes) : NULL;
		int touched = 0, margin = 0;

		CHECK_EQ_U64(shadow_bytes, 16 * 32 * 4);
		CHECK_EQ_U64(fbcon_init(c, &s.fb, f, shadow, shadow_bytes), 0);
		fbcon_set_color(c, 0xffffff, 0x101010);
		for (int i = 0; i < 50; i++)
			puts_con(c, "wrap and scroll\t!\n");
		for (uint32_t y = 0; y < 37; y++)
			for (uint32_t x = 21; x < 27; x++)
				touched += pixel(&s, x, y) != SENTINEL;
		CHECK_EQ_U64(touched, 0);
		/* The margins keep the colour of the last clear. */
		for (uint32_t y = 0; y < 37; y++)
			for (uint32_t x = 0; x < 21; x++)
				if (x >= 16 || y >= 32)
					margin += pixel(&s, x, y) != 0;
		CHECK_EQ_U64(margin, 0);
		CHECK_EQ_U64(screen_mismatches(&s, c), 0);
		free(shadow);
		free(c);
		free(s.px);
	}
}

/* Odd screen sizes and fonts: ASan catches any store past the buffer. */
static void test_odd_sizes(void)
{
	static const uint32_t sizes[][2] = { { 13, 17 }, { 21, 35 }, { 33, 16 }, { 8, 70 },
					     { 12, 10 }, { 101, 9 } };
	const struct fbcon_font *fonts[] = { &fbcon_font_default, &font_narrow, &font_wide };

	for (size_t fi = 0; fi < 3; fi++) {
		for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
			for (int with_shadow = 0; with_shadow < 2; with_shadow++) {
				const struct fbcon_font *f = fonts[fi];
				uint32_t w = sizes[si][0], h = sizes[si][1];
				struct screen s = screen_new(w, h, w, FBCON_FMT_RGBX8);
				struct fbcon *c = con_new();
				size_t shadow_bytes = fbcon_shadow_bytes(&s.fb, f);
				uint32_t *shadow = with_shadow && shadow_bytes ?
					malloc(shadow_bytes) : NULL;
				int err = fbcon_init(c, &s.fb, f, shadow, shadow_bytes);

				if (w < f->width || h < f->height) {
					CHECK_EQ_U64(err, FBCON_ESMALL);
				} else {
					CHECK_EQ_U64(err, 0);
					CHECK_EQ_U64(fbcon_cols(c), w / f->width);
					CHECK_EQ_U64(fbcon_rows(c), h / f->height);
					for (int i = 0; i < 40; i++)
						puts_con(c, "The quick brown fox\tjumps\b\b!\n");
					CHECK_EQ_U64(screen_mismatches(&s, c), 0);
				}
				free(shadow);
				free(c);
				free(s.px);
			}
		}
	}
}

/* A screen larger than the cell buffer uses its top-left part. */
static void test_huge_screen(void)
{
	struct screen s = screen_new(3850, 2200, 3850, FBCON_FMT_BGRX8);
	struct fbcon *c = con_new();

	CHECK_EQ_U64(fbcon_init(c, &s.fb, &fbcon_font_default, NULL, 0), 0);
	CHECK_EQ_U64(fbcon_cols(c), FBCON_MAX_COLS);
	CHECK_EQ_U64(fbcon_rows(c), FBCON_MAX_ROWS);
	for (int i = 0; i < 300; i++)
		puts_con(c, "a line on a big screen\n");
	CHECK_STR_EQ(row_text(c, c->row - 1), "a line on a big screen");
	CHECK_EQ_U64(pixel(&s, 3849, 2199), 0);
	free(c);
	free(s.px);
}

int main(void)
{
	make_fonts();
	RUN_TEST("fbcon", test_font_default);
	RUN_TEST("fbcon", test_glyph_bgr);
	RUN_TEST("fbcon", test_glyph_rgb);
	RUN_TEST("fbcon", test_glyph_bitmask);
	RUN_TEST("fbcon", test_refuses);
	RUN_TEST("fbcon", test_wrap);
	RUN_TEST("fbcon", test_control_chars);
	RUN_TEST("fbcon", test_fallback);
	RUN_TEST("fbcon", test_scroll_one_row);
	RUN_TEST("fbcon", test_scroll_one_row_shadow);
	RUN_TEST("fbcon", test_scroll_jump);
	RUN_TEST("fbcon", test_scroll_jump_shadow);
	RUN_TEST("fbcon", test_stride_padding);
	RUN_TEST("fbcon", test_odd_sizes);
	RUN_TEST("fbcon", test_huge_screen);
	return CHECK_EXIT_STATUS();
}
