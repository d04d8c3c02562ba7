/* Kernel command line: space-separated key=value words checked against a
 * table of option specs. Later words override earlier ones. */
#ifndef LIB_OPTIONS_H
#define LIB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/fmt.h"

enum opt_kind { OPT_ENUM, OPT_UINT, OPT_ENUM_LIST, OPT_UINT_LIST };

#define OPT_MAX_LIST 16

/*
 * Value syntax:
 *  - enum: exactly one of choices (case-sensitive);
 *  - uint: decimal, or hex after 0x/0X, then an optional suffix k or K
 *    (x1000), M (x1000000) or G (x1000000000), in [min, max]. Leading
 *    zeros stay decimal. Overflow, signs, spaces and junk are rejected;
 *  - lists: elements separated by ',', none empty, 1 to max_count.
 */
struct opt_spec {
	const char *name;
	enum opt_kind kind;
	const char *const *choices; /* NULL-terminated, for ENUM kinds */
	uint64_t min, max;          /* for UINT kinds */
	const char *def;            /* default text, parsed like user input; NULL: none */
	const char *help;
	/* How many values the option takes: 1 for a scalar; for a list the
	 * room its reader has, 1 to OPT_MAX_LIST (more is an error, never a
	 * silent cut). */
	unsigned max_count;
};

/* An enum value is an index into choices. count is 1 for a scalar that has
 * a value, the element count for a list, 0 when there is no value. */
struct opt_value {
	bool set_by_user;
	unsigned count;
	uint64_t v[OPT_MAX_LIST];
};

/* Errors from opt_parse. */
#define OPT_ERR_UNKNOWN (-1) /* no such option */
#define OPT_ERR_NOVALUE (-2) /* "key" or "key=" */
#define OPT_ERR_VALUE   (-3) /* value not allowed for the option */
#define OPT_ERR_LIST    (-4) /* empty list element, or more than max_count */
#define OPT_ERR_SPEC    (-5) /* the spec table or a default is wrong */

/*
 * Fills values[i] for specs[i]: defaults first, then each word of cmdline
 * (NULL counts as empty). Whitespace is space, tab, CR, LF, VT and FF.
 * Returns 0, or an OPT_ERR_* with a one-line message in err (errlen > 0)
 * naming the option and what it accepts. After a bad word, values holds
 * the defaults and the words before it; after OPT_ERR_SPEC, nothing useful.
 */
int opt_parse(const struct opt_spec *specs, size_t nspecs, struct opt_value *values,
	      const char *cmdline, char *err, size_t errlen);

/*
 * Reads the one option spec from cmdline leniently, for a reader that needs
 * it before the full parse or without the rest of the table (the kernel's
 * early console and exit mode, the loader): words naming other options are
 * skipped, and so is a word naming this one with a bad value. The last good
 * word wins. *value gets the default first; value->set_by_user says whether
 * a good word was found. Returns 0, or the OPT_ERR_* of the last bad word
 * naming the option (described in err as opt_parse would), or OPT_ERR_SPEC.
 */
int opt_lookup(const struct opt_spec *spec, const char *cmdline, struct opt_value *value,
	       char *err, size_t errlen);

/* Prints a usage table: one line per option (name=values, default, help)
 * and the number syntax. Returns the number of characters printed. */
int opt_help(const struct opt_spec *specs, size_t nspecs, fmt_out_fn out, void *ctx);

#endif
