/* Saves the report the kernel handed over in UEFI variables
 * (boot/report_handover.h): the loader finds them at its next start,
 * before it loads the kernel, and writes the files.
 * Rules: never overwrite a file; delete the variables only once both files
 * are written, so a save that failed is tried again at the next start, and
 * the count before the chunks (the protocol's steps 4-6 in
 * boot/report_handover.h: whenever the power goes, a report is saved once
 * and never mixed from two runs); and never return after a report was
 * found, so the kernel does not run again in that boot (an endless
 * benchmark-reset loop). */
#include "boot/loader.h"
#include "boot/loader_options.h"
#include "boot/report_handover.h"
#include "boot/report_save.h"
#include "boot/report_vars.h"

#define REPORT_DIR          L"\\REPORTS"
#define REPORT_PREFIX       "REPORT "   /* machine-readable lines: one JSON object */
#define PROBLEMS_SHOWN      4           /* in the file's first line and on the screen */
#define MAX_REPORT_NUMBER   9999

/* A growing byte buffer; 'failed' sticks once an allocation failed. */
struct buf {
	CHAR8 *p;
	UINTN len, cap;
	BOOLEAN failed;
};

static void buf_put(struct buf *b, const void *data, UINTN n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		UINTN cap = b->cap ? b->cap : 16384;
		while (cap < b->len + n)
			cap *= 2;
		CHAR8 *p = AllocatePool(cap);
		if (!p) {
			b->failed = TRUE;
			return;
		}
		if (b->p) {
			CopyMem(p, b->p, b->len);
			FreePool(b->p);
		}
		b->p = p;
		b->cap = cap;
	}
	CopyMem(b->p + b->len, (void *)data, n);
	b->len += n;
}

/* Narrows an ASCII UCS-2 string into the buffer. The files' lines end in
 * "\n" alone: line ends are added with buf_put, not through the firmware
 * library's formatting, which may turn "\n" into "\r\n". */
static void buf_put16(struct buf *b, const CHAR16 *s)
{
	for (; *s; s++) {
		CHAR8 c = *s < 0x80 ? (CHAR8)*s : '?';
		buf_put(b, &c, 1);
	}
}

/* The report as read. The text is split into lines as it arrives, so that
 * only whole lines reach the JSON file: a line cut by a missing chunk, or
 * left unfinished at the end, stays in the text file only. */
struct report {
	struct buf text;        /* every chunk read, "[text lost]" lines at the gaps */
	struct buf json;        /* REPORT lines without their prefix */
	UINTN line_start;       /* where the line being assembled starts in text */
	BOOLEAN after_gap;      /* that line began inside a lost chunk */
	UINT32 announced;       /* chunks the count variable announced */
	UINT32 run_id;          /* the count's, which every chunk must carry */
	UINT32 chunks_read;
	BOOLEAN complete;
	UINT32 problems;
	struct buf problem_text; /* "; "-separated, the first PROBLEMS_SHOWN */
};

static void problem(struct report *r, const CHAR16 *fmt, ...)
{
	CHAR16 msg[160];
	va_list ap;

	va_start(ap, fmt);
	UnicodeVSPrint(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	r->complete = FALSE;
	if (r->problems++ < PROBLEMS_SHOWN) {
		Print(L"vtdbench: report hand-over: %s\r\n", msg);
		if (r->problem_text.len)
			buf_put(&r->problem_text, "; ", 2);
		buf_put16(&r->problem_text, msg);
	} else if (r->problems == PROBLEMS_SHOWN + 1) {
		buf_put(&r->problem_text, "; ...", 5);
	}
}

static BOOLEAN starts_with(const CHAR8 *s, UINTN n, const char *prefix)
{
	UINTN i;

	for (i = 0; prefix[i]; i++)
		if (i >= n || s[i] != (CHAR8)prefix[i])
			return FALSE;
	return TRUE;
}

/* A whole line (without its '\n') arrived in r->text at [start, start+n). */
static void line_done(struct report *r, UINTN start, UINTN n)
{
	const CHAR8 *s = r->text.p + start;
	UINTN p = sizeof(REPORT_PREFIX) - 1;

	while (n && s[n - 1] == '\r')
		n--;
	if (r->after_gap || !starts_with(s, n, REPORT_PREFIX))
		return;
	buf_put(&r->json, s + p, n - p);
	buf_put(&r->json, "\n", 1);
}

static void add_chunk(struct report *r, const CHAR8 *data, UINTN n)
{
	UINTN base = r->text.len;

	buf_put(&r->text, data, n);
	if (r->text.failed)
		return;
	for (UINTN i = 0; i < n; i++) {
		if (data[i] != '\n')
			continue;
		line_done(r, r->line_start, base + i - r->line_start);
		r->line_start = base + i + 1;
		r->after_gap = FALSE;
	}
}

/* Chunk 'index' could not be used: end the cut line, mark the loss. */
static void add_gap(struct report *r, UINT32 index)
{
	CHAR16 mark[80];

	if (r->text.len > r->line_start)
		buf_put(&r->text, "\n", 1);
	UnicodeSPrint(mark, sizeof(mark), L"vtdbench: [text lost: chunk %04d]", index);
	buf_put16(&r->text, mark);
	buf_put(&r->text, "\n", 1);
	r->line_start = r->text.len;
	r->after_gap = TRUE;
}

/* Reads chunk 'index'; FALSE when there is no such variable (and, when the
 * count is unknown, the report ends there). */
#define CHUNK_RECORD_MAX (sizeof(struct report_handover_chunk) + REPORT_HANDOVER_CHUNK_MAX)

/* Reads chunk 'index' into its place in the text, or marks the gap. */
static void read_chunk(struct report *r, UINT32 index, struct report_handover_chunk *chunk)
{
	CHAR16 name[32];
	UINTN size = CHUNK_RECORD_MAX;

	UnicodeSPrint(name, sizeof(name), CHUNK_FMT, index);
	EFI_STATUS st = get_var(name, chunk, &size);
	if (st == EFI_NOT_FOUND)
		problem(r, L"chunk %04d of %u is missing", index, r->announced);
	else if (st == EFI_BUFFER_TOO_SMALL)
		problem(r, L"chunk %04d has %lu bytes, more than %d: left out", index, (UINT64)size,
			(int)CHUNK_RECORD_MAX);
	else if (EFI_ERROR(st))
		problem(r, L"chunk %04d cannot be read (%r): left out", index, st);
	else if (size < sizeof(*chunk))
		problem(r, L"chunk %04d has only %lu bytes: left out", index, (UINT64)size);
	else if (chunk->run_id != r->run_id || chunk->index != index)
		problem(r, L"chunk %04d is chunk %u of run %08x, not of run %08x: left out", index,
			chunk->index, chunk->run_id, r->run_id);
	else {
		add_chunk(r, (CHAR8 *)chunk->text, size - sizeof(*chunk));
		r->chunks_read++;
		return;
	}
	add_gap(r, index);
}

/* Reads the hand-over. Returns FALSE when there is none: no count (any
 * chunks are leftovers, deleted here) or one that is malformed. */
static BOOLEAN read_report(struct report *r)
{
	struct report_handover_count count = { 0 };
	UINTN size = sizeof(count);
	CHAR16 why[120];

	EFI_STATUS st = get_var(COUNT_NAME, &count, &size);
	if (st == EFI_NOT_FOUND) {
		delete_stale(L"chunks without a count, left by a hand-over cut short");
		return FALSE; /* the usual case: nothing handed over */
	} else if (EFI_ERROR(st) && st != EFI_BUFFER_TOO_SMALL) {
		/* Cannot tell; boot the kernel rather than stop every start. */
		Print(L"vtdbench: cannot read %s (%r); no report saved\r\n", COUNT_NAME, st);
		return FALSE;
	} else if (st == EFI_BUFFER_TOO_SMALL || size != sizeof(count) || !count.chunks ||
		   count.chunks > REPORT_HANDOVER_CHUNKS_MAX || !count.run_id) {
		UnicodeSPrint(why, sizeof(why), L"%s is malformed (%lu bytes, %u chunks, run %08x)",
			      COUNT_NAME, (UINT64)size, st == EFI_BUFFER_TOO_SMALL ? 0 : count.chunks,
			      st == EFI_BUFFER_TOO_SMALL ? 0 : count.run_id);
		delete_stale(why);
		return FALSE;
	}

	struct report_handover_chunk *chunk = AllocatePool(CHUNK_RECORD_MAX);
	if (!chunk) {
		r->text.failed = TRUE;
		return TRUE;
	}
	r->announced = count.chunks;
	r->run_id = count.run_id;
	for (UINT32 i = 0; i < count.chunks && !r->text.failed; i++)
		read_chunk(r, i, chunk);
	FreePool(chunk);
	if (r->text.len > r->line_start)
		problem(r, L"the text ends inside a line");
	return TRUE;
}

/* The file's first line: what was read, and whether anything was lost. */
static void header_line(struct report *r, struct buf *h)
{
	CHAR16 line[200];

	if (r->complete) {
		UnicodeSPrint(line, sizeof(line),
			      L"vtdbench: report of the last run, complete (%u UEFI variable%s, %lu bytes, "
			      L"run %08x)", r->chunks_read, r->chunks_read == 1 ? L"" : L"s",
			      (UINT64)r->text.len, r->run_id);
		buf_put16(h, line);
		buf_put(h, "\n", 1);
		return;
	}
	UnicodeSPrint(line, sizeof(line),
		      L"vtdbench: INCOMPLETE report of the last run (%u of %u UEFI variables read, "
		      L"%lu bytes, run %08x): ", r->chunks_read, r->announced, (UINT64)r->text.len,
		      r->run_id);
	buf_put16(h, line);
	buf_put(h, r->problem_text.p, r->problem_text.len);
	buf_put(h, "\n", 1);
}

static EFI_STATUS write_all(EFI_FILE_HANDLE f, const CHAR8 *data, UINTN n)
{
	UINTN done = n;
	EFI_STATUS st;

	if (!n)
		return EFI_SUCCESS;
	st = uefi_call_wrapper(f->Write, 3, f, &done, (void *)data);
	if (!EFI_ERROR(st) && done != n)
		st = EFI_VOLUME_FULL;
	return st;
}

/* Creates a file that does not exist yet and writes a then b into it. A
 * file that could not be written whole is removed again. */
static EFI_STATUS write_new_file(EFI_FILE_HANDLE dir, const CHAR16 *name,
				 const struct buf *a, const struct buf *b)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;

	st = uefi_call_wrapper(dir->Open, 5, dir, &f, (CHAR16 *)name,
			       EFI_FILE_MODE_CREATE | EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0);
	if (EFI_ERROR(st))
		return st;
	st = write_all(f, a->p, a->len);
	if (!EFI_ERROR(st) && b)
		st = write_all(f, b->p, b->len);
	if (!EFI_ERROR(st))
		st = uefi_call_wrapper(f->Flush, 1, f);
	if (EFI_ERROR(st)) {
		uefi_call_wrapper(f->Delete, 1, f); /* also closes it */
		return st;
	}
	return uefi_call_wrapper(f->Close, 1, f);
}

static EFI_STATUS file_exists(EFI_FILE_HANDLE dir, const CHAR16 *name, BOOLEAN *exists)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st = uefi_call_wrapper(dir->Open, 5, dir, &f, (CHAR16 *)name, EFI_FILE_MODE_READ, 0);

	*exists = !EFI_ERROR(st);
	if (!EFI_ERROR(st))
		uefi_call_wrapper(f->Close, 1, f);
	return st == EFI_NOT_FOUND ? EFI_SUCCESS : st;
}

/* Whether dir\name holds exactly a then b: this report, saved at an
 * earlier start that lost power before it deleted the variables. */
static BOOLEAN holds_exactly(EFI_FILE_HANDLE dir, const CHAR16 *name, const struct buf *a,
			     const struct buf *b)
{
	EFI_FILE_HANDLE f;
	BOOLEAN same = FALSE;
	UINTN want = a->len + b->len, got = want;

	if (EFI_ERROR(uefi_call_wrapper(dir->Open, 5, dir, &f, (CHAR16 *)name, EFI_FILE_MODE_READ, 0)))
		return FALSE;
	EFI_FILE_INFO *info = LibFileInfo(f);
	CHAR8 *p = info && info->FileSize == want ? AllocatePool(want + 1) : NULL;
	if (p && !EFI_ERROR(uefi_call_wrapper(f->Read, 3, f, &got, p)) && got == want)
		same = CompareMem(p, a->p, a->len) == 0 &&
		       (!b->len || CompareMem(p + a->len, b->p, b->len) == 0);
	if (p)
		FreePool(p);
	if (info)
		FreePool(info);
	uefi_call_wrapper(f->Close, 1, f);
	return same;
}

/* Opens \REPORTS, creating it when missing. */
static EFI_STATUS open_report_dir(EFI_FILE_HANDLE root, EFI_FILE_HANDLE *dir, const CHAR16 **what)
{
	EFI_STATUS st;

	*what = L"cannot open or create the folder \\REPORTS";
	st = uefi_call_wrapper(root->Open, 5, root, dir, REPORT_DIR,
			       EFI_FILE_MODE_CREATE | EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE,
			       EFI_FILE_DIRECTORY);
	if (EFI_ERROR(st))
		return st;
	EFI_FILE_INFO *info = LibFileInfo(*dir);
	if (!info || !(info->Attribute & EFI_FILE_DIRECTORY)) {
		*what = L"\\REPORTS exists but is not a folder";
		if (info)
			FreePool(info);
		uefi_call_wrapper((*dir)->Close, 1, *dir);
		return EFI_ACCESS_DENIED;
	}
	FreePool(info);
	return EFI_SUCCESS;
}

/* Writes NNNN.txt and NNNN.json for the smallest NNNN >= 0001 with neither
 * file present; or, when a NNNN.txt already holds this very report (and
 * its .json is there), sets *already and writes nothing. */
static EFI_STATUS save_files(EFI_FILE_HANDLE root, struct report *r, UINT32 *number,
			     BOOLEAN *already, const CHAR16 **what)
{
	EFI_FILE_HANDLE dir;
	CHAR16 txt[16], json[16];
	struct buf header = { 0 };
	EFI_STATUS st;
	UINT32 n;

	*already = FALSE;
	header_line(r, &header);
	if (header.failed)
		return EFI_OUT_OF_RESOURCES;
	st = open_report_dir(root, &dir, what);
	if (EFI_ERROR(st))
		goto free_header;
	*what = L"cannot look for a free report number in \\REPORTS";
	for (n = 1; n <= MAX_REPORT_NUMBER; n++) {
		BOOLEAN t, j;
		UnicodeSPrint(txt, sizeof(txt), L"%04d.txt", n);
		UnicodeSPrint(json, sizeof(json), L"%04d.json", n);
		st = file_exists(dir, txt, &t);
		if (!EFI_ERROR(st))
			st = file_exists(dir, json, &j);
		if (EFI_ERROR(st) || (!t && !j))
			break;
		if (t && j && holds_exactly(dir, txt, &header, &r->text)) {
			*already = TRUE;
			goto close_dir;
		}
	}
	if (!EFI_ERROR(st) && n > MAX_REPORT_NUMBER) {
		*what = L"\\REPORTS already holds report 9999";
		st = EFI_VOLUME_FULL;
	}
	if (EFI_ERROR(st))
		goto close_dir;

	*what = L"cannot write the report's text file";
	st = write_new_file(dir, txt, &header, &r->text);
	if (!EFI_ERROR(st)) {
		*what = L"cannot write the report's JSON file";
		st = write_new_file(dir, json, &r->json, NULL);
		if (EFI_ERROR(st)) {
			/* Both or neither: the next start tries again with this number. */
			EFI_FILE_HANDLE f;
			if (!EFI_ERROR(uefi_call_wrapper(dir->Open, 5, dir, &f, txt,
							 EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE, 0)))
				uefi_call_wrapper(f->Delete, 1, f);
		}
	}
close_dir:
	*number = n;
	uefi_call_wrapper(dir->Flush, 1, dir);
	uefi_call_wrapper(dir->Close, 1, dir);
free_header:
	if (header.p)
		FreePool(header.p);
	return st;
}

/* How long to show where the report went. A bad report_wait= was
 * reported by the kernel already (it rejects the whole command line); here
 * it only must not change the wait. */
static UINTN wait_seconds(const char *cmdline)
{
	static const struct opt_spec spec = LOADER_OPTION_REPORT_WAIT;
	struct opt_value v;

	if (opt_lookup(&spec, cmdline, &v, NULL, 0) < 0)
		Print(L"vtdbench: report_wait= takes %lu to %lu seconds; waiting %lu\r\n", spec.min,
		      spec.max, v.v[0]);
	return (UINTN)v.v[0];
}

static BOOLEAN reboot_after_save(const char *cmdline)
{
	static const struct opt_spec spec = LOADER_OPTION_AFTER_SAVE;
	struct opt_value v;

	if (opt_lookup(&spec, cmdline, &v, NULL, 0) < 0)
		Print(L"vtdbench: after_save= takes %a or %a; %s\r\n",
		      after_save_names[AFTER_SAVE_POWEROFF], after_save_names[AFTER_SAVE_REBOOT],
		      v.v[0] == AFTER_SAVE_REBOOT ? L"restarting" : L"powering off");
	return v.v[0] == AFTER_SAVE_REBOOT;
}

static void show_line(const CHAR8 *p, UINTN len)
{
	CHAR8 line[240];
	UINTN n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

	CopyMem(line, (void *)p, n);
	line[n] = 0;
	Print(L"  %a\r\n", line);
}

#define CONTEXT_LINES 4

/* Shows the lines a person wants at a glance: the report's headline and the
 * run's verdict; when the run failed, the lines before the verdict too
 * (what went wrong, in the kernel's words). */
static void show_summary(const struct buf *text)
{
	UINTN start[CONTEXT_LINES], len[CONTEXT_LINES], seen = 0;

	for (UINTN i = 0; i < text->len;) {
		UINTN end = i;
		while (end < text->len && text->p[end] != '\n')
			end++;
		const CHAR8 *p = text->p + i;
		if (starts_with(p, end - i, "report: headline")) {
			show_line(p, end - i);
		} else if (starts_with(p, end - i, "run: verdict")) {
			if (!starts_with(p, end - i, "run: verdict 0 "))
				for (UINTN k = seen > CONTEXT_LINES ? seen - CONTEXT_LINES : 0; k < seen; k++)
					show_line(text->p + start[k % CONTEXT_LINES], len[k % CONTEXT_LINES]);
			show_line(p, end - i);
		} else if (!starts_with(p, end - i, "REPORT ")) {
			start[seen % CONTEXT_LINES] = i;
			len[seen % CONTEXT_LINES] = end - i;
			seen++;
		}
		i = end + 1;
	}
}

/* Waits for a key or the timeout, then powers off or restarts. */
static void __attribute__((noreturn)) wait_and_leave(UINTN seconds, BOOLEAN reboot)
{
	const CHAR16 *verb = reboot ? L"restart" : L"power off";
	EFI_EVENT timer;
	UINTN index;

	if (seconds) {
		Print(L"vtdbench: press a key to %s now (or wait %lu s)\r\n", verb, (UINT64)seconds);
		/* A key pressed earlier (the firmware's boot menu) must not end the wait. */
		uefi_call_wrapper(ST->ConIn->Reset, 2, ST->ConIn, FALSE);
		if (!EFI_ERROR(uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER, 0, NULL, NULL, &timer))) {
			EFI_EVENT events[2] = { ST->ConIn->WaitForKey, timer };
			uefi_call_wrapper(BS->SetTimer, 3, timer, TimerRelative, (UINT64)seconds * 10000000);
			uefi_call_wrapper(BS->WaitForEvent, 3, 2, events, &index);
			uefi_call_wrapper(BS->CloseEvent, 1, timer);
		}
	}
	Print(L"vtdbench: %s\r\n", reboot ? L"restarting" : L"powering off");
	uefi_call_wrapper(RT->ResetSystem, 4, reboot ? EfiResetCold : EfiResetShutdown,
			  EFI_SUCCESS, 0, NULL);
	Print(L"vtdbench: the firmware did not %s: switch the machine off now\r\n", verb);
	for (;;)
		uefi_call_wrapper(BS->Stall, 1, 1000000);
}

void report_save_pending(EFI_FILE_HANDLE root, const char *cmdline)
{
	struct report r = { .complete = TRUE };
	const CHAR16 *what = L"out of memory";
	UINT32 number = 0;
	BOOLEAN already = FALSE;
	EFI_STATUS st;

	if (!read_report(&r))
		return;
	UINTN seconds = wait_seconds(cmdline);
	BOOLEAN reboot = reboot_after_save(cmdline);

	if (!r.chunks_read && !r.text.failed) {
		/* A file of "[text lost]" lines would only look like a report. */
		Print(L"vtdbench: none of the %u chunks %s announced for run %08x is usable: no "
		      L"report saved\r\n", r.announced, COUNT_NAME, r.run_id);
		st = delete_handover();
		if (EFI_ERROR(st))
			Print(L"vtdbench: could not delete the report's UEFI variables (%r)\r\n", st);
		wait_and_leave(seconds, reboot);
	}
	if (r.text.failed || r.json.failed || r.problem_text.failed)
		st = EFI_OUT_OF_RESOURCES;
	else
		st = save_files(root, &r, &number, &already, &what);
	if (EFI_ERROR(st)) {
		Print(L"vtdbench: the report of the last run could NOT be saved: %s (%r).\r\n", what, st);
		if (st == EFI_WRITE_PROTECTED)
			Print(L"vtdbench: the stick is write-protected (a lock switch?).\r\n");
		Print(L"vtdbench: the report stays in the firmware's variables; start from this"
		      L" stick again, writable, to save it.\r\n");
		wait_and_leave(seconds, reboot);
	}

	if (already)
		Print(L"vtdbench: the report of the last run (run %08x) was saved already as "
		      L"\\REPORTS\\%04d.txt and .json: an earlier start stopped before it deleted "
		      L"the UEFI variables\r\n", r.run_id, number);
	else
		Print(L"vtdbench: the report of the last run is saved on this stick as "
		      L"\\REPORTS\\%04d.txt and \\REPORTS\\%04d.json%s\r\n", number, number,
		      r.complete ? L"" : L" (INCOMPLETE: see the first line of the .txt)");
	show_summary(&r.text);
	st = delete_handover();
	if (EFI_ERROR(st))
		Print(L"vtdbench: could not delete the report's UEFI variables (%r): the next start"
		      L" finds the report saved already\r\n", st);
	wait_and_leave(seconds, reboot);
}
