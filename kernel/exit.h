/* How a run ends. The verdict is the kernel's result; under QEMU it becomes
 * the exit status through isa-debug-exit (status = verdict * 2 + 1). */
#ifndef KERNEL_EXIT_H
#define KERNEL_EXIT_H

#include <stdbool.h>

enum exit_verdict {
	EXIT_OK = 0,
	EXIT_TEST_FAILED = 1,  /* a self-test check failed */
	EXIT_BAD_OPTION = 2,   /* the command line was rejected */
	EXIT_EXCEPTION = 3,    /* an unexpected CPU exception */
	EXIT_PANIC = 4,        /* a broken invariant in the kernel */
	EXIT_BAD_BOOT = 5,     /* the loader's hand-over was unusable */
	EXIT_NO_HARDWARE = 6,  /* something the run needs is missing */
	EXIT_BAD_FIRMWARE = 7, /* a firmware table is malformed */
	EXIT_NO_IOMMU = 8,     /* no DMAR table: VT-d is off or absent */
	EXIT_IOMMU_ERROR = 9,  /* a remapping unit failed or stopped answering */
	EXIT_NO_NIC = 10,      /* no supported Intel NIC for the packet stream */
};

enum exit_mode { EXIT_MODE_QEMU, EXIT_MODE_HALT, EXIT_MODE_REBOOT };

void exit_set_mode(enum exit_mode mode);
/* save=uefi: the run's end must hand the report over to the loader.
 * `hand_over` (set once the firmware's runtime services are usable) does
 * it and says whether it succeeded. A run that should restart but could
 * not hand its report over halts instead: restarting would only run again,
 * and the screen would lose what went wrong. */
void exit_want_handover(bool wanted);
void exit_set_handover(bool (*hand_over)(enum exit_verdict verdict));
__attribute__((noreturn)) void kernel_exit(enum exit_verdict verdict);
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
const char *exit_verdict_name(enum exit_verdict verdict);

#endif
