/* dmardump: decodes a raw ACPI DMAR table with the kernel's own parser
 * (lib/dmar*.c), so a table from any Linux machine can be checked on the
 * host before vtdbench boots there. `--fields` prints path=value lines that
 * the tests compare with what iasl decodes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dmar/dmar.h"

#define MAX_TABLE (16u << 20)	/* far above any real DMAR; bounds a bad pipe */

static const char usage[] =
	"Usage: dmardump [--summary | --fields] FILE\n"
	"       dmardump [--summary | --fields] -      (read standard input)\n"
	"\n"
	"Decodes a raw ACPI DMAR table (Intel VT-d DMA remapping) and prints every\n"
	"field, laid out like `iasl -d` output, followed by the raw bytes. Problems\n"
	"go to standard error. Exit status: 0 table is valid (warnings allowed),\n"
	"1 table is malformed, 2 usage or I/O error.\n"
	"\n"
	"  --summary  only the short summary the kernel prints at boot\n"
	"  --fields   one path=value line per field (what the tests compare)\n"
	"  --help     this text\n"
	"\n"
	"Getting the table of a running Linux machine (needs root):\n"
	"  sudo cat /sys/firmware/acpi/tables/DMAR > dmar.dat; dmardump dmar.dat\n"
	"  sudo cat /sys/firmware/acpi/tables/DMAR | dmardump -\n"
	"or with acpica-tools: `sudo acpidump -n DMAR -b` writes dmar.dat.\n"
	"No DMAR file there means the machine has no VT-d or firmware turned it off.\n";

static void print_to(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void print_to(void *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf((FILE *)ctx, fmt, ap);
	va_end(ap);
}

/* Reads all of f; returns a malloc'd buffer or NULL with errno set. */
static unsigned char *slurp(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0;
	unsigned char *buf = malloc(cap), *bigger;

	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			free(buf);
			return NULL;
		}
		if (n < cap)
			break;
		if (cap >= MAX_TABLE) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		cap *= 2;
		bigger = realloc(buf, cap);
		if (!bigger)
			free(buf);
		buf = bigger;
	}
	*len = n;
	return buf;
}

/* The same dump iasl ends its output with. */
static void print_raw(const unsigned char *d, size_t len)
{
	printf("Raw Table Data: Length %zu (0x%zX)\n\n", len, len);
	for (size_t row = 0; row < len; row += 16) {
		printf("    %04zX:", row);
		for (size_t i = row; i < row + 16; i++)
			i < len ? printf(" %02X", d[i]) : printf("   ");
		printf("  // ");
		for (size_t i = row; i < row + 16 && i < len; i++)
			putchar(d[i] >= 0x20 && d[i] < 0x7f ? d[i] : '.');
		putchar('\n');
	}
}

/* Text field bytes up to a NUL, unprintable and backslash as \xNN. */
static void field_text(const char *key, const unsigned char *p, size_t n)
{
	printf("%s=", key);
	for (size_t i = 0; i < n && p[i]; i++)
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	putchar('\n');
}

static void field_num(const char *prefix, const char *name, unsigned long long v)
{
	printf("%s%s=0x%llx\n", prefix, name, v);
}

static void fields_scopes(const struct dmar_table *t, const struct dmar_struct *s,
			  const char *prefix)
{
	struct dmar_scope_iter si;
	struct dmar_scope sc;
	char p[64];
	unsigned j = 0;

	dmar_scope_start(&si, t, s);
	while (dmar_scope_next(&si, &sc)) {
		snprintf(p, sizeof(p), "%sscope[%u].", prefix, j++);
		field_num(p, "offset", sc.offset);
		field_num(p, "type", sc.type);
		field_num(p, "length", sc.length);
		field_num(p, "flags", sc.flags);
		field_num(p, "reserved", sc.reserved);
		field_num(p, "enum_id", sc.enumeration_id);
		field_num(p, "start_bus", sc.start_bus);
		for (unsigned k = 0; k < sc.path_len; k++)
			printf("%spath[%u]=%02x,%02x\n", p, k, sc.path[k].device,
			       sc.path[k].function);
	}
}

static void fields_struct(const struct dmar_table *t, const struct dmar_struct *s,
			  unsigned i)
{
	char p[32], q[48], key[64];

	snprintf(p, sizeof(p), "s[%u].", i);
	field_num(p, "offset", s->offset);
	field_num(p, "type", s->type);
	field_num(p, "length", s->length);
	snprintf(q, sizeof(q), "%s%s.", p, dmar_type_name(s->type) ? dmar_type_name(s->type) : "unknown");
	for (char *c = q; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	switch (s->type) {
	case DMAR_TYPE_DRHD:
		field_num(q, "flags", s->drhd.flags);
		field_num(q, "size", s->drhd.size);
		field_num(q, "segment", s->drhd.segment);
		field_num(q, "reg_base", s->drhd.reg_base);
		break;
	case DMAR_TYPE_RMRR:
		field_num(q, "reserved", s->rmrr.reserved);
		field_num(q, "segment", s->rmrr.segment);
		field_num(q, "base", s->rmrr.base);
		field_num(q, "limit", s->rmrr.limit);
		break;
	case DMAR_TYPE_ATSR:
		field_num(q, "flags", s->atsr.flags);
		field_num(q, "reserved", s->atsr.reserved);
		field_num(q, "segment", s->atsr.segment);
		break;
	case DMAR_TYPE_RHSA:
		field_num(q, "reserved", s->rhsa.reserved);
		field_num(q, "reg_base", s->rhsa.reg_base);
		field_num(q, "proximity_domain", s->rhsa.proximity_domain);
		break;
	case DMAR_TYPE_ANDD:
		field_num(q, "reserved", (unsigned long long)s->andd.reserved[0] |
			  s->andd.reserved[1] << 8 | s->andd.reserved[2] << 16);
		field_num(q, "device_number", s->andd.device_number);
		snprintf(key, sizeof(key), "%sname", q);
		field_text(key, (const unsigned char *)s->andd.name, s->andd.name_len);
		break;
	case DMAR_TYPE_SATC:
		field_num(q, "flags", s->satc.flags);
		field_num(q, "reserved", s->satc.reserved);
		field_num(q, "segment", s->satc.segment);
		break;
	case DMAR_TYPE_SIDP:
		field_num(q, "reserved", s->sidp.reserved);
		field_num(q, "segment", s->sidp.segment);
		break;
	default:
		printf("%sraw=", q);
		for (unsigned k = 4; k < s->length; k++)
			printf(k > 4 ? " %02x" : "%02x", s->raw[k]);
		putchar('\n');
		break;
	}
	fields_scopes(t, s, p);
}

static void print_fields(const struct dmar_table *t)
{
	const unsigned char *d = t->data;
	struct dmar_iter it;
	struct dmar_struct s;
	unsigned i = 0;

	field_text("table.signature", d, 4);
	field_num("table.", "length", t->length);
	field_num("table.", "revision", t->revision);
	field_num("table.", "checksum", t->checksum);
	field_text("table.oem_id", d + 10, 6);
	field_text("table.oem_table_id", d + 16, 8);
	field_num("table.", "oem_revision", t->oem_revision);
	field_text("table.creator_id", d + 28, 4);
	field_num("table.", "creator_revision", t->creator_revision);
	field_num("dmar.", "haw", t->haw);
	field_num("dmar.", "flags", t->flags);
	printf("dmar.reserved=");
	for (unsigned k = 38; k < 48; k++)
		printf(k > 38 ? " %02x" : "%02x", d[k]);
	putchar('\n');
	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s))
		fields_struct(t, &s, i++);
}

int main(int argc, char **argv)
{
	enum { FULL, SUMMARY, FIELDS } mode = FULL;
	const char *path = NULL;
	unsigned char *buf;
	size_t len = 0;
	struct dmar_table t;
	FILE *f;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--summary")) {
			mode = SUMMARY;
		} else if (!strcmp(argv[i], "--fields")) {
			mode = FIELDS;
		} else if (argv[i][0] == '-' && argv[i][1] && !path) {
			fprintf(stderr, "dmardump: unknown option %s\n%s", argv[i], usage);
			return 2;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "dmardump: one table at a time\n%s", usage);
			return 2;
		}
	}
	if (!path) {
		fputs(usage, stderr);
		return 2;
	}

	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "dmardump: %s: %s\n", path, strerror(errno));
		return 2;
	}
	buf = slurp(f, &len);
	if (!buf) {
		fprintf(stderr, "dmardump: %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (f != stdin)
		fclose(f);

	rc = dmar_parse(&t, buf, len, print_to, stderr);
	if (rc < 0) {
		fprintf(stderr, "dmardump: %s: malformed DMAR table (%u error%s)\n", path,
			t.errors, t.errors == 1 ? "" : "s");
		free(buf);
		return 1;
	}
	if (mode == FIELDS) {
		print_fields(&t);
	} else if (mode == SUMMARY) {
		dmar_print_summary(&t, print_to, stdout);
	} else {
		printf("/*\n * dmardump: ACPI Data Table [DMAR]\n *\n"
		       " * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue\n"
		       " */\n\n");
		dmar_print_decoded(&t, print_to, stdout);
		print_raw(buf, t.length);
	}
	free(buf);
	return fflush(stdout) == 0 ? 0 : 2;
}
