# In-VM tests: boot the real image under QEMU, as listed in tests/vm/manifest.
# `make vm-tests VM_TESTS="boot lapic-timer"` runs a subset.
VM_TESTS ?=

# Firmware tables injected with -acpitable by some tests: a malformed case
# from tests/dmar/malformed.cases, and a real laptop's DMAR whose units do
# not exist in the VM.
VM_TABLES := $(B)/vm/tables/drhd-register-base-zero.dat $(B)/vm/tables/dell-xps-13-9350.dat

$(B)/vm/tables/drhd-register-base-zero.dat: tests/vm/dmar_case.py tests/dmar/malformed.cases
	@mkdir -p $(@D)
	$(PYTHON) tests/vm/dmar_case.py drhd-register-base-zero $(DMAR_TESTDATA) $@

$(B)/vm/tables/dell-xps-13-9350.dat: $(DMAR_TESTDATA)/dell-xps-13-9350.dat
	@mkdir -p $(@D)
	cp $< $@

# The NVMe sections' drive (64 MiB of 512-byte blocks, each with its
# lib/block_pattern.h content).
NVME_IMG := $(B)/nvme.img
$(B)/vm/nvme_image: tests/vm/nvme_image.c lib/block_pattern.c lib/block_pattern.h
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -I. -o $@ tests/vm/nvme_image.c lib/block_pattern.c

$(NVME_IMG): $(B)/vm/nvme_image
	$(B)/vm/nvme_image $@ 64

vm-tests: $(ESP_IMG) $(VM_TABLES) $(NVME_IMG)
	@mkdir -p $(B)/results
	@FONT_PSF=$(FONT_PSF) tests/vm/run.sh tests/vm/manifest $(ESP_IMG) $(B)/vm $(VM_TESTS) | tee $(B)/results/vm.txt

TEST_SUITES += vm-tests
.PHONY: vm-tests
