/* lib/nvme_cmd.c: every builder puts its fields where the NVMe base
 * specification (1.4) says, the opcodes the builders can produce are
 * exactly the allowed ones (Read; Identify, Create/Delete I/O SQ/CQ, Set
 * Features for Number of Queues only), the status decoder names what it
 * should, and a scan of the driver's sources (drivers/nvme/,
 * lib/nvme_cmd.[ch]) finds no other opcode and no other feature: no enum
 * entry, no opcode assignment, no builder beyond the allowed ones, no
 * Set Features whose CDW10 is anything but FID 07h. Run from the top of
 * the tree (make host-tests does). */
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include "check.h"
#include "lib/nvme_cmd.h"

/* ---- what is allowed ------------------------------------------------- */

enum set { ADMIN, IO, FEATURE }; /* FEATURE: Set Features' feature ids */
static const struct {
	enum set set;
	uint8_t opc;
	const char *name;       /* the enum entry that carries it */
} allowed[] = {
	{ ADMIN, 0x00, "NVME_ADMIN_DELETE_SQ" }, /* 5.6 */
	{ ADMIN, 0x01, "NVME_ADMIN_CREATE_SQ" }, /* 5.4 */
	{ ADMIN, 0x04, "NVME_ADMIN_DELETE_CQ" }, /* 5.5 */
	{ ADMIN, 0x05, "NVME_ADMIN_CREATE_CQ" }, /* 5.3 */
	{ ADMIN, 0x06, "NVME_ADMIN_IDENTIFY" },  /* 5.15 */
	{ ADMIN, 0x09, "NVME_ADMIN_SET_FEATURES" }, /* 5.21: FID 07h only */
	{ IO, 0x02, "NVME_IO_READ" },            /* 6.9 */
};
#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))
static const char *const builders[] = { "nvme_cmd_identify", "nvme_cmd_create_cq",
					"nvme_cmd_create_sq", "nvme_cmd_delete_sq",
					"nvme_cmd_delete_cq", "nvme_cmd_read",
					"nvme_cmd_set_num_queues" };
/* The one feature Set Features may name (5.21.1.7 Number of Queues). */
#define FEATURE_NAME "NVME_FEAT_NUM_QUEUES"
#define FEATURE_FID 0x07
#define NBUILDERS (sizeof(builders) / sizeof(builders[0]))

static uint64_t le(const struct nvme_sqe *e, unsigned off, unsigned bytes)
{
	const uint8_t *p = (const uint8_t *)e;
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[off + i] << (8 * i);
	return v;
}

/* Every byte the builder did not set must be zero (a builder starts from a
 * cleared entry): `set` lists byte ranges as off, len pairs. */
static bool rest_zero(const struct nvme_sqe *e, const unsigned *set, unsigned n)
{
	const uint8_t *p = (const uint8_t *)e;

	for (unsigned b = 0; b < sizeof(*e); b++) {
		bool inside = false;
		for (unsigned i = 0; i < n; i += 2)
			inside |= b >= set[i] && b < set[i] + set[i + 1];
		if (!inside && p[b])
			return false;
	}
	return true;
}

/* ---- field placement (Figure 105: opcode byte 0, CID 3:2, NSID 7:4,
 * PRP1 31:24, PRP2 39:32, CDW10 43:40, CDW11 47:44, CDW12 51:48) ------ */

static void test_read_fields(void)
{
	struct nvme_sqe e;

	memset(&e, 0xa5, sizeof(e));
	nvme_cmd_read(&e, 0x1234, 7, 0x0000000123456789ull, 8, 0x1000, 0x2000);
	CHECK_EQ_U64(le(&e, 0, 1), 0x02);
	CHECK_EQ_U64(le(&e, 1, 1), 0);               /* FUSE 0, PSDT 0: PRPs */
	CHECK_EQ_U64(le(&e, 2, 2), 0x1234);
	CHECK_EQ_U64(le(&e, 4, 4), 7);
	CHECK_EQ_U64(le(&e, 24, 8), 0x1000);
	CHECK_EQ_U64(le(&e, 32, 8), 0x2000);
	CHECK_EQ_U64(le(&e, 40, 4), 0x23456789);     /* SLBA low */
	CHECK_EQ_U64(le(&e, 44, 4), 0x1);            /* SLBA high */
	CHECK_EQ_U64(le(&e, 48, 4), 7);              /* NLB zero's based, nothing else in CDW12 */
	CHECK(rest_zero(&e, (const unsigned[]){ 0, 8, 24, 28 }, 4));
	nvme_cmd_read(&e, 1, 1, 0, 65536, 0x3000, 0);
	CHECK_EQ_U64(le(&e, 48, 4), 0xffff);
}

static void test_identify_fields(void)
{
	struct nvme_sqe e;

	memset(&e, 0xff, sizeof(e));
	nvme_cmd_identify(&e, 9, NVME_CNS_CONTROLLER, 0, 0xabc000);
	CHECK_EQ_U64(le(&e, 0, 1), 0x06);
	CHECK_EQ_U64(le(&e, 2, 2), 9);
	CHECK_EQ_U64(le(&e, 4, 4), 0);
	CHECK_EQ_U64(le(&e, 24, 8), 0xabc000);
	CHECK_EQ_U64(le(&e, 40, 4), 1);              /* CNS 1, CNTID 0 */
	CHECK(rest_zero(&e, (const unsigned[]){ 0, 8, 24, 8, 40, 4 }, 6));
	nvme_cmd_identify(&e, 10, NVME_CNS_NAMESPACE, 3, 0x5000);
	CHECK_EQ_U64(le(&e, 4, 4), 3);
	CHECK_EQ_U64(le(&e, 40, 4), 0);
	nvme_cmd_identify(&e, 11, NVME_CNS_ACTIVE_NSID, 0, 0x5000);
	CHECK_EQ_U64(le(&e, 40, 4), 2);
}

/* 5.3 Figures 148-149, 5.4 Figures 152-153: QID 15:0 and QSIZE 31:16 of
 * CDW10 (zero's based); CDW11 PC bit 0, CQ's IEN bit 1 clear, SQ's CQID
 * 31:16. */
static void test_queue_fields(void)
{
	struct nvme_sqe e;

	nvme_cmd_create_cq(&e, 2, 1, 65, 0x7000);
	CHECK_EQ_U64(le(&e, 0, 1), 0x05);
	CHECK_EQ_U64(le(&e, 24, 8), 0x7000);
	CHECK_EQ_U64(le(&e, 40, 4), 1u | 64u << 16);
	CHECK_EQ_U64(le(&e, 44, 4), 1);              /* PC, interrupts off */
	CHECK(rest_zero(&e, (const unsigned[]){ 0, 4, 24, 8, 40, 8 }, 6));
	nvme_cmd_create_sq(&e, 3, 1, 2, 0x8000, 1);
	CHECK_EQ_U64(le(&e, 0, 1), 0x01);
	CHECK_EQ_U64(le(&e, 24, 8), 0x8000);
	CHECK_EQ_U64(le(&e, 40, 4), 1u | 1u << 16);
	CHECK_EQ_U64(le(&e, 44, 4), 1u | 1u << 16);  /* PC, QPRIO 0, CQID 1 */
	CHECK(rest_zero(&e, (const unsigned[]){ 0, 4, 24, 8, 40, 8 }, 6));
	nvme_cmd_delete_sq(&e, 4, 1);
	CHECK_EQ_U64(le(&e, 0, 1), 0x00);
	CHECK_EQ_U64(le(&e, 40, 4), 1);
	CHECK(rest_zero(&e, (const unsigned[]){ 0, 4, 40, 4 }, 4));
	nvme_cmd_delete_cq(&e, 5, 1);
	CHECK_EQ_U64(le(&e, 0, 1), 0x04);
	CHECK_EQ_U64(le(&e, 40, 4), 1);
	CHECK(rest_zero(&e, (const unsigned[]){ 0, 4, 40, 4 }, 4));
}

/* 5.21 and 5.21.1.7: CDW10 FID 07h with SV (bit 31) clear, CDW11 NSQR
 * 15:0 and NCQR 31:16 zero's based; DW0 of the completion decoded. */
static void test_set_num_queues_fields(void)
{
	struct nvme_sqe e;

	memset(&e, 0xff, sizeof(e));
	nvme_cmd_set_num_queues(&e, 6, 4, 3);
	CHECK_EQ_U64(le(&e, 0, 1), 0x09);
	CHECK_EQ_U64(le(&e, 2, 2), 6);
	CHECK_EQ_U64(le(&e, 40, 4), 0x07);
	CHECK_EQ_U64(le(&e, 44, 4), 3u | 2u << 16);
	CHECK(rest_zero(&e, (const unsigned[]){ 0, 4, 40, 8 }, 4));
	CHECK_EQ_U64(NVME_NUMQ_NSQA(0x00010003u), 4);
	CHECK_EQ_U64(NVME_NUMQ_NCQA(0x00010003u), 2);
	CHECK_EQ_U64(NVME_NUMQ_NSQA(0x003f003fu), 64);
}

/* ---- the set of opcodes the builders produce ------------------------- */

struct produced {
	enum set set;
	uint8_t opc;
};

/* Every builder, with every CNS for Identify: the admin ones go to the
 * admin queue, Read to an I/O queue. */
static unsigned produce_all(struct produced *out)
{
	struct nvme_sqe e;
	unsigned n = 0;

#define ADD(set_, call) do { call; out[n++] = (struct produced){ set_, e.opc }; } while (0)
	ADD(ADMIN, nvme_cmd_identify(&e, 1, NVME_CNS_CONTROLLER, 0, 0x1000));
	ADD(ADMIN, nvme_cmd_identify(&e, 1, NVME_CNS_NAMESPACE, 1, 0x1000));
	ADD(ADMIN, nvme_cmd_identify(&e, 1, NVME_CNS_ACTIVE_NSID, 0, 0x1000));
	ADD(ADMIN, nvme_cmd_create_cq(&e, 1, 1, 2, 0x1000));
	ADD(ADMIN, nvme_cmd_create_sq(&e, 1, 1, 2, 0x1000, 1));
	ADD(ADMIN, nvme_cmd_delete_sq(&e, 1, 1));
	ADD(ADMIN, nvme_cmd_delete_cq(&e, 1, 1));
	ADD(ADMIN, nvme_cmd_set_num_queues(&e, 1, 2, 2));
	ADD(IO, nvme_cmd_read(&e, 1, 1, 0, 1, 0x1000, 0));
#undef ADD
	return n;
}

static void test_opcode_set_is_the_allowed_one(void)
{
	struct produced p[16];
	unsigned n = produce_all(p);
	bool seen[NALLOWED] = { false };

	for (unsigned i = 0; i < n; i++) {
		bool ok = false;
		for (unsigned a = 0; a < NALLOWED; a++)
			if (allowed[a].set == p[i].set && allowed[a].opc == p[i].opc)
				ok = seen[a] = true;
		if (!ok)
			printf("  %s opcode 0x%02x is not an allowed one\n",
			       p[i].set == ADMIN ? "admin" : "I/O", p[i].opc);
		CHECK(ok);
	}
	for (unsigned a = 0; a < NALLOWED; a++)
		CHECK(seen[a]);
	/* The enums carry the values the specification gives. */
	CHECK_EQ_U64(NVME_ADMIN_DELETE_SQ, 0x00);
	CHECK_EQ_U64(NVME_ADMIN_CREATE_SQ, 0x01);
	CHECK_EQ_U64(NVME_ADMIN_DELETE_CQ, 0x04);
	CHECK_EQ_U64(NVME_ADMIN_CREATE_CQ, 0x05);
	CHECK_EQ_U64(NVME_ADMIN_IDENTIFY, 0x06);
	CHECK_EQ_U64(NVME_ADMIN_SET_FEATURES, 0x09);
	CHECK_EQ_U64(NVME_FEAT_NUM_QUEUES, FEATURE_FID);
	CHECK_EQ_U64(NVME_IO_READ, 0x02);
}

/* ---- the status decoder ---------------------------------------------- */

static void test_status(void)
{
	/* DW3 31:16 as the controller writes it: phase, SC 8:1, SCT 11:9, DNR. */
	uint16_t raw = (uint16_t)(1u | 0x81u << 1 | 2u << 9 | 1u << 15);

	CHECK_EQ_U64(NVME_STATUS(raw), 0x281);
	CHECK_EQ_U64(NVME_STATUS(1), 0);             /* phase alone: success */
	CHECK_STR_EQ(nvme_status_string(0x000), "Generic: Successful Completion");
	CHECK_STR_EQ(nvme_status_string(0x001), "Generic: Invalid Command Opcode");
	CHECK_STR_EQ(nvme_status_string(0x002), "Generic: Invalid Field in Command");
	CHECK_STR_EQ(nvme_status_string(0x00b), "Generic: Invalid Namespace or Format");
	CHECK_STR_EQ(nvme_status_string(0x00f), "Generic: Data SGL Length Invalid");
	CHECK_STR_EQ(nvme_status_string(0x080), "Generic: LBA Out of Range");
	CHECK_STR_EQ(nvme_status_string(0x101), "Command Specific: Invalid Queue Identifier");
	CHECK_STR_EQ(nvme_status_string(0x10c), "Command Specific: Invalid Queue Deletion");
	CHECK_STR_EQ(nvme_status_string(0x281), "Media Error: Unrecovered Read Error");
	CHECK_STR_EQ(nvme_status_string(0x017), "SCT 0 SC 0x17");
	CHECK_STR_EQ(nvme_status_string(0x0ff), "SCT 0 SC 0xff");
	CHECK_STR_EQ(nvme_status_string(0x103), "SCT 1 SC 0x03");
	CHECK_STR_EQ(nvme_status_string(0x201), "SCT 2 SC 0x01");
	CHECK_STR_EQ(nvme_status_string(0x755), "SCT 7 SC 0x55");
}

/* ---- the source scan ------------------------------------------------- */

/* Off while the scanner is tested on text made to fail. */
static bool scan_verbose = true;
#define say(...) do { if (scan_verbose) printf(__VA_ARGS__); } while (0)

/* The text with comments and string literals blanked, so that prose
 * ("there is no Write") does not count and code does. */
static char *strip(const char *s)
{
	size_t n = strlen(s);
	char *o = malloc(n + 1);

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' && s[i + 1] == '*') {
			for (; i < n && !(s[i] == '*' && s[i + 1] == '/'); i++)
				o[i] = s[i] == '\n' ? '\n' : ' ';
			if (i < n)
				o[i] = o[i + 1] = ' ', i++;
		} else if (s[i] == '/' && s[i + 1] == '/') {
			for (; i < n && s[i] != '\n'; i++)
				o[i] = ' ';
			if (i < n)
				o[i] = '\n';
		} else if (s[i] == '"') {
			o[i] = ' ';
			for (i++; i < n && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < n)
					o[i++] = ' ';
				o[i] = ' ';
			}
			if (i < n)
				o[i] = ' ';
		} else {
			o[i] = s[i];
		}
	}
	o[n] = 0;
	return o;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool is_allowed_opcode_name(const char *w)
{
	for (unsigned a = 0; a < NALLOWED; a++)
		if (!strcmp(w, allowed[a].name))
			return true;
	return false;
}

static bool is_builder(const char *w)
{
	for (unsigned b = 0; b < NBUILDERS; b++)
		if (!strcmp(w, builders[b]))
			return true;
	return false;
}

/* Parses `NAME = value` entries of the enum `tag` in text; checks each
 * against the allowed table. Returns violations; *entries gets the count. */
static unsigned scan_enum(const char *file, const char *source, const char *tag, enum set set,
			  unsigned *entries)
{
	char *text = strip(source);
	const char *p = strstr(text, tag);
	unsigned bad = 0;

	*entries = 0;
	if (!p || !(p = strchr(p, '{'))) {
		free(text);
		return 0;
	}
	const char *end = strchr(p, '}');
	while (p && p < end) {
		while (p < end && !(isupper((unsigned char)*p)))
			p++;
		if (p >= end)
			break;
		char name[64];
		unsigned k = 0;
		while (ident_char(*p) && k + 1 < sizeof(name))
			name[k++] = *p++;
		name[k] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=') {
			say("  %s: enum %s entry %s has no explicit value\n", file, tag, name);
			bad++;
			continue;
		}
		unsigned long v = strtoul(p + 1, (char **)&p, 0);
		(*entries)++;
		bool ok = false;
		for (unsigned a = 0; a < NALLOWED; a++)
			ok |= allowed[a].set == set && allowed[a].opc == v && !strcmp(allowed[a].name, name);
		if (set == FEATURE)
			ok = v == FEATURE_FID && !strcmp(name, FEATURE_NAME);
		if (!ok) {
			say("  %s: opcode %s = 0x%02lx is not an allowed command\n", file, name, v);
			bad++;
		}
	}
	free(text);
	return bad;
}

/* The end of the brace block that starts at `open` (a '{'). */
static const char *block_end(const char *open)
{
	int depth = 0;

	for (const char *p = open; *p; p++) {
		depth += *p == '{';
		depth -= *p == '}';
		if (!depth)
			return p;
	}
	return open + strlen(open);
}

/* Set Features may only be built for Number of Queues: every top-level
 * block that is a function body (its '{' follows a ')') and names
 * NVME_ADMIN_SET_FEATURES sets CDW10
 * exactly once, to `NVME_FEAT_NUM_QUEUES;` (FID 07h, SV 0), and never
 * with a compound assignment. Returns the violations, printed. */
static unsigned scan_set_features(const char *file, const char *code)
{
	unsigned bad = 0;

	for (const char *p = strchr(code, '{'); p; p = strchr(p + 1, '{')) {
		const char *end = block_end(p), *before = p;
		while (before > code && isspace((unsigned char)before[-1]))
			before--;
		const char *use = strstr(p, "NVME_ADMIN_SET_FEATURES");
		if (!use || use > end || before == code || before[-1] != ')') {
			p = end;
			continue;
		}
		unsigned sets = 0;
		for (const char *q = p; (q = strstr(q, "cdw10")) && q < end; q += 5) {
			if (ident_char(q[-1]) || ident_char(q[5]))
				continue;
			const char *r = q + 5;
			while (*r == ' ' || *r == '\t')
				r++;
			if (*r == '=' && r[1] == '=')
				continue;
			if (*r != '=') {
				if (r[1] == '=' && strchr("|&^+-<>", *r)) {
					say("  %s: Set Features' CDW10 changed by '%c=': only FID 07h may "
					    "be set\n", file, *r);
					bad++;
				}
				continue;
			}
			for (r++; *r == ' ' || *r == '\t'; r++)
				;
			sets++;
			if (strncmp(r, FEATURE_NAME ";", strlen(FEATURE_NAME) + 1)) {
				say("  %s: Set Features' CDW10 set to '%.20s...', not %s\n", file, r,
				    FEATURE_NAME);
				bad++;
			}
		}
		if (sets != 1) {
			say("  %s: a Set Features builder sets CDW10 %u times, not once\n", file, sets);
			bad++;
		}
		p = end;
	}
	return bad;
}

/* One file's code: every NVME_ADMIN_* / NVME_IO_* name is an allowed
 * opcode, every assignment to an entry's opcode field takes one, every
 * nvme_cmd_* name is an allowed builder (or the status decoder), and no
 * entry is written as raw bytes. Returns the violations, printed. */
static unsigned scan_code(const char *file, const char *text)
{
	char *code = strip(text);
	unsigned bad = 0;

	for (const char *p = code; *p; p++) {
		if (p > code && ident_char(p[-1]))
			continue;
		if (!ident_char(*p))
			continue;
		char w[80];
		unsigned k = 0;
		while (ident_char(p[k]) && k + 1 < sizeof(w)) {
			w[k] = p[k];
			k++;
		}
		w[k] = 0;
		if ((!strncmp(w, "NVME_ADMIN_", 11) || !strncmp(w, "NVME_IO_", 8)) &&
		    !is_allowed_opcode_name(w)) {
			say("  %s: %s names no allowed command\n", file, w);
			bad++;
		}
		if (!strncmp(w, "NVME_FEAT_", 10) && strcmp(w, FEATURE_NAME)) {
			say("  %s: %s names no allowed feature\n", file, w);
			bad++;
		}
		if (!strncmp(w, "nvme_cmd_", 9) && !is_builder(w)) {
			say("  %s: %s is not one of the allowed builders\n", file, w);
			bad++;
		}
		if (!strcmp(w, "opc")) {
			const char *q = p + k;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=' && q[1] != '=') {
				q++;
				while (*q == ' ' || *q == '\t')
					q++;
				char rhs[80];
				unsigned r = 0;
				while (ident_char(q[r]) && r + 1 < sizeof(rhs)) {
					rhs[r] = q[r];
					r++;
				}
				rhs[r] = 0;
				if (!is_allowed_opcode_name(rhs) || (q[r] != ';' && q[r] != ',')) {
					say("  %s: opcode field set to '%s...', not an allowed opcode\n",
					       file, rhs);
					bad++;
				}
			}
		}
		p += k - 1;
	}
	bad += scan_set_features(file, code);
	free(code);
	return bad;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	size_t got = fread(s, 1, (size_t)n, f);
	s[got] = 0;
	fclose(f);
	return s;
}

/* The scanner itself catches what it is for. */
static void test_scanner_catches(void)
{
	unsigned entries;

	scan_verbose = false;
	CHECK(scan_code("t", "e->opc = 0x01;") == 1);
	CHECK(scan_code("t", "e.opc = NVME_IO_WRITE;") == 2);  /* the name and the assignment */
	CHECK(scan_code("t", "enum { NVME_IO_FLUSH = 0x00 };") == 1);
	CHECK(scan_code("t", "enum { NVME_ADMIN_FORMAT_NVM = 0x80 };") == 1);
	CHECK(scan_code("t", "void nvme_cmd_write(struct nvme_sqe *e);") == 1);
	CHECK(scan_code("t", "e->opc = NVME_IO_READ | 1;") == 1);
	CHECK(scan_code("t", "e->opc = NVME_IO_READ;") == 0);
	CHECK(scan_code("t", "/* no NVME_IO_WRITE here */ x = \"NVME_ADMIN_SANITIZE\";") == 0);
	CHECK(scan_code("t", "if (e->opc == 1) return;") == 0);
	/* Set Features: FID 07h only, set once, nothing else in CDW10. */
	CHECK(scan_code("t", "void f(struct nvme_sqe *e) { e->opc = NVME_ADMIN_SET_FEATURES; "
			"e->cdw10 = NVME_FEAT_NUM_QUEUES; e->cdw11 = 3; }") == 0);
	CHECK(scan_code("t", "void f(struct nvme_sqe *e) { e->opc = NVME_ADMIN_SET_FEATURES; "
			"e->cdw10 = 0x06; }") == 1);
	CHECK(scan_code("t", "void f(struct nvme_sqe *e, unsigned fid) { e->opc = "
			"NVME_ADMIN_SET_FEATURES; e->cdw10 = fid; }") == 1);
	CHECK(scan_code("t", "void f(struct nvme_sqe *e) { e->opc = NVME_ADMIN_SET_FEATURES; "
			"e->cdw10 = NVME_FEAT_NUM_QUEUES | 1u << 31; }") == 1); /* saved: SV */
	CHECK(scan_code("t", "void f(struct nvme_sqe *e) { e->opc = NVME_ADMIN_SET_FEATURES; "
			"e->cdw10 = NVME_FEAT_NUM_QUEUES; e->cdw10 |= 0x06; }") == 1);
	CHECK(scan_code("t", "void f(struct nvme_sqe *e) { e->opc = NVME_ADMIN_SET_FEATURES; }")
	      == 1); /* CDW10 left to whatever was there */
	CHECK(scan_code("t", "void f(struct nvme_sqe *e) { e->opc = NVME_ADMIN_SET_FEATURES; "
			"e->cdw10 = NVME_FEAT_VOLATILE_WC; }") == 2);
	CHECK(scan_code("t", "x = NVME_FEAT_ARBITRATION;") == 1);
	CHECK(scan_enum("t", "enum nvme_feature_id { NVME_FEAT_NUM_QUEUES = 0x07, "
			"NVME_FEAT_VOLATILE_WC = 0x06 };", "enum nvme_feature_id", FEATURE, &entries)
	      == 1 && entries == 2);
	CHECK(scan_enum("t", "enum nvme_feature_id { NVME_FEAT_NUM_QUEUES = 0x08 };",
			"enum nvme_feature_id", FEATURE, &entries) == 1);
	CHECK(scan_enum("t", "enum nvme_io_opcode { NVME_IO_READ = 0x02, NVME_IO_WRITE = 0x01, };",
			"enum nvme_io_opcode", IO, &entries) == 1 && entries == 2);
	CHECK(scan_enum("t", "enum nvme_admin_opcode { NVME_ADMIN_DELETE_SQ = 0x00, "
			"NVME_ADMIN_SANITIZE = 0x84 };", "enum nvme_admin_opcode", ADMIN, &entries) == 1);
	CHECK(scan_enum("t", "enum nvme_io_opcode { NVME_IO_READ = 0x01 };", "enum nvme_io_opcode",
			IO, &entries) == 1); /* right name, wrong value */
	scan_verbose = true;
}

static void test_sources_issue_only_allowed_commands(void)
{
	const char *extra[] = { "lib/nvme_cmd.c", "lib/nvme_cmd.h" };
	unsigned files = 0, bad = 0, entries;
	char path[512];
	DIR *d = opendir("drivers/nvme");

	CHECK(d != NULL);
	for (struct dirent *de; d && (de = readdir(d));) {
		size_t n = strlen(de->d_name);
		if (n < 3 || (strcmp(de->d_name + n - 2, ".c") && strcmp(de->d_name + n - 2, ".h")))
			continue;
		snprintf(path, sizeof(path), "drivers/nvme/%s", de->d_name);
		char *text = slurp(path);
		CHECK(text != NULL);
		if (text)
			bad += scan_code(path, text), files++;
		free(text);
	}
	if (d)
		closedir(d);
	for (unsigned i = 0; i < 2; i++) {
		char *text = slurp(extra[i]);
		CHECK(text != NULL);
		if (text)
			bad += scan_code(extra[i], text), files++;
		free(text);
	}
	CHECK(files >= 8); /* the driver's files and lib's two were all read */
	CHECK_EQ_U64(bad, 0);

	char *h = slurp("lib/nvme_cmd.h");
	CHECK(h != NULL);
	if (h) {
		CHECK_EQ_U64(scan_enum("lib/nvme_cmd.h", h, "enum nvme_admin_opcode", ADMIN, &entries), 0);
		CHECK_EQ_U64(entries, 6);
		CHECK_EQ_U64(scan_enum("lib/nvme_cmd.h", h, "enum nvme_feature_id", FEATURE, &entries), 0);
		CHECK_EQ_U64(entries, 1);
		CHECK_EQ_U64(scan_enum("lib/nvme_cmd.h", h, "enum nvme_io_opcode", IO, &entries), 0);
		CHECK_EQ_U64(entries, 1);
		/* Every builder the header declares is one this test produces. */
		unsigned declared = 0;
		char *code = strip(h);
		for (const char *p = code; (p = strstr(p, "void nvme_cmd_")); p++)
			declared++;
		CHECK_EQ_U64(declared, NBUILDERS);
		free(code);
	}
	free(h);
}

int main(void)
{
	RUN_TEST("nvme_cmd", test_read_fields);
	RUN_TEST("nvme_cmd", test_identify_fields);
	RUN_TEST("nvme_cmd", test_queue_fields);
	RUN_TEST("nvme_cmd", test_set_num_queues_fields);
	RUN_TEST("nvme_cmd", test_opcode_set_is_the_allowed_one);
	RUN_TEST("nvme_cmd", test_status);
	RUN_TEST("nvme_cmd", test_scanner_catches);
	RUN_TEST("nvme_cmd", test_sources_issue_only_allowed_commands);
	return CHECK_EXIT_STATUS();
}
