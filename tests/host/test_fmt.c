/* lib/fmt.c against glibc's snprintf over a matrix of flags, widths,
 * precisions, length modifiers, conversions and edge values. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lib/fmt.h"

/* Formats are built at run time, which is the point of the matrix. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

static unsigned long matrix_cases;
static int mismatches_shown;

static void report(const char *f, const char *ref, int rr, const char *got, int rg)
{
	if (mismatches_shown++ < 10)
		printf("  fmt \"%s\": libc \"%s\" (%d), lib \"%s\" (%d)\n",
		       f, ref, rr, got, rg);
}

/* Formats the same arguments with both and checks text and length. */
#define BOTH(f, ...)                                                         \
	do {                                                                 \
		char ref_[512], got_[512];                                   \
		int rr_ = snprintf(ref_, sizeof(ref_), f, __VA_ARGS__);      \
		int rg_ = fmt_snprintf(got_, sizeof(got_), f, __VA_ARGS__);  \
		matrix_cases++;                                              \
		if (rr_ != rg_ || strcmp(ref_, got_) != 0) {                 \
			report(f, ref_, rr_, got_, rg_);                     \
			CHECK(rr_ == rg_ && strcmp(ref_, got_) == 0);        \
		}                                                            \
	} while (0)

/* Passes the '*' arguments, if any, ahead of the value. */
#define CALL(f, nstar, s1, s2, val)                                          \
	do {                                                                 \
		if ((nstar) == 0)                                            \
			BOTH(f, val);                                        \
		else if ((nstar) == 1)                                       \
			BOTH(f, s1, val);                                    \
		else                                                         \
			BOTH(f, s1, s2, val);                                \
	} while (0)

static const int64_t values[] = {
	0, 1, -1, 7, 8, 10, 15, 16, 127, 128, 255, 256, -128, -129,
	32767, -32768, 65535, 65536, INT32_MAX, INT32_MIN, UINT32_MAX,
	(int64_t)UINT32_MAX + 1, 1000000007, INT64_MAX, INT64_MIN,
	(int64_t)UINT64_MAX, 0x0123456789abcdefll, -0x0123456789abcdefll,
};

static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };

/* Calls both formatters with the value converted to the type that the
 * length modifier and conversion expect. */
static void run_int(const char *f, int nstar, int s1, int s2, int len,
		    bool is_signed, int64_t v)
{
	switch (len) {
	case 0: case 1: case 2:
		if (is_signed)
			CALL(f, nstar, s1, s2, (int)v);
		else
			CALL(f, nstar, s1, s2, (unsigned int)v);
		break;
	case 3:
		if (is_signed)
			CALL(f, nstar, s1, s2, (long)v);
		else
			CALL(f, nstar, s1, s2, (unsigned long)v);
		break;
	case 4:
		if (is_signed)
			CALL(f, nstar, s1, s2, (long long)v);
		else
			CALL(f, nstar, s1, s2, (unsigned long long)v);
		break;
	case 5: case 7:
		if (is_signed)
			CALL(f, nstar, s1, s2, (ptrdiff_t)v);
		else
			CALL(f, nstar, s1, s2, (size_t)v);
		break;
	case 6:
		if (is_signed)
			CALL(f, nstar, s1, s2, (intmax_t)v);
		else
			CALL(f, nstar, s1, s2, (uintmax_t)v);
		break;
	}
}

/* Widths and precisions; "*" entries are expanded with star_vals. */
static const char *const widths[] = { "", "1", "7", "23", "*" };
static const char *const precs[] = { "", ".", ".0", ".1", ".5", ".30", ".*" };
static const int star_widths[] = { -9, 0, 12 };
static const int star_precs[] = { -1, 0, 3, 25 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Builds "%<flags><width><prec><len><conv>" for each flag subset. */
static void build(char *f, unsigned flagset, const char *w, const char *p,
		  const char *len, char conv)
{
	static const char flagchars[] = "-0+ #";
	char *o = f;

	*o++ = '%';
	for (int i = 0; i < 5; i++)
		if (flagset & (1u << i))
			*o++ = flagchars[i];
	o += sprintf(o, "%s%s%s%c", w, p, len, conv);
}

static void test_integer_matrix(void)
{
	static const char convs[] = "diuxXo";
	char f[32];

	for (unsigned fl = 0; fl < 32; fl++)
	for (size_t wi = 0; wi < N(widths); wi++)
	for (size_t pi = 0; pi < N(precs); pi++)
	for (size_t ci = 0; ci < sizeof(convs) - 1; ci++)
	for (size_t li = 0; li < N(lengths); li++) {
		char conv = convs[ci];
		bool is_signed = conv == 'd' || conv == 'i';
		bool wstar = widths[wi][0] == '*', pstar = strcmp(precs[pi], ".*") == 0;
		size_t nw = wstar ? N(star_widths) : 1;
		size_t np = pstar ? N(star_precs) : 1;

		/* '#' with d, i or u is undefined behaviour in C. */
		if ((fl & 0x10) && (is_signed || conv == 'u'))
			continue;
		build(f, fl, widths[wi], precs[pi], lengths[li], conv);
		for (size_t a = 0; a < nw; a++)
		for (size_t b = 0; b < np; b++)
		for (size_t vi = 0; vi < N(values); vi++) {
			int nstar = wstar + pstar;
			int s1 = wstar ? star_widths[a] : star_precs[b];
			int s2 = star_precs[b];

			run_int(f, nstar, s1, s2, (int)li, is_signed, values[vi]);
		}
	}
	CHECK(matrix_cases > 500000);
}

static void test_char_string_pointer_matrix(void)
{
	static const char *const strs[] = { "", "a", "policy", "a longer string of text" };
	static void *const ptrs[] = { (void *)0, (void *)1, (void *)0x1234,
				      (void *)UINTPTR_MAX, (void *)0xfffff000 };
	static const int chars[] = { 'a', ' ', '%', 0x7e };
	char f[32];

	for (unsigned fl = 0; fl < 32; fl++)
	for (size_t wi = 0; wi < N(widths); wi++)
	for (size_t pi = 0; pi < N(precs); pi++)
	for (size_t a = 0; a < (widths[wi][0] == '*' ? N(star_widths) : 1); a++)
	for (size_t b = 0; b < (strcmp(precs[pi], ".*") == 0 ? N(star_precs) : 1); b++) {
		bool wstar = widths[wi][0] == '*', pstar = strcmp(precs[pi], ".*") == 0;
		int nstar = wstar + pstar;
		int s1 = wstar ? star_widths[a] : star_precs[b];
		int s2 = star_precs[b];

		build(f, fl, widths[wi], precs[pi], "", 's');
		for (size_t i = 0; i < N(strs); i++)
			CALL(f, nstar, s1, s2, strs[i]);
		/* glibc: "(null)", or nothing when the precision is < 6. */
		CALL(f, nstar, s1, s2, (const char *)NULL);

		build(f, fl, widths[wi], precs[pi], "", 'p');
		for (size_t i = 0; i < N(ptrs); i++)
			CALL(f, nstar, s1, s2, ptrs[i]);

		/* A precision on %c is undefined; test widths only. */
		if (precs[pi][0] == '\0') {
			build(f, fl, widths[wi], "", "", 'c');
			for (size_t i = 0; i < N(chars); i++)
				CALL(f, nstar, s1, s2, chars[i]);
		}
	}
}

static void test_mixed_text(void)
{
	BOTH("%s=%d, %u%%, [%-8s|%8s] %c%c %#x/%#o", "x", -3, 99u,
	     "left", "right", 'o', 'k', 255u, 8u);
	BOTH("%zu bytes at %p, %lld ns, %hhu%s", (size_t)4096,
	     (void *)0xfee00000, -123456789012ll, (unsigned)513, "");
	BOTH("no conversions at all%s", "");
	BOTH("%.0s%s", "hidden", "shown");
	BOTH("%-*d|%*d|%.*d", -5, 42, -5, 42, -5, 42);
}

/* Truncation: contents and return value as libc, bytes past size untouched. */
static void test_truncation(void)
{
	static const char *const fmts[] = { "%s-%08x-%d", "%-10s|", "%%%5c%%" };
	char ref[64], got[64];

	for (size_t fi = 0; fi < N(fmts); fi++) {
		for (size_t size = 0; size < 30; size++) {
			int rr, rg;

			memset(ref, 'Z', sizeof(ref));
			memset(got, 'Z', sizeof(got));
			if (fi == 0) {
				rr = snprintf(ref, size, fmts[fi], "abc", 0xbeefu, -7);
				rg = fmt_snprintf(got, size, fmts[fi], "abc", 0xbeefu, -7);
			} else if (fi == 1) {
				rr = snprintf(ref, size, fmts[fi], "pad");
				rg = fmt_snprintf(got, size, fmts[fi], "pad");
			} else {
				rr = snprintf(ref, size, fmts[fi], 'q');
				rg = fmt_snprintf(got, size, fmts[fi], 'q');
			}
			CHECK_EQ_U64(rg, rr);
			CHECK(memcmp(ref, got, sizeof(ref)) == 0);
		}
	}
	/* size 0 writes nothing, even through a NULL buffer. */
	CHECK_EQ_U64(fmt_snprintf(NULL, 0, "%d", 12345), 5);
}

struct chunks {
	char text[256];
	size_t len;
	int calls;
};

static void chunk_out(void *ctx, const char *s, size_t n)
{
	struct chunks *c = ctx;

	if (c->len + n < sizeof(c->text)) {
		memcpy(c->text + c->len, s, n);
		c->len += n;
	}
	c->calls++;
}

static int stream(struct chunks *c, const char *f, ...)
{
	va_list ap;
	int n;

	memset(c, 0, sizeof(*c));
	va_start(ap, f);
	n = fmt_vformat(chunk_out, c, f, ap);
	va_end(ap);
	return n;
}

static void test_streaming(void)
{
	struct chunks c;
	int n = stream(&c, "head %-40s|%0100d tail", "x", 5);
	char ref[256];

	snprintf(ref, sizeof(ref), "head %-40s|%0100d tail", "x", 5);
	CHECK_EQ_U64(n, strlen(ref));
	CHECK_EQ_U64(c.len, strlen(ref));
	CHECK(memcmp(c.text, ref, c.len) == 0);
	CHECK(c.calls > 1);

	/* Huge padding streams out without any buffer of that size. */
	CHECK_EQ_U64(stream(&c, "%100000d", 1), 100000);
}

/* No format attribute here, so unknown conversions reach the library. */
static int fmt_unchecked(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n;
}

static void test_unknown_conversions(void)
{
	char buf[64];

	CHECK_EQ_U64(fmt_unchecked(buf, sizeof(buf), "a%yb"), 4);
	CHECK_STR_EQ(buf, "a%yb");
	fmt_unchecked(buf, sizeof(buf), "%-5.3y %d %5%", 7);
	CHECK_STR_EQ(buf, "%-5.3y 7 %");
	/* %n would write through a pointer: printed, never executed. */
	fmt_unchecked(buf, sizeof(buf), "x%ny %d", 9);
	CHECK_STR_EQ(buf, "x%ny 9");
	/* Floating point is not supported and takes no argument. */
	fmt_unchecked(buf, sizeof(buf), "%f %s", "s");
	CHECK_STR_EQ(buf, "%f s");
	/* A '*' before an unknown conversion still takes its int. */
	fmt_unchecked(buf, sizeof(buf), "%*y %d", 5, 6);
	CHECK_STR_EQ(buf, "%*y 6");
	fmt_unchecked(buf, sizeof(buf), "%ls|%lc|%d", 3);
	CHECK_STR_EQ(buf, "%ls|%lc|3");
	fmt_unchecked(buf, sizeof(buf), "end%");
	CHECK_STR_EQ(buf, "end%");
	fmt_unchecked(buf, sizeof(buf), "end%-08");
	CHECK_STR_EQ(buf, "end%-08");
}

static void test_huge_width_is_clamped(void)
{
	char buf[8];

	/* A width beyond INT_MAX must not overflow; the count saturates. */
	CHECK_EQ_U64(fmt_unchecked(buf, sizeof(buf), "%99999999999999999999d", 1) > 0, 1);
	CHECK_EQ_U64(buf[7], 0);
}

int main(void)
{
	RUN_TEST("fmt", test_integer_matrix);
	RUN_TEST("fmt", test_char_string_pointer_matrix);
	RUN_TEST("fmt", test_mixed_text);
	RUN_TEST("fmt", test_truncation);
	RUN_TEST("fmt", test_streaming);
	RUN_TEST("fmt", test_unknown_conversions);
	RUN_TEST("fmt", test_huge_width_is_clamped);
	return CHECK_EXIT_STATUS();
}
