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

/* Builds the kernel command line: the config file's words, then the load
 * options' words (so options typed in a shell override the file). */
void cmdline_build(char *out, UINTN out_size, const CHAR8 *config, UINTN config_size,
		   const void *load_options, UINT32 load_options_size);

#endif
