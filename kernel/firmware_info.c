#include "kernel/firmware_info.h"
#include "boot/boot_info.h"
#include "kernel/console.h"

static struct firmware_info info;

void firmware_info_init(const struct boot_info *bi)
{
	unsigned i;

	/* UCS-2 to ASCII: anything outside printable ASCII becomes '?', so the
	 * name is safe on the serial line and inside a JSON string. */
	for (i = 0; i + 1 < sizeof(info.vendor) && bi->firmware_vendor[i]; i++) {
		uint16_t ch = bi->firmware_vendor[i];
		info.vendor[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	info.vendor[i] = 0;
	info.revision = bi->firmware_revision;
	info.secure_boot = bi->secure_boot == BOOT_SECURE_BOOT_ON    ? "on"
			   : bi->secure_boot == BOOT_SECURE_BOOT_OFF ? "off"
								     : "unknown";
	for (i = 0; i + 1 < sizeof(info.started) && bi->started[i] >= 0x20 &&
		    bi->started[i] < 0x7f; i++)
		info.started[i] = bi->started[i];
	info.started[i] = 0;
	info.boot_current = bi->boot_current;
	kprintf("boot: firmware %s, revision 0x%x, Secure Boot %s, clock %s\n",
		info.vendor[0] ? info.vendor : "(unnamed)", info.revision, info.secure_boot,
		info.started[0] ? info.started : "unreadable");
}

const struct firmware_info *firmware_info(void)
{
	return &info;
}
