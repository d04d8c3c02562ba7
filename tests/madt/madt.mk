# The MADT decoder (lib/acpi/madt.c) against iasl: `make madt-tests`
# compiles each tests/madt/*.dsl with iasl into $(B)/madt/ and checks what
# the decoder, built with ASan and UBSan, reads from it against the
# source's NAME.expected and against `iasl -d` (tests/madt/run_tests.py).
# Results: one PASS:/FAIL: line per check in $(B)/results/madt-tests.txt;
# a build or a runner that breaks writes a FAIL line too.

MADT_WORK := $(B)/madt
MADT_PRINT := $(MADT_WORK)/madt_print

$(MADT_PRINT): tests/madt/madt_print.c lib/acpi/madt.c lib/acpi/madt.h lib/string.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/madt/madt_print.c lib/acpi/madt.c

madt-tests:
	@r=$(B)/results/madt-tests.txt; mkdir -p $(B)/results $(MADT_WORK); : > $$r; \
	if $(MAKE) --no-print-directory $(MADT_PRINT) > $(MADT_WORK)/build.log 2>&1; then \
		$(PYTHON) tests/madt/run_tests.py --madt-print $(MADT_PRINT) --work $(MADT_WORK) \
			--iasl $(IASL) >> $$r 2> $(MADT_WORK)/run_tests.log; st=$$?; \
		[ $$st -eq 0 ] || { echo "FAIL: madt/run_tests (exited with status $$st)" >> $$r; \
			tail -15 $(MADT_WORK)/run_tests.log | sed 's/^/  /' >> $$r; }; \
	else \
		echo "FAIL: madt/build-madt_print (see $(MADT_WORK)/build.log)" >> $$r; \
		tail -15 $(MADT_WORK)/build.log | sed 's/^/  /' >> $$r; \
	fi; \
	grep -A12 '^FAIL: ' $$r | grep -E '^(FAIL: |  )' || true; \
	echo "madt tests: $$(grep -c '^PASS: ' $$r) passed, $$(grep -c '^FAIL: ' $$r) failed"; \
	! grep -q '^FAIL: ' $$r

TEST_SUITES += madt-tests
.PHONY: madt-tests
