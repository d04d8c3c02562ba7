/* Interrupt and exception dispatch. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include <stdint.h>

/* Layout pushed by isr.asm, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches isr.asm");

typedef void (*irq_handler_fn)(struct trap_frame *tf);

/* Installs the IDT. image_base is where the loader put the kernel, so an
 * exception dump can name the faulting offset in kernel.elf. */
void trap_init(uint64_t image_base);
/* Loads the one IDT trap_init built on the calling CPU (every CPU shares it). */
void trap_load_idt(void);
/* Installs the handler for an interrupt vector (32..255). */
void irq_set_handler(uint8_t vector, irq_handler_fn fn);
/* Interrupts on vectors with no handler, counted instead of ignored. */
uint64_t trap_unexpected_count(void);
/* Counts an interrupt nobody asked for and retires it at the local APIC
 * if the APIC delivered it; for handlers of vectors that are only ever
 * stray (the spurious vector). */
void trap_count_stray(uint8_t vector);
void trap_dispatch(struct trap_frame *tf);

/* What the exception path does after printing the dump. A self-test that
 * provokes an exception on purpose installs a hook that resumes elsewhere. */
typedef int (*exception_hook_fn)(struct trap_frame *tf);
void trap_set_exception_hook(exception_hook_fn fn);

#endif
