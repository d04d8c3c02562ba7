# In-VM tests: boot the real image under QEMU, as listed in tests/vm/manifest.
# `make vm-tests VM_TESTS="boot lapic-timer"` runs a subset.
VM_TESTS ?=

vm-tests: $(ESP_IMG)
	@mkdir -p $(B)/results
	@FONT_PSF=$(FONT_PSF) tests/vm/run.sh tests/vm/manifest $(ESP_IMG) $(B)/vm $(VM_TESTS) | tee $(B)/results/vm.txt

TEST_SUITES += vm-tests
.PHONY: vm-tests
