/* The option table: every key the kernel accepts, its values and default.
 * Keep the README's option list in step with this table. */
#include "kernel/options.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "lib/options.h"
#include "lib/string.h"

static const char *const exit_choices[] = { "qemu", "halt", "reboot", NULL };
const char *const selftest_names[] = { "boot", "tsc", "timer", "ud2", "pf", "hang", "vtd", "none", NULL };
#define SELFTEST_NONE SELFTEST_COUNT

static const char *const dmar_choices[] = { "summary", "verbose", NULL };
static const char *const on_off[] = { "on", "off", NULL };
static const char *const inval_choices[] = { "reg", "qi", NULL };
static const char *const domain_choices[] = { "identity", "passthrough", NULL };

enum { OPT_EXIT, OPT_SELFTEST, OPT_DMAR, OPT_VTD, OPT_INVAL, OPT_DEFAULT_DOMAIN, OPT_COUNT };

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
	[OPT_INVAL] = { "inval", OPT_ENUM, inval_choices, 0, 0, "qi",
			"invalidation interface: register-based or queued" },
	[OPT_DEFAULT_DOMAIN] = { "default_domain", OPT_ENUM, domain_choices, 0, 0, "identity",
				 "where devices not under test live: an identity-mapped domain, or "
				 "pass-through (needs ECAP.PT)" },
};

static void print_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
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
	for (unsigned i = 0; i < values[OPT_SELFTEST].count; i++) {
		uint64_t id = values[OPT_SELFTEST].v[i];
		if (id < SELFTEST_COUNT) {
			out->selftest[id] = true;
			out->any_selftest = true;
		}
	}
	return 0;
}

int options_exit_mode_hint(const char *cmdline)
{
	int mode = -1;

	for (const char *p = cmdline; (p = strchr(p, 'e')) != NULL; p++) {
		if ((p != cmdline && p[-1] != ' ') || strncmp(p, "exit=", 5) != 0)
			continue;
		for (int i = 0; exit_choices[i]; i++) {
			size_t n = strlen(exit_choices[i]);
			if (strncmp(p + 5, exit_choices[i], n) == 0 && (p[5 + n] == ' ' || !p[5 + n]))
				mode = i; /* the last one wins, as in the parser */
		}
	}
	return mode;
}
