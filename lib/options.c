/* Command-line option parser. Words are never copied or NUL-terminated:
 * every piece of text is a (pointer, length) slice of the command line,
 * so there is no fixed limit on word length. */
#include "lib/options.h"
#include "lib/string.h"

/* The message buffer: appends with truncation, always NUL-terminated. */
struct errbuf {
	char *buf;
	size_t size;
	size_t pos;
};

static void eb_add(struct errbuf *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void eb_add(struct errbuf *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->size == 0 || e->pos >= e->size - 1)
		return;
	va_start(ap, fmt);
	n = fmt_vsnprintf(e->buf + e->pos, e->size - e->pos, fmt, ap);
	va_end(ap);
	e->pos += (size_t)n;
	if (e->pos > e->size - 1)
		e->pos = e->size - 1;
}

/* Quotes user text; control bytes become '?' so the message stays on one
 * line of a serial log. */
static void eb_quote(struct errbuf *e, const char *s, size_t n)
{
	eb_add(e, "'");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		eb_add(e, "%c", c < 0x20 || c >= 0x7f ? '?' : (char)c);
	}
	eb_add(e, "'");
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_list(enum opt_kind k)
{
	return k == OPT_ENUM_LIST || k == OPT_UINT_LIST;
}

static bool is_enum(enum opt_kind k)
{
	return k == OPT_ENUM || k == OPT_ENUM_LIST;
}

static bool slice_eq(const char *s, size_t n, const char *z)
{
	return strncmp(s, z, n) == 0 && z[n] == '\0';
}

/* Multiplies with an overflow check; false on overflow. */
static bool mul_ok(uint64_t *v, uint64_t m)
{
	if (m != 0 && *v > UINT64_MAX / m)
		return false;
	*v *= m;
	return true;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Decimal or 0x hex with an optional k/K/M/G suffix (powers of 1000, as
 * packet counts and rates are usually written); false on any junk. */
static bool parse_uint(const char *s, size_t n, uint64_t *out)
{
	uint64_t base = 10, v = 0, mult = 1;
	size_t i = 0, ndigits = 0;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (n > i) {
		switch (s[n - 1]) {
		case 'k': case 'K': mult = 1000; n--; break;
		case 'M': mult = 1000000; n--; break;
		case 'G': mult = 1000000000; n--; break;
		}
	}
	for (; i < n; i++, ndigits++) {
		uint64_t d = (uint64_t)digit_value(s[i]);

		if (d >= base || !mul_ok(&v, base) || v > UINT64_MAX - d)
			return false;
		v += d;
	}
	if (ndigits == 0 || !mul_ok(&v, mult))
		return false;
	*out = v;
	return true;
}

/* Parses one scalar (or one list element) of spec. */
static bool parse_scalar(const struct opt_spec *sp, const char *s, size_t n, uint64_t *out)
{
	if (is_enum(sp->kind)) {
		for (uint64_t i = 0; sp->choices[i]; i++) {
			if (slice_eq(s, n, sp->choices[i])) {
				*out = i;
				return true;
			}
		}
		return false;
	}
	return parse_uint(s, n, out) && *out >= sp->min && *out <= sp->max;
}

/* "(valid values: a, b, c)" or "(expected an integer from 1 to 10)". */
static void eb_accepts(struct errbuf *e, const struct opt_spec *sp)
{
	if (is_enum(sp->kind)) {
		eb_add(e, "(valid values: ");
		for (size_t i = 0; sp->choices[i]; i++)
			eb_add(e, "%s%s", i ? ", " : "", sp->choices[i]);
		eb_add(e, ")");
	} else {
		eb_add(e, "(expected an integer from %llu to %llu)",
		       (unsigned long long)sp->min, (unsigned long long)sp->max);
	}
}

/* "bad value" for user input, "bad default" for the spec's own text. */
static void eb_bad(struct errbuf *e, bool is_default, const char *s, size_t n)
{
	eb_add(e, "bad %s ", is_default ? "default" : "value");
	eb_quote(e, s, n);
}

/* Parses the text of one value (scalar or list) into *v. */
static int parse_value(const struct opt_spec *sp, const char *s, size_t n,
		       struct opt_value *v, struct errbuf *e, bool is_default)
{
	size_t start = 0;

	if (n == 0 && !is_default) {
		eb_add(e, "option '%s' needs a value (%s=...)", sp->name, sp->name);
		return OPT_ERR_NOVALUE;
	}
	if (!is_list(sp->kind) || n == 0) {
		if (parse_scalar(sp, s, n, &v->v[0])) {
			v->count = 1;
			return 0;
		}
		eb_bad(e, is_default, s, n);
		eb_add(e, " for '%s' ", sp->name);
		eb_accepts(e, sp);
		return is_default ? OPT_ERR_SPEC : OPT_ERR_VALUE;
	}

	v->count = 0;
	while (start <= n) {
		size_t end = start;

		while (end < n && s[end] != ',')
			end++;
		if (end == start || v->count == sp->max_count) {
			eb_bad(e, is_default, s, n);
			if (end == start)
				eb_add(e, " for '%s' (empty list element)", sp->name);
			else
				eb_add(e, " for '%s' (more than %u list elements)",
				       sp->name, sp->max_count);
			return is_default ? OPT_ERR_SPEC : OPT_ERR_LIST;
		}
		if (!parse_scalar(sp, s + start, end - start, &v->v[v->count])) {
			eb_bad(e, is_default, s + start, end - start);
			eb_add(e, " in ");
			eb_quote(e, s, n);
			eb_add(e, " for '%s' ", sp->name);
			eb_accepts(e, sp);
			return is_default ? OPT_ERR_SPEC : OPT_ERR_VALUE;
		}
		v->count++;
		start = end + 1;
	}
	return 0;
}

/* Catches table mistakes early, where they are easy to find. */
static int check_specs(const struct opt_spec *specs, size_t nspecs, struct errbuf *e)
{
	for (size_t i = 0; i < nspecs; i++) {
		const struct opt_spec *sp = &specs[i];
		const char *why = NULL;

		if (!sp->name || !sp->name[0] || strchr(sp->name, '='))
			why = "name missing or contains '='";
		else if (sp->kind > OPT_UINT_LIST)
			why = "unknown kind";
		else if (is_enum(sp->kind) && (!sp->choices || !sp->choices[0]))
			why = "no choices";
		else if (!is_enum(sp->kind) && sp->min > sp->max)
			why = "min > max";
		else if (is_list(sp->kind) ? sp->max_count < 1 || sp->max_count > OPT_MAX_LIST :
					     sp->max_count != 1)
			why = "max_count is not 1 (scalar) or 1 to OPT_MAX_LIST (list)";
		for (size_t j = 0; !why && j < i; j++)
			if (strcmp(specs[j].name, sp->name) == 0)
				why = "duplicate name";
		if (why) {
			eb_add(e, "bad option table entry %zu ('%s'): %s", i,
			       sp->name ? sp->name : "(null)", why);
			return OPT_ERR_SPEC;
		}
	}
	return 0;
}

static const struct opt_spec *find_spec(const struct opt_spec *specs, size_t nspecs,
					const char *s, size_t n, size_t *index)
{
	for (size_t i = 0; i < nspecs; i++) {
		if (slice_eq(s, n, specs[i].name)) {
			*index = i;
			return &specs[i];
		}
	}
	return NULL;
}

static void eb_valid_options(struct errbuf *e, const struct opt_spec *specs, size_t nspecs)
{
	eb_add(e, "(valid options: ");
	for (size_t i = 0; i < nspecs; i++)
		eb_add(e, "%s%s", i ? ", " : "", specs[i].name);
	eb_add(e, ")");
}

/* The next word of *p, advancing *p past it; false at the end. */
static bool next_word(const char **p, const char **w, size_t *n)
{
	while (is_space(**p))
		(*p)++;
	if (!**p)
		return false;
	*w = *p;
	while (**p && !is_space(**p))
		(*p)++;
	*n = (size_t)(*p - *w);
	return true;
}

static size_t key_length(const char *w, size_t n)
{
	size_t klen = 0;

	while (klen < n && w[klen] != '=')
		klen++;
	return klen;
}

/* The value of word w (key klen bytes long) as sp's: "key" alone and
 * "key=" are the same mistake. Only a fully valid word changes *out. */
static int parse_word_value(const struct opt_spec *sp, const char *w, size_t n, size_t klen,
			    struct opt_value *out, struct errbuf *e)
{
	struct opt_value v;
	size_t skip = klen + (klen < n);
	int rc;

	memset(&v, 0, sizeof(v));
	rc = parse_value(sp, w + skip, n - skip, &v, e, false);
	if (rc)
		return rc;
	v.set_by_user = true;
	*out = v;
	return 0;
}

/* Handles one key=value word. */
static int parse_word(const struct opt_spec *specs, size_t nspecs, struct opt_value *values,
		      const char *w, size_t n, struct errbuf *e)
{
	size_t klen = key_length(w, n), index;
	const struct opt_spec *sp;

	sp = find_spec(specs, nspecs, w, klen, &index);
	if (!sp) {
		eb_add(e, "unknown option ");
		eb_quote(e, w, klen);
		eb_add(e, " ");
		eb_valid_options(e, specs, nspecs);
		return OPT_ERR_UNKNOWN;
	}
	return parse_word_value(sp, w, n, klen, &values[index], e);
}

/* Defaults first: values[i] for specs[i]. */
static int set_defaults(const struct opt_spec *specs, size_t nspecs, struct opt_value *values,
			struct errbuf *e)
{
	for (size_t i = 0; i < nspecs; i++) {
		memset(&values[i], 0, sizeof(values[i]));
		if (specs[i].def) {
			int rc = parse_value(&specs[i], specs[i].def, strlen(specs[i].def),
					     &values[i], e, true);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int opt_parse(const struct opt_spec *specs, size_t nspecs, struct opt_value *values,
	      const char *cmdline, char *err, size_t errlen)
{
	struct errbuf e = { err, errlen, 0 };
	const char *p = cmdline ? cmdline : "";
	const char *w;
	size_t n;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	rc = check_specs(specs, nspecs, &e);
	if (!rc)
		rc = set_defaults(specs, nspecs, values, &e);
	while (!rc && next_word(&p, &w, &n))
		rc = parse_word(specs, nspecs, values, w, n, &e);
	return rc;
}

int opt_lookup(const struct opt_spec *spec, const char *cmdline, struct opt_value *value,
	       char *err, size_t errlen)
{
	struct errbuf e = { err, errlen, 0 };
	const char *p = cmdline ? cmdline : "";
	const char *w;
	size_t n;
	int rc, last_bad = 0;

	if (errlen > 0)
		err[0] = '\0';
	rc = check_specs(spec, 1, &e);
	if (!rc)
		rc = set_defaults(spec, 1, value, &e);
	if (rc) {
		memset(value, 0, sizeof(*value));
		return rc;
	}
	while (next_word(&p, &w, &n)) {
		size_t klen = key_length(w, n);

		if (!slice_eq(w, klen, spec->name))
			continue;
		/* The message describes the last bad word only. */
		struct errbuf word_err = { err, errlen, 0 };
		rc = parse_word_value(spec, w, n, klen, value, &word_err);
		if (rc)
			last_bad = rc;
	}
	return last_bad;
}

/* Help output goes through the caller's sink; this counts what it sent. */
struct help_sink {
	fmt_out_fn out;
	void *ctx;
	size_t count;
};

static void help_count_out(void *ctx, const char *s, size_t n)
{
	(void)s;
	*(size_t *)ctx += n;
}

static void hs_add(struct help_sink *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void hs_add(struct help_sink *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h->count += (size_t)fmt_vformat(h->out, h->ctx, fmt, ap);
	va_end(ap);
}

/* "name=a|b|c", "name=1..100", with ",..." for lists. */
static void usage(struct help_sink *h, const struct opt_spec *sp)
{
	hs_add(h, "%s=", sp->name);
	if (is_enum(sp->kind)) {
		for (size_t i = 0; sp->choices[i]; i++)
			hs_add(h, "%s%s", i ? "|" : "", sp->choices[i]);
	} else {
		hs_add(h, "%llu..%llu", (unsigned long long)sp->min,
		       (unsigned long long)sp->max);
	}
	if (is_list(sp->kind))
		hs_add(h, ",...");
}

static size_t usage_len(const struct opt_spec *sp)
{
	size_t n = 0;
	struct help_sink h = { help_count_out, &n, 0 };

	usage(&h, sp);
	return n;
}

int opt_help(const struct opt_spec *specs, size_t nspecs, fmt_out_fn out, void *ctx)
{
	struct help_sink h = { out, ctx, 0 };
	size_t uw = 0, dw = 0;

	/* Column widths, so the table lines up on a serial console. */
	for (size_t i = 0; i < nspecs; i++) {
		size_t u = usage_len(&specs[i]);
		size_t d = specs[i].def ? strlen(specs[i].def) : 4;

		uw = u > uw ? u : uw;
		dw = d > dw ? d : dw;
	}
	hs_add(&h, "options (key=value words separated by spaces; a later word wins):\n");
	for (size_t i = 0; i < nspecs; i++) {
		size_t u = usage_len(&specs[i]);

		hs_add(&h, "  ");
		usage(&h, &specs[i]);
		hs_add(&h, "%*s  default %-*s  %s\n", (int)(uw - u), "", (int)dw,
		       specs[i].def ? specs[i].def : "none",
		       specs[i].help ? specs[i].help : "");
	}
	hs_add(&h, "integers: decimal or 0x hex, optional suffix k, M or G "
		   "(x1000, x1000000, x1000000000)\n"
		   "lists: comma-separated, at most %d elements\n", OPT_MAX_LIST);
	return h.count > 0x7fffffff ? 0x7fffffff : (int)h.count;
}
