; Where another CPU starts: a start-up IPI begins it in real mode at the
; first byte of a 4 KiB page below 1 MiB with CS = page number << 8 (SDM
; Vol. 3A 8.4.4.1). kernel/smp.c copies everything from ap_start_begin to
; ap_start_end into that page and fills the parameter block at its end
; (struct ap_params in smp.c: the same offsets as AP_* here). The code runs
; at whatever page the loader got, so real mode addresses it through CS,
; and the 32- and 64-bit parts through EBX, which holds the page's address.
;
; real mode -> protected mode (the block's flat GDT) -> long mode on a copy
; of the kernel's PML4 below 4 GiB (a 32-bit mov to CR3 loads 32 bits) ->
; the kernel's own CR3, the CPU's stack, and the C entry point.
bits 16
default abs

section .text

%define AP_GDT         0   ; 4 descriptors: null, code32, data32, code64
%define AP_GDTR        32  ; limit (2 bytes), base (4 bytes)
%define AP_FAR32       40  ; offset (4 bytes), selector (2 bytes)
%define AP_FAR64       48
%define AP_CR3_LOW     56
%define AP_CR4         60
%define AP_CR0_PM      64  ; CR0 without paging
%define AP_CR0         68
%define AP_TICKET      72  ; each CPU that gets here takes one
%define AP_EXPECTED    76  ; the ticket allowed to go on
%define AP_PAT         80
%define AP_EFER        88
%define AP_CR3         96
%define AP_STACK       104
%define AP_ARG         112
%define AP_ENTRY       120
%define AP_PARAMS_SIZE 128

%define SEL_DATA32 0x10
%define MSR_IA32_PAT  0x277        ; SDM Vol. 3A 11.12.2
%define MSR_IA32_EFER 0xc0000080   ; SDM Vol. 3A 2.2.1

%define P(field) (ap_params - ap_start_begin + field)

global ap_start_begin, ap_start_end, ap_params

ap_start_begin:
	cli
	cld
	mov ax, cs
	mov ds, ax
	; A CPU that starts late, after the boot CPU gave up on it and moved on
	; to the next, must not run on the next one's stack: only the ticket
	; the boot CPU expects goes on; any other CPU parks here.
	mov eax, 1
	lock xadd dword [P(AP_TICKET)], eax
	cmp eax, dword [P(AP_EXPECTED)]
	jne .park
	xor ebx, ebx
	mov bx, cs
	shl ebx, 4
	o32 lgdt [P(AP_GDTR)]
	mov eax, dword [P(AP_CR0_PM)]   ; PE, caches on (INIT left CD and NW set)
	mov cr0, eax
	o32 jmp far [P(AP_FAR32)]
.park:
	cli
	hlt
	jmp .park

bits 32
ap_start_pm32:
	mov ax, SEL_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, [ebx + P(AP_CR4)]      ; PAE and the boot CPU's other features
	mov cr4, eax
	mov eax, [ebx + P(AP_CR3_LOW)]
	mov cr3, eax
	mov ecx, MSR_IA32_PAT           ; the PAT the kernel's page tables assume
	mov eax, [ebx + P(AP_PAT)]
	mov edx, [ebx + P(AP_PAT) + 4]
	wrmsr
	mov ecx, MSR_IA32_EFER          ; LME (and NXE) as on the boot CPU
	mov eax, [ebx + P(AP_EFER)]
	mov edx, [ebx + P(AP_EFER) + 4]
	wrmsr
	mov eax, [ebx + P(AP_CR0)]      ; paging on: IA-32e mode, compatibility
	mov cr0, eax
	jmp far [ebx + P(AP_FAR64)]

bits 64
ap_start_lm64:
	mov ebx, ebx                    ; the upper half is undefined until now
	mov rax, [rbx + P(AP_CR3)]
	mov cr3, rax
	mov rsp, [rbx + P(AP_STACK)]
	mov rdi, [rbx + P(AP_ARG)]
	mov rax, [rbx + P(AP_ENTRY)]
	xor ebp, ebp
	call rax                        ; does not return
.hang:
	cli
	hlt
	jmp .hang

align 8
ap_params:
	times AP_PARAMS_SIZE db 0
ap_start_end:

; Offsets of the far-jump targets, for smp.c to relocate.
section .rodata
global ap_start_pm32_offset, ap_start_lm64_offset
ap_start_pm32_offset: dd ap_start_pm32 - ap_start_begin
ap_start_lm64_offset: dd ap_start_lm64 - ap_start_begin
