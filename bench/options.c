/* The option table: every key the kernel accepts, its values and default.
 * Keep the README's option list in step with this table. */
#include "bench/options.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "lib/dma/dma.h"
#include "lib/options.h"
#include "lib/string.h"

static const char *const exit_choices[] = { "qemu", "halt", "reboot", NULL };
const char *const selftest_names[] = { "boot", "tsc", "timer", "ud2", "pf", "hang", "vtd", "stream", "stale", "none", NULL };
#define SELFTEST_NONE SELFTEST_COUNT

static const char *const dmar_choices[] = { "summary", "verbose", NULL };
static const char *const on_off[] = { "on", "off", NULL };
static const char *const inval_choices[] = { "reg", "qi", NULL };
static const char *const domain_choices[] = { "identity", "passthrough", NULL };
static const char *const loopback_choices[] = { "phy", "mac", NULL };
static const char *const save_choices[] = { "none", "uefi", NULL };
static const char *const after_save_choices[] = { "poweroff", "reboot", NULL };
/* Index = the scale; 0 = auto. */
static const char *const font_scale_choices[] = { "auto", "1", "2", "3", "4", NULL };
static const char *const screen_choices[] = { "auto", "keep", NULL };

enum {
	OPT_EXIT, OPT_SELFTEST, OPT_DMAR, OPT_VTD, OPT_INVAL, OPT_DEFAULT_DOMAIN,
	OPT_POLICY, OPT_PACKETS, OPT_WARMUP, OPT_SIZE, OPT_HWM, OPT_FLUSH_MS, OPT_BATCH_INVAL, OPT_LOOPBACK,
	OPT_SAVE, OPT_REPORT_WAIT, OPT_AFTER_SAVE, OPT_FONT_SCALE, OPT_SCREEN,
	OPT_COUNT
};

static const struct opt_spec specs[OPT_COUNT] = {
	[OPT_EXIT] = { "exit", OPT_ENUM, exit_choices, 0, 0, "halt",
		       "what happens when the run ends: leave QEMU with the verdict as exit status, "
		       "halt, or reboot" },
	[OPT_SELFTEST] = { "selftest", OPT_ENUM_LIST, selftest_names, 0, 0, "none",
			   "in-VM self-tests to run (comma-separated); ud2 and pf end the run "
			   "with a deliberate exception, hang never ends it" },
	[OPT_DMAR] = { "dmar", OPT_ENUM, dmar_choices, 0, 0, "summary",
		       "how much of the firmware's DMAR table the boot log shows" },
	[OPT_VTD] = { "vtd", OPT_ENUM, on_off, 0, 0, "on",
		      "take over the VT-d units (off: leave them as the firmware left them)" },
	[OPT_INVAL] = { "inval", OPT_ENUM_LIST, inval_choices, 0, 0, "qi",
			"invalidation interface: register-based or queued (a list sweeps both)" },
	[OPT_DEFAULT_DOMAIN] = { "default_domain", OPT_ENUM, domain_choices, 0, 0, "identity",
				 "where devices not under test live: an identity-mapped domain, or "
				 "pass-through (needs ECAP.PT)" },
	[OPT_POLICY] = { "policy", OPT_ENUM_LIST, dma_policy_names, 0, 0, "off,strict,batched,pool",
			 "DMA mapping policies to run, in turn" },
	[OPT_PACKETS] = { "packets", OPT_UINT, NULL, 1, 100000000, "100000",
			  "frames per policy" },
	[OPT_SIZE] = { "size", OPT_UINT_LIST, NULL, 60, 1514, "64",
		       "frame size in bytes (Ethernet header included, FCS excluded); a list sweeps" },
	[OPT_HWM] = { "hwm", OPT_UINT_LIST, NULL, 1, 16384, "250",
		      "batched: unmaps queued before one invalidation covers them; a list sweeps" },
	[OPT_WARMUP] = { "warmup", OPT_UINT, NULL, 0, 10000000, "2000",
			 "frames sent before each measured stream, not counted" },
	[OPT_FLUSH_MS] = { "flush_ms", OPT_UINT, NULL, 1, 10000, "10",
			   "batched: the oldest queued unmap is flushed after this many ms" },
	[OPT_BATCH_INVAL] = { "batch_inval", OPT_ENUM_LIST, dma_gran_names, 0, 0, "global",
			      "batched: granularity of the flush (the 2008 patch flushed globally); "
			      "a list sweeps" },
	[OPT_LOOPBACK] = { "loopback", OPT_ENUM, loopback_choices, 0, 0, "phy",
			   "NIC loopback: in the PHY (every model) or the MAC (82574L only)" },
	[OPT_SAVE] = { "save", OPT_ENUM, save_choices, 0, 0, "none",
		       "uefi: hand the report to the loader, which saves it in \\REPORTS on the "
		       "boot volume at the next start" },
	/* Read by the loader when it saves a report; accepted here so the
	 * same configuration file serves both. */
	[OPT_REPORT_WAIT] = { "report_wait", OPT_UINT, NULL, 0, 3600, "30",
			      "loader: seconds to show where the report was saved" },
	[OPT_AFTER_SAVE] = { "after_save", OPT_ENUM, after_save_choices, 0, 0, "poweroff",
			     "loader: what to do after saving a report" },
	[OPT_FONT_SCALE] = { "font_scale", OPT_ENUM, font_scale_choices, 0, 0, "auto",
			     "glyph magnification on the screen; auto keeps at least 160 x 50 "
			     "characters" },
	[OPT_SCREEN] = { "screen", OPT_ENUM, screen_choices, 0, 0, "auto",
			 "loader: auto switches a screen narrower than 1280 pixels to a wider "
			 "mode the firmware offers; keep leaves the firmware's mode" },
};

static void print_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

static void copy_list(struct option_list *l, const struct opt_value *v)
{
	l->count = v->count < 16 ? v->count : 16;
	for (unsigned i = 0; i < l->count; i++)
		l->v[i] = v->v[i];
}

int options_parse(const char *cmdline, struct kernel_options *out)
{
	struct opt_value values[OPT_COUNT];
	char err[256];

	memset(out, 0, sizeof(*out));
	if (opt_parse(specs, OPT_COUNT, values, cmdline, err, sizeof(err)) < 0) {
		console_set_error_color(1);
		kprintf("options: %s\n", err);
		console_set_error_color(0);
		kprintf("options: the kernel command line was: %s\n", cmdline);
		opt_help(specs, OPT_COUNT, print_out, NULL);
		return -1;
	}
	out->exit_mode = (int)values[OPT_EXIT].v[0];
	out->dmar_verbose = values[OPT_DMAR].v[0] == 1;
	out->vtd = values[OPT_VTD].v[0] == 0;
	out->inval = (int)values[OPT_INVAL].v[0];
	out->passthrough = values[OPT_DEFAULT_DOMAIN].v[0] == 1;
	out->policies = values[OPT_POLICY].count;
	for (unsigned i = 0; i < out->policies && i < 8; i++)
		out->policy[i] = (int)values[OPT_POLICY].v[i];
	if (out->policies > 8)
		out->policies = 8;
	out->packets = values[OPT_PACKETS].v[0];
	out->warmup = values[OPT_WARMUP].v[0];
	copy_list(&out->inval_list, &values[OPT_INVAL]);
	copy_list(&out->size_list, &values[OPT_SIZE]);
	copy_list(&out->hwm_list, &values[OPT_HWM]);
	copy_list(&out->batch_inval_list, &values[OPT_BATCH_INVAL]);
	out->cmdline = cmdline;
	out->size = (unsigned)values[OPT_SIZE].v[0];
	out->hwm = (unsigned)values[OPT_HWM].v[0];
	out->flush_ms = (unsigned)values[OPT_FLUSH_MS].v[0];
	out->batch_inval = (int)values[OPT_BATCH_INVAL].v[0];
	out->mac_loopback = values[OPT_LOOPBACK].v[0] == 1;
	out->save_uefi = values[OPT_SAVE].v[0] == 1;
	for (unsigned i = 0; i < values[OPT_SELFTEST].count; i++) {
		uint64_t id = values[OPT_SELFTEST].v[i];
		if (id < SELFTEST_COUNT) {
			out->selftest[id] = true;
			out->any_selftest = true;
		}
	}
	return 0;
}

/* The index of KEY's value among CHOICES, read before the whole command
 * line is parsed; -1 when absent or invalid. */
static int enum_hint(const char *cmdline, const char *key, const char *const *choices)
{
	size_t klen = strlen(key);
	int found = -1;

	for (const char *p = cmdline; (p = strchr(p, key[0])) != NULL; p++) {
		if ((p != cmdline && p[-1] != ' ') || strncmp(p, key, klen) != 0 || p[klen] != '=')
			continue;
		const char *v = p + klen + 1;
		for (int i = 0; choices[i]; i++) {
			size_t n = strlen(choices[i]);
			if (strncmp(v, choices[i], n) == 0 && (v[n] == ' ' || !v[n]))
				found = i; /* the last one wins, as in the parser */
		}
	}
	return found;
}

int options_exit_mode_hint(const char *cmdline)
{
	return enum_hint(cmdline, "exit", exit_choices);
}

bool options_save_uefi_hint(const char *cmdline)
{
	return enum_hint(cmdline, "save", save_choices) == 1;
}

unsigned options_font_scale_hint(const char *cmdline)
{
	int scale = enum_hint(cmdline, "font_scale", font_scale_choices);

	return scale < 0 ? 0 : (unsigned)scale;
}
