/* Processor identification for the report: brand string, signature,
 * microcode revision and, under a hypervisor, its vendor string. */
#include "kernel/cpuinfo.h"
#include "kernel/cpu.h"
#include "kernel/trap.h"
#include "lib/string.h"

#define MSR_IA32_BIOS_SIGN_ID 0x8b
#define VECTOR_GP 13

static struct cpu_info info;
static int info_ready;
static volatile int msr_faulted;

/* A #GP on the WRMSR or RDMSR below (some hypervisors do not implement
 * the MSR) is skipped: both instructions are two bytes long. */
static int skip_faulting_msr(struct trap_frame *tf)
{
	const uint8_t *ip = (const uint8_t *)tf->rip;

	if (tf->vector != VECTOR_GP || ip[0] != 0x0f || (ip[1] != 0x30 && ip[1] != 0x32))
		return 0;
	tf->rip += 2;
	msr_faulted = 1;
	return 1;
}

/* SDM Vol. 3A 10.11.7.1: write 0 to the MSR, execute CPUID(1), read the
 * revision from the high half. */
static uint32_t read_microcode(void)
{
	uint32_t a, b, c, d, lo = 0, hi = 0;

	trap_set_exception_hook(skip_faulting_msr);
	msr_faulted = 0;
	__asm__ volatile("wrmsr" ::"c"(MSR_IA32_BIOS_SIGN_ID), "a"(0), "d"(0));
	cpuid(1, 0, &a, &b, &c, &d);
	if (!msr_faulted)
		__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_IA32_BIOS_SIGN_ID));
	trap_set_exception_hook(NULL);
	(void)lo;
	return msr_faulted ? 0 : hi;
}

const struct cpu_info *cpu_info(void)
{
	uint32_t r[12], a, b, c, d;

	if (info_ready)
		return &info;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
		char raw[49];
		memcpy(raw, r, 48);
		raw[48] = 0;
		const char *p = raw;
		while (*p == ' ')
			p++;
		memcpy(info.brand, p, strlen(p) + 1);
	}
	cpuid(1, 0, &a, &b, &c, &d);
	info.signature = a;
	if (c & (1u << 31)) { /* CPUID.1:ECX.hypervisor */
		cpuid(0x40000000, 0, &a, &b, &c, &d);
		memcpy(info.hypervisor, &b, 4);
		memcpy(info.hypervisor + 4, &c, 4);
		memcpy(info.hypervisor + 8, &d, 4);
	}
	info.microcode = read_microcode();
	info_ready = 1;
	return &info;
}
