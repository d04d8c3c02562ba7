/* boot/cmdline.c: the loader's assembly of the kernel command line from the
 * config file and the load options. Nothing may be cut silently: a line or
 * a word too long for the kernel's buffer ends in the word the kernel
 * rejects, and no word is ever shortened. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "boot/boot_info.h"
#include "boot/cmdline.h"

static char line[BOOT_CMDLINE_MAX];

/* The load options as a shell passes them: UCS-2, NUL-terminated. */
static uint32_t ucs2(uint16_t *out, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i <= n; i++)
		out[i] = (unsigned char)s[i];
	return (uint32_t)((n + 1) * sizeof(uint16_t));
}

/* Every word of `line` is a word of `whole`, in order: nothing shortened. */
static bool words_are_whole(const char *line_text, const char *whole)
{
	char a[4096], b[8192];
	char *sa, *sb, *wa, *wb;

	snprintf(a, sizeof(a), "%s", line_text);
	snprintf(b, sizeof(b), "%s", whole);
	wb = strtok_r(b, " ", &sb);
	for (wa = strtok_r(a, " ", &sa); wa; wa = strtok_r(NULL, " ", &sa)) {
		if (!strcmp(wa, CMDLINE_TOO_LONG_WORD))
			return strtok_r(NULL, " ", &sa) == NULL; /* the marker comes last */
		while (wb && strcmp(wa, wb))
			wb = strtok_r(NULL, " ", &sb);
		if (!wb)
			return false;
		wb = strtok_r(NULL, " ", &sb);
	}
	return true;
}

static void test_config_and_options(void)
{
	static const char cfg[] = "exit=qemu # a comment\npackets=10\tpolicy=strict\n";
	uint16_t opt[64];
	uint32_t bytes = ucs2(opt, "\\EFI\\BOOT\\BOOTX64.EFI  packets=20 ");
	size_t needed = 0;

	CHECK(cmdline_build(line, sizeof(line), cfg, sizeof(cfg) - 1, opt, bytes, &needed) ==
	      CMDLINE_OK);
	CHECK_STR_EQ(line, "exit=qemu packets=10 policy=strict packets=20");
	CHECK_EQ_U64(needed, strlen(line));
}

static void test_binary_load_options_ignored(void)
{
	uint16_t opt[4] = { 0x0001, 0xfffe, 'a', 0 };

	CHECK(cmdline_build(line, sizeof(line), "a=1", 3, opt, sizeof(opt), NULL) == CMDLINE_OK);
	CHECK_STR_EQ(line, "a=1");
}

/* 1,023 characters exactly fit (the NUL makes 1,024). */
static void test_exactly_full(void)
{
	char cfg[BOOT_CMDLINE_MAX];

	memset(cfg, 'x', sizeof(cfg));
	memcpy(cfg, "packets=", 8);
	cfg[BOOT_CMDLINE_MAX - 1] = 0;
	CHECK(cmdline_build(line, sizeof(line), cfg, strlen(cfg), NULL, 0, NULL) == CMDLINE_OK);
	CHECK_STR_EQ(line, cfg);
}

/* The review's case: a long configuration whose last word would have been
 * cut mid-word, `packets=1000000` becoming `packets=1`. */
static void test_long_config_is_an_error(void)
{
	char cfg[2048];
	size_t n = 0, needed = 0;

	while (n < BOOT_CMDLINE_MAX - 10)
		n += (size_t)snprintf(cfg + n, sizeof(cfg) - n, "policy=strict ");
	n += (size_t)snprintf(cfg + n, sizeof(cfg) - n, "packets=1000000");
	CHECK(cmdline_build(line, sizeof(line), cfg, n, NULL, 0, &needed) == CMDLINE_TOO_LONG);
	CHECK_EQ_U64(needed, n);
	CHECK(strlen(line) < sizeof(line));
	CHECK(strstr(line, "packets=1") == NULL);
	CHECK(words_are_whole(line, cfg));
	size_t m = strlen(CMDLINE_TOO_LONG_WORD);
	CHECK(strlen(line) >= m && !strcmp(line + strlen(line) - m, CMDLINE_TOO_LONG_WORD));
}

/* A load-option word longer than 256 characters is kept whole. */
static void test_long_load_option_word(void)
{
	static uint16_t opt[700];
	char text[700], want[720];

	memset(text, 0, sizeof(text));
	memcpy(text, "selftest=", 9);
	for (size_t i = 9; i < 600; i++)
		text[i] = (char)('a' + i % 26);
	snprintf(want, sizeof(want), "exit=qemu %s", text);
	uint32_t bytes = ucs2(opt, text);
	CHECK(cmdline_build(line, sizeof(line), "exit=qemu", 9, opt, bytes, NULL) == CMDLINE_OK);
	CHECK_STR_EQ(line, want);
}

/* Load options that overflow: the config's words stay, the word that does
 * not fit is dropped whole, and the marker ends the line. */
static void test_long_load_options_are_an_error(void)
{
	static uint16_t opt[3000];
	char text[3000], want[256];

	memset(text, 'y', 2000);
	memcpy(text, "hwm=", 4);
	text[2000] = 0;
	uint32_t bytes = ucs2(opt, text);
	CHECK(cmdline_build(line, sizeof(line), "exit=qemu", 9, opt, bytes, NULL) ==
	      CMDLINE_TOO_LONG);
	snprintf(want, sizeof(want), "exit=qemu %s", CMDLINE_TOO_LONG_WORD);
	CHECK_STR_EQ(line, want);
}

/* Random lines of random words: either everything fits and the line is the
 * words joined, or the result is TOO_LONG and the line is whole words that
 * were given followed by the marker. */
static void test_random_lines(void)
{
	for (int round = 0; round < 2000; round++) {
		char cfg[4096];
		size_t n = 0;
		unsigned words = (unsigned)(check_rand() % 120);
		for (unsigned w = 0; w < words; w++) {
			unsigned len = 1 + (unsigned)(check_rand() % 40);
			for (unsigned i = 0; i < len && n + 2 < sizeof(cfg); i++)
				cfg[n++] = (char)('a' + check_rand() % 26);
			if (n + 1 < sizeof(cfg))
				cfg[n++] = ' ';
		}
		cfg[n] = 0;
		size_t needed = 0;
		enum cmdline_status st = cmdline_build(line, sizeof(line), cfg, n, NULL, 0, &needed);
		CHECK(strlen(line) < sizeof(line));
		CHECK(words_are_whole(line, cfg));
		CHECK((st == CMDLINE_OK) == (needed < sizeof(line)));
		if (st == CMDLINE_OK)
			CHECK_EQ_U64(strlen(line), needed);
		else
			CHECK(strstr(line, CMDLINE_TOO_LONG_WORD) != NULL);
	}
}

int main(void)
{
	check_rng_state = 0x13198a2e03707344ull;
	RUN_TEST("cmdline", test_config_and_options);
	RUN_TEST("cmdline", test_binary_load_options_ignored);
	RUN_TEST("cmdline", test_exactly_full);
	RUN_TEST("cmdline", test_long_config_is_an_error);
	RUN_TEST("cmdline", test_long_load_option_word);
	RUN_TEST("cmdline", test_long_load_options_are_an_error);
	RUN_TEST("cmdline", test_random_lines);
	return CHECK_EXIT_STATUS();
}
