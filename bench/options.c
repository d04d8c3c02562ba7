/* The option table: every key the kernel accepts, its values and default.
 * Keep the README's option list in step with this table. */
#include "bench/options.h"
#include "boot/loader_options.h"
#include "kernel/console.h"
#include "lib/string.h"

/* Enum options' words, indexed by the value they stand for. */
static const char *const exit_choices[] = {
	[EXIT_MODE_QEMU] = "qemu", [EXIT_MODE_HALT] = "halt", [EXIT_MODE_REBOOT] = "reboot", NULL
};
const char *const selftest_names[] = { "boot", "tsc", "timer", "ud2", "pf", "hang", "vtd", "stream", "stale", "timer_blocked", "irq", "console", "flood", "nvme", "smp", "none", NULL };
#define SELFTEST_NONE SELFTEST_COUNT

static const char *const dmar_choices[] = { "summary", "verbose", NULL };
static const char *const on_off[] = { "on", "off", NULL };
static const char *const domain_choices[] = { "identity", "passthrough", NULL };
static const char *const loopback_choices[] = { "phy", "mac", NULL };
const char *const workload_names[WORKLOAD_COUNT + 1] = {
	[WORKLOAD_NET] = "net", [WORKLOAD_NVME] = "nvme", NULL
};
enum save_choice { SAVE_NONE, SAVE_UEFI };
static const char *const save_choices[] = { [SAVE_NONE] = "none", [SAVE_UEFI] = "uefi", NULL };
/* Index = the scale; 0 = auto. */
static const char *const font_scale_choices[] = { "auto", "1", "2", "3", "4", NULL };

enum {
	OPT_EXIT, OPT_SELFTEST, OPT_DMAR, OPT_VTD, OPT_INVAL, OPT_DEFAULT_DOMAIN,
	OPT_POLICY, OPT_PACKETS, OPT_ROUNDS, OPT_WARMUP, OPT_SIZE, OPT_HWM, OPT_FQ_SIZE, OPT_FLUSH_MS, OPT_BATCH_INVAL, OPT_LOOPBACK,
	OPT_WORKLOAD, OPT_IOS, OPT_NVME_QD, OPT_NVME_IO, OPT_NVME_PATTERN, OPT_CPUS,
	OPT_SAVE, OPT_REPORT_WAIT, OPT_AFTER_SAVE, OPT_FONT_SCALE, OPT_SCREEN,
	OPT_COUNT
};

static const struct opt_spec specs[OPT_COUNT] = {
	[OPT_EXIT] = { "exit", OPT_ENUM, exit_choices, 0, 0, "halt",
		       "what happens when the run ends: leave QEMU with the verdict as exit status, "
		       "halt, or reboot", 1 },
	[OPT_SELFTEST] = { "selftest", OPT_ENUM_LIST, selftest_names, 0, 0, "none",
			   "in-VM self-tests to run (comma-separated); ud2 and pf end the run "
			   "with a deliberate exception, hang never ends it, flood prints 12000 "
			   "filler lines (a report longer than its buffers), nvme reads the NVMe "
			   "drive's first blocks", OPT_MAX_LIST },
	[OPT_DMAR] = { "dmar", OPT_ENUM, dmar_choices, 0, 0, "summary",
		       "how much of the firmware's DMAR table the boot log shows", 1 },
	[OPT_VTD] = { "vtd", OPT_ENUM, on_off, 0, 0, "on",
		      "take over the VT-d units (off: leave them as the firmware left them)", 1 },
	[OPT_INVAL] = { "inval", OPT_ENUM_LIST, vtd_inval_mode_words, 0, 0, "qi",
			"invalidation interface: register-based or queued (a list sweeps both)",
			OPT_MAX_LIST },
	[OPT_DEFAULT_DOMAIN] = { "default_domain", OPT_ENUM, domain_choices, 0, 0, "identity",
				 "where devices not under test live: an identity-mapped domain, or "
				 "pass-through (needs ECAP.PT)", 1 },
	[OPT_POLICY] = { "policy", OPT_ENUM_LIST, dma_policy_names, 0, 0,
			 "off,identity,strict,batched,fq,pool,bounce",
			 "DMA mapping policies to run, in turn", OPTIONS_MAX_POLICIES },
	[OPT_PACKETS] = { "packets", OPT_UINT, NULL, 1, 100000000, "50000",
			  "frames per measured stream (one row of one round)", 1 },
	[OPT_ROUNDS] = { "rounds", OPT_UINT, NULL, 1, ROUNDS_MAX, "5",
			 "times every row is measured, each round in a rotated order; the report "
			 "gives each row's median, range and spread over them", 1 },
	[OPT_SIZE] = { "size", OPT_UINT_LIST, NULL, 60, 1514, "64",
		       "frame size in bytes (Ethernet header included, FCS excluded); a list sweeps",
		       OPT_MAX_LIST },
	[OPT_HWM] = { "hwm", OPT_UINT_LIST, NULL, 1, 16384, "250",
		      "batched: unmaps queued before one invalidation covers them; a list sweeps",
		      OPT_MAX_LIST },
	[OPT_FQ_SIZE] = { "fq_size", OPT_UINT, NULL, 1, 16384, "256",
			   "fq: unmaps each CPU's flush queue holds before one domain-selective "
			   "invalidation covers them (Linux: 256)", 1 },
	[OPT_WARMUP] = { "warmup", OPT_UINT, NULL, 0, 10000000, "2000",
			 "frames sent before each measured stream, not counted", 1 },
	[OPT_FLUSH_MS] = { "flush_ms", OPT_UINT, NULL, 1, 10000, "10",
			   "batched and fq: the oldest queued unmap is flushed after this many ms "
			   "(fq: on each CPU's own timer)", 1 },
	[OPT_BATCH_INVAL] = { "batch_inval", OPT_ENUM_LIST, dma_gran_names, 0, 0, "global",
			      "batched: granularity of the flush (the 2008 patch flushed globally); "
			      "a list sweeps", OPT_MAX_LIST },
	[OPT_LOOPBACK] = { "loopback", OPT_ENUM, loopback_choices, 0, 0, "phy",
			   "NIC loopback: in the PHY (every model) or the MAC (82574L only)", 1 },
	[OPT_WORKLOAD] = { "workload", OPT_ENUM_LIST, workload_names, 0, 0, "net,nvme",
			   "DMA workloads to run: the NIC's packet stream, NVMe reads (default: "
			   "each one whose device is present)", WORKLOAD_COUNT },
	[OPT_IOS] = { "ios", OPT_UINT, NULL, 1, 100000000, "10000",
		      "NVMe reads per measured stream (one row of one round)", 1 },
	[OPT_NVME_QD] = { "nvme_qd", OPT_UINT_LIST, NULL, 1, NVME_MAX_QD, "1",
			  "NVMe reads in flight; a list sweeps", OPT_MAX_LIST },
	[OPT_NVME_IO] = { "nvme_io", OPT_UINT_LIST, NULL, 512, 1u << 20, "4096",
			  "bytes per NVMe read, a multiple of the drive's block size (checked "
			  "once it is identified) and at most its MDTS; a list sweeps",
			  OPT_MAX_LIST },
	[OPT_NVME_PATTERN] = { "nvme_pattern", OPT_ENUM, nvme_pattern_names, 0, 0, "rand",
			       "where NVMe reads go in the first 64 MiB of the namespace: "
			       "pseudo-random or sequential (wrapping)", 1 },
	[OPT_CPUS] = { "cpus", OPT_UINT_LIST, NULL, 1, CPUS_MAX, "1",
		       "CPUs reading NVMe at once (each value a sweep point); the largest is "
		       "started, the others listed in the MADT are left out (default: all are "
		       "started and the NVMe rows sweep 1, 2, 4, ... up to all)", OPT_MAX_LIST },
	[OPT_SAVE] = { "save", OPT_ENUM, save_choices, 0, 0, "none",
		       "uefi: hand the report to the loader, which saves it in \\REPORTS on the "
		       "boot volume at the next start", 1 },
	/* Read by the loader when it saves a report; accepted here so the
	 * same configuration file serves both. */
	[OPT_REPORT_WAIT] = LOADER_OPTION_REPORT_WAIT,
	[OPT_AFTER_SAVE] = LOADER_OPTION_AFTER_SAVE,
	[OPT_FONT_SCALE] = { "font_scale", OPT_ENUM, font_scale_choices, 0, 0, "auto",
			     "glyph magnification on the screen; auto keeps at least 160 x 50 "
			     "characters", 1 },
	[OPT_SCREEN] = LOADER_OPTION_SCREEN,
};

static void print_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

static void copy_uints(struct uint_list *l, const struct opt_value *v)
{
	l->count = v->count;
	for (unsigned i = 0; i < l->count; i++)
		l->v[i] = (unsigned)v->v[i];
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
	/* Every list fits: each spec's max_count is its field's room. */
	out->exit_mode = (enum exit_mode)values[OPT_EXIT].v[0];
	out->dmar_verbose = values[OPT_DMAR].v[0] == 1;
	out->vtd = values[OPT_VTD].v[0] == 0;
	out->passthrough = values[OPT_DEFAULT_DOMAIN].v[0] == 1;
	out->inval_list.count = values[OPT_INVAL].count;
	for (unsigned i = 0; i < out->inval_list.count; i++)
		out->inval_list.v[i] = (enum vtd_inval_mode)values[OPT_INVAL].v[i];
	out->inval = out->inval_list.v[0];
	out->policies = values[OPT_POLICY].count;
	for (unsigned i = 0; i < out->policies; i++)
		out->policy[i] = (enum dma_policy)values[OPT_POLICY].v[i];
	out->packets = values[OPT_PACKETS].v[0];
	out->rounds = (unsigned)values[OPT_ROUNDS].v[0];
	out->warmup = values[OPT_WARMUP].v[0];
	copy_uints(&out->size_list, &values[OPT_SIZE]);
	copy_uints(&out->hwm_list, &values[OPT_HWM]);
	out->batch_inval_list.count = values[OPT_BATCH_INVAL].count;
	for (unsigned i = 0; i < out->batch_inval_list.count; i++)
		out->batch_inval_list.v[i] = (enum dma_gran)values[OPT_BATCH_INVAL].v[i];
	out->cmdline = cmdline;
	out->size = out->size_list.v[0];
	out->hwm = out->hwm_list.v[0];
	out->flush_ms = (unsigned)values[OPT_FLUSH_MS].v[0];
	out->fq_size = (unsigned)values[OPT_FQ_SIZE].v[0];
	out->batch_inval = out->batch_inval_list.v[0];
	out->mac_loopback = values[OPT_LOOPBACK].v[0] == 1;
	out->save_uefi = values[OPT_SAVE].v[0] == SAVE_UEFI;
	out->workload_given = values[OPT_WORKLOAD].set_by_user;
	for (unsigned i = 0; i < values[OPT_WORKLOAD].count; i++)
		out->workload[values[OPT_WORKLOAD].v[i]] = true;
	out->ios = values[OPT_IOS].v[0];
	copy_uints(&out->nvme_qd_list, &values[OPT_NVME_QD]);
	copy_uints(&out->nvme_io_list, &values[OPT_NVME_IO]);
	out->nvme_pattern = (enum nvme_pattern)values[OPT_NVME_PATTERN].v[0];
	copy_uints(&out->cpus_list, &values[OPT_CPUS]);
	out->cpus_given = values[OPT_CPUS].set_by_user;
	for (unsigned i = 0; i < values[OPT_SELFTEST].count; i++) {
		uint64_t id = values[OPT_SELFTEST].v[i];
		if (id < SELFTEST_COUNT) {
			out->selftest[id] = true;
			out->any_selftest = true;
		}
	}
	return 0;
}

/* The value of one option read alone, or its default. */
static uint64_t hint(unsigned option, const char *cmdline, bool *given)
{
	struct opt_value v;

	opt_lookup(&specs[option], cmdline, &v, NULL, 0);
	if (given)
		*given = v.set_by_user;
	return v.count ? v.v[0] : 0;
}

bool options_exit_mode_hint(const char *cmdline, enum exit_mode *mode)
{
	bool given;
	enum exit_mode m = (enum exit_mode)hint(OPT_EXIT, cmdline, &given);

	if (given)
		*mode = m;
	return given;
}

bool options_save_uefi_hint(const char *cmdline)
{
	return hint(OPT_SAVE, cmdline, NULL) == SAVE_UEFI;
}

unsigned options_font_scale_hint(const char *cmdline)
{
	return (unsigned)hint(OPT_FONT_SCALE, cmdline, NULL);
}
