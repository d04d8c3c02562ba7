/* libFuzzer target for the DMAR parser (lib/dmar/), built with ASan and
 * UBSan by tests/dmar/dmar.mk. Beyond "no crash, no out-of-bounds read, no
 * hang", it checks what the kernel relies on: a table dmar_parse() accepts
 * is tiled exactly by its structures, and each structure by its scopes. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dmar/dmar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Formats every message, so bad format arguments show up too. */
static void sink(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sink(void *ctx, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

#define INVARIANT(c)								\
	do {									\
		if (!(c)) {							\
			fprintf(stderr, "invariant broken: %s (line %d)\n", #c,	\
				__LINE__);					\
			abort();						\
		}								\
	} while (0)

static void walk_scopes(const struct dmar_table *t, const struct dmar_struct *s, int rc)
{
	struct dmar_scope_iter si;
	struct dmar_scope sc;
	uint32_t pos = s->scope_offset, end = s->scope_offset + s->scope_length;
	volatile uint8_t touch = 0;

	INVARIANT(end <= s->offset + s->length);
	dmar_scope_start(&si, t, s);
	while (dmar_scope_next(&si, &sc)) {
		INVARIANT(sc.offset == pos);
		INVARIANT(sc.length >= DMAR_SCOPE_HDR_LEN && sc.offset + sc.length <= end);
		INVARIANT(6 + 2 * sc.path_len <= sc.length);
		for (uint32_t i = 0; i < sc.path_len; i++)	/* ASan checks these reads */
			touch ^= sc.path[i].device ^ sc.path[i].function;
		if (rc == 0)
			INVARIANT(sc.length == 6 + 2 * sc.path_len);
		pos += sc.length;
	}
	if (rc == 0)
		INVARIANT(pos == end);
	(void)touch;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmar_table t;
	struct dmar_iter it;
	struct dmar_struct s;
	uint32_t counts[DMAR_NTYPES + 1] = { 0 };
	uint32_t pos = DMAR_HEADER_LEN;
	int rc;

	rc = dmar_parse(&t, data, size, sink, NULL);
	INVARIANT(rc <= 0 && t.length <= size);
	INVARIANT((rc == 0) == (t.errors == 0));

	dmar_iter_start(&it, &t);
	while (dmar_iter_next(&it, &s)) {
		INVARIANT(s.offset == pos && s.length >= 4);
		INVARIANT(s.offset + s.length <= t.length);
		if (s.type == DMAR_TYPE_ANDD)
			INVARIANT(8 + s.andd.name_len <= s.length);
		walk_scopes(&t, &s, rc);
		counts[s.type < DMAR_NTYPES ? s.type : DMAR_NTYPES]++;
		pos += s.length;
	}
	if (rc == 0) {
		INVARIANT(pos == t.length);
		INVARIANT(memcmp(counts, t.count, sizeof(counts)) == 0);
	}

	/* The printers must survive whatever the parser let through. */
	dmar_print_summary(&t, sink, NULL);
	dmar_print_decoded(&t, sink, NULL);
	return 0;
}
