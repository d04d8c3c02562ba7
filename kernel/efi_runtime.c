/* UEFI runtime services, called at their physical addresses: the kernel
 * keeps an identity map and never calls SetVirtualAddressMap, which the
 * UEFI specification (8.1) allows. The firmware's runtime regions are RAM
 * or MMIO the kernel's page tables already map. Calls use the Microsoft
 * x64 calling convention (UEFI spec 2.3.4), with interrupts off. */
#include "kernel/efi_runtime.h"
#include "kernel/console.h"
#include "kernel/cpu.h"

#define EFI_RUNTIME_SERVICES_SIGNATURE 0x56524553544e5552ull /* "RUNTSERV" */
#define ST_RUNTIME_SERVICES 88   /* EFI_SYSTEM_TABLE.RuntimeServices (UEFI 4.3) */
#define RT_SET_VARIABLE 88       /* EFI_RUNTIME_SERVICES.SetVariable (UEFI 4.5) */
#define RT_RESET_SYSTEM 104      /* EFI_RUNTIME_SERVICES.ResetSystem */
#define EFI_VARIABLE_NV_BS_RT 7  /* non-volatile, boot and runtime access */
#define MAX_NAME 64

typedef uint64_t (__attribute__((ms_abi)) *set_variable_fn)(uint16_t *name, const void *guid,
							    uint32_t attributes, uint64_t size,
							    const void *data);
typedef void (__attribute__((ms_abi)) *reset_system_fn)(uint32_t type, uint64_t status,
							uint64_t size, const void *data);

static const uint8_t *runtime;

/* {8be4df61-93ca-11d2-aa0d-00e098032b8c} (UEFI spec 3.3), in EFI_GUID byte order. */
const uint8_t efi_global_variable_guid[16] = {
	0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
	0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c,
};

int efi_runtime_init(uint64_t system_table)
{
	if (!system_table)
		return -1;
	const uint8_t *st = (const uint8_t *)system_table;
	const uint8_t *rt = *(const uint8_t *const *)(st + ST_RUNTIME_SERVICES);
	if (!rt || *(const uint64_t *)rt != EFI_RUNTIME_SERVICES_SIGNATURE) {
		kprintf("efi: no usable runtime services table\n");
		return -1;
	}
	runtime = rt;
	return 0;
}

uint64_t efi_set_variable(const char *name, const void *guid, const void *data, size_t size)
{
	uint16_t wide[MAX_NAME];
	size_t i;

	if (!runtime)
		return ~0ull;
	for (i = 0; name[i] && i + 1 < MAX_NAME; i++)
		wide[i] = (uint8_t)name[i];
	wide[i] = 0;
	set_variable_fn fn = *(set_variable_fn const *)(runtime + RT_SET_VARIABLE);
	cpu_cli();
	return fn(wide, guid, EFI_VARIABLE_NV_BS_RT, size, data);
}

void efi_reset(int type)
{
	if (!runtime)
		return;
	reset_system_fn fn = *(reset_system_fn const *)(runtime + RT_RESET_SYSTEM);
	cpu_cli();
	fn((uint32_t)type, 0, 0, NULL);
}
