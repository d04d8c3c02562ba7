/* Shared by the two halves of dmar_parse(): dmar_check.c (header, lengths,
 * each structure on its own) and dmar_cross.c (rules between structures).
 * Private to lib/dmar/. */
#ifndef LIB_DMAR_DMAR_CHECK_INTERNAL_H
#define LIB_DMAR_DMAR_CHECK_INTERNAL_H

#include "lib/dmar/dmar.h"

struct dmar_check {
	struct dmar_table *t;
	dmar_print_fn diag;
	void *ctx;
	int first_error;
	bool walk_broken;	/* a length error hid part of the table */
	struct dmar_scratch *scratch;	/* for dmar_check_cross() */
	bool haw_plausible;	/* the host address width can bound addresses */
};

static inline void dmar_note_error(struct dmar_check *c, int code, uint32_t off)
{
	if (!c->t->errors++) {
		c->first_error = code;
		c->t->first_error_offset = off;
	}
}

/* Macros, not functions: the callback has no va_list form, so each message
 * is one printf call built from a literal. */
#define DMAR_ERR(c, code, off, fmt, ...)					\
	do {									\
		dmar_note_error((c), (code), (off));				\
		if ((c)->diag)							\
			(c)->diag((c)->ctx, "dmar: error: " fmt "\n", ##__VA_ARGS__); \
	} while (0)

#define DMAR_WARN(c, fmt, ...)							\
	do {									\
		(c)->t->warnings++;						\
		if ((c)->diag)							\
			(c)->diag((c)->ctx, "dmar: warning: " fmt "\n", ##__VA_ARGS__); \
	} while (0)

static inline const char *dmar_label(uint16_t type)
{
	const char *n = dmar_type_name(type);

	return n ? n : "structure";
}

/* Rules between structures, over a table whose every length checked out. */
void dmar_check_cross(struct dmar_check *c);

#endif
