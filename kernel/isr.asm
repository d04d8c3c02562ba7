; Interrupt entry stubs, one per vector, each 16 bytes so C can find stub n
; at isr_stubs + 16 * n without a table of absolute addresses (the kernel is
; position-independent). Vectors where the CPU pushes an error code (SDM
; Vol. 3A 6.13: 8, 10-14, 17, 21, 29, 30) skip the dummy push.
bits 64
default rel

section .text
extern trap_dispatch
global isr_stubs

%macro STUB 1
%%start:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
	push qword %1
%else
	push qword 0
	push qword %1
%endif
	jmp isr_common
	times 16 - ($ - %%start) int3   ; fails to assemble if a stub outgrows 16
%endmacro

align 16
isr_stubs:
%assign v 0
%rep 256
	STUB v
%assign v v + 1
%endrep

; Stack at entry: vector, error code, then the CPU's frame (RIP, CS, RFLAGS,
; RSP, SS). The registers pushed here complete struct trap_frame.
isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	mov rbx, rsp          ; callee-saved: the unaligned frame pointer
	and rsp, -16          ; the ABI wants 16-byte alignment at the call
	call trap_dispatch
	mov rsp, rbx
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16           ; vector and error code
	iretq

; Loads a new GDT and reloads every segment register: CS through a far
; return, since a far jump to a fixed address is not position-independent.
; rdi = &gdtr, si = code selector, dx = data selector.
global gdt_load
gdt_load:
	lgdt [rdi]
	mov ds, dx
	mov es, dx
	mov ss, dx
	xor eax, eax
	mov fs, ax
	mov gs, ax
	movzx rsi, si
	lea rax, [.reloaded]
	push rsi
	push rax
	retfq
.reloaded:
	ret
