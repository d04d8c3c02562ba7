/* What the report says about the processor. */
#ifndef KERNEL_CPUINFO_H
#define KERNEL_CPUINFO_H

#include <stdint.h>

struct cpu_info {
	char brand[49];          /* CPUID 0x80000002-4, leading blanks removed */
	uint32_t signature;      /* CPUID.1:EAX */
	uint32_t microcode;      /* IA32_BIOS_SIGN_ID[63:32], 0 if unreadable */
	char hypervisor[13];     /* CPUID 0x40000000 vendor, empty on bare metal */
};

const struct cpu_info *cpu_info(void);

#endif
