# Host unit tests of the pure logic in lib/, built with ASan and UBSan.
# Each tests/host/test_NAME.c is one program; it links the host build of
# every lib/ source except string.c (the host uses libc's; test_string.c
# builds lib/string.c itself under renamed symbols).

HOST_SAN    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -DHOST_BUILD -I. $(HOST_SAN)

HOST_LIB_SRCS  = $(filter-out lib/string.c,$(wildcard lib/*.c lib/*/*.c))
HOST_TEST_SRCS = $(wildcard tests/host/test_*.c)
HOST_TEST_BINS = $(patsubst tests/host/%.c,$(B)/host/%,$(HOST_TEST_SRCS))

$(B)/host/test_string: tests/host/test_string.c lib/string.c lib/string.h tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -fno-builtin -DLIB_STRING_PREFIX=lib_ -DHOST_BUILD -o $@ tests/host/test_string.c lib/string.c

# The loader's command-line assembly is pure C too (boot/cmdline.h).
$(B)/host/test_cmdline: tests/host/test_cmdline.c boot/cmdline.c boot/cmdline.h boot/boot_info.h tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/host/test_cmdline.c boot/cmdline.c

$(B)/host/test_%: tests/host/test_%.c $(HOST_LIB_SRCS) $(wildcard lib/*.h lib/*/*.h) tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_LIB_SRCS)

# Concurrent code under ThreadSanitizer, with real threads: each
# tests/host/tsan_NAME.c is one program (TSan does not mix with ASan, hence
# flags of its own), linked with lib/ and with every .c file its own
# prerequisite line adds (see the NVMe one below); a race TSan reports
# makes the program exit non-zero.
HOST_TSAN_FLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -DHOST_BUILD -I. -fsanitize=thread \
	-fno-omit-frame-pointer -pthread
HOST_TSAN_SRCS = $(wildcard tests/host/tsan_*.c)
HOST_TSAN_BINS = $(patsubst tests/host/%.c,$(B)/host/%,$(HOST_TSAN_SRCS))
export TSAN_OPTIONS ?= halt_on_error=1:exitcode=66

$(B)/host/tsan_%: tests/host/tsan_%.c $(HOST_LIB_SRCS) $(wildcard lib/*.h lib/*/*.h) tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_TSAN_FLAGS) -o $@ $(filter %.c,$^)

# The cross-CPU handshakes (lib/cpu_mailbox.h, lib/tsc_pingpong.h) once
# more under ThreadSanitizer, on real threads.
HOST_TEST_BINS += $(B)/host/test_smp_sync_tsan
$(B)/host/test_smp_sync_tsan: tests/host/test_smp_sync.c lib/cpu_mailbox.h lib/tsc_pingpong.h tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_TSAN_FLAGS) -o $@ $<

# The DMA layer's lanes on real threads.
$(B)/host/tsan_dma_threads: tests/host/host_pages.h

# Builds and runs every host test; a test that does not build, crashes or
# exits non-zero counts as a failure even when its own lines said PASS.
# Each program compiles lib/ itself, so they are built on every core
# first; the loop then finds them made, or reports the one that is not.
HOST_BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
host-tests:
	@mkdir -p $(B)/results
	@$(MAKE) --no-print-directory -s -k -j$(HOST_BUILD_JOBS) $(HOST_TEST_BINS) $(HOST_TSAN_BINS) \
		> $(B)/host-build.log 2>&1 || true
	@for t in $(HOST_TEST_BINS) $(HOST_TSAN_BINS); do \
		n=$$(basename $$t); r=$(B)/results/host-$$n.txt; \
		if ! $(MAKE) --no-print-directory -s $$t > $(B)/host-$$n.build.log 2>&1; then \
			echo "FAIL: host/$$n does not build (see $(B)/host-$$n.build.log)" > $$r; \
			cat $$r; continue; \
		fi; \
		timeout 300 $$t > $$r 2>&1; st=$$?; \
		[ $$st -eq 0 ] || echo "FAIL: host/$$n exited with status $$st" >> $$r; \
		grep -E '^(FAIL|  )' $$r || true; \
	done; echo "host unit tests: $$(cat $(B)/results/host-*.txt | grep -c '^PASS: ') passed"

TEST_SUITES += host-tests
.PHONY: host-tests

# The VT-d driver's register protocol (vtd_hw.c, vtd_takeover.c,
# vtd_inval.c) over a simulated register block that replaces vtd_mmio.c.
HOST_VTD_SIM_SRCS := drivers/vtd/vtd_hw.c drivers/vtd/vtd_takeover.c drivers/vtd/vtd_inval.c \
	drivers/vtd/vtd_queue.c \
	drivers/vtd/vtd_units.c tests/host/vtd_sim.c
$(B)/host/test_vtd_regs: tests/host/test_vtd_regs.c $(HOST_VTD_SIM_SRCS) $(HOST_LIB_SRCS) \
		$(wildcard lib/*.h lib/*/*.h drivers/vtd/*.h) tests/host/vtd_sim.h tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_VTD_SIM_SRCS) $(HOST_LIB_SRCS)

# The invalidation queue shared by several CPUs, over the same simulated
# unit, under ThreadSanitizer.
$(B)/host/tsan_vtd_queue: $(HOST_VTD_SIM_SRCS) $(wildcard drivers/vtd/*.h) tests/host/vtd_sim.h

# The VT-d driver's domain-id allocator, pure C.
$(B)/host/test_vtd_did: tests/host/test_vtd_did.c drivers/vtd/vtd_did.c drivers/vtd/vtd_did.h \
		tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< drivers/vtd/vtd_did.c

# Host tests that build one kernel-side file themselves, with its hardware
# simulated, are rebuilt when that file changes.
$(B)/host/test_vtd_fault: drivers/vtd/vtd_fault.c drivers/vtd/vtd.h drivers/vtd/vtd_regs.h \
	kernel/cpu.h kernel/trap.h

# test_pmtimer builds the driver itself (#include) against stand-ins for
# the kernel services it calls, so it is rebuilt when the driver changes.
$(B)/host/test_pmtimer: drivers/clock/pmtimer.c drivers/clock/clock.h drivers/acpi/acpi.h

# The NVMe driver's start-up protocol and queues (nvme_ctrl.c,
# nvme_admin.c, nvme_queue.c, nvme_io.c) over a simulated controller and
# clock that replace nvme_mmio.c.
HOST_NVME_SIM_SRCS := drivers/nvme/nvme_ctrl.c drivers/nvme/nvme_pairs.c drivers/nvme/nvme_admin.c \
	drivers/nvme/nvme_queue.c \
	drivers/nvme/nvme_io.c tests/host/nvme_sim.c
$(B)/host/test_nvme_start: tests/host/test_nvme_start.c $(HOST_NVME_SIM_SRCS) $(HOST_LIB_SRCS) \
		$(wildcard lib/*.h lib/*/*.h drivers/nvme/*.h) tests/host/nvme_sim.h tests/host/check.h
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(HOST_NVME_SIM_SRCS) $(HOST_LIB_SRCS)

# The NVMe driver's I/O queue pairs driven by one thread each at once.
$(B)/host/tsan_nvme_pairs: $(HOST_NVME_SIM_SRCS) $(wildcard drivers/nvme/*.h) tests/host/nvme_sim.h
