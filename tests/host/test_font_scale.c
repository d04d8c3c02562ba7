/* lib/console/font_scale.c: every pixel of a magnified glyph is the pixel it came
 * from, the glyph buffer is exactly as large as announced (ASan watches
 * the malloc'd buffer), and the scale chosen for a screen is the largest
 * that leaves the report its columns and rows. */
#include <stdlib.h>

#include "check.h"
#include "lib/console/font_scale.h"

static int pixel_of(const struct fbcon_font *f, uint32_t g, uint32_t x, uint32_t y)
{
	const uint8_t *row = f->glyphs + ((size_t)g * f->height + y) * f->bytes_per_row;

	return row[x / 8] >> (7 - x % 8) & 1;
}

/* A font of random bits, junk included in the padding bits of each row. */
static struct fbcon_font random_font(uint32_t w, uint32_t h, uint8_t **bits)
{
	uint32_t bpr = (w + 7) / 8 + (uint32_t)(check_rand() % 2);
	size_t n = (size_t)96 * h * bpr;

	*bits = malloc(n);
	for (size_t i = 0; i < n; i++)
		(*bits)[i] = (uint8_t)check_rand();
	return (struct fbcon_font){ w, h, bpr, 0x20, 95, *bits };
}

static void test_pixels_magnified(void)
{
	static const uint32_t sizes[][2] = { { 8, 16 }, { 5, 7 }, { 12, 10 }, { 1, 1 }, { 16, 3 } };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *bits;
		struct fbcon_font in = random_font(sizes[i][0], sizes[i][1], &bits);
		for (uint32_t s = 1; s <= FONT_SCALE_MAX && in.width * s <= 32; s++) {
			size_t n = font_scale_bytes(&in, s);
			uint8_t *buf = malloc(n);
			struct fbcon_font out;
			CHECK_EQ_U64(font_scale(&in, s, buf, n, &out), 0);
			CHECK_EQ_U64(out.width, in.width * s);
			CHECK_EQ_U64(out.height, in.height * s);
			CHECK_EQ_U64(out.first, in.first);
			CHECK_EQ_U64(out.count, in.count);
			CHECK_EQ_U64(n, (size_t)(in.count + 1) * out.height * out.bytes_per_row);
			int bad = 0, unused_ink = 0;
			for (uint32_t g = 0; g <= in.count; g++)
				for (uint32_t y = 0; y < out.height; y++) {
					for (uint32_t x = 0; x < out.width; x++)
						bad += pixel_of(&out, g, x, y) !=
						       pixel_of(&in, g, x / s, y / s);
					for (uint32_t x = out.width; x < out.bytes_per_row * 8; x++)
						unused_ink += pixel_of(&out, g, x, y);
				}
			CHECK_EQ_U64(bad, 0);
			CHECK_EQ_U64(unused_ink, 0); /* padding bits are clear */
			free(buf);
		}
		free(bits);
	}
}

static void test_refuses(void)
{
	uint8_t *bits;
	struct fbcon_font in = random_font(12, 10, &bits), out = { 0 };
	static uint8_t buf[1 << 16];

	CHECK_EQ_U64(font_scale(&in, 0, buf, sizeof(buf), &out), (uint64_t)-1);
	CHECK_EQ_U64(font_scale(&in, FONT_SCALE_MAX + 1, buf, sizeof(buf), &out), (uint64_t)-1);
	CHECK_EQ_U64(font_scale(&in, 3, buf, sizeof(buf), &out), (uint64_t)-1); /* 36 px */
	CHECK_EQ_U64(font_scale(&in, 2, buf, font_scale_bytes(&in, 2) - 1, &out), (uint64_t)-1);
	CHECK(out.glyphs == NULL); /* untouched on refusal */
	free(bits);
}

static int fits(const struct fbcon_font *f, uint32_t s, uint32_t w, uint32_t h)
{
	return w / (f->width * s) >= FONT_SCALE_WANT_COLS &&
	       h / (f->height * s) >= FONT_SCALE_WANT_ROWS && f->width * s <= 32;
}

static void test_scale_for_screen(void)
{
	const struct fbcon_font f8x16 = { 8, 16, 1, 0x20, 95, NULL };

	CHECK_EQ_U64(font_scale_for_screen(&f8x16, 1280, 800), 1);
	CHECK_EQ_U64(font_scale_for_screen(&f8x16, 1024, 768), 1);  /* too small even at 1 */
	CHECK_EQ_U64(font_scale_for_screen(&f8x16, 1920, 1080), 1);
	CHECK_EQ_U64(font_scale_for_screen(&f8x16, 2560, 1600), 2);
	CHECK_EQ_U64(font_scale_for_screen(&f8x16, 3840, 2160), 2);
	CHECK_EQ_U64(font_scale_for_screen(&f8x16, 5120, 2880), 3);
	CHECK_EQ_U64(font_scale_for_screen(&f8x16, 7680, 4320), 4);
	/* Any screen: the largest scale that fits, or 1. */
	for (int i = 0; i < 20000; i++) {
		uint32_t w = 1 + (uint32_t)(check_rand() % 9000), h = 1 + (uint32_t)(check_rand() % 5000);
		uint32_t fw = 1 + (uint32_t)(check_rand() % 16), fh = 1 + (uint32_t)(check_rand() % 32);
		const struct fbcon_font f = { fw, fh, (fw + 7) / 8, 0x20, 95, NULL };
		uint32_t s = font_scale_for_screen(&f, w, h);
		CHECK(s >= 1 && s <= FONT_SCALE_MAX);
		CHECK(s == 1 || fits(&f, s, w, h));
		for (uint32_t t = s + 1; t <= FONT_SCALE_MAX; t++)
			CHECK(!fits(&f, t, w, h));
		if (check_failed_in_test)
			return;
	}
}

int main(void)
{
	RUN_TEST("font_scale", test_pixels_magnified);
	RUN_TEST("font_scale", test_refuses);
	RUN_TEST("font_scale", test_scale_for_screen);
	return CHECK_EXIT_STATUS();
}
