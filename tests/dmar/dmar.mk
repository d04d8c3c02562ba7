# Tests of the DMAR parser (lib/dmar/*.c) and dmardump, on the host.
#   make dmar-tests       real tables vs iasl, malformed cases, CLI, kernel-flag build
#   make dmar-fuzz-short  60 s of libFuzzer (part of `make test`)
#   make fuzz             FUZZ_SECONDS of the same fuzzer
# Results: one PASS:/FAIL: line per check in $(B)/results/dmar-*.txt. Every
# step that can break (a build, the runner itself) writes a FAIL line when it
# does, so a broken suite never just goes quiet.

DMAR_TESTDATA ?= tests/dmar/tables
FUZZ_SECONDS ?= 600
DMAR_FUZZ_SHORT_SECONDS ?= 60
IASL ?= iasl
FUZZ_CC ?= clang

DMAR_WORK := $(B)/dmar
# Own source lists: this file is included before tools/dmar.mk.
DMAR_TEST_SRCS := $(wildcard lib/dmar/*.c)
DMAR_TEST_DEPS := $(DMAR_TEST_SRCS) $(wildcard lib/dmar/*.h) lib/string.h
# The tests run a sanitized dmardump: a bad read on a malformed table then
# fails loudly instead of passing by luck.
DMAR_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
DMAR_TEST_TOOL := $(DMAR_WORK)/dmardump-san
DMAR_FUZZER := $(DMAR_WORK)/fuzz_dmar

$(DMAR_TEST_TOOL): tools/dmardump.c $(DMAR_TEST_DEPS)
	@mkdir -p $(@D)
	$(HOSTCC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -DHOST_BUILD -I. $(DMAR_SAN) \
		-o $@ tools/dmardump.c $(DMAR_TEST_SRCS)

$(DMAR_FUZZER): tests/dmar/fuzz_dmar.c $(DMAR_TEST_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -DHOST_BUILD -I. \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ tests/dmar/fuzz_dmar.c $(DMAR_TEST_SRCS)

# $(call dmar_build,TARGET,RESULTS,CHECK): builds TARGET, or records a FAIL.
dmar_build = mkdir -p $(DMAR_WORK) $(B)/results; \
	$(MAKE) --no-print-directory $(1) > $(DMAR_WORK)/build-$(notdir $(1)).log 2>&1 || { \
		echo "FAIL: dmar/$(3) (build of $(1) failed)" >> $(2); \
		tail -15 $(DMAR_WORK)/build-$(notdir $(1)).log | sed 's/^/  /' >> $(2); false; }

# Prints the failures and a count, and fails make when a check failed.
dmar_report = grep -A12 '^FAIL: ' $(1) | grep -E '^(FAIL: |  )' || true; \
	echo "$(2): $$(grep -c '^PASS: ' $(1)) passed, $$(grep -c '^FAIL: ' $(1)) failed"; \
	! grep -q '^FAIL: ' $(1)

dmar-tests:
	@r=$(B)/results/dmar-tests.txt; mkdir -p $(B)/results; : > $$r; \
	if $(call dmar_build,$(DMAR_TEST_TOOL),$$r,build-dmardump); then \
		$(PYTHON) tests/dmar/run_tests.py --dmardump $(DMAR_TEST_TOOL) \
			--testdata $(DMAR_TESTDATA) --work $(DMAR_WORK) --iasl $(IASL) \
			--kcc "$(CC)" >> $$r 2> $(DMAR_WORK)/run_tests.log; st=$$?; \
		[ $$st -eq 0 ] || { echo "FAIL: dmar/run_tests (exited with status $$st)" >> $$r; \
			tail -15 $(DMAR_WORK)/run_tests.log | sed 's/^/  /' >> $$r; }; \
	fi; \
	$(call dmar_report,$$r,dmar tests)

# $(1): check name, $(2): seconds, $(3): results file
dmar_fuzz_run = r=$(3); mkdir -p $(B)/results; : > $$r; \
	if $(call dmar_build,$(DMAR_FUZZER),$$r,$(1)); then \
		tests/dmar/fuzz.sh $(1) $(DMAR_FUZZER) $(2) $(DMAR_WORK)/fuzz $$r \
			$(DMAR_TESTDATA) $(DMAR_WORK)/malformed $(DMAR_WORK)/synthetic \
		|| echo "FAIL: dmar/$(1) (fuzz.sh exited with status $$?)" >> $$r; \
	fi; \
	$(call dmar_report,$$r,dmar $(1))

dmar-fuzz-short:
	@$(call dmar_fuzz_run,fuzz-short,$(DMAR_FUZZ_SHORT_SECONDS),$(B)/results/dmar-fuzz-short.txt)

dmar-fuzz:
	@$(call dmar_fuzz_run,fuzz,$(FUZZ_SECONDS),$(B)/results/dmar-fuzz.txt)

fuzz: dmar-fuzz

TEST_SUITES += dmar-tests dmar-fuzz-short
.PHONY: dmar-tests dmar-fuzz-short dmar-fuzz fuzz
