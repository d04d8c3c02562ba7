/* The kernel command line: `key=value` words, documented in the README. */
#ifndef BENCH_OPTIONS_H
#define BENCH_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

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
	SELFTEST_COUNT
};

/* An option given as a comma-separated list: each extra value is a sweep
 * point of the experiment. */
struct option_list {
	unsigned count;
	uint64_t v[16];
};

struct kernel_options {
	int exit_mode;        /* enum exit_mode */
	bool selftest[SELFTEST_COUNT];
	bool any_selftest;
	bool dmar_verbose;    /* print every DMAR field, not a summary */
	bool vtd;             /* take over the VT-d units */
	int inval;            /* enum vtd_inval_mode: the first of inval_list */
	struct option_list inval_list;
	bool passthrough;     /* devices not under test in pass-through */
	/* The packet stream. */
	unsigned policies;    /* how many entries of policy[] are used */
	int policy[8];        /* enum dma_policy, in the order given */
	uint64_t packets;
	uint64_t warmup;      /* frames sent before each measured stream */
	unsigned size;        /* the first of each list */
	unsigned hwm;
	unsigned flush_ms;
	int batch_inval;      /* enum dma_gran */
	struct option_list size_list, hwm_list, batch_inval_list;
	bool mac_loopback;
	bool save_uefi;       /* hand the report to the loader in UEFI variables */
	const char *cmdline;  /* as given, for the report */
};

/* Parses the command line. On error prints one line naming the option and
 * the valid ones, then the option table, and returns a negative error. */
int options_parse(const char *cmdline, struct kernel_options *out);
/* The exit= word alone, so a run with a bad option still ends the way
 * the user asked. Returns -1 when absent or invalid. */
int options_exit_mode_hint(const char *cmdline);
/* Whether save=uefi is given (the last save= word wins). */
bool options_save_uefi_hint(const char *cmdline);
/* The font_scale= word alone, for the screen that starts before the
 * parser runs: 1..4, or 0 for auto (also when absent or invalid). */
unsigned options_font_scale_hint(const char *cmdline);
extern const char *const selftest_names[];

#endif
