/* lib/options.c: exact error messages, number syntax against strtoull,
 * random command lines against a last-word-wins model, and the help table. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "lib/options.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const exit_choices[] = { "qemu", "halt", "reboot", NULL };
static const char *const onoff[] = { "off", "on", NULL };
static const char *const policies[] = { "strict", "batched", "lazy", NULL };

/* The three options of the examples in options.h's error messages. */
static const struct opt_spec small[] = {
	{ "exit", OPT_ENUM, exit_choices, 0, 0, "qemu", "how to leave", 1 },
	{ "selftest", OPT_ENUM, onoff, 0, 0, "off", "run self tests", 1 },
	{ "packets", OPT_UINT, NULL, 1, 10000000, "100000", "packets per run", 1 },
};

static const struct opt_spec full[] = {
	{ "exit", OPT_ENUM, exit_choices, 0, 0, "qemu", "how to leave when done", 1 },
	{ "packets", OPT_UINT, NULL, 1, 10000000, "100k", "packets per measurement", 1 },
	{ "policy", OPT_ENUM_LIST, policies, 0, 0, "strict", "invalidation policies", OPT_MAX_LIST },
	{ "sizes", OPT_UINT_LIST, NULL, 64, 9000, "64,1500", "packet sizes", OPT_MAX_LIST },
	{ "seed", OPT_UINT, NULL, 0, UINT64_MAX, NULL, NULL, 1 },
};

static struct opt_value vals[8];
static char err[256];

static int parse(const struct opt_spec *specs, size_t n, const char *cmdline)
{
	memset(err, 'Z', sizeof(err));
	return opt_parse(specs, n, vals, cmdline, err, sizeof(err));
}

static void test_defaults(void)
{
	CHECK_EQ_U64(parse(full, N(full), ""), 0);
	CHECK_STR_EQ(err, "");
	CHECK_EQ_U64(vals[0].count, 1);
	CHECK_EQ_U64(vals[0].v[0], 0);
	CHECK_EQ_U64(vals[1].v[0], 100000);
	CHECK_EQ_U64(vals[2].count, 1);
	CHECK_EQ_U64(vals[2].v[0], 0);
	CHECK_EQ_U64(vals[3].count, 2);
	CHECK_EQ_U64(vals[3].v[0], 64);
	CHECK_EQ_U64(vals[3].v[1], 1500);
	CHECK_EQ_U64(vals[4].count, 0);
	for (size_t i = 0; i < N(full); i++)
		CHECK(!vals[i].set_by_user);
	CHECK_EQ_U64(opt_parse(full, N(full), vals, NULL, NULL, 0), 0);
	CHECK_EQ_U64(parse(full, N(full), " \t\r\n\v\f "), 0);
}

static void test_override_and_whitespace(void)
{
	CHECK_EQ_U64(parse(full, N(full), "exit=halt packets=5k\texit=reboot\n"
			   "policy=lazy,strict,lazy  seed=0x10 sizes=9000\r\n"), 0);
	CHECK_EQ_U64(vals[0].v[0], 2);
	CHECK(vals[0].set_by_user);
	CHECK_EQ_U64(vals[1].v[0], 5000);
	CHECK_EQ_U64(vals[2].count, 3);
	CHECK_EQ_U64(vals[2].v[0], 2);
	CHECK_EQ_U64(vals[2].v[1], 0);
	CHECK_EQ_U64(vals[2].v[2], 2);
	CHECK_EQ_U64(vals[3].count, 1);
	CHECK_EQ_U64(vals[3].v[0], 9000);
	CHECK_EQ_U64(vals[4].count, 1);
	CHECK_EQ_U64(vals[4].v[0], 16);
	CHECK(vals[4].set_by_user);
	/* A shorter list fully replaces a longer one. */
	CHECK_EQ_U64(parse(full, N(full), "sizes=100,200,300 sizes=128"), 0);
	CHECK_EQ_U64(vals[3].count, 1);
	CHECK_EQ_U64(vals[3].v[1], 0);
}

/* Each bad input, its code and its exact one-line message. */
static void expect_error(const struct opt_spec *specs, size_t n, const char *cmdline,
			 int code, const char *msg)
{
	int rc = parse(specs, n, cmdline);

	CHECK_EQ_U64(rc, code);
	CHECK_STR_EQ(err, msg);
	CHECK(strchr(err, '\n') == NULL);
}

static void test_error_messages(void)
{
	expect_error(small, N(small), "exit=halt foo=1", OPT_ERR_UNKNOWN,
		     "unknown option 'foo' (valid options: exit, selftest, packets)");
	expect_error(small, N(small), "foo", OPT_ERR_UNKNOWN,
		     "unknown option 'foo' (valid options: exit, selftest, packets)");
	expect_error(small, N(small), "=x", OPT_ERR_UNKNOWN,
		     "unknown option '' (valid options: exit, selftest, packets)");
	expect_error(small, N(small), "Exit=qemu", OPT_ERR_UNKNOWN,
		     "unknown option 'Exit' (valid options: exit, selftest, packets)");
	expect_error(small, N(small), "exit=xyz", OPT_ERR_VALUE,
		     "bad value 'xyz' for 'exit' (valid values: qemu, halt, reboot)");
	expect_error(small, N(small), "exit=QEMU", OPT_ERR_VALUE,
		     "bad value 'QEMU' for 'exit' (valid values: qemu, halt, reboot)");
	expect_error(small, N(small), "exit=qemu,halt", OPT_ERR_VALUE,
		     "bad value 'qemu,halt' for 'exit' (valid values: qemu, halt, reboot)");
	expect_error(small, N(small), "packets=0", OPT_ERR_VALUE,
		     "bad value '0' for 'packets' (expected an integer from 1 to 10000000)");
	expect_error(small, N(small), "packets=10000001", OPT_ERR_VALUE,
		     "bad value '10000001' for 'packets' (expected an integer from 1 to 10000000)");
	expect_error(small, N(small), "packets=-1", OPT_ERR_VALUE,
		     "bad value '-1' for 'packets' (expected an integer from 1 to 10000000)");
	expect_error(small, N(small), "packets=12abc", OPT_ERR_VALUE,
		     "bad value '12abc' for 'packets' (expected an integer from 1 to 10000000)");
	expect_error(small, N(small), "exit", OPT_ERR_NOVALUE,
		     "option 'exit' needs a value (exit=...)");
	expect_error(small, N(small), "selftest=on exit=", OPT_ERR_NOVALUE,
		     "option 'exit' needs a value (exit=...)");
	/* Control bytes are shown as '?' to keep the message one line. */
	expect_error(small, N(small), "exit=a\x1b[2Jb", OPT_ERR_VALUE,
		     "bad value 'a?[2Jb' for 'exit' (valid values: qemu, halt, reboot)");
}

static void test_list_errors(void)
{
	const char *pol = "(valid values: strict, batched, lazy)";
	char want[300];

	expect_error(full, N(full), "policy=strict,,lazy", OPT_ERR_LIST,
		     "bad value 'strict,,lazy' for 'policy' (empty list element)");
	expect_error(full, N(full), "policy=,strict", OPT_ERR_LIST,
		     "bad value ',strict' for 'policy' (empty list element)");
	expect_error(full, N(full), "policy=strict,", OPT_ERR_LIST,
		     "bad value 'strict,' for 'policy' (empty list element)");
	snprintf(want, sizeof(want), "bad value 'fast' in 'strict,fast' for 'policy' %s", pol);
	expect_error(full, N(full), "policy=strict,fast", OPT_ERR_VALUE, want);
	expect_error(full, N(full), "sizes=64,63", OPT_ERR_VALUE,
		     "bad value '63' in '64,63' for 'sizes' (expected an integer from 64 to 9000)");
	expect_error(full, N(full), "policy=", OPT_ERR_NOVALUE,
		     "option 'policy' needs a value (policy=...)");

	/* Sixteen elements fit; seventeen do not. */
	char line[200] = "sizes=100";
	for (int i = 1; i < OPT_MAX_LIST; i++)
		sprintf(line + strlen(line), ",%d", 100 + i);
	CHECK_EQ_U64(parse(full, N(full), line), 0);
	CHECK_EQ_U64(vals[3].count, OPT_MAX_LIST);
	CHECK_EQ_U64(vals[3].v[OPT_MAX_LIST - 1], 100 + OPT_MAX_LIST - 1);
	strcat(line, ",999");
	CHECK_EQ_U64(parse(full, N(full), line), OPT_ERR_LIST);
	snprintf(want, sizeof(want), "bad value '%s' for 'sizes' (more than 16 list elements)",
		 line + strlen("sizes="));
	CHECK_STR_EQ(err, want);
}

/* A bad word leaves the earlier value in place. */
static void test_bad_word_keeps_old_value(void)
{
	CHECK_EQ_U64(parse(full, N(full), "exit=halt sizes=100,200 exit=bogus"), OPT_ERR_VALUE);
	CHECK_EQ_U64(vals[0].v[0], 1);
	CHECK_EQ_U64(parse(full, N(full), "sizes=100,200 sizes=300,1"), OPT_ERR_VALUE);
	CHECK_EQ_U64(vals[3].count, 2);
	CHECK_EQ_U64(vals[3].v[0], 100);
	CHECK_EQ_U64(vals[3].v[1], 200);
}

static void test_spec_errors(void)
{
	static const char *const none[] = { NULL };
	struct opt_spec bad[2];

	memcpy(bad, small, sizeof(bad));
	bad[1].def = "maybe";
	expect_error(bad, 2, "", OPT_ERR_SPEC,
		     "bad default 'maybe' for 'selftest' (valid values: off, on)");
	bad[1] = small[2];
	bad[1].def = "";
	expect_error(bad, 2, "", OPT_ERR_SPEC,
		     "bad default '' for 'packets' (expected an integer from 1 to 10000000)");
	bad[1] = small[0];
	expect_error(bad, 2, "", OPT_ERR_SPEC,
		     "bad option table entry 1 ('exit'): duplicate name");
	bad[1] = small[2];
	bad[1].min = 10;
	bad[1].max = 9;
	expect_error(bad, 2, "", OPT_ERR_SPEC, "bad option table entry 1 ('packets'): min > max");
	bad[1] = small[1];
	bad[1].choices = none;
	expect_error(bad, 2, "", OPT_ERR_SPEC, "bad option table entry 1 ('selftest'): no choices");
	bad[1].name = "a=b";
	expect_error(bad, 2, "", OPT_ERR_SPEC,
		     "bad option table entry 1 ('a=b'): name missing or contains '='");
}

/* A list that takes fewer than OPT_MAX_LIST values says so: a value past
 * its room is an error naming the option and the room, never dropped. */
static void test_list_capacity(void)
{
	static const struct opt_spec capped[] = {
		{ "policy", OPT_ENUM_LIST, policies, 0, 0, "strict", "", 3 },
		{ "sizes", OPT_UINT_LIST, NULL, 1, 9000, "64", "", 1 },
	};

	CHECK_EQ_U64(parse(capped, N(capped), "policy=lazy,strict,lazy"), 0);
	CHECK_EQ_U64(vals[0].count, 3);
	CHECK_EQ_U64(vals[0].v[2], 2);
	expect_error(capped, N(capped), "policy=lazy,strict,lazy,batched", OPT_ERR_LIST,
		     "bad value 'lazy,strict,lazy,batched' for 'policy' (more than 3 list elements)");
	expect_error(capped, N(capped), "sizes=64,128", OPT_ERR_LIST,
		     "bad value '64,128' for 'sizes' (more than 1 list elements)");
	/* A default past the room is the table's mistake. */
	struct opt_spec bad = capped[0];
	bad.def = "strict,strict,strict,strict";
	expect_error(&bad, 1, "", OPT_ERR_SPEC,
		     "bad default 'strict,strict,strict,strict' for 'policy' (more than 3 list elements)");
	bad = capped[0];
	bad.max_count = OPT_MAX_LIST + 1;
	expect_error(&bad, 1, "", OPT_ERR_SPEC,
		     "bad option table entry 0 ('policy'): max_count is not 1 (scalar) or 1 to "
		     "OPT_MAX_LIST (list)");
	bad.max_count = 0;
	CHECK_EQ_U64(parse(&bad, 1, ""), OPT_ERR_SPEC);
	bad = small[0];
	bad.max_count = 2;
	CHECK_EQ_U64(parse(&bad, 1, ""), OPT_ERR_SPEC);
}

static int lookup(const struct opt_spec *spec, const char *cmdline, struct opt_value *v)
{
	memset(err, 'Z', sizeof(err));
	memset(v, 0xa5, sizeof(*v));
	return opt_lookup(spec, cmdline, v, err, sizeof(err));
}

/* One option read alone: other words and bad values do not matter, the
 * last good word wins, and a bad one is still reported. */
static void test_lookup(void)
{
	const struct opt_spec *exit_spec = &full[0], *sizes = &full[3], *seed = &full[4];
	struct opt_value v;

	CHECK_EQ_U64(lookup(exit_spec, "", &v), 0);
	CHECK(!v.set_by_user);
	CHECK_EQ_U64(v.count, 1);
	CHECK_EQ_U64(v.v[0], 0);
	CHECK_STR_EQ(err, "");
	CHECK_EQ_U64(opt_lookup(exit_spec, NULL, &v, NULL, 0), 0);
	CHECK_EQ_U64(v.v[0], 0);

	/* Unknown words and other options' bad values are not its business. */
	CHECK_EQ_U64(lookup(exit_spec, "colour=blue packets=0 exit=reboot\tsizes=,", &v), 0);
	CHECK(v.set_by_user);
	CHECK_EQ_U64(v.v[0], 2);
	CHECK_STR_EQ(err, "");
	/* A key that only starts like the option is another option. */
	CHECK_EQ_U64(lookup(exit_spec, "exits=halt xexit=halt exit_mode=halt", &v), 0);
	CHECK(!v.set_by_user);
	CHECK_EQ_U64(v.v[0], 0);

	/* The last good word wins over earlier ones and over later bad ones. */
	CHECK_EQ_U64(lookup(exit_spec, "exit=halt exit=reboot exit=sleep", &v), OPT_ERR_VALUE);
	CHECK(v.set_by_user);
	CHECK_EQ_U64(v.v[0], 2);
	CHECK_STR_EQ(err, "bad value 'sleep' for 'exit' (valid values: qemu, halt, reboot)");
	CHECK_EQ_U64(lookup(exit_spec, "exit=sleep exit=halt", &v), OPT_ERR_VALUE);
	CHECK_EQ_U64(v.v[0], 1);
	/* err describes the last bad word. */
	CHECK_EQ_U64(lookup(exit_spec, "exit=sleeping exit exit=halt", &v), OPT_ERR_NOVALUE);
	CHECK_STR_EQ(err, "option 'exit' needs a value (exit=...)");
	CHECK_EQ_U64(lookup(exit_spec, "exit=", &v), OPT_ERR_NOVALUE);
	CHECK(!v.set_by_user);
	CHECK_EQ_U64(v.v[0], 0);

	/* Lists as the parser reads them, capacity included. */
	CHECK_EQ_U64(lookup(sizes, "sizes=100,200 sizes=300,1", &v), OPT_ERR_VALUE);
	CHECK_EQ_U64(v.count, 2);
	CHECK_EQ_U64(v.v[1], 200);
	CHECK_EQ_U64(lookup(sizes, "sizes=64,64,64,64,64,64,64,64,64,64,64,64,64,64,64,64,64", &v),
		     OPT_ERR_LIST);
	CHECK_EQ_U64(v.count, 2);
	CHECK_EQ_U64(v.v[1], 1500);

	/* No default and no word: no value. */
	CHECK_EQ_U64(lookup(seed, "exit=halt", &v), 0);
	CHECK_EQ_U64(v.count, 0);
	CHECK(!v.set_by_user);

	/* A bad spec is reported, not read. */
	struct opt_spec bad = full[0];
	bad.def = "maybe";
	CHECK_EQ_U64(lookup(&bad, "exit=halt", &v), OPT_ERR_SPEC);
	CHECK_EQ_U64(v.count, 0);
	CHECK_STR_EQ(err, "bad default 'maybe' for 'exit' (valid values: qemu, halt, reboot)");
}

static void test_small_error_buffer(void)
{
	char buf[16];

	for (size_t len = 1; len <= sizeof(buf); len++) {
		memset(buf, 'Z', sizeof(buf));
		CHECK_EQ_U64(opt_parse(small, N(small), vals, "exit=xyz", buf, len),
			     OPT_ERR_VALUE);
		CHECK_EQ_U64(strlen(buf), len - 1);
		CHECK(strncmp(buf, "bad value 'xyz' for", len - 1) == 0);
		for (size_t i = len; i < sizeof(buf); i++)
			CHECK(buf[i] == 'Z');
	}
	CHECK_EQ_U64(opt_parse(small, N(small), vals, "exit=xyz", NULL, 0), OPT_ERR_VALUE);
}

static void test_uint_edges(void)
{
	static const struct opt_spec any[] = {
		{ "n", OPT_UINT, NULL, 0, UINT64_MAX, "0", "", 1 },
		{ "r", OPT_UINT, NULL, 5, 7, "5", "", 1 },
	};
	static const struct { const char *text; bool ok; uint64_t v; } cases[] = {
		{ "n=18446744073709551615", true, UINT64_MAX },
		{ "n=18446744073709551616", false, 0 },
		{ "n=0xffffffffffffffff", true, UINT64_MAX },
		{ "n=0x10000000000000000", false, 0 },
		{ "n=0XAbC", true, 0xabc },
		{ "n=18446744073709551k", true, 18446744073709551000ull },
		{ "n=18446744073709552k", false, 0 },
		{ "n=18446744073G", true, 18446744073000000000ull },
		{ "n=18446744074G", false, 0 },
		{ "n=2M", true, 2000000 },
		{ "n=3K", true, 3000 },
		{ "n=0x10k", true, 16000 },
		{ "n=007", true, 7 },
		{ "n=0", true, 0 },
		{ "n=0x", false, 0 },
		{ "n=k", false, 0 },
		{ "n=0xk", false, 0 },
		{ "n=1kk", false, 0 },
		{ "n=1m", false, 0 },
		{ "n=1T", false, 0 },
		{ "n=+1", false, 0 },
		{ "n=1.5k", false, 0 },
		{ "n=0x1g", false, 0 },
		{ "r=4", false, 0 },
		{ "r=5", true, 5 },
		{ "r=7", true, 7 },
		{ "r=8", false, 0 },
	};

	for (size_t i = 0; i < N(cases); i++) {
		int rc = parse(any, N(any), cases[i].text);
		size_t idx = cases[i].text[0] == 'n' ? 0 : 1;

		if (cases[i].ok) {
			CHECK_EQ_U64(rc, 0);
			CHECK_EQ_U64(vals[idx].v[0], cases[i].v);
		} else {
			CHECK_EQ_U64(rc, OPT_ERR_VALUE);
		}
		if ((rc == 0) != cases[i].ok)
			printf("  case \"%s\"\n", cases[i].text);
	}
}


/* The referee: strtoull for the digits, __int128 for the suffix. */
static bool model_uint(const char *s, uint64_t *out)
{
	size_t n = strlen(s), i = 0;
	int base = 10;
	unsigned __int128 mult = 1, r;
	char body[64];
	char *end;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (n > i && strchr("kKMG", s[n - 1])) {
		mult = s[n - 1] == 'k' || s[n - 1] == 'K' ? 1000 :
		       s[n - 1] == 'M' ? 1000000 : 1000000000;
		n--;
	}
	if (n == i || n - i >= sizeof(body))
		return false;
	memcpy(body, s + i, n - i);
	body[n - i] = '\0';
	for (char *c = body; *c; c++)
		if (base == 16 ? !isxdigit((unsigned char)*c) : !isdigit((unsigned char)*c))
			return false;
	errno = 0;
	r = strtoull(body, &end, base);
	if (errno == ERANGE || *end)
		return false;
	r *= mult;
	if (r > UINT64_MAX)
		return false;
	*out = (uint64_t)r;
	return true;
}

static void test_uint_vs_strtoull(void)
{
	static const struct opt_spec any[] = { { "n", OPT_UINT, NULL, 0, UINT64_MAX, NULL, "", 1 } };
	static const char *const prefixes[] = { "", "", "0x", "0X" };
	static const char *const suffixes[] = { "", "", "k", "K", "M", "G", "x", "kk" };
	static const char chars[] = "0123456789abcdefABCDEF0000999fffx-+.g";
	char word[80];
	int accepted = 0, rejected = 0;

	for (int iter = 0; iter < 200000; iter++) {
		const char *pre = prefixes[check_rand() % N(prefixes)];
		size_t nd = check_rand() % 23;
		char *w = word + sprintf(word, "n=%s", pre);
		uint64_t want = 0;
		bool ok;
		int rc;

		for (size_t i = 0; i < nd; i++) {
			/* Mostly valid digits, sometimes a junk character. */
			if (check_rand() % 16)
				*w++ = *pre ? "0123456789abcdefABCDEF"[check_rand() % 22] : (char)('0' + check_rand() % 10);
			else
				*w++ = chars[check_rand() % (sizeof(chars) - 1)];
		}
		strcpy(w, suffixes[check_rand() % N(suffixes)]);
		ok = model_uint(word + 2, &want);
		rc = parse(any, 1, word);
		CHECK_EQ_U64(rc == 0, ok);
		if (ok && rc == 0)
			CHECK_EQ_U64(vals[0].v[0], want);
		if ((rc == 0) != ok)
			printf("  word \"%s\"\n", word);
		accepted += ok;
		rejected += !ok;
		if (check_failed_in_test)
			break;
	}
	/* Both outcomes must be well represented for this to mean much. */
	CHECK(accepted > 50000 && rejected > 20000);
}

/* Random valid words; the model keeps the last value per option. */
static void test_random_cmdlines(void)
{
	static const char *const spaces[] = { " ", "  ", "\t", "\n", " \r\n" };

	for (int iter = 0; iter < 20000; iter++) {
		char line[1024] = "";
		uint64_t want_exit = 0, want_packets = 100000, want_pol[OPT_MAX_LIST] = { 0 };
		unsigned want_npol = 1;
		bool set[3] = { false, false, false };
		int nwords = (int)(check_rand() % 8);

		strcat(line, spaces[check_rand() % N(spaces)]);
		for (int i = 0; i < nwords; i++) {
			char *w = line + strlen(line);

			switch (check_rand() % 3) {
			case 0:
				want_exit = check_rand() % 3;
				sprintf(w, "exit=%s", exit_choices[want_exit]);
				set[0] = true;
				break;
			case 1:
				want_packets = 1 + check_rand() % 10000000;
				sprintf(w, check_rand() % 2 ? "packets=%llu" : "packets=0x%llx",
					(unsigned long long)want_packets);
				set[1] = true;
				break;
			default:
				want_npol = 1 + (unsigned)(check_rand() % OPT_MAX_LIST);
				strcpy(w, "policy=");
				for (unsigned j = 0; j < want_npol; j++) {
					want_pol[j] = check_rand() % 3;
					sprintf(w + strlen(w), "%s%s", j ? "," : "",
						policies[want_pol[j]]);
				}
				set[2] = true;
			}
			strcat(line, spaces[check_rand() % N(spaces)]);
		}
		CHECK_EQ_U64(parse(full, N(full), line), 0);
		CHECK_EQ_U64(vals[0].v[0], want_exit);
		CHECK_EQ_U64(vals[1].v[0], want_packets);
		CHECK_EQ_U64(vals[2].count, want_npol);
		for (unsigned j = 0; j < want_npol; j++)
			CHECK_EQ_U64(vals[2].v[j], want_pol[j]);
		for (int k = 0; k < 3; k++)
			CHECK_EQ_U64(vals[k].set_by_user, set[k]);
		if (check_failed_in_test) {
			printf("  line \"%s\"\n", line);
			break;
		}
	}
}

struct capture {
	char text[2048];
	size_t len;
};

static void capture_out(void *ctx, const char *s, size_t n)
{
	struct capture *c = ctx;

	if (c->len + n < sizeof(c->text)) {
		memcpy(c->text + c->len, s, n);
		c->len += n;
		c->text[c->len] = '\0';
	}
}

static void test_help(void)
{
	struct capture c = { "", 0 };
	int n = opt_help(full, N(full), capture_out, &c);
	const char *col = NULL;
	long dcol = -1;

	CHECK_EQ_U64(n, c.len);
	CHECK(strstr(c.text, "  exit=qemu|halt|reboot ") != NULL);
	CHECK(strstr(c.text, "  packets=1..10000000 ") != NULL);
	CHECK(strstr(c.text, "  policy=strict|batched|lazy,... ") != NULL);
	CHECK(strstr(c.text, "  sizes=64..9000,... ") != NULL);
	CHECK(strstr(c.text, "default 64,1500  packet sizes\n") != NULL);
	CHECK(strstr(c.text, "default none") != NULL);
	CHECK(strstr(c.text, "suffix k, M or G (x1000, x1000000, x1000000000)\n") != NULL);
	/* The default column lines up across the option lines. */
	for (const char *line = strchr(c.text, '\n') + 1; (col = strstr(line, " default ")) != NULL;
	     line = strchr(line, '\n') + 1) {
		if (dcol < 0)
			dcol = col - line;
		CHECK_EQ_U64(col - line, dcol);
	}
	CHECK(dcol > 0);
}

int main(void)
{
	check_rng_state = 0x243f6a8885a308d3ull;
	RUN_TEST("options", test_defaults);
	RUN_TEST("options", test_override_and_whitespace);
	RUN_TEST("options", test_error_messages);
	RUN_TEST("options", test_list_errors);
	RUN_TEST("options", test_bad_word_keeps_old_value);
	RUN_TEST("options", test_spec_errors);
	RUN_TEST("options", test_list_capacity);
	RUN_TEST("options", test_lookup);
	RUN_TEST("options", test_small_error_buffer);
	RUN_TEST("options", test_uint_edges);
	RUN_TEST("options", test_uint_vs_strtoull);
	RUN_TEST("options", test_random_cmdlines);
	RUN_TEST("options", test_help);
	return CHECK_EXIT_STATUS();
}
