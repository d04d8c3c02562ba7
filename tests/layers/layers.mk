# The tree's structure (tests/layers/check_layers.py): includes point down
# the floors lib/ <- kernel/ <- drivers/ <- bench/, private headers stay in
# their module, every included file exists, no source file outgrows 600
# lines; the checker first proves on small broken trees that it catches each.

layer-tests:
	@r=$(B)/results/layers.txt; mkdir -p $(B)/results; \
	$(PYTHON) tests/layers/check_layers.py --self-test > $$r 2> $(B)/layers.stderr \
		|| { echo "FAIL: layers/runner (exited with status $$?)"; \
		     tail -15 $(B)/layers.stderr | sed 's/^/  /'; } >> $$r; \
	grep -A20 '^FAIL: ' $$r | grep -E '^(FAIL: |  )' || true; \
	echo "layer tests: $$(grep -c '^PASS: ' $$r) passed, $$(grep -c '^FAIL: ' $$r) failed"; \
	! grep -q '^FAIL: ' $$r

TEST_SUITES += layer-tests
.PHONY: layer-tests
