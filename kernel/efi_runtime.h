/* The few UEFI runtime services the kernel uses after ExitBootServices. */
#ifndef KERNEL_EFI_RUNTIME_H
#define KERNEL_EFI_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#define EFI_RESET_COLD     0
#define EFI_RESET_SHUTDOWN 2

/* Finds the runtime services table; returns 0 or -1 when unusable. */
int efi_runtime_init(uint64_t system_table);
/* Stores a non-volatile variable; returns the EFI status (0 = success). */
uint64_t efi_set_variable(const char *name, const void *guid, const void *data, size_t size);
/* The GUID of the variables the UEFI specification defines (BootNext...). */
extern const uint8_t efi_global_variable_guid[16];

/* Resets or powers off through the firmware; returns only on failure. */
void efi_reset(int type);

#endif
