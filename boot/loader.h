/* Pieces of the UEFI loader shared between its files. */
#ifndef BOOT_LOADER_H
#define BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>
#include "boot/boot_info.h"

/* Loads the ELF kernel image in file_data into pages allocated anywhere,
 * applies its relocations and returns the entry point. */
EFI_STATUS elf_load_kernel(const void *file_data, UINTN file_size,
			   UINT64 *base_out, UINT64 *size_out, UINT64 *entry_out);

/* The kernel command line: boot/cmdline.h. */
#include "boot/cmdline.h"

#endif
