/* Assembles the kernel command line from the config file beside the loader
 * and from the image's load options (what a UEFI shell user typed after the
 * program's name). Boot managers may pass binary data as load options, so
 * those are used only when they are plain printable UCS-2 text. Nothing is
 * cut silently: a line that does not fit ends in a word the kernel rejects
 * (cut mid-word, `packets=1000000` would have become `packets=1`). */
#include "boot/cmdline.h"
#include "boot/boot_info.h"

_Static_assert(BOOT_CMDLINE_MAX == 1024, "CMDLINE_TOO_LONG_WORD names BOOT_CMDLINE_MAX - 1");

struct out {
	char *buf;
	size_t size, len;   /* len: what was kept, always < size */
	size_t room;        /* the most the words may take: size - 1 less the marker */
	size_t needed;      /* the whole line's length, kept or not */
	int full;           /* a word did not fit: no further word is kept */
};

static int is_space(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Appends one word of n characters, read by get(src, i), separated from
 * the previous by a space; only whole words are kept. */
static void put_word(struct out *o, char (*get)(const void *, size_t), const void *src, size_t n)
{
	size_t sep = o->needed ? 1 : 0;

	o->needed += sep + n;
	if (o->full || o->len + sep + n > o->room) {
		o->full = 1;
		return;
	}
	if (sep)
		o->buf[o->len++] = ' ';
	for (size_t i = 0; i < n; i++)
		o->buf[o->len++] = get(src, i);
	o->buf[o->len] = 0;
}

static char get8(const void *src, size_t i)
{
	return ((const char *)src)[i];
}

static char get16(const void *src, size_t i)
{
	return (char)((const uint16_t *)src)[i];
}

/* Config file: words separated by white space; '#' starts a comment that
 * runs to the end of the line. */
static void add_config(struct out *o, const char *cfg, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (cfg[i] == '#') {
			while (i < n && cfg[i] != '\n')
				i++;
		} else if (is_space((unsigned char)cfg[i]) || cfg[i] == 0) {
			i++;
		} else {
			size_t start = i;
			while (i < n && !is_space((unsigned char)cfg[i]) && cfg[i] != '#' && cfg[i] != 0)
				i++;
			put_word(o, get8, cfg + start, i - start);
		}
	}
}

static int ends_with_efi(const uint16_t *w, size_t n)
{
	if (n < 4)
		return 0;
	w += n - 4;
	return w[0] == '.' && (w[1] | 0x20) == 'e' && (w[2] | 0x20) == 'f' && (w[3] | 0x20) == 'i';
}

static void add_load_options(struct out *o, const uint16_t *opt, uint32_t bytes)
{
	size_t n = bytes / sizeof(uint16_t), words = 0;

	if (!opt || bytes % sizeof(uint16_t))
		return;
	for (size_t i = 0; i < n && opt[i]; i++)
		if (opt[i] > 0x7e || (opt[i] < 0x20 && !is_space(opt[i])))
			return; /* not text: a boot manager's private data */
	size_t i = 0;
	while (i < n && opt[i]) {
		if (is_space(opt[i])) {
			i++;
			continue;
		}
		size_t start = i;
		while (i < n && opt[i] && !is_space(opt[i]))
			i++;
		/* A shell passes the program's own path as the first word. */
		if (!(words == 0 && ends_with_efi(opt + start, i - start)))
			put_word(o, get16, opt + start, i - start);
		words++;
	}
}

enum cmdline_status cmdline_build(char *out, size_t out_size, const char *config,
				  size_t config_size, const void *load_options,
				  uint32_t load_options_size, size_t *needed)
{
	size_t marker = sizeof(CMDLINE_TOO_LONG_WORD) - 1;
	struct out o = { out, out_size, 0, 0, 0, 0 };

	if (!out_size)
		return CMDLINE_TOO_LONG;
	out[0] = 0;
	/* If everything fits, the whole buffer may be used; otherwise the
	 * marker needs its room: assemble once to learn the length. */
	o.room = out_size - 1;
	if (config)
		add_config(&o, config, config_size);
	add_load_options(&o, load_options, load_options_size);
	if (needed)
		*needed = o.needed;
	if (!o.full)
		return CMDLINE_OK;
	o = (struct out){ out, out_size, 0, 0, 0, 0 };
	o.room = out_size - 1 > marker + 1 ? out_size - 1 - marker - 1 : 0;
	out[0] = 0;
	if (config)
		add_config(&o, config, config_size);
	add_load_options(&o, load_options, load_options_size);
	if (o.len + (o.len ? 1 : 0) + marker < out_size) {
		if (o.len)
			out[o.len++] = ' ';
		for (size_t i = 0; i < marker; i++)
			out[o.len++] = CMDLINE_TOO_LONG_WORD[i];
		out[o.len] = 0;
	}
	return CMDLINE_TOO_LONG;
}
