/* The options the loader reads itself. The kernel accepts them too, so
 * that one configuration file serves both: each is defined here once, for
 * the loader's lookups and for the kernel's option table. */
#ifndef BOOT_LOADER_OPTIONS_H
#define BOOT_LOADER_OPTIONS_H

#include "lib/options.h"

/* What the loader does once a report is saved. */
enum after_save { AFTER_SAVE_POWEROFF, AFTER_SAVE_REBOOT };
/* A screen narrower than the report: switch to a wider mode, or not. */
enum screen_choice { SCREEN_AUTO, SCREEN_KEEP };

/* Indexed by the enums above, ended by NULL. */
extern const char *const after_save_names[];
extern const char *const screen_names[];

/* opt_spec initializers, so that the kernel's table can hold them in its
 * own order and the loader can read each alone with opt_lookup. */
#define LOADER_OPTION_REPORT_WAIT \
	{ "report_wait", OPT_UINT, NULL, 0, 3600, "30", \
	  "loader: seconds to show where the report was saved", 1 }
#define LOADER_OPTION_AFTER_SAVE \
	{ "after_save", OPT_ENUM, after_save_names, 0, 0, "poweroff", \
	  "loader: what to do after saving a report", 1 }
#define LOADER_OPTION_SCREEN \
	{ "screen", OPT_ENUM, screen_names, 0, 0, "auto", \
	  "loader: auto switches a screen narrower than 1280 pixels to a wider " \
	  "mode the firmware offers; keep leaves the firmware's mode", 1 }

#endif
