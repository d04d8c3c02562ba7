/* vtdbench UEFI loader (EFI/BOOT/BOOTX64.EFI): gathers what the kernel needs
 * from the firmware (ACPI RSDP, GOP framebuffer, memory map, command line),
 * loads KERNEL.ELF from its own directory, leaves boot services and jumps.
 * A report the last run left in UEFI variables is saved first, and then the
 * kernel is not started (boot/report_save.c).
 * Rules: nothing but GetMemoryMap/ExitBootServices may be called once the
 * first ExitBootServices attempt was made, and no fixed address is assumed. */
#include "boot/loader.h"
#include "boot/loader_options.h"
#include "boot/report_save.h"
#include "lib/devpath.h"
#include "lib/page.h"

#define KERNEL_FILE L"KERNEL.ELF"
#define CONFIG_FILE L"VTDBENCH.CFG"
#define ERROR_WAIT_SECONDS 10

typedef void (*kernel_entry_fn)(struct boot_info *bi);

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

/* Shows an error and gives a person at the machine time to read it before
 * control returns to the firmware's boot manager. */
static EFI_STATUS give_up(EFI_STATUS st)
{
	EFI_EVENT timer;
	UINTN index;

	Print(L"loader: cannot start the kernel (%r). Returning to the firmware in %d s"
	      L" (press a key to return now).\r\n", st, ERROR_WAIT_SECONDS);
	if (!EFI_ERROR(uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER, 0, NULL, NULL, &timer))) {
		EFI_EVENT events[2] = { ST->ConIn->WaitForKey, timer };
		uefi_call_wrapper(BS->SetTimer, 3, timer, TimerRelative,
				  (UINT64)ERROR_WAIT_SECONDS * 10000000);
		uefi_call_wrapper(BS->WaitForEvent, 3, 2, events, &index);
	}
	return st;
}

/* The firmware gives no size with a device path; a loader's own file path
 * is a few hundred bytes, so this only bounds a path that never ends. */
#define DEVICE_PATH_MAX 4096

/* Appends the file path node's name to dir, folding doubled backslashes. */
static void append_file_path(const struct devpath_node *node, CHAR16 *dir, UINTN *len, UINTN max)
{
	const CHAR16 *name = (const CHAR16 *)node->data;
	UINTN n = node->data_len / sizeof(CHAR16);

	for (UINTN i = 0; i < n && name[i] && *len + 2 < max; i++) {
		if (*len && dir[*len - 1] == L'\\' && name[i] == L'\\')
			continue;
		dir[(*len)++] = name[i];
	}
	if (*len && dir[*len - 1] != L'\\' && *len + 2 < max)
		dir[(*len)++] = L'\\';
}

/* The directory the loader was started from, as "\EFI\BOOT\" (with the
 * trailing backslash), so the kernel and config are found beside it. A
 * malformed device path is reported and walked no further. */
static void loader_directory(EFI_LOADED_IMAGE *li, CHAR16 *dir, UINTN max)
{
	UINTN len = 0;
	struct devpath_walk walk;
	struct devpath_node node;
	enum devpath_status st;

	devpath_walk_start(&walk, li->FilePath, DEVICE_PATH_MAX);
	while ((st = devpath_walk_next(&walk, &node)) == DEVPATH_NODE)
		if (node.type == DEVPATH_TYPE_MEDIA && node.subtype == DEVPATH_SUBTYPE_FILE_PATH)
			append_file_path(&node, dir, &len, max);
	if (st != DEVPATH_END && li->FilePath)
		Print(L"loader: the loaded image's device path stops at byte %d: %a\r\n",
		      (int)node.offset, devpath_status_text(st));
	dir[len] = 0;
	/* Strip the file name: keep everything up to the last backslash. */
	while (len > 0 && dir[len - 1] == L'\\')
		dir[--len] = 0;
	while (len > 0 && dir[len - 1] != L'\\')
		dir[--len] = 0;
	if (len == 0)
		StrCpy(dir, L"\\EFI\\BOOT\\");
}

/* Reads a whole file into pool memory. */
static EFI_STATUS read_file(EFI_FILE_HANDLE root, const CHAR16 *path, void **data, UINTN *size)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st = uefi_call_wrapper(root->Open, 5, root, &f, (CHAR16 *)path,
					  EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st))
		return st;
	EFI_FILE_INFO *info = LibFileInfo(f);
	if (!info) {
		uefi_call_wrapper(f->Close, 1, f);
		return EFI_DEVICE_ERROR;
	}
	*size = info->FileSize;
	FreePool(info);
	*data = AllocatePool(*size + 1);
	if (!*data) {
		uefi_call_wrapper(f->Close, 1, f);
		return EFI_OUT_OF_RESOURCES;
	}
	UINTN n = *size;
	st = uefi_call_wrapper(f->Read, 3, f, &n, *data);
	uefi_call_wrapper(f->Close, 1, f);
	if (!EFI_ERROR(st) && n != *size)
		st = EFI_END_OF_FILE;
	if (EFI_ERROR(st))
		FreePool(*data);
	return st;
}

static void find_rsdp(struct boot_info *bi)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		if (CompareGuid(&t->VendorGuid, &acpi20_guid) == 0) {
			bi->rsdp = (UINT64)t->VendorTable;
			bi->rsdp_revision = 2;
			return;
		}
		if (CompareGuid(&t->VendorGuid, &acpi10_guid) == 0 && !bi->rsdp) {
			bi->rsdp = (UINT64)t->VendorTable;
			bi->rsdp_revision = 0;
		}
	}
}

#define WIDE_ENOUGH 1280 /* pixels: 160 columns of 8-pixel glyphs, the report's width */

/* The kernel's name for a mode's pixel layout, or BOOT_FB_NONE when the
 * kernel cannot draw into it. */
static UINT32 framebuffer_format(const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info)
{
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor:
		return BOOT_FB_RGBX;
	case PixelBlueGreenRedReserved8BitPerColor:
		return BOOT_FB_BGRX;
	case PixelBitMask:
		/* Many firmwares report BGRX this way. */
		if (info->PixelInformation.RedMask == 0xff0000 &&
		    info->PixelInformation.GreenMask == 0xff00 &&
		    info->PixelInformation.BlueMask == 0xff)
			return BOOT_FB_BGRX;
		return BOOT_FB_NONE;
	default:
		return BOOT_FB_NONE; /* BltOnly: no linear framebuffer to draw into */
	}
}

/* Many firmwares start in 800x600 or 1024x768, where the report table
 * wraps. Unless screen=keep, a narrower screen moves to the smallest mode
 * the firmware offers that is at least 1280x720 (the smallest, so glyphs
 * stay large on a small panel). */
static void widen_screen(EFI_GRAPHICS_OUTPUT_PROTOCOL *gop, const char *cmdline)
{
	static const struct opt_spec screen_option = LOADER_OPTION_SCREEN;
	struct opt_value screen;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
	UINT32 was_w = info->HorizontalResolution, was_h = info->VerticalResolution;

	/* A bad value is the kernel's to report (it rejects the command line). */
	opt_lookup(&screen_option, cmdline, &screen, NULL, 0);
	if (screen.v[0] == SCREEN_KEEP || was_w >= WIDE_ENOUGH)
		return;
	UINT32 best = gop->Mode->MaxMode;
	UINT64 best_area = 0;
	for (UINT32 m = 0; m < gop->Mode->MaxMode; m++) {
		UINTN size;
		if (EFI_ERROR(uefi_call_wrapper(gop->QueryMode, 4, gop, m, &size, &info)))
			continue;
		UINT64 area = (UINT64)info->HorizontalResolution * info->VerticalResolution;
		if (framebuffer_format(info) != BOOT_FB_NONE &&
		    info->HorizontalResolution >= WIDE_ENOUGH && info->VerticalResolution >= 720 &&
		    (best == gop->Mode->MaxMode || area < best_area)) {
			best = m;
			best_area = area;
		}
		FreePool(info);
	}
	if (best == gop->Mode->MaxMode) {
		Print(L"loader: the screen is %ux%u and the firmware offers no mode of at least "
		      L"%ux720: the report table will wrap\r\n", was_w, was_h, WIDE_ENOUGH);
		return;
	}
	EFI_STATUS st = uefi_call_wrapper(gop->SetMode, 2, gop, best);
	if (EFI_ERROR(st))
		Print(L"loader: cannot switch the screen from %ux%u to mode %u: %r\r\n", was_w, was_h,
		      best, st);
	else
		Print(L"loader: screen %ux%u switched to %ux%u so the report fits (screen=keep "
		      L"leaves it)\r\n", was_w, was_h, gop->Mode->Info->HorizontalResolution,
		      gop->Mode->Info->VerticalResolution);
}

static void find_framebuffer(struct boot_info *bi)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
	EFI_GUID gop_guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;

	if (EFI_ERROR(LibLocateProtocol(&gop_guid, (void **)&gop)) || !gop || !gop->Mode)
		return;
	widen_screen(gop, bi->cmdline);
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
	bi->fb.format = framebuffer_format(info);
	if (bi->fb.format == BOOT_FB_NONE)
		return;
	bi->fb.base = gop->Mode->FrameBufferBase;
	bi->fb.size = gop->Mode->FrameBufferSize;
	bi->fb.width = info->HorizontalResolution;
	bi->fb.height = info->VerticalResolution;
	bi->fb.stride = info->PixelsPerScanLine;
}

/* Reads a variable the UEFI specification defines (UEFI spec 3.3) that
 * must be exactly `size` bytes; FALSE when it is absent or of another size. */
static BOOLEAN read_global_variable(CHAR16 *name, void *out, UINTN size)
{
	UINTN got = size;
	EFI_STATUS st = uefi_call_wrapper(RT->GetVariable, 5, name, &EfiGlobalVariable, NULL, &got,
					  out);

	return !EFI_ERROR(st) && got == size;
}

/* Secure Boot is recorded in every report. When it is on, this unsigned
 * loader only runs because its hash or a key that signed it is enrolled;
 * the kernel it loads is not checked by the firmware. */
static void find_secure_boot(struct boot_info *bi)
{
	UINT8 on;

	if (!read_global_variable(L"SecureBoot", &on, sizeof(on))) {
		bi->secure_boot = BOOT_SECURE_BOOT_UNKNOWN;
	} else if (on) {
		bi->secure_boot = BOOT_SECURE_BOOT_ON;
		Print(L"loader: Secure Boot is on; this loader was let through by an enrolled hash "
		      L"or key\r\n");
	} else {
		bi->secure_boot = BOOT_SECURE_BOOT_OFF;
	}
}

/* Every report says when it was made. The firmware's clock is what the
 * machine believes: often local time with no zone (UEFI spec 8.3). */
static void find_start_time(struct boot_info *bi)
{
	EFI_TIME t;

	if (EFI_ERROR(uefi_call_wrapper(RT->GetTime, 2, &t, NULL)) || t.Month < 1 || t.Month > 12 ||
	    t.Day < 1 || t.Day > 31 || t.Hour > 23 || t.Minute > 59 || t.Second > 59)
		return;
	CHAR16 s[48];
	UnicodeSPrint(s, sizeof(s), L"%04u-%02u-%02uT%02u:%02u:%02u", t.Year, t.Month, t.Day,
		      t.Hour, t.Minute, t.Second);
	/* The zone in minutes, passed on as the firmware gives it: firmware
	 * and the specification's editions have read its sign both ways. */
	if (t.TimeZone != EFI_UNSPECIFIED_TIMEZONE)
		UnicodeSPrint(s + StrLen(s), sizeof(s) - StrLen(s) * sizeof(CHAR16), L" TimeZone %d",
			      (INT32)t.TimeZone);
	for (UINTN i = 0; i + 1 < sizeof(bi->started) && s[i]; i++)
		bi->started[i] = (char)s[i];
}

static void find_boot_option(struct boot_info *bi)
{
	UINT16 current;

	bi->boot_current = read_global_variable(L"BootCurrent", &current, sizeof(current)) ?
				   current : BOOT_OPTION_UNKNOWN;
}

/* Leaves boot services. The memory map key changes whenever the firmware
 * allocates (timers fire during the loop), so fetch the map again and retry;
 * the buffer was allocated beforehand with room to spare. */
/* Highest start of the page the other CPUs start in: below the EBDA and
 * the legacy video memory, whose page numbers are no use for a start-up
 * IPI, whose vector is the page number (8 bits: below 1 MiB). */
#define AP_TRAMPOLINE_MAX 0x9f000

static void find_ap_trampoline(struct boot_info *bi)
{
	EFI_PHYSICAL_ADDRESS addr = AP_TRAMPOLINE_MAX;
	EFI_STATUS st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
					  1, &addr);

	if (EFI_ERROR(st) || (addr & (PAGE_SIZE - 1)) || addr > AP_TRAMPOLINE_MAX) {
		Print(L"loader: no free page below 0x%lx for the other CPUs' start-up code (%r): "
		      "the kernel runs on one CPU\r\n", (UINT64)AP_TRAMPOLINE_MAX, st);
		bi->ap_trampoline = 0;
		return;
	}
	bi->ap_trampoline = addr;
}

static EFI_STATUS exit_boot_services(EFI_HANDLE image, struct boot_info *bi,
				     EFI_MEMORY_DESCRIPTOR *map, UINTN map_capacity)
{
	EFI_STATUS st = EFI_ABORTED;

	for (int attempt = 0; attempt < 16; attempt++) {
		UINTN size = map_capacity, key, desc_size;
		UINT32 desc_version;

		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, &key, &desc_size, &desc_version);
		if (EFI_ERROR(st))
			return st;
		bi->memmap.addr = (UINT64)map;
		bi->memmap.size = size;
		bi->memmap.desc_size = desc_size;
		bi->memmap.desc_version = desc_version;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st))
			return st;
	}
	return st;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS st;
	CHAR16 dir[256], path[300];

	InitializeLib(image, systab);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);
	Print(L"vtdbench loader\r\n");

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return give_up(st);
	EFI_FILE_HANDLE root = LibOpenRoot(li->DeviceHandle);
	if (!root) {
		Print(L"loader: cannot open the volume the loader was started from\r\n");
		return give_up(EFI_NOT_FOUND);
	}
	loader_directory(li, dir, sizeof(dir) / sizeof(dir[0]));

	/* boot_info lives in its own pages: the kernel keeps them reserved. */
	EFI_PHYSICAL_ADDRESS bi_addr = 0;
	UINTN bi_pages = pages_for(sizeof(struct boot_info));
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, bi_pages, &bi_addr);
	if (EFI_ERROR(st))
		return give_up(st);
	struct boot_info *bi = (struct boot_info *)bi_addr;
	SetMem(bi, bi_pages * PAGE_SIZE, 0);
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->efi_system_table = (UINT64)systab;
	bi->firmware_revision = systab->FirmwareRevision;
	if (systab->FirmwareVendor)
		for (UINTN i = 0; i + 1 < 64 && systab->FirmwareVendor[i]; i++)
			bi->firmware_vendor[i] = systab->FirmwareVendor[i];

	void *cfg = NULL;
	UINTN cfg_size = 0;
	SPrint(path, sizeof(path), L"%s%s", dir, CONFIG_FILE);
	st = read_file(root, path, &cfg, &cfg_size);
	if (EFI_ERROR(st) && st != EFI_NOT_FOUND)
		Print(L"loader: cannot read %s: %r (using defaults)\r\n", path, st);
	size_t cmdline_len;
	if (cmdline_build(bi->cmdline, sizeof(bi->cmdline), cfg, EFI_ERROR(st) ? 0 : cfg_size,
			  li->LoadOptions, li->LoadOptionsSize, &cmdline_len) != CMDLINE_OK)
		Print(L"loader: the command line would be %lu characters, more than the %d it may "
		      "have: the kernel gets the words that fit and %a, and stops\r\n",
		      (UINT64)cmdline_len, BOOT_CMDLINE_MAX - 1, CMDLINE_TOO_LONG_WORD);
	if (!EFI_ERROR(st))
		FreePool(cfg);

	/* A report the last run handed over is saved first; the machine then
	 * powers off or restarts instead of running the kernel again. */
	report_save_pending(root, bi->cmdline);

	find_rsdp(bi);
	find_framebuffer(bi);
	find_secure_boot(bi);
	find_start_time(bi);
	find_boot_option(bi);
	find_ap_trampoline(bi);

	void *kernel_file;
	UINTN kernel_file_size;
	SPrint(path, sizeof(path), L"%s%s", dir, KERNEL_FILE);
	st = read_file(root, path, &kernel_file, &kernel_file_size);
	if (EFI_ERROR(st)) {
		Print(L"loader: cannot read the kernel %s: %r\r\n", path, st);
		return give_up(st);
	}
	UINT64 entry;
	st = elf_load_kernel(kernel_file, kernel_file_size, &bi->kernel_base, &bi->kernel_size, &entry);
	FreePool(kernel_file);
	if (EFI_ERROR(st))
		return give_up(st);

	Print(L"loader: kernel %s at 0x%lx (%lu KiB), ACPI RSDP %s at 0x%lx, framebuffer %ux%u\r\n",
	      path, bi->kernel_base, bi->kernel_size / 1024,
	      bi->rsdp_revision >= 2 ? L"2.0" : L"1.0", bi->rsdp, bi->fb.width, bi->fb.height);
	Print(L"loader: command line: %a\r\n", bi->cmdline);

	/* Room for the map as it is now plus what the allocation itself and
	 * timer callbacks may add before ExitBootServices succeeds. */
	UINTN map_size = 0, key, desc_size;
	UINT32 desc_version;
	uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &key, &desc_size, &desc_version);
	UINTN map_capacity = map_size + 32 * desc_size;
	EFI_PHYSICAL_ADDRESS map_addr = 0;
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
			       pages_for(map_capacity), &map_addr);
	if (EFI_ERROR(st))
		return give_up(st);

	st = exit_boot_services(image, bi, (EFI_MEMORY_DESCRIPTOR *)map_addr, map_capacity);
	if (EFI_ERROR(st)) {
		/* Boot services may be gone by now; only the console might work. */
		return st;
	}
	((kernel_entry_fn)entry)(bi);
	for (;;)
		__asm__ volatile("cli; hlt");
}
