; Kernel entry: the loader calls _start(struct boot_info *) with the System V
; ABI (rdi), on the firmware's page tables and stack. Switch to our own stack
; before touching anything else; the rest of bring-up is C.
bits 64
default rel

section .bss
align 16
boot_stack:
	resb 64 * 1024
boot_stack_top:

section .text
global _start
extern kmain

_start:
	cli
	cld
	lea rsp, [boot_stack_top]
	xor ebp, ebp
	call kmain            ; does not return
.hang:
	cli
	hlt
	jmp .hang
