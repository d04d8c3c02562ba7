/* Loads the kernel, a position-independent ELF64 executable, into pages the
 * firmware picks: the loader never assumes a fixed physical address is free.
 * The only relocation a static PIE needs is R_X86_64_RELATIVE. */
#include "boot/loader.h"
#include "lib/page.h"

#define ELF_PT_LOAD    1
#define ELF_PT_DYNAMIC 2
#define ELF_DT_NULL    0
#define ELF_DT_RELA    7
#define ELF_DT_RELASZ  8
#define ELF_DT_RELAENT 9
#define ELF_R_X86_64_RELATIVE 8
#define ELF_ET_DYN     3
#define ELF_EM_X86_64  62

typedef struct {
	UINT8  ident[16];
	UINT16 type, machine;
	UINT32 version;
	UINT64 entry, phoff, shoff;
	UINT32 flags;
	UINT16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} elf64_ehdr;

typedef struct {
	UINT32 type, flags;
	UINT64 offset, vaddr, paddr, filesz, memsz, align;
} elf64_phdr;

typedef struct { INT64 tag; UINT64 val; } elf64_dyn;
typedef struct { UINT64 offset, info; INT64 addend; } elf64_rela;


static EFI_STATUS fail(const CHAR16 *what)
{
	Print(L"loader: kernel image: %s\r\n", what);
	return EFI_LOAD_ERROR;
}

static EFI_STATUS apply_relocations(const elf64_dyn *dyn, UINT64 dyn_bytes,
				    UINT64 base, UINT64 span)
{
	UINT64 rela = 0, relasz = 0, relaent = sizeof(elf64_rela);

	for (UINT64 i = 0; i < dyn_bytes / sizeof(*dyn) && dyn[i].tag != ELF_DT_NULL; i++) {
		if (dyn[i].tag == ELF_DT_RELA)
			rela = dyn[i].val;
		else if (dyn[i].tag == ELF_DT_RELASZ)
			relasz = dyn[i].val;
		else if (dyn[i].tag == ELF_DT_RELAENT)
			relaent = dyn[i].val;
	}
	if (!relasz)
		return EFI_SUCCESS;
	if (relaent != sizeof(elf64_rela) || rela > span || relasz > span - rela)
		return fail(L"relocation table lies outside the image");
	for (UINT64 off = 0; off < relasz; off += relaent) {
		const elf64_rela *r = (const elf64_rela *)(base + rela + off);

		if ((UINT32)r->info != ELF_R_X86_64_RELATIVE)
			return fail(L"relocation other than R_X86_64_RELATIVE (rebuild as static PIE)");
		if (r->offset > span - 8)
			return fail(L"relocation target outside the image");
		*(UINT64 *)(base + r->offset) = base + (UINT64)r->addend;
	}
	return EFI_SUCCESS;
}

EFI_STATUS elf_load_kernel(const void *file_data, UINTN file_size,
			   UINT64 *base_out, UINT64 *size_out, UINT64 *entry_out)
{
	const UINT8 *file = file_data;
	const elf64_ehdr *eh = file_data;
	UINT64 span = 0, dyn_off = 0, dyn_bytes = 0;

	if (file_size < sizeof(*eh) || CompareMem(eh->ident, "\177ELF", 4) != 0)
		return fail(L"not an ELF file");
	if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != ELF_EM_X86_64)
		return fail(L"not a little-endian x86-64 ELF64 file");
	if (eh->type != ELF_ET_DYN)
		return fail(L"not position-independent (ET_DYN expected)");
	if (eh->phentsize != sizeof(elf64_phdr) || eh->phoff > file_size ||
	    (UINT64)eh->phnum * sizeof(elf64_phdr) > file_size - eh->phoff)
		return fail(L"program headers lie outside the file");

	const elf64_phdr *ph = (const elf64_phdr *)(file + eh->phoff);
	for (UINT16 i = 0; i < eh->phnum; i++) {
		if (ph[i].type != ELF_PT_LOAD)
			continue;
		if (ph[i].align > PAGE_SIZE)
			return fail(L"segment alignment above 4 KiB (link with -z max-page-size=4096)");
		if (ph[i].filesz > ph[i].memsz || ph[i].offset > file_size ||
		    ph[i].filesz > file_size - ph[i].offset || ph[i].memsz > (1ull << 32) ||
		    ph[i].vaddr > (1ull << 32))
			return fail(L"segment lies outside the file or is implausibly large");
		if (ph[i].vaddr + ph[i].memsz > span)
			span = ph[i].vaddr + ph[i].memsz;
	}
	if (!span)
		return fail(L"no loadable segment");
	span = (span + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (eh->entry >= span)
		return fail(L"entry point outside the image");

	/* LoaderCode: firmware that enforces NX on data pages must still let
	 * the kernel's first instructions run on the firmware's page tables. */
	EFI_PHYSICAL_ADDRESS base = 0;
	EFI_STATUS st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages,
					  EfiLoaderCode, span / PAGE_SIZE, &base);
	if (EFI_ERROR(st)) {
		Print(L"loader: cannot allocate %lu KiB for the kernel: %r\r\n", span / 1024, st);
		return st;
	}
	SetMem((void *)base, span, 0);
	for (UINT16 i = 0; i < eh->phnum; i++) {
		if (ph[i].type == ELF_PT_LOAD)
			CopyMem((void *)(base + ph[i].vaddr), file + ph[i].offset, ph[i].filesz);
		if (ph[i].type == ELF_PT_DYNAMIC) {
			dyn_off = ph[i].vaddr;
			dyn_bytes = ph[i].memsz;
		}
	}
	if (dyn_bytes) {
		if (dyn_off > span || dyn_bytes > span - dyn_off)
			st = fail(L"dynamic section outside the image");
		else
			st = apply_relocations((const elf64_dyn *)(base + dyn_off), dyn_bytes, base, span);
		if (EFI_ERROR(st)) {
			uefi_call_wrapper(BS->FreePages, 2, base, span / PAGE_SIZE);
			return st;
		}
	}
	*base_out = base;
	*size_out = span;
	*entry_out = base + eh->entry;
	return EFI_SUCCESS;
}
