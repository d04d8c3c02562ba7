/* The DMAR records, described once (see dmar_layout.h). Offsets and widths
 * come from the packed structs of dmar_acpi.h and the decoded structs of
 * dmar.h, so no number is written here, and a decoded member whose size
 * does not match its field's width does not compile.
 *
 * Labels are what `iasl -d` (ACPICA 20200925) prints, except:
 *  - DRHD byte 5 is "Size", as later VT-d revisions name it; iasl 20200925
 *    still calls it "Reserved";
 *  - device scope bytes 2-3 are "Flags" (VT-d 4.1) and "Reserved", one byte
 *    each; iasl prints one 2-byte "Reserved";
 *  - SATC and SIDP, which iasl 20200925 cannot decode, use the labels of
 *    the structures laid out like them.
 * And ANDD's Reserved shows byte by byte, see andd_fields below.
 * The tests map iasl's labels on their own (tests/dmar/iasl_fields.py), so
 * they do not take these names on trust. */
#include <stddef.h>

#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_acpi.h"
#include "lib/dmar/dmar_layout.h"
#include "lib/string.h"

#define MEMBER(st, m) (((struct st *)0)->m)
/* sizeof(a), and a compile error unless b has the same size. */
#define SAME_SIZE(a, b) (sizeof(a) + 0 * sizeof(char[sizeof(a) == sizeof(b) ? 1 : -1]))

/* Field m of the raw record `raw`, decoded into member d of struct `out`. */
#define DECODED(lbl, k, raw, m, out, d, kd, nt)					\
	{ .label = lbl, .key = k, .offset = offsetof(struct raw, m),		\
	  .width = SAME_SIZE(MEMBER(raw, m), MEMBER(out, d)), .kind = kd,	\
	  .note = nt, .decoded = offsetof(struct out, d) }
/* Field m of `raw`, printed but not decoded. */
#define SHOWN(lbl, k, raw, m, kd, nt)						\
	{ .label = lbl, .key = k, .offset = offsetof(struct raw, m),		\
	  .width = sizeof(MEMBER(raw, m)), .kind = kd, .note = nt,		\
	  .decoded = DMAR_NOT_DECODED }

#define NFIELDS(a) (uint8_t)(sizeof(a) / sizeof((a)[0]))

/* --- the table header. VT-d spec 8.1 --- */

_Static_assert(DMAR_INTR_REMAP == 1u << 0 && DMAR_X2APIC_OPT_OUT == 1u << 1 &&
	       DMAR_DMA_CTRL_PLATFORM_OPT_IN == 1u << 2, "header flag names");
const struct dmar_flag_names dmar_header_flag_names = {
	.bit = { "INTR_REMAP", "X2APIC_OPT_OUT", "DMA_CTRL_PLATFORM_OPT_IN" },
	.show_reserved = true,
};

#define HDR(lbl, k, m, d, kd, nt) DECODED(lbl, k, acpi_dmar_header, m, dmar_table, d, kd, nt)
#define HDR_SHOWN(lbl, k, m, kd, nt) SHOWN(lbl, k, acpi_dmar_header, m, kd, nt)

static const struct dmar_field acpi_header_fields[] = {
	HDR_SHOWN("Signature", "signature", signature, DMAR_FIELD_TEXT, DMAR_NOTE_SIGNATURE),
	HDR("Table Length", "length", length, length, DMAR_FIELD_HEX, DMAR_NOTE_NONE),
	HDR("Revision", "revision", revision, revision, DMAR_FIELD_HEX, DMAR_NOTE_NONE),
	HDR("Checksum", "checksum", checksum, checksum, DMAR_FIELD_HEX, DMAR_NOTE_CHECKSUM),
	HDR_SHOWN("Oem ID", "oem_id", oem_id, DMAR_FIELD_TEXT, DMAR_NOTE_NONE),
	HDR_SHOWN("Oem Table ID", "oem_table_id", oem_table_id, DMAR_FIELD_TEXT, DMAR_NOTE_NONE),
	HDR("Oem Revision", "oem_revision", oem_revision, oem_revision, DMAR_FIELD_HEX,
	    DMAR_NOTE_NONE),
	HDR_SHOWN("Asl Compiler ID", "creator_id", creator_id, DMAR_FIELD_TEXT, DMAR_NOTE_NONE),
	HDR("Asl Compiler Revision", "creator_revision", creator_revision, creator_revision,
	    DMAR_FIELD_HEX, DMAR_NOTE_NONE),
};

const struct dmar_layout dmar_layout_acpi_header = {
	.key = "table",
	.min_len = offsetof(struct acpi_dmar_header, host_addr_width),
	.nfields = NFIELDS(acpi_header_fields),
	.fields = acpi_header_fields,
};

static const struct dmar_field dmar_header_fields[] = {
	HDR("Host Address Width", "haw", host_addr_width, haw, DMAR_FIELD_HEX, DMAR_NOTE_HAW),
	{ .label = "Flags", .key = "flags", .offset = offsetof(struct acpi_dmar_header, flags),
	  .width = SAME_SIZE(MEMBER(acpi_dmar_header, flags), MEMBER(dmar_table, flags)),
	  .kind = DMAR_FIELD_HEX, .note = DMAR_NOTE_FLAGS,
	  .decoded = offsetof(struct dmar_table, flags), .flags = &dmar_header_flag_names },
	HDR_SHOWN("Reserved", "reserved", reserved, DMAR_FIELD_BYTES, DMAR_NOTE_NONE),
};

_Static_assert(sizeof(struct acpi_dmar_header) == DMAR_HEADER_LEN, "header length");
const struct dmar_layout dmar_layout_dmar_header = {
	.key = "dmar",
	.min_len = sizeof(struct acpi_dmar_header),
	.nfields = NFIELDS(dmar_header_fields),
	.fields = dmar_header_fields,
};

/* --- what every structure opens with. VT-d spec 8.2 --- */

static const struct dmar_field struct_header_fields[] = {
	DECODED("Subtable Type", "type", acpi_dmar_struct_header, type, dmar_struct, type,
		DMAR_FIELD_HEX, DMAR_NOTE_STRUCT_TYPE),
	DECODED("Length", "length", acpi_dmar_struct_header, length, dmar_struct, length,
		DMAR_FIELD_HEX, DMAR_NOTE_NONE),
};

const struct dmar_layout dmar_layout_struct_header = {
	.min_len = sizeof(struct acpi_dmar_struct_header),
	.nfields = NFIELDS(struct_header_fields),
	.fields = struct_header_fields,
};

/* --- device scopes. VT-d spec 8.3.1 --- */

#define SCOPE(lbl, k, m, d, nt) \
	DECODED(lbl, k, acpi_dmar_scope, m, dmar_scope, d, DMAR_FIELD_HEX, nt)

static const struct dmar_field scope_fields[] = {
	SCOPE("Device Scope Type", "type", type, type, DMAR_NOTE_SCOPE_TYPE),
	SCOPE("Entry Length", "length", length, length, DMAR_NOTE_NONE),
	SCOPE("Flags", "flags", flags, flags, DMAR_NOTE_NONE),
	SCOPE("Reserved", "reserved", reserved, reserved, DMAR_NOTE_NONE),
	SCOPE("Enumeration ID", "enum_id", enumeration_id, enumeration_id, DMAR_NOTE_NONE),
	SCOPE("PCI Bus Number", "start_bus", start_bus, start_bus, DMAR_NOTE_NONE),
};

_Static_assert(sizeof(struct acpi_dmar_scope) == DMAR_SCOPE_HDR_LEN, "scope header");
const struct dmar_layout dmar_layout_scope = {
	.min_len = sizeof(struct acpi_dmar_scope),
	.tail = DMAR_TAIL_PATH,
	.nfields = NFIELDS(scope_fields),
	.fields = scope_fields,
};

static const struct dmar_field path_fields[] = {
	{ .label = "PCI Path", .key = "path", .offset = 0,
	  .width = sizeof(struct acpi_dmar_path), .kind = DMAR_FIELD_PATH,
	  .decoded = DMAR_NOT_DECODED },	/* read in place, struct dmar_pci_path */
};

_Static_assert(sizeof(struct acpi_dmar_path) == sizeof(struct dmar_pci_path), "path entry");
const struct dmar_layout dmar_layout_path = {
	.min_len = sizeof(struct acpi_dmar_path),
	.nfields = NFIELDS(path_fields),
	.fields = path_fields,
};

/* --- the remapping structures. VT-d spec 8.3-8.9 --- */

/* Field m of struct acpi_dmar_T, decoded into s->T.d. */
#define BODY(T, lbl, k, m, d, kd, nt) DECODED(lbl, k, acpi_dmar_##T, m, dmar_struct, T.d, kd, nt)
#define BODY_FLAGS(T, lbl, k, m, d, names)						\
	{ .label = lbl, .key = k, .offset = offsetof(struct acpi_dmar_##T, m),		\
	  .width = SAME_SIZE(MEMBER(acpi_dmar_##T, m), MEMBER(dmar_struct, T.d)),	\
	  .kind = DMAR_FIELD_HEX, .note = DMAR_NOTE_FLAGS,				\
	  .decoded = offsetof(struct dmar_struct, T.d), .flags = names }
#define HEX DMAR_FIELD_HEX
#define NONE DMAR_NOTE_NONE

_Static_assert(DMAR_DRHD_INCLUDE_PCI_ALL == 1u << 0 && DMAR_ATSR_ALL_PORTS == 1u << 0 &&
	       DMAR_SATC_ATC_REQUIRED == 1u << 0, "structure flag names");
static const struct dmar_flag_names drhd_flag_names = { .bit = { "INCLUDE_PCI_ALL" } };
static const struct dmar_flag_names atsr_flag_names = { .bit = { "ALL_PORTS" } };
static const struct dmar_flag_names satc_flag_names = { .bit = { "ATC_REQUIRED" } };

static const struct dmar_field drhd_fields[] = {
	BODY_FLAGS(drhd, "Flags", "flags", flags, flags, &drhd_flag_names),
	BODY(drhd, "Size", "size", size, size, HEX, DMAR_NOTE_REG_SIZE),
	BODY(drhd, "PCI Segment Number", "segment", segment, segment, HEX, NONE),
	BODY(drhd, "Register Base Address", "reg_base", address, reg_base, HEX, NONE),
};

static const struct dmar_field rmrr_fields[] = {
	BODY(rmrr, "Reserved", "reserved", reserved, reserved, HEX, NONE),
	BODY(rmrr, "PCI Segment Number", "segment", segment, segment, HEX, NONE),
	BODY(rmrr, "Base Address", "base", base, base, HEX, NONE),
	BODY(rmrr, "End Address (limit)", "limit", limit, limit, HEX, NONE),
};

static const struct dmar_field atsr_fields[] = {
	BODY_FLAGS(atsr, "Flags", "flags", flags, flags, &atsr_flag_names),
	BODY(atsr, "Reserved", "reserved", reserved, reserved, HEX, NONE),
	BODY(atsr, "PCI Segment Number", "segment", segment, segment, HEX, NONE),
};

static const struct dmar_field rhsa_fields[] = {
	BODY(rhsa, "Reserved", "reserved", reserved, reserved, HEX, NONE),
	BODY(rhsa, "Base Address", "reg_base", address, reg_base, HEX, NONE),
	BODY(rhsa, "Proximity Domain", "proximity_domain", proximity_domain,
	     proximity_domain, HEX, NONE),
};

/* ANDD's 3 reserved bytes print in table order ("010203" for 01 02 03),
 * as this decoding always has; iasl prints the 24-bit number, "030201".
 * The name runs from the end of the fixed part to a NUL or the end of the
 * structure; dmar_struct_at() points s->andd.name at it. */
static const struct dmar_field andd_fields[] = {
	BODY(andd, "Reserved", "reserved", reserved, reserved, DMAR_FIELD_HEX_BYTEWISE, NONE),
	BODY(andd, "Device Number", "device_number", device_number, device_number, HEX, NONE),
	{ .label = "Device Name", .key = "name", .offset = sizeof(struct acpi_dmar_andd),
	  .width = 0, .kind = DMAR_FIELD_TEXT, .decoded = DMAR_NOT_DECODED },
};

static const struct dmar_field satc_fields[] = {
	BODY_FLAGS(satc, "Flags", "flags", flags, flags, &satc_flag_names),
	BODY(satc, "Reserved", "reserved", reserved, reserved, HEX, NONE),
	BODY(satc, "PCI Segment Number", "segment", segment, segment, HEX, NONE),
};

static const struct dmar_field sidp_fields[] = {
	BODY(sidp, "Reserved", "reserved", reserved, reserved, HEX, NONE),
	BODY(sidp, "PCI Segment Number", "segment", segment, segment, HEX, NONE),
};

#define STRUCTURE(T, nm, ttl, tl)						\
	{ .name = nm, .title = ttl, .key = #T, .min_len = sizeof(struct acpi_dmar_##T), \
	  .tail = tl, .nfields = NFIELDS(T##_fields), .fields = T##_fields }

static const struct dmar_layout structures[DMAR_NTYPES] = {
	[DMAR_TYPE_DRHD] = STRUCTURE(drhd, "DRHD", "Hardware Unit Definition", DMAR_TAIL_SCOPES),
	[DMAR_TYPE_RMRR] = STRUCTURE(rmrr, "RMRR", "Reserved Memory Region", DMAR_TAIL_SCOPES),
	[DMAR_TYPE_ATSR] = STRUCTURE(atsr, "ATSR", "Root Port ATS Capability", DMAR_TAIL_SCOPES),
	[DMAR_TYPE_RHSA] = STRUCTURE(rhsa, "RHSA", "Remapping Hardware Static Affinity",
				     DMAR_TAIL_NONE),
	[DMAR_TYPE_ANDD] = STRUCTURE(andd, "ANDD", "ACPI Namespace Device Declaration",
				     DMAR_TAIL_NONE),
	[DMAR_TYPE_SATC] = STRUCTURE(satc, "SATC", "SoC Integrated Address Translation Cache",
				     DMAR_TAIL_SCOPES),
	[DMAR_TYPE_SIDP] = STRUCTURE(sidp, "SIDP", "SoC Integrated Device Property",
				     DMAR_TAIL_SCOPES),
};

const struct dmar_layout *dmar_layout_of(uint16_t type)
{
	return type < DMAR_NTYPES ? &structures[type] : NULL;
}

uint64_t dmar_field_value(const struct dmar_field *f, const uint8_t *rec)
{
	uint64_t v = 0;

	for (unsigned i = f->width; i-- > 0;)
		v = v << 8 | rec[f->offset + i];
	return v;
}

void dmar_layout_decode(const struct dmar_layout *l, const uint8_t *rec, void *out)
{
	for (unsigned i = 0; i < l->nfields; i++) {
		const struct dmar_field *f = &l->fields[i];
		uint8_t *dst;

		if (f->decoded == DMAR_NOT_DECODED)
			continue;
		dst = (uint8_t *)out + f->decoded;
		/* SAME_SIZE made the member as wide as the field. */
		switch (f->width) {
		case 1: *dst = rec[f->offset]; break;
		case 2: *(uint16_t *)dst = dmar_rd16(rec + f->offset); break;
		case 4: *(uint32_t *)dst = dmar_rd32(rec + f->offset); break;
		case 8: *(uint64_t *)dst = dmar_rd64(rec + f->offset); break;
		default: memcpy(dst, rec + f->offset, f->width); break;	/* byte arrays */
		}
	}
}
