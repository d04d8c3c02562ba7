# Waits are bounded by time, not by counts (tests/waits/check_waits.py):
# no empty volatile delay loops, no *SPIN_LIMIT* read budgets.

wait-tests:
	@r=$(B)/results/waits.txt; mkdir -p $(B)/results; \
	$(PYTHON) tests/waits/check_waits.py --self-test > $$r 2> $(B)/waits.stderr; st=$$?; \
	[ -s $(B)/waits.stderr ] && { echo "FAIL: waits/runner (exited with status $$st)"; \
		tail -15 $(B)/waits.stderr | sed 's/^/  /'; } >> $$r; \
	grep -E '^(FAIL: |  )' $$r || true; \
	echo "wait tests: $$(grep -c '^PASS: ' $$r) passed, $$(grep -c '^FAIL: ' $$r) failed"; \
	! grep -q '^FAIL: ' $$r

TEST_SUITES += wait-tests
.PHONY: wait-tests
