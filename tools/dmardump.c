/* dmardump: decodes a raw ACPI DMAR table with the kernel's own parser
 * (lib/dmar/), so a table from any Linux machine can be checked on the
 * host before vtdbench boots there. `--fields` prints path=value lines that
 * the tests compare with what iasl decodes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dmar/dmar.h"
#include "lib/dmar/dmar_layout.h"

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

/* path=value lines for the fields of one record of rec_len bytes. A key
 * is prefix, the layout's key and ".", the field's key, and "[index]" for
 * repeated entries (index >= 0): "s[0].drhd.reg_base", "s[0].type",
 * "table.oem_id", "s[1].scope[0].path[1]". Numbers as 0x..., byte strings
 * as "00 01", text up to a NUL with unprintable bytes and backslashes as
 * \xNN. */
static void fields_record(const char *prefix, const struct dmar_layout *l,
			  const unsigned char *rec, uint32_t rec_len, int index)
{
	for (unsigned i = 0; i < l->nfields; i++) {
		const struct dmar_field *f = &l->fields[i];
		const unsigned char *p = rec + f->offset;
		uint32_t w = dmar_field_width(f, rec_len);

		printf("%s%s%s%s", prefix, l->key ? l->key : "", l->key ? "." : "", f->key);
		if (index >= 0)
			printf("[%d]", index);
		putchar('=');
		switch (f->kind) {
		case DMAR_FIELD_HEX:
		case DMAR_FIELD_HEX_BYTEWISE:
			printf("0x%llx", (unsigned long long)dmar_field_value(f, rec));
			break;
		case DMAR_FIELD_BYTES:
			for (uint32_t k = 0; k < w; k++)
				printf(k ? " %02x" : "%02x", p[k]);
			break;
		case DMAR_FIELD_TEXT:
			for (uint32_t k = 0; k < w && p[k]; k++)
				if (p[k] >= 0x20 && p[k] < 0x7f && p[k] != '\\')
					putchar(p[k]);
				else
					printf("\\x%02x", p[k]);
			break;
		case DMAR_FIELD_PATH:
			printf("%02x,%02x", p[0], p[1]);
			break;
		}
		putchar('\n');
	}
}

static void print_fields(const struct dmar_table *t)
{
	const unsigned char *d = t->data;
	const struct dmar_layout *l;
	struct dmar_iter it;
	struct dmar_scope_iter si;
	struct dmar_struct s;
	struct dmar_scope sc;
	char p[32], q[48];
	unsigned i = 0;

	fields_record("", &dmar_layout_acpi_header, d, DMAR_HEADER_LEN, -1);
	fields_record("", &dmar_layout_dmar_header, d, DMAR_HEADER_LEN, -1);
	dmar_iter_start(&it, t);
	while (dmar_iter_next(&it, &s)) {
		snprintf(p, sizeof(p), "s[%u].", i++);
		printf("%soffset=0x%x\n", p, s.offset);
		fields_record(p, &dmar_layout_struct_header, s.raw, s.length, -1);
		l = dmar_layout_of(s.type);
		if (l) {
			fields_record(p, l, s.raw, s.length, -1);
		} else {
			printf("%sunknown.raw=", p);
			for (unsigned k = dmar_layout_struct_header.min_len; k < s.length; k++)
				printf(k > dmar_layout_struct_header.min_len ? " %02x" : "%02x",
				       s.raw[k]);
			putchar('\n');
		}
		dmar_scope_start(&si, t, &s);
		for (unsigned j = 0; dmar_scope_next(&si, &sc); j++) {
			snprintf(q, sizeof(q), "%sscope[%u].", p, j);
			printf("%soffset=0x%x\n", q, sc.offset);
			fields_record(q, &dmar_layout_scope, d + sc.offset, sc.length, -1);
			for (uint32_t k = 0; k < sc.path_len; k++)
				fields_record(q, &dmar_layout_path, (const unsigned char *)&sc.path[k],
					      dmar_layout_path.min_len, (int)k);
		}
	}
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
