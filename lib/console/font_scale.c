#include "lib/console/font_scale.h"
#include "lib/string.h"

uint32_t font_scale_for_screen(const struct fbcon_font *font, uint32_t width, uint32_t height)
{
	uint32_t scale = FONT_SCALE_MAX;

	while (scale > 1 && (font->width * scale > 32 ||
			     width / (font->width * scale) < FONT_SCALE_WANT_COLS ||
			     height / (font->height * scale) < FONT_SCALE_WANT_ROWS))
		scale--;
	return scale;
}

size_t font_scale_bytes(const struct fbcon_font *font, uint32_t scale)
{
	size_t row_bytes = (font->width * scale + 7) / 8;

	return (size_t)(font->count + 1) * font->height * scale * row_bytes;
}

static int bit(const uint8_t *row, uint32_t x)
{
	return row[x / 8] >> (7 - x % 8) & 1;
}

int font_scale(const struct fbcon_font *in, uint32_t scale, uint8_t *buf, size_t buf_bytes,
	       struct fbcon_font *out)
{
	if (scale < 1 || scale > FONT_SCALE_MAX || in->width * scale > 32 ||
	    buf_bytes < font_scale_bytes(in, scale))
		return -1;

	uint32_t out_row_bytes = (in->width * scale + 7) / 8;
	size_t n = font_scale_bytes(in, scale);

	memset(buf, 0, n);
	for (uint32_t g = 0; g <= in->count; g++) {
		const uint8_t *src = in->glyphs + (size_t)g * in->height * in->bytes_per_row;
		uint8_t *dst = buf + (size_t)g * in->height * scale * out_row_bytes;
		for (uint32_t y = 0; y < in->height * scale; y++) {
			const uint8_t *src_row = src + (size_t)(y / scale) * in->bytes_per_row;
			uint8_t *dst_row = dst + (size_t)y * out_row_bytes;
			for (uint32_t x = 0; x < in->width * scale; x++)
				if (bit(src_row, x / scale))
					dst_row[x / 8] |= (uint8_t)(0x80 >> (x % 8));
		}
	}
	*out = *in;
	out->width = in->width * scale;
	out->height = in->height * scale;
	out->bytes_per_row = out_row_bytes;
	out->glyphs = buf;
	return 0;
}
