# The USB stick end to end (tests/usb/run.sh): the stick image boots in QEMU
# from an emulated USB stick with a persistent variable store; each run
# hands its report over, the loader saves it on the stick and powers off,
# and the files are read back with mtools. One PASS:/FAIL: line per check in
# $(B)/results/usb.txt; a runner that crashes or prints nothing adds a FAIL.
USB_TEST_DIR := $(B)/usb

usb-tests: $(USB_IMG)
	@r=$(B)/results/usb.txt; mkdir -p $(B)/results; rm -f $(B)/usb-tests.status; \
	{ tests/usb/run.sh $(USB_IMG) $(USB_TEST_DIR) 2> $(B)/usb-tests.stderr; \
	  echo $$? > $(B)/usb-tests.status; } | tee $$r; \
	st=$$(cat $(B)/usb-tests.status 2>/dev/null || echo "unknown"); \
	[ "$$st" = 0 ] || { echo "FAIL: usb/runner (exited with status $$st)"; \
		tail -n 15 $(B)/usb-tests.stderr | sed 's/^/  /'; } | tee -a $$r; \
	grep -qE '^(PASS|FAIL): ' $$r || echo "FAIL: usb/runner (no test ran)" | tee -a $$r; \
	echo "usb tests: $$(grep -c '^PASS: ' $$r) passed, $$(grep -c '^FAIL: ' $$r) failed" \
		"($$(grep -o '[0-9]* s$$' $(B)/usb-tests.stderr | tail -n 1))"; \
	! grep -q '^FAIL: ' $$r

TEST_SUITES += usb-tests
.PHONY: usb-tests
