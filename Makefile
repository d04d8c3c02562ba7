# vtdbench: a UEFI-booted test kernel that measures the cost of VT-d IOTLB
# invalidation policies. `make run` boots it in QEMU, `make test` tests it.
# Every tool comes from Debian packages; tools/ensure-deps.sh installs them.

# A dedicated cross toolchain (e.g. CROSS_COMPILE=x86_64-elf-) or the host gcc.
CROSS_COMPILE ?=
CC      := $(CROSS_COMPILE)gcc
LD      := $(CROSS_COMPILE)ld
OBJCOPY := $(CROSS_COMPILE)objcopy
NASM    ?= nasm
HOSTCC  ?= gcc
PYTHON  ?= python3

B := build

# QEMU run options (see README, "Options").
CMDLINE    ?=
NIC        ?= e1000
NVME       ?= 64M
IOMMU      ?=
ACCEL      ?= tcg
QEMU_EXTRA ?=
TIMEOUT    ?= 600
SMP        ?= 1
# With several CPUs, make run measures fewer rounds and reads: under TCG a
# row of 4 CPUs reading 10000 blocks each takes about 10 s, and the
# default 5 rounds of the cpus sweep would take 20 minutes. CMDLINE's
# words come after these, so they override them.
SMP_RUN_CMDLINE ?= rounds=3 ios=2000

.DEFAULT_GOAL := all
.PHONY: all run test deps clean

# lib/ and tools/ first: the kernel and test rules use their variables.
include $(sort $(wildcard lib/*.mk tools/*.mk))
include $(sort $(wildcard boot/*.mk kernel/*.mk drivers/*.mk bench/*.mk tests/*/*.mk))

# The kernel image: bench/ on drivers/ on the kernel core and lib/, with the
# loader's option words, which the kernel accepts too (BOOT_SHARED_SRCS,
# boot/boot.mk). Dependencies point down only: tests/layers/ checks the includes.
KERNEL_C_SRCS := $(BENCH_KERNEL_SRCS) $(DRIVER_SRCS) $(KERNEL_CORE_SRCS) $(LIB_SRCS) $(FONT_SRC) \
	$(BOOT_SHARED_SRCS)
KERNEL_OBJS := $(patsubst %.c,$(B)/k/%.o,$(KERNEL_C_SRCS)) \
	$(patsubst %.asm,$(B)/k/%.o,$(KERNEL_ASM_SRCS))

$(B)/KERNEL.ELF: $(KERNEL_OBJS) linker.ld
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS)

-include $(KERNEL_OBJS:.o=.d)

all: $(ESP_IMG) $(HOST_TOOLS)

# Installs missing Debian packages (apt-get as root, sudo otherwise) or
# prints the exact command and stops.
deps:
	@tools/ensure-deps.sh

run: deps
	@$(MAKE) --no-print-directory all $(if $(filter-out none,$(NVME)),$(NVME_IMG))
	@tools/qemu-run.sh --image $(ESP_IMG) \
		--cmdline "$(strip $(if $(filter-out 1,$(SMP)),$(SMP_RUN_CMDLINE)) $(CMDLINE))" \
		--nic "$(NIC)" --iommu "$(IOMMU)" --accel "$(ACCEL)" \
		--nvme $(if $(filter-out none,$(NVME)),$(NVME_IMG),none) \
		--smp "$(SMP)" --timeout $(TIMEOUT) --log $(B)/serial.log -- $(QEMU_EXTRA)

# Each suite writes PASS:/FAIL:/SKIP: lines to $(B)/results/; the summary
# counts them and ends with "N passed, N failed".
test: deps
	@rm -rf $(B)/results && mkdir -p $(B)/results
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -k $(TEST_SUITES) || true
	@tools/summarize.sh $(B)/results

clean:
	rm -rf $(B)
