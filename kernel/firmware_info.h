/* What the report says about the firmware the machine booted with. */
#ifndef KERNEL_FIRMWARE_INFO_H
#define KERNEL_FIRMWARE_INFO_H

#include <stdint.h>

struct boot_info;

struct firmware_info {
	char vendor[64];         /* the system table's FirmwareVendor, as ASCII */
	uint32_t revision;       /* the system table's FirmwareRevision */
	const char *secure_boot; /* "on", "off" or "unknown" */
	char started[48];        /* the firmware clock at the loader's start, or "" */
	uint32_t boot_current;   /* the boot option started, or BOOT_OPTION_UNKNOWN */
};

/* Keeps what the loader found; prints it on the boot log. */
void firmware_info_init(const struct boot_info *bi);
const struct firmware_info *firmware_info(void);

#endif
