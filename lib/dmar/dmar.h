/* ACPI DMAR table (Intel VT-d, spec chapter 8): validation, decoding and
 * printing. Plain C over a caller-supplied buffer, no hardware access and no
 * allocation, so the kernel and the host tool dmardump share it.
 *
 * Use: dmar_parse() checks the whole table once and reports every problem
 * through a print callback; when it returns 0, walk the remapping structures
 * with dmar_iter_*() and each structure's device scopes with dmar_scope_*().
 * The iterators are bounds-checked on their own as well: on a table that
 * failed dmar_parse() they stop early instead of reading outside it.
 * Where each field sits and how it prints: dmar_layout.h. */
#ifndef LIB_DMAR_DMAR_H
#define LIB_DMAR_DMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/page.h"

/* printf-like output: the kernel passes its console printf, the host a
 * vprintf wrapper. Only plain C99 conversions are used (no %b, no floats). */
typedef void (*dmar_print_fn)(void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Error codes returned by dmar_parse(); the message says which structure. */
#define DMAR_EINVAL	(-1)	/* NULL table pointer */
#define DMAR_ESHORT	(-2)	/* buffer or header length too small for a DMAR header */
#define DMAR_ESIG	(-3)	/* signature is not "DMAR" */
#define DMAR_ELENGTH	(-4)	/* a structure or scope length is zero, short or overruns */
#define DMAR_EFIELD	(-5)	/* a field holds a value the spec forbids */
#define DMAR_ELIMIT	(-6)	/* more DRHDs than the checks between structures have
				 * room for (see struct dmar_scratch) */

#define DMAR_HEADER_LEN		48	/* VT-d spec 8.1 */

/* DMAR header flags. VT-d spec 8.1 */
#define DMAR_INTR_REMAP			(1u << 0)
#define DMAR_X2APIC_OPT_OUT		(1u << 1)
#define DMAR_DMA_CTRL_PLATFORM_OPT_IN	(1u << 2)

/* Remapping structure types. VT-d spec 8.2 */
#define DMAR_TYPE_DRHD	0	/* remapping hardware unit */
#define DMAR_TYPE_RMRR	1	/* reserved memory region */
#define DMAR_TYPE_ATSR	2	/* root port ATS capability */
#define DMAR_TYPE_RHSA	3	/* remapping unit NUMA affinity */
#define DMAR_TYPE_ANDD	4	/* ACPI namespace device declaration */
#define DMAR_TYPE_SATC	5	/* SoC integrated ATC */
#define DMAR_TYPE_SIDP	6	/* SoC integrated device properties */
#define DMAR_NTYPES	7	/* types this parser decodes; others are skipped */

/* DRHD flags. VT-d spec 8.3 */
#define DMAR_DRHD_INCLUDE_PCI_ALL	(1u << 0)
#define DMAR_DRHD_SIZE_MASK		0x0fu	/* in the Size byte */
/* ATSR flags. VT-d spec 8.5 */
#define DMAR_ATSR_ALL_PORTS		(1u << 0)
/* SATC flags. VT-d spec 8.8 */
#define DMAR_SATC_ATC_REQUIRED		(1u << 0)

/* Device scope entry types. VT-d spec 8.3.1 */
#define DMAR_SCOPE_ENDPOINT	1	/* PCI endpoint device */
#define DMAR_SCOPE_BRIDGE	2	/* PCI bridge and the hierarchy below it */
#define DMAR_SCOPE_IOAPIC	3	/* enumeration id is the I/OxAPIC id */
#define DMAR_SCOPE_HPET		4	/* enumeration id is the HPET number */
#define DMAR_SCOPE_NAMESPACE	5	/* enumeration id is an ANDD device number */
#define DMAR_SCOPE_HDR_LEN	6

/* Device scope flags, meaningful in SIDP scopes. VT-d spec 8.3.1 (rev 4.1) */
#define DMAR_SCOPE_REQ_WO_PASID_NESTED_NOTALLOWED	(1u << 0)
#define DMAR_SCOPE_REQ_WO_PASID_PWSNP_NOTALLOWED	(1u << 1)
#define DMAR_SCOPE_REQ_WO_PASID_PGSNP_NOTALLOWED	(1u << 2)
#define DMAR_SCOPE_ATC_HARDENED				(1u << 3)
#define DMAR_SCOPE_ATC_REQUIRED				(1u << 4)

/* A validated table. Fields mirror the header; `data` points into the
 * caller's buffer, which must outlive this struct. */
struct dmar_table {
	const uint8_t *data;
	uint32_t length;		/* header length, never more than the buffer */
	uint8_t revision;
	uint8_t checksum;
	bool checksum_ok;
	uint8_t haw;			/* raw Host Address Width byte: bits - 1 */
	uint8_t flags;			/* DMAR_INTR_REMAP... */
	uint32_t oem_revision;
	uint32_t creator_revision;
	/* Counts of each structure type; [DMAR_NTYPES] counts unknown ones. */
	uint32_t count[DMAR_NTYPES + 1];
	uint32_t errors;		/* as reported by dmar_parse */
	uint32_t warnings;
	uint32_t first_error_offset;	/* table offset the first error names */
};

/* One hop of a scope's path from its start bus (VT-d spec 8.3.1). */
struct dmar_pci_path {
	uint8_t device;
	uint8_t function;
};
_Static_assert(sizeof(struct dmar_pci_path) == 2, "matches the table layout");

/* One device scope entry, decoded. The path points into the table; the
 * kernel resolves it by walking bridges from start_bus (VT-d spec 8.3.1). */
struct dmar_scope {
	uint32_t offset;		/* in the table */
	uint8_t type;			/* DMAR_SCOPE_* */
	uint8_t length;
	uint8_t flags;			/* DMAR_SCOPE_REQ_* / ATC_* */
	uint8_t reserved;
	uint8_t enumeration_id;
	uint8_t start_bus;
	uint32_t path_len;		/* number of path entries */
	const struct dmar_pci_path *path;
};

/* One remapping structure, decoded. Which union member is valid follows
 * `type`; unknown types carry only the header and `raw`. */
struct dmar_struct {
	uint32_t offset;		/* in the table */
	uint16_t type;
	uint16_t length;
	const uint8_t *raw;		/* `length` bytes */
	uint32_t scope_offset;		/* device scopes: table offset and bytes; */
	uint32_t scope_length;		/* 0 for types without scopes */
	union {
		struct {
			uint8_t flags;		/* DMAR_DRHD_INCLUDE_PCI_ALL */
			uint8_t size;		/* raw Size byte */
			uint16_t segment;
			uint64_t reg_base;
		} drhd;
		struct {
			uint16_t reserved;
			uint16_t segment;
			uint64_t base;
			uint64_t limit;		/* inclusive */
		} rmrr;
		struct {
			uint8_t flags;		/* DMAR_ATSR_ALL_PORTS */
			uint8_t reserved;
			uint16_t segment;
		} atsr;
		struct {
			uint32_t reserved;
			uint64_t reg_base;
			uint32_t proximity_domain;
		} rhsa;
		struct {
			uint8_t reserved[3];
			uint8_t device_number;
			const char *name;	/* not NUL-terminated within name_len */
			uint32_t name_len;	/* bytes before the NUL or the end */
		} andd;
		struct {
			uint8_t flags;		/* DMAR_SATC_ATC_REQUIRED */
			uint8_t reserved;
			uint16_t segment;
		} satc;
		struct {
			uint16_t reserved;
			uint16_t segment;
		} sidp;
	};
};

struct dmar_iter {
	const struct dmar_table *t;
	uint32_t pos;
};

struct dmar_scope_iter {
	const struct dmar_table *t;
	uint32_t pos, end;
};

/* Validates buf[0..buflen) as a DMAR table and fills *t. Every error and
 * warning goes to diag (may be NULL) as one line "dmar: error: ..." or
 * "dmar: warning: ...". Returns 0, or the first error's DMAR_E* code; a bad
 * checksum is only a warning. Never reads outside the buffer. */
int dmar_parse(struct dmar_table *t, const void *buf, size_t buflen,
	       dmar_print_fn diag, void *ctx);

/* Room for the checks between structures, which sort the DRHDs instead of
 * comparing each with every other: two slots per DRHD. dmar_parse() lends
 * them room for DMAR_PARSE_MAX_DRHD on its stack, far above the few dozen
 * units real platforms have (and the kernel's VTD_MAX_UNITS); a table with
 * more fails with DMAR_ELIMIT, naming the first DRHD past the limit. */
#define DMAR_PARSE_MAX_DRHD	512

struct dmar_scratch {
	uint32_t *slot;
	uint32_t nslots;
	uint64_t comparisons;	/* out: key comparisons the sorts and look-ups made */
};

/* dmar_parse() with the caller's scratch, for callers that check tables
 * with more DRHDs, and for tests that count the comparisons. */
int dmar_parse_scratch(struct dmar_table *t, const void *buf, size_t buflen,
		       dmar_print_fn diag, void *ctx, struct dmar_scratch *scratch);

void dmar_iter_start(struct dmar_iter *it, const struct dmar_table *t);
/* Fills *s with the next structure; false at the end or at a broken one. */
bool dmar_iter_next(struct dmar_iter *it, struct dmar_struct *s);

void dmar_scope_start(struct dmar_scope_iter *si, const struct dmar_table *t,
		      const struct dmar_struct *s);
/* Fills *sc with the next scope of the structure; false at the end. */
bool dmar_scope_next(struct dmar_scope_iter *si, struct dmar_scope *sc);

/* The single steps under the iterators: decode the structure at table
 * offset `off`, or the scope at `off` inside a structure's scope bytes
 * ending at `end`. False when the record is cut short or overruns. */
bool dmar_struct_at(const struct dmar_table *t, uint32_t off, struct dmar_struct *s);
bool dmar_scope_at(const struct dmar_table *t, uint32_t off, uint32_t end,
		   struct dmar_scope *sc);
/* Fixed-part length of a structure type; 4 (the header) for unknown types. */
uint32_t dmar_struct_min_len(uint16_t type);

/* Short and long names: "DRHD", "Hardware Unit Definition"; NULL if unknown. */
const char *dmar_type_name(uint16_t type);
const char *dmar_type_title(uint16_t type);
/* "PCI endpoint", "IOAPIC"...; NULL if reserved. */
const char *dmar_scope_type_name(uint8_t type);

/* Largest DMA address width in bits. VT-d spec 8.1 */
static inline unsigned dmar_haw_bits(const struct dmar_table *t)
{
	return t->haw + 1u;
}

/* Bytes of a DRHD's register set: 2^Size 4 KiB pages. VT-d spec 8.3 */
static inline uint64_t dmar_reg_set_size(uint8_t size_byte)
{
	return PAGE_SIZE << (size_byte & DMAR_DRHD_SIZE_MASK);
}

static inline uint64_t dmar_drhd_reg_size(const struct dmar_struct *s)
{
	return dmar_reg_set_size(s->drhd.size);
}

/* A few lines: header, counts, one line per DRHD and RMRR. */
void dmar_print_summary(const struct dmar_table *t, dmar_print_fn pr, void *ctx);
/* Every field, laid out like `iasl -d` output. */
void dmar_print_decoded(const struct dmar_table *t, dmar_print_fn pr, void *ctx);

#endif
