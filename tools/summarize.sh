#!/usr/bin/env bash
# Counts the PASS:/FAIL:/SKIP: lines that the test suites left in a results
# folder, lists the failures, and ends with "N passed, N failed[, N skipped]".
# Exits non-zero when a test failed or when no test ran at all.
set -u
dir=${1:?usage: summarize.sh RESULTS_DIR}
shopt -s nullglob
files=("$dir"/*.txt)
passed=0 failed=0 skipped=0
if ((${#files[@]})); then
	passed=$(cat "${files[@]}" | grep -c '^PASS: ')
	failed=$(cat "${files[@]}" | grep -c '^FAIL: ')
	skipped=$(cat "${files[@]}" | grep -c '^SKIP: ')
fi
if ((failed)); then
	echo
	echo "Failed tests:"
	cat "${files[@]}" | grep '^FAIL: ' | sed 's/^/  /'
fi
echo
line="$passed passed, $failed failed"
((skipped)) && line="$line, $skipped skipped"
echo "$line"
((failed == 0 && passed > 0))
