/* The words of the loader's own options (boot/loader_options.h). */
#include "boot/loader_options.h"

const char *const after_save_names[] = {
	[AFTER_SAVE_POWEROFF] = "poweroff",
	[AFTER_SAVE_REBOOT] = "reboot",
	NULL,
};

const char *const screen_names[] = {
	[SCREEN_AUTO] = "auto",
	[SCREEN_KEEP] = "keep",
	NULL,
};
