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

# The NVMe drive images the manifest's `nvme = SIZE` keys ask for, one per
# size (tools/nvme.mk writes them; run.sh attaches $(B)/vm/nvme-SIZE.img).
VM_NVME_IMGS := $(patsubst %,$(B)/vm/nvme-%.img,$(sort $(shell \
	sed -n -E 's/^[ \t]*nvme[ \t]*=[ \t]*([^ \t]+)[ \t]*$$/\1/p' tests/vm/manifest)))

vm-tests: $(ESP_IMG) $(VM_TABLES) $(VM_NVME_IMGS)
	@mkdir -p $(B)/results
	@FONT_PSF=$(FONT_PSF) VM_SMP=$(SMP) tests/vm/run.sh tests/vm/manifest $(ESP_IMG) $(B)/vm $(VM_TESTS) | tee $(B)/results/vm.txt

TEST_SUITES += vm-tests
.PHONY: vm-tests

# The checks of QEMU's traces on synthetic traces, host side: the
# write-free check of the NVMe trace (check_nvme_trace.py: one with a
# write must fail) and the invalidation count check (check_inval_trace.py:
# one descriptor more or fewer must fail).
nvme-trace-tests:
	@mkdir -p $(B)/results
	@$(PYTHON) tests/vm/test_check_nvme_trace.py $(B)/nvme-trace-tests > $(B)/results/nvme-trace.txt 2>&1 \
		|| echo "FAIL: nvme-trace/runner (exited with status $$?)" >> $(B)/results/nvme-trace.txt
	@$(PYTHON) tests/vm/test_check_inval_trace.py $(B)/inval-trace-tests >> $(B)/results/nvme-trace.txt 2>&1 \
		|| echo "FAIL: inval-trace/runner (exited with status $$?)" >> $(B)/results/nvme-trace.txt
	@grep -A3 '^FAIL' $(B)/results/nvme-trace.txt || true
	@echo "nvme trace check tests: $$(grep -c '^PASS: ' $(B)/results/nvme-trace.txt) passed"
	@! grep -q '^FAIL' $(B)/results/nvme-trace.txt

TEST_SUITES += nvme-trace-tests
.PHONY: nvme-trace-tests
