/* The kernel command line: `key=value` words, documented in the README. */
#ifndef KERNEL_OPTIONS_H
#define KERNEL_OPTIONS_H

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
	SELFTEST_COUNT
};

struct kernel_options {
	int exit_mode;        /* enum exit_mode */
	bool selftest[SELFTEST_COUNT];
	bool any_selftest;
	bool dmar_verbose;    /* print every DMAR field, not a summary */
	bool vtd;             /* take over the VT-d units */
	int inval;            /* enum vtd_inval_mode */
	bool passthrough;     /* devices not under test in pass-through */
};

/* Parses the command line. On error prints one line naming the option and
 * the valid ones, then the option table, and returns a negative error. */
int options_parse(const char *cmdline, struct kernel_options *out);
/* The exit= word alone, so a run with a bad option still ends the way
 * the user asked. Returns -1 when absent or invalid. */
int options_exit_mode_hint(const char *cmdline);
extern const char *const selftest_names[];

#endif
