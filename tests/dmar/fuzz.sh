#!/usr/bin/env bash
# Runs the DMAR libFuzzer target for a bounded time and writes one PASS:/FAIL:
# line. Usage: fuzz.sh NAME FUZZER SECONDS WORKDIR RESULTS SEED_DIR...
# The corpus grows in WORKDIR/corpus (seeded from the SEED_DIRs' tables);
# crash, leak and timeout inputs land in WORKDIR/artifacts, never in the repo.
set -u
name=$1 fuzzer=$2 seconds=$3 work=$4 results=$5
shift 5
mkdir -p "$work/corpus" "$work/artifacts"
for d in "$@"; do
	[ -d "$d" ] || continue
	for f in "$d"/*.dat "$d"/*.aml; do
		[ -f "$f" ] && cp -n "$f" "$work/corpus/" 2>/dev/null
	done
done
log=$work/$name.log
# -timeout: one input taking 10 s means a loop; -max_len: room to grow past
# the largest real table (408 bytes) without slowing the search down.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -max_len=2048 -rss_limit_mb=2048 \
	-artifact_prefix="$work/artifacts/" -print_final_stats=1 \
	"$work/corpus" > "$log" 2>&1
st=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ $st -eq 0 ] && [ -n "$runs" ] && [ "$runs" -gt 0 ]; then
	echo "PASS: dmar/$name ($runs inputs in ${seconds}s, corpus $(ls "$work/corpus" | wc -l))" >> "$results"
else
	{
		echo "FAIL: dmar/$name (libFuzzer status $st; log $log)"
		grep -E 'ERROR|invariant|SUMMARY|Test unit written|runtime error' "$log" | head -10 | sed 's/^/  /'
	} >> "$results"
fi
