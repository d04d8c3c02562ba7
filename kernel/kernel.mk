# The kernel: freestanding, position-independent, linked with linker.ld.
#   -ffreestanding -nostdlib: no hosted libc; lib/ supplies what is needed
#   -fpie, -static-pie link: the loader may place the image anywhere
#   -mno-red-zone: interrupts push onto the current stack
#   -mgeneral-regs-only: no SSE state to save in interrupt handlers
#   -fno-stack-protector: no runtime support for canaries
#   -fno-common, -fno-omit-frame-pointer: plain data, readable stack dumps
VTDBENCH_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
KERNEL_CFLAGS := -std=gnu11 -O2 -g -I. -ffreestanding -fpie -fno-plt -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-common -fno-omit-frame-pointer \
	-fvisibility=hidden -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-DVTDBENCH_VERSION='"$(VTDBENCH_VERSION)"'
KERNEL_LDFLAGS := -nostdlib -static -pie --no-dynamic-linker -z max-page-size=4096 \
	-z noexecstack -z text -T linker.ld

# The core: what every part of the kernel runs on.
KERNEL_CORE_SRCS := kernel/console.c kernel/serial.c kernel/exit.c kernel/gdt.c kernel/trap.c \
	kernel/mem.c kernel/tsc.c kernel/lapic.c kernel/cpuinfo.c kernel/firmware_info.c \
	kernel/efi_runtime.c kernel/smp.c kernel/smp_skew.c
KERNEL_ASM_SRCS := kernel/entry.asm kernel/isr.asm kernel/ap_start.asm

$(B)/k/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/k/%.o: %.asm
	@mkdir -p $(@D)
	$(NASM) -f elf64 -o $@ $<

