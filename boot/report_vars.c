/* The loader's access to the hand-over's variables
 * (boot/report_handover.h): reading them, and deleting them in the order
 * the protocol needs. */
#include "boot/report_vars.h"

/* What the kernel's variables carry (kernel/efi_runtime.c): deleting them
 * names the same attributes on firmware that insists. */
#define REPORT_ATTRIBUTES \
	(EFI_VARIABLE_NON_VOLATILE | EFI_VARIABLE_BOOTSERVICE_ACCESS | EFI_VARIABLE_RUNTIME_ACCESS)

static EFI_GUID report_guid = REPORT_HANDOVER_GUID;

EFI_STATUS get_var(const CHAR16 *name, void *data, UINTN *size)
{
	UINT32 attributes;

	return uefi_call_wrapper(RT->GetVariable, 5, (CHAR16 *)name, &report_guid, &attributes,
				 size, data);
}

/* SetVariable with size 0 deletes. Some firmware wants the variable's own
 * attributes for that, some accepts 0: try both. */
static EFI_STATUS delete_var(const CHAR16 *name)
{
	EFI_STATUS st = uefi_call_wrapper(RT->SetVariable, 5, (CHAR16 *)name, &report_guid,
					  REPORT_ATTRIBUTES, 0, NULL);
	if (st == EFI_INVALID_PARAMETER)
		st = uefi_call_wrapper(RT->SetVariable, 5, (CHAR16 *)name, &report_guid, 0, 0, NULL);
	return st;
}

/* Step 6's second half, and step 4: every chunk name, gaps included.
 * Returns the first error, and in *deleted how many there were. */
static EFI_STATUS delete_chunks(UINT32 *deleted)
{
	EFI_STATUS st, first_error = EFI_SUCCESS;
	CHAR16 name[32];

	*deleted = 0;
	for (UINT32 i = 0; i < REPORT_HANDOVER_CHUNKS_MAX; i++) {
		UnicodeSPrint(name, sizeof(name), CHUNK_FMT, i);
		st = delete_var(name);
		*deleted += !EFI_ERROR(st);
		if (EFI_ERROR(st) && st != EFI_NOT_FOUND && !EFI_ERROR(first_error))
			first_error = st;
	}
	return first_error;
}

/* No count, or one that is not a count: what is there cannot be told
 * apart from leftovers of a hand-over cut short, so nothing is saved. */
void delete_stale(const CHAR16 *why)
{
	UINT32 deleted;
	EFI_STATUS st = delete_var(COUNT_NAME);

	if (st == EFI_NOT_FOUND)
		st = EFI_SUCCESS;
	if (!EFI_ERROR(st))
		st = delete_chunks(&deleted);
	if (EFI_ERROR(st))
		Print(L"vtdbench: report hand-over: %s; deleting them failed (%r)\r\n", why, st);
	else if (deleted)
		Print(L"vtdbench: report hand-over: %s: %u chunk variable%s deleted, no report "
		      L"saved\r\n", why, deleted, deleted == 1 ? L"" : L"s");
}

/* Step 6: the count first (the report is taken); only once it is gone,
 * every chunk. A count that stays keeps its chunks, so the next start
 * finds the report whole, and saved already. */
EFI_STATUS delete_handover(void)
{
	UINT32 deleted;
	EFI_STATUS st = delete_var(COUNT_NAME);

	if (EFI_ERROR(st) && st != EFI_NOT_FOUND)
		return st;
	return delete_chunks(&deleted);
}
