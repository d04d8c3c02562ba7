/* Every DMAR record described once (dmar_layout.c): the table header, each
 * remapping structure's fixed part, the device scope and its path entries.
 * A layout lists its fields (offset, width, name, how the value reads and
 * prints), the record's smallest legal length and what follows the fixed
 * part. All DMAR code works from these tables:
 *  - the parser's bounds: a structure's fixed-part length, where its device
 *    scopes start, a scope's header length (dmar.c, dmar_check.c);
 *  - the decoding into struct dmar_table / dmar_struct / dmar_scope;
 *  - the `iasl -d`-style decoding (dmar_print_decoded, the kernel's
 *    dmar=verbose) and `dmardump --fields`, which loop over the fields.
 * What stays type-specific is meaning, not layout: the value checks of
 * dmar_check.c, the ANDD name's pointer, the boot summary. */
#ifndef LIB_DMAR_DMAR_LAYOUT_H
#define LIB_DMAR_DMAR_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

/* How a field's bytes read. */
enum dmar_field_kind {
	DMAR_FIELD_HEX,		/* little-endian number, shown with 2 hex digits a byte */
	DMAR_FIELD_HEX_BYTEWISE,/* little-endian number that the decoding shows byte
				 * by byte in table order (see dmar_layout.c) */
	DMAR_FIELD_BYTES,	/* byte string, shown "00 00 00" */
	DMAR_FIELD_TEXT,	/* ASCII up to a NUL or the field's end, shown quoted */
	DMAR_FIELD_PATH,	/* PCI device and function, shown "1F,07" */
};

/* What the decoding adds in brackets after a field's value. */
enum dmar_field_note {
	DMAR_NOTE_NONE,
	DMAR_NOTE_SIGNATURE,	/* the table's name, "DMA Remapping table" */
	DMAR_NOTE_CHECKSUM,	/* "incorrect" when the bytes do not sum to 0 */
	DMAR_NOTE_HAW,		/* the address width in bits, value + 1 */
	DMAR_NOTE_FLAGS,	/* the names of the set bits, from `flags` */
	DMAR_NOTE_REG_SIZE,	/* a DRHD's register set, 2^(value & 0xf) 4 KiB pages */
	DMAR_NOTE_STRUCT_TYPE,	/* the structure type's title */
	DMAR_NOTE_SCOPE_TYPE,	/* the device scope type's name */
};

/* Names of the bits of a flags field. */
struct dmar_flag_names {
	const char *bit[8];	/* NULL: a reserved bit */
	bool show_reserved;	/* also show set reserved bits, "reserved 0x08" */
};

#define DMAR_NOT_DECODED (-1)

struct dmar_field {
	const char *label;	/* in the decoding; iasl's name for it (dmar_layout.c
				 * lists where they differ) */
	const char *key;	/* in `dmardump --fields` */
	uint8_t offset;		/* from the start of the record */
	uint8_t width;		/* bytes; 0: the rest of the record */
	uint8_t kind;		/* enum dmar_field_kind */
	uint8_t note;		/* enum dmar_field_note */
	int16_t decoded;	/* where dmar_layout_decode() stores the value in the
				 * decoded struct, or DMAR_NOT_DECODED */
	const struct dmar_flag_names *flags;	/* for DMAR_NOTE_FLAGS */
};

/* What follows a record's fixed part, up to the record's end. */
enum dmar_tail {
	DMAR_TAIL_NONE,
	DMAR_TAIL_SCOPES,	/* device scope entries (dmar_layout_scope) */
	DMAR_TAIL_PATH,		/* path entries (dmar_layout_path) */
};

struct dmar_layout {
	const char *name;	/* "DRHD"; NULL for records that are not structures */
	const char *title;	/* "Hardware Unit Definition", as iasl calls it */
	const char *key;	/* prefix of its fields in `dmardump --fields`: "drhd",
				 * "table"; NULL: none of its own */
	uint16_t min_len;	/* the fixed part, the smallest legal record length */
	uint8_t tail;		/* enum dmar_tail */
	uint8_t nfields;
	const struct dmar_field *fields;
};

/* The table header: bytes 0-35 common to every ACPI table, then the DMAR
 * fields up to DMAR_HEADER_LEN. Decoded into struct dmar_table. */
extern const struct dmar_layout dmar_layout_acpi_header;
extern const struct dmar_layout dmar_layout_dmar_header;
/* Type and length, which open every remapping structure (struct dmar_struct). */
extern const struct dmar_layout dmar_layout_struct_header;
/* A device scope entry (struct dmar_scope) and one entry of its PCI path. */
extern const struct dmar_layout dmar_layout_scope;
extern const struct dmar_layout dmar_layout_path;
/* The header flags, which the boot summary names too. */
extern const struct dmar_flag_names dmar_header_flag_names;

/* A remapping structure type's layout: its header and fixed part, which
 * the fields list from offset 4 on (after dmar_layout_struct_header's).
 * NULL for a type this parser does not know. */
const struct dmar_layout *dmar_layout_of(uint16_t type);

/* The field's value in the record starting at `rec`; widths 1 to 8. */
uint64_t dmar_field_value(const struct dmar_field *f, const uint8_t *rec);

/* The field's bytes in a record of rec_len bytes. */
static inline uint32_t dmar_field_width(const struct dmar_field *f, uint32_t rec_len)
{
	return f->width ? f->width : rec_len - f->offset;
}

/* Copies the decoded fields of the record at `rec` into *out, the struct
 * the layout decodes into (see above). The caller has checked that the
 * record holds the fixed part. */
void dmar_layout_decode(const struct dmar_layout *l, const uint8_t *rec, void *out);

#endif
