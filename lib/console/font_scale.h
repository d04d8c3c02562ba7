/* Bigger glyphs for big screens: a bitmap font magnified by a whole
 * number, and the magnification that keeps a screen at least as wide and
 * tall, in characters, as the report needs. */
#ifndef LIB_CONSOLE_FONT_SCALE_H
#define LIB_CONSOLE_FONT_SCALE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/console/fbcon.h"

#define FONT_SCALE_MAX 4

/* The report table is about 150 characters wide; 160 x 50 cells leave it
 * and the lines around it room. */
#define FONT_SCALE_WANT_COLS 160
#define FONT_SCALE_WANT_ROWS 50

/* The largest scale (1..FONT_SCALE_MAX) at which a width x height screen
 * still holds FONT_SCALE_WANT_COLS x FONT_SCALE_WANT_ROWS cells of `font`;
 * 1 when even the font itself does not fit that many. */
uint32_t font_scale_for_screen(const struct fbcon_font *font, uint32_t width, uint32_t height);

/* Bytes of glyph data font_scale() writes for this scale. */
size_t font_scale_bytes(const struct fbcon_font *font, uint32_t scale);

/* Writes into `out` the font `in` with each pixel drawn as scale x scale;
 * its glyphs live in buf. Returns 0, or -1 when scale is outside
 * 1..FONT_SCALE_MAX, the result would be wider than fbcon draws (32
 * pixels), or buf is smaller than font_scale_bytes(). */
int font_scale(const struct fbcon_font *in, uint32_t scale, uint8_t *buf, size_t buf_bytes,
	       struct fbcon_font *out);

#endif
