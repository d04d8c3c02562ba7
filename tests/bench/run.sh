#!/usr/bin/env bash
# Runs tests/bench/dma_bench and prints one line per stream:
#   pair   instructions inside dma_map + dma_unmap (callbacks included) per
#          pair: callgrind collecting only in those two functions, over N
#          and 2N steady-state pairs; the difference, divided by N, leaves
#          out setup, warm-up and teardown
#   loop   instructions of the whole measured loop per pair, the stream's
#          own bookkeeping included (callgrind --toggle-collect=measure_*)
#   cycles TSC cycles per pair, native run, median of 5
#   inval  invalidation requests and waits per pair
# Usage: run.sh BENCH_BINARY PAIRS OUTDIR
set -euo pipefail
bin=$1 pairs=$2 out=$3
valgrind=${VALGRIND:-valgrind}
mkdir -p "$out"

if ! command -v "$valgrind" >/dev/null; then
	echo "bench: $valgrind not found (Debian package valgrind); instruction counts skipped" >&2
	valgrind=
fi

# Total instructions callgrind collected in one run.
collect() { # collect NAME PAIRS CASE TOGGLE...
	local name=$1 n=$2 c=$3
	shift 3
	local args=()
	for t in "$@"; do args+=("--toggle-collect=$t"); done
	"$valgrind" --tool=callgrind --callgrind-out-file="$out/$name.out" "${args[@]}" \
		"$bin" --measure --case "$c" --pairs "$n" > "$out/$name.txt" 2> "$out/$name.log"
	awk '/^totals:/ { print $2; found = 1 } END { if (!found) print 0 }' "$out/$name.out"
}

"$bin" --pairs "$pairs" > "$out/native.txt"
printf '%-14s %-44s %9s %9s %9s %9s %9s\n' case stream instr/pair loop cycles submits waits
for c in $("$bin" --list); do
	what=$(awk -v c="$c" '$1 == c { $1 = ""; sub(/^ /, ""); sub(/ +[0-9.]+ TSC.*/, ""); print }' "$out/native.txt")
	cycles=$(awk -v c="$c" '$1 == c { for (i = 1; i <= NF; i++) if ($i == "TSC") print $(i - 1) }' "$out/native.txt")
	pair=- loop=- subm=- waits=-
	if [ -n "$valgrind" ]; then
		one=$(collect "$c-pair1" "$pairs" "$c" dma_map dma_unmap)
		two=$(collect "$c-pair2" $((2 * pairs)) "$c" dma_map dma_unmap)
		whole=$(collect "$c-loop" "$pairs" "$c" "measure_$c")
		pair=$(awk -v a="$one" -v b="$two" -v n="$pairs" 'BEGIN { printf "%.1f", (b - a) / n }')
		loop=$(awk -v a="$whole" -v n="$pairs" 'BEGIN { printf "%.1f", a / n }')
		read -r subm waits < <(awk -v n="$pairs" '{ printf "%.4f %.4f\n", $4 / n, $6 / n }' \
			"$out/$c-loop.txt")
	fi
	printf '%-14s %-44s %9s %9s %9s %9s %9s\n' "$c" "$what" "$pair" "$loop" "$cycles" "$subm" "$waits"
done
