/* The one structure the loader hands to the kernel. Both sides include this
 * header; the kernel refuses a magic or version it does not know, so a stale
 * loader on a stick fails with a message instead of misreading fields. */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC   0x4f464e4954425644ull /* "DVBTINFO" */
#define BOOT_INFO_VERSION 3
#define BOOT_CMDLINE_MAX  1024

/* The firmware's SecureBoot variable (UEFI spec 3.3, global variables). */
#define BOOT_SECURE_BOOT_OFF     0
#define BOOT_SECURE_BOOT_ON      1
#define BOOT_SECURE_BOOT_UNKNOWN 2 /* no such variable: firmware before UEFI 2.3.1 */

#define BOOT_OPTION_UNKNOWN 0xffffffffu

/* UEFI GOP pixel formats (UEFI spec 12.9, EFI_GRAPHICS_PIXEL_FORMAT). */
#define BOOT_FB_NONE 0
#define BOOT_FB_RGBX 1 /* PixelRedGreenBlueReserved8BitPerColor */
#define BOOT_FB_BGRX 2 /* PixelBlueGreenRedReserved8BitPerColor */

struct boot_fb {
	uint64_t base;        /* physical address of the linear framebuffer */
	uint64_t size;        /* bytes */
	uint32_t width;       /* pixels */
	uint32_t height;
	uint32_t stride;      /* pixels per scan line */
	uint32_t format;      /* BOOT_FB_* */
};

struct boot_memmap {
	uint64_t addr;        /* physical address of EFI_MEMORY_DESCRIPTOR[] */
	uint64_t size;        /* bytes used */
	uint64_t desc_size;   /* stride between descriptors (not sizeof!) */
	uint32_t desc_version;
	uint32_t pad;
};

struct boot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size;              /* sizeof(struct boot_info) as the loader saw it */
	uint64_t rsdp;              /* physical address of the ACPI RSDP, 0 if none */
	uint32_t rsdp_revision;     /* 2 = ACPI 2.0+ (XSDT), 0 = ACPI 1.0 (RSDT) */
	uint32_t pad0;
	uint64_t efi_system_table;  /* physical address, for runtime services */
	uint64_t kernel_base;       /* where the kernel image was loaded */
	uint64_t kernel_size;       /* bytes, page-rounded */
	struct boot_fb fb;
	struct boot_memmap memmap;
	uint16_t firmware_vendor[64]; /* UCS-2, NUL-terminated */
	uint32_t firmware_revision;
	uint32_t secure_boot;         /* BOOT_SECURE_BOOT_* */
	/* The firmware's clock when the loader started, "YYYY-MM-DDTHH:MM:SS"
	 * (then " TimeZone N" when the firmware gives one); empty when the
	 * clock could not be read. */
	char started[48];
	/* The boot option this start came from (the BootCurrent variable), so
	 * a restart can come back to the same stick; BOOT_OPTION_UNKNOWN when
	 * the firmware does not say. */
	uint32_t boot_current;
	uint32_t pad2;
	/* One 4 KiB page below 1 MiB, taken from the firmware, for the code the
	 * other CPUs start in: a start-up IPI names its page number (SDM Vol. 3A
	 * 8.4.4.1), so no fixed address is assumed. 0 when the firmware had none
	 * free: the kernel then runs on the boot CPU alone. */
	uint64_t ap_trampoline;
	char cmdline[BOOT_CMDLINE_MAX]; /* ASCII, NUL-terminated */
};

/* EFI memory types and attributes the kernel reads (UEFI spec 7.2). */
#define EFI_MT_RESERVED              0
#define EFI_MT_LOADER_CODE           1
#define EFI_MT_LOADER_DATA           2
#define EFI_MT_BOOT_SERVICES_CODE    3
#define EFI_MT_BOOT_SERVICES_DATA    4
#define EFI_MT_RUNTIME_SERVICES_CODE 5
#define EFI_MT_RUNTIME_SERVICES_DATA 6
#define EFI_MT_CONVENTIONAL          7
#define EFI_MT_UNUSABLE              8
#define EFI_MT_ACPI_RECLAIM          9
#define EFI_MT_ACPI_NVS              10
#define EFI_MT_MMIO                  11
#define EFI_MT_MMIO_PORT_SPACE       12
#define EFI_MT_PAL_CODE              13
#define EFI_MT_PERSISTENT            14

#define BOOT_EFI_MEMORY_UC      0x1ull
#define BOOT_EFI_MEMORY_WB      0x8ull
#define BOOT_EFI_MEMORY_RUNTIME 0x8000000000000000ull

struct efi_memory_descriptor {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t npages;      /* 4 KiB pages */
	uint64_t attribute;
};
_Static_assert(sizeof(struct efi_memory_descriptor) == 40, "EFI descriptor layout");

#endif
