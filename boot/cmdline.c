/* Assembles the kernel command line from the config file beside the loader
 * and from the image's load options (what a UEFI shell user typed after the
 * program's name). Boot managers may pass binary data as load options, so
 * those are used only when they are plain printable UCS-2 text. */
#include "boot/loader.h"

struct out {
	char *buf;
	UINTN size, len;
};

static void put_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len++] = c;
	o->buf[o->len] = 0;
}

/* Appends one word, separated from the previous by a space. */
static void put_word(struct out *o, const char *w, UINTN n)
{
	if (o->len)
		put_char(o, ' ');
	for (UINTN i = 0; i < n; i++)
		put_char(o, w[i]);
}

static int is_space(unsigned c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Config file: words separated by white space; '#' starts a comment that
 * runs to the end of the line. */
static void add_config(struct out *o, const CHAR8 *cfg, UINTN n)
{
	UINTN i = 0;

	while (i < n) {
		if (cfg[i] == '#') {
			while (i < n && cfg[i] != '\n')
				i++;
		} else if (is_space(cfg[i]) || cfg[i] == 0) {
			i++;
		} else {
			UINTN start = i;
			while (i < n && !is_space(cfg[i]) && cfg[i] != '#' && cfg[i] != 0)
				i++;
			put_word(o, (const char *)cfg + start, i - start);
		}
	}
}

static int ends_with_efi(const char *w, UINTN n)
{
	if (n < 4)
		return 0;
	w += n - 4;
	return w[0] == '.' && (w[1] | 0x20) == 'e' && (w[2] | 0x20) == 'f' && (w[3] | 0x20) == 'i';
}

static void add_load_options(struct out *o, const CHAR16 *opt, UINT32 bytes)
{
	UINTN n = bytes / sizeof(CHAR16);
	char word[256];
	UINTN wlen = 0, words = 0;

	if (!opt || bytes % sizeof(CHAR16))
		return;
	for (UINTN i = 0; i < n && opt[i]; i++)
		if (opt[i] > 0x7e || (opt[i] < 0x20 && !is_space(opt[i])))
			return; /* not text: a boot manager's private data */
	for (UINTN i = 0; i <= n; i++) {
		CHAR16 c = i < n ? opt[i] : 0;
		if (c && !is_space(c)) {
			if (wlen < sizeof(word))
				word[wlen++] = (char)c;
			continue;
		}
		if (wlen) {
			/* A shell passes the program's own path as the first word. */
			if (!(words == 0 && ends_with_efi(word, wlen)))
				put_word(o, word, wlen);
			words++;
			wlen = 0;
		}
		if (!c)
			break;
	}
}

void cmdline_build(char *out, UINTN out_size, const CHAR8 *config, UINTN config_size,
		   const void *load_options, UINT32 load_options_size)
{
	struct out o = { out, out_size, 0 };

	if (out_size)
		out[0] = 0;
	if (config)
		add_config(&o, config, config_size);
	add_load_options(&o, load_options, load_options_size);
}
