/* The kernel command line: `key=value` words, documented in the README. */
#ifndef BENCH_OPTIONS_H
#define BENCH_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/nvme/nvme_stream.h"
#include "drivers/vtd/vtd.h"
#include "kernel/exit.h"
#include "lib/cpus.h"
#include "lib/dma/dma.h"
#include "lib/options.h"
#include "lib/rounds.h"

enum selftest_id {
	SELFTEST_BOOT,   /* memory map and allocator sanity */
	SELFTEST_TSC,    /* HPET and PM timer calibrations agree */
	SELFTEST_TIMER,  /* the LAPIC timer interrupt fires */
	SELFTEST_UD2,    /* a deliberate #UD must be caught and decoded */
	SELFTEST_PF,     /* a deliberate #PF must be caught and decoded */
	SELFTEST_HANG,   /* spin forever: the runner's time limit must end it */
	SELFTEST_VTD,    /* DMA through VT-d with the edu device: mapping, faults, stale entries */
	SELFTEST_STREAM, /* the packet stream per policy, checked: no loss, no fault, counts */
	SELFTEST_STALE,  /* the NIC transmits from a just-unmapped buffer, per policy */
	SELFTEST_TIMER_BLOCKED, /* the timer checks with its interrupt held back: they end, failing */
	SELFTEST_IRQ,    /* stray vectors get their EOI where due and do not block the timer */
	SELFTEST_CONSOLE, /* lines printed from an interrupt never land inside another line */
	SELFTEST_FLOOD,  /* thousands of log lines, as a fault storm prints: the saved report keeps its end */
	SELFTEST_NVME,   /* the NVMe driver: start in its own domain, Identify, read and check 256 blocks */
	SELFTEST_SMP,    /* every CPU: a job, a shared ticket lock, its own timer, an IPI */
	SELFTEST_COUNT
};

/* Options given as a comma-separated list: each extra value is a sweep
 * point of the experiment. */
struct inval_list {
	unsigned count;
	enum vtd_inval_mode v[OPT_MAX_LIST];
};

struct gran_list {
	unsigned count;
	enum dma_gran v[OPT_MAX_LIST];
};

struct uint_list {
	unsigned count;
	unsigned v[OPT_MAX_LIST];
};

#define OPTIONS_MAX_POLICIES 8

/* The DMA workloads: the NIC's packet stream and the NVMe read stream. */
enum workload { WORKLOAD_NET, WORKLOAD_NVME, WORKLOAD_COUNT };
/* Indexed by enum workload and ended by NULL (the option's words). */
extern const char *const workload_names[WORKLOAD_COUNT + 1];

struct kernel_options {
	enum exit_mode exit_mode;
	bool selftest[SELFTEST_COUNT];
	bool any_selftest;
	bool dmar_verbose;    /* print every DMAR field, not a summary */
	bool vtd;             /* take over the VT-d units */
	enum vtd_inval_mode inval; /* the first of inval_list */
	struct inval_list inval_list;
	bool passthrough;     /* devices not under test in pass-through */
	/* The packet stream. */
	unsigned policies;    /* how many entries of policy[] are used */
	enum dma_policy policy[OPTIONS_MAX_POLICIES]; /* in the order given */
	uint64_t packets;     /* per measured stream */
	unsigned rounds;      /* every row measured this many times (lib/rounds.h) */
	uint64_t warmup;      /* frames sent before each measured stream */
	unsigned size;        /* the first of each list */
	unsigned hwm;
	unsigned fq_size;
	unsigned flush_ms;
	enum dma_gran batch_inval;
	struct uint_list size_list, hwm_list;
	struct gran_list batch_inval_list;
	bool mac_loopback;
	/* The workloads asked for; when none was (workload_given false), every
	 * one whose device is present runs. */
	bool workload[WORKLOAD_COUNT];
	bool workload_given;
	/* The NVMe read stream. */
	uint64_t ios;         /* reads per measured stream */
	struct uint_list nvme_qd_list, nvme_io_list;
	enum nvme_pattern nvme_pattern;
	/* CPUs to run with: each value a sweep point; smp_init starts the
	 * largest (all when cpus_given is false; the list is then "1"). */
	struct uint_list cpus_list;
	bool cpus_given;
	bool save_uefi;       /* hand the report to the loader in UEFI variables */
	const char *cmdline;  /* as given, for the report */
};

/* Parses the command line. On error prints one line naming the option and
 * the valid ones, then the option table, and returns a negative error. */
int options_parse(const char *cmdline, struct kernel_options *out);
/* Words read alone before the full parse (a bad option elsewhere, or a
 * bad value of their own, is ignored; the last good word wins). */
/* exit=, so a run with a bad option still ends the way the user asked:
 * false when no good exit= word is given. */
bool options_exit_mode_hint(const char *cmdline, enum exit_mode *mode);
/* Whether save=uefi is given. */
bool options_save_uefi_hint(const char *cmdline);
/* font_scale=, for the screen that starts before the parser runs: 1..4,
 * or 0 for auto (also when absent or invalid). */
unsigned options_font_scale_hint(const char *cmdline);
extern const char *const selftest_names[];

#endif
