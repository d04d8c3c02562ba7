# Tests of the HTML report tool (tools/report.py) on the sample logs in
# tests/report/logs/. One PASS:/FAIL: line per test in
# $(B)/results/report.txt; a runner that crashes, or prints no verdict at
# all, adds a FAIL line so it never goes quiet.

REPORT_WORK := $(B)/report

report-tests:
	@r=$(B)/results/report.txt; mkdir -p $(B)/results $(REPORT_WORK); \
	$(PYTHON) tests/report/test_report.py --work $(REPORT_WORK)/pages > $$r \
		2> $(REPORT_WORK)/stderr.log; st=$$?; \
	[ $$st -eq 0 ] || { echo "FAIL: report/runner (exited with status $$st)" >> $$r; \
		tail -15 $(REPORT_WORK)/stderr.log | sed 's/^/  /' >> $$r; }; \
	grep -qE '^(PASS|FAIL): ' $$r || echo "FAIL: report/runner (no test ran)" >> $$r; \
	grep -A12 '^FAIL: ' $$r | grep -E '^(FAIL: |  )' || true; \
	echo "report tests: $$(grep -c '^PASS: ' $$r) passed, $$(grep -c '^FAIL: ' $$r) failed"; \
	! grep -q '^FAIL: ' $$r

TEST_SUITES += report-tests
.PHONY: report-tests
