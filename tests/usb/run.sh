#!/usr/bin/env bash
# The USB stick end to end: a copy of the stick image boots in QEMU several
# times with one persistent OVMF variable store, as a real machine would.
# Each run hands its report over in UEFI variables and reboots; the loader
# saves it on the stick and powers off. Prints one PASS:/FAIL: line per
# check. Usage: run.sh USB.img OUTDIR
set -uo pipefail
image=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
runner=$here/../../tools/qemu-run.sh
efivars=$here/efivars.py
guid=fde40004-496c-4882-bb0d-c32a0d37734d
limit=${USB_QEMU_TIMEOUT:-90}    # seconds per QEMU run (a run takes ~15 s)
quick="save=uefi exit=reboot rounds=1 packets=2000 warmup=200 policy=strict,batched report_wait=0"
export MTOOLS_SKIP_CHECK=1

rm -rf "$out" && mkdir -p "$out"
stick=$out/stick.img vars=$out/vars.fd
# Written the way the README tells a user to write a real stick.
dd if="$image" of="$stick" bs=4M conv=fsync status=progress 2>"$out/dd.log" ||
	{ cat "$out/dd.log" >&2; exit 1; }

# check NAME REASON...: PASS when no reason is given, else FAIL with them.
check() {
	local name=$1
	shift
	local why=()
	for r in "$@"; do [[ -n $r ]] && why+=("$r"); done
	if ((${#why[@]})); then
		echo "FAIL: usb/$name"
		printf '  %s\n' "${why[@]}"
	else
		echo "PASS: usb/$name"
	fi
}

set_config() {
	echo "$1" >"$out/cfg"
	mcopy -o -i "$stick@@1M" "$out/cfg" ::/EFI/BOOT/VTDBENCH.CFG
}

# boot NAME [runner args...]: one QEMU run of the stick; the cleaned serial
# log (no CR, no ANSI escapes) is $out/NAME.txt, the runner's status in $rc.
# Once a run was killed, the later ones are not started (their checks fail):
# the suite stays within its time.
hung=
boot() {
	local name=$1
	shift
	if [[ -n $hung ]]; then
		echo "not run: $hung was killed after $limit s" >"$out/$name.err"
		: >"$out/$name.log"
		rc=124
	else
		"$runner" --usb --quiet --image "$stick" --vars "$vars" --timeout "${BOOT_LIMIT:-$limit}" \
			--log "$out/$name.log" "$@" 2>"$out/$name.err"
		rc=$?
		((rc == 124)) && hung=$name
	fi
	tr -d '\r' <"$out/$name.log" | sed 's/\x1b\[[0-9;=?]*[A-Za-z]//g' >"$out/$name.txt"
}

# The part of a cleaned log before the loader's second start: the first
# boot, the kernel's run. Under pipefail, a grep reading it must read it
# all (no -q, no -m): one that stops at its first match leaves awk writing
# into a closed pipe, and the pipeline fails though the line was there.
first_boot() { awk '/^vtdbench loader$/ { n++ } n < 2' "$1"; }

# What the kernel kept for the hand-over: its first boot up to the verdict
# line (what it prints after that, about the hand-over, is not in it).
handed_over() { first_boot "$1" | awk '{ print } /^run: verdict / { exit }'; }

# Files saved on the stick: "NNNN.txt NNNN.json ...", sorted.
reports() { mdir -b -i "$stick@@1M" ::/REPORTS 2>/dev/null | sed 's|.*/||' | sort | tr '\n' ' '; }

get() { mtype -i "$stick@@1M" "::/REPORTS/$1" 2>/dev/null; }

# NAME [VERDICT]: why the run did not end with the loader's power-off (and
# the kernel's verdict VERDICT), or nothing.
ended_by_power_off() {
	grep -q 'the machine powered off' "$out/$1.err" ||
		{ echo "no power-off: qemu-run exited with $rc: $(head -c 300 "$out/$1.err" | tr '\n' ' ')"; return; }
	grep -q '^vtdbench: powering off' "$out/$1.txt" || echo "the loader never said it powers off"
	[[ -z ${2:-} || $rc == "$2" ]] || echo "the kernel's verdict is $rc, expected $2"
}

saved_as() { # NAME N: why the log does not announce report N, or nothing
	grep -q "saved on this stick as \\\\REPORTS\\\\$2.txt and \\\\REPORTS\\\\$2.json" "$out/$1.txt" ||
		echo "no line says the report was saved as \\REPORTS\\$2.txt and .json (serial log: $out/$1.log)"
}

files_exist() { # N
	local have
	have=$(reports)
	[[ " $have " == *" $1.txt "* && " $have " == *" $1.json "* ]] ||
		echo "\\REPORTS holds '$have', not $1.txt and $1.json"
}

# The saved text must hold the report lines the kernel printed, and the
# JSON file exactly the REPORT lines without their prefix.
same_report_lines() { # LOG N
	get "$2.txt" | tr -d '\r' >"$out/$2.txt"
	handed_over "$out/$1.txt" | grep '^report:' >"$out/$1.report-lines"
	[[ -s $out/$1.report-lines ]] || { echo "the serial log has no report: lines"; return; }
	grep '^report:' "$out/$2.txt" | diff -q - "$out/$1.report-lines" >/dev/null ||
		echo "the report: lines of $2.txt differ from the serial log's (compare $out/$2.txt, $out/$1.report-lines)"
}
same_json_lines() { # LOG N
	get "$2.json" >"$out/$2.json"
	handed_over "$out/$1.txt" | sed -n 's/^REPORT //p' >"$out/$1.json-lines"
	[[ -s $out/$1.json-lines ]] || { echo "the serial log has no REPORT lines"; return; }
	diff -q "$out/$2.json" "$out/$1.json-lines" >/dev/null ||
		echo "$2.json differs from the serial log's REPORT lines (compare $out/$2.json, $out/$1.json-lines)"
}

# JSON lines: a context, rows (at least MIN with sweep SWEEP if given), an end.
json_ok() { # N MIN [SWEEP]
	python3 - "$out/$1.json" "$2" "${3:-}" <<'EOF'
import json, sys
path, least, sweep = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    objs = [json.loads(l) for l in open(path)]
except ValueError as e:
    sys.exit("%s: not JSON lines: %s" % (path, e))
types = [o.get("type") for o in objs]
rows = [o for o in objs if o.get("type") == "row" and (not sweep or o.get("sweep") == sweep)]
if not objs or types[0] != "context" or types[-1] != "end":
    sys.exit("%s: expected a context first and an end last, got %s" % (path, types))
if len(rows) < least:
    sys.exit("%s: %d rows%s, expected at least %d" % (path, len(rows), " of sweep " + sweep if sweep else "", least))
EOF
}

no_handover_left() { # why the store still holds a hand-over, or nothing
	local left
	left=$(python3 "$efivars" list "$vars" "$guid" 2>&1 | awk '{ print $2 }' | tr '\n' ' ')
	[[ -z $left ]] || echo "the variable store still holds: $left"
}

start=$SECONDS

# 1. A run on the e1000: the report is handed over, saved as 0001, and the
#    variables are deleted.
set_config "$quick"
boot run1
check run1-powers-off-after-saving "$(ended_by_power_off run1 0)"
check run1-saved-as-0001 "$(saved_as run1 0001)" "$(files_exist 0001)"
check run1-txt-has-the-report-lines "$(same_report_lines run1 0001)"
check run1-txt-first-line-complete "$(head -n 1 "$out/0001.txt" | grep -q '^vtdbench: report of the last run, complete' ||
	echo "first line: $(head -n 1 "$out/0001.txt")")"
check run1-files-end-lines-with-lf "$(files_exist 0001)" "$(get 0001.txt | grep -c $'\r' | grep -vx 0 | sed 's/$/ lines of 0001.txt end in CR LF/')" \
	"$(get 0001.json | grep -c $'\r' | grep -vx 0 | sed 's/$/ lines of 0001.json end in CR LF/')"
check run1-json-is-the-REPORT-lines "$(same_json_lines run1 0001)"
check run1-json-well-formed "$(json_ok 0001 2 policy 2>&1)"
check run1-txt-reads-as-a-log "$(python3 "$here/../../tools/report.py" --json "$out/0001.txt" \
	>"$out/0001.report.json" 2>&1 || echo "tools/report.py cannot read 0001.txt: $(tail -n 3 "$out/0001.report.json")")"
check run1-variables-deleted "$(no_handover_left)"
sum1=$( (get 0001.txt; get 0001.json) | sha256sum)

# 2. The same stick again: the loader finds no report at its start, the run
#    adds 0002 and leaves 0001 as it was.
boot run2
check run2-no-report-at-first-start "$(first_boot "$out/run2.txt" | grep -m1 'report of the last run')" \
	"$(first_boot "$out/run2.txt" | grep '^loader: kernel' >/dev/null || echo "the kernel was not loaded at the first start")"
check run2-saved-as-0002 "$(ended_by_power_off run2 0)" "$(saved_as run2 0002)" "$(files_exist 0002)"
check run2-0001-unchanged "$(files_exist 0001)" "$([[ $( (get 0001.txt; get 0001.json) | sha256sum) == "$sum1" ]] ||
	echo "0001.txt or 0001.json changed")"
check run2-json-is-the-REPORT-lines "$(same_json_lines run2 0002)"

# 3. No NIC: the kernel measures the invalidation micro-benchmarks instead.
boot run3-no-nic --nic none
check no-nic-saved-as-0003 "$(ended_by_power_off run3-no-nic)" "$(saved_as run3-no-nic 0003)" \
	"$(files_exist 0003)"
check no-nic-micro-rows "$(same_json_lines run3-no-nic 0003)" "$(json_ok 0003 1 micro 2>&1)"
check no-nic-txt-has-the-report-lines "$(same_report_lines run3-no-nic 0003)"

# 4. A write-protected stick: the loader cannot save, says so, keeps the
#    variables and powers off.
before=$(reports)
boot run4-readonly --readonly
check readonly-not-saved "$(ended_by_power_off run4-readonly)" \
	"$(grep -q 'could NOT be saved.*Write Protected' "$out/run4-readonly.txt" ||
		echo "no line says the report could not be saved")" \
	"$([[ $(reports) == "$before" ]] || echo "\\REPORTS changed: $(reports)")"
kept=$(python3 "$efivars" list "$vars" "$guid" 2>&1 | awk '{ print $2 }' | tr '\n' ' ')
check readonly-variables-kept "$(ended_by_power_off run4-readonly)" "$([[ $kept == *VtdbenchReportCount* && $kept == *VtdbenchReport0000* ]] ||
	echo "the store holds '$kept'")"
cp "$vars" "$out/vars-kept.fd"

# 5. Writable again: the loader saves the kept report at once (0004),
#    without running the kernel.
boot run5-resave
check resave-without-kernel "$(ended_by_power_off run5-resave)" "$(saved_as run5-resave 0004)" \
	"$(files_exist 0004)" \
	"$(grep -m1 '^loader: kernel' "$out/run5-resave.txt")"
check resave-json-is-the-REPORT-lines "$(same_json_lines run4-readonly 0004)" "$(no_handover_left)"

# 6. The same hand-over with its first chunk gone: saved as 0005, marked
#    incomplete, with only whole REPORT lines in the JSON file.
chunks=$(python3 "$efivars" list "$out/vars-kept.fd" "$guid" | grep -c ' VtdbenchReport[0-9]')
if ((chunks < 2)); then
	echo "SKIP: usb/gap-saved-incomplete (the report fits in $chunks chunk)"
else
	cp "$out/vars-kept.fd" "$vars"
	python3 "$efivars" drop "$vars" VtdbenchReport0000 "$guid"
	boot run6-gap
	get 0005.txt >"$out/0005.txt"
	get 0005.json >"$out/0005.json"
	check gap-saved-incomplete "$(ended_by_power_off run6-gap)" "$(saved_as run6-gap 0005)" \
		"$(head -n 1 "$out/0005.txt" | grep -q '^vtdbench: INCOMPLETE .*chunk 0000 of [0-9]* is missing' ||
			echo "first line: $(head -n 1 "$out/0005.txt")")" \
		"$(grep -q '^vtdbench: \[text lost: chunk 0000\]$' "$out/0005.txt" || echo "no [text lost] line")"
	# Every JSON line is one the kernel printed whole; the cut ones stay out.
	check gap-json-whole-lines "$(grep -vxF -f "$out/run4-readonly.json-lines" "$out/0005.json" | head -c 200)" \
		"$([[ -s $out/0005.json ]] || echo "0005.json is empty")" "$(no_handover_left)"
fi

# The number the next saved report gets.
next_number() { printf '%04d' $(($(reports | tr ' ' '\n' | grep -c '\.txt$') + 1)); }

# A chunk record of the hand-over (boot/report_handover.h) in hex: run id
# RUN (8 hex digits), index INDEX, then TEXT.
chunk_hex() { # RUN INDEX TEXT
	python3 -c 'import struct, sys; print((struct.pack("<II", int(sys.argv[1], 16), int(sys.argv[2])) + sys.argv[3].encode()).hex())' "$@"
}

# Power lost at each step of the hand-over (the protocol in
# boot/report_handover.h), from the report kept in run 4: the store is
# prepared as it would be at that moment, and exactly one correct report
# is saved, or none where none should be, never text of two runs.

# 6b. The loader wrote 0004 but lost power before it deleted the count:
#     the same hand-over again is recognised, not saved a second time.
cp "$out/vars-kept.fd" "$vars"
before=$(reports)
boot run6b-after-files
check power-loss-after-files-saved-once "$(ended_by_power_off run6b-after-files)" \
	"$(grep -q 'was saved already as \\REPORTS\\0004.txt' "$out/run6b-after-files.txt" ||
		echo "no line says the report was saved already as 0004")" \
	"$([[ $(reports) == "$before" ]] || echo "\\REPORTS changed: $before -> $(reports)")" \
	"$(grep -m1 '^loader: kernel' "$out/run6b-after-files.txt")" "$(no_handover_left)"

# 6c. A count whose chunk 0001 belongs to another run (an older run's
#     chunk among the new ones): left out and named, its text not saved.
cp "$out/vars-kept.fd" "$vars"
python3 "$efivars" set "$vars" VtdbenchReport0001 "$guid" \
	"$(chunk_hex deadbeef 1 $'report: SPLICED text of another run\n')"
n=$(next_number)
boot run6c-spliced
get "$n.txt" >"$out/$n.txt"
check spliced-chunk-left-out "$(ended_by_power_off run6c-spliced)" "$(saved_as run6c-spliced "$n")" \
	"$(head -n 1 "$out/$n.txt" | grep -qi '^vtdbench: INCOMPLETE .*chunk 0001 is chunk 1 of run deadbeef, not of run [0-9a-f]\{8\}' ||
		echo "first line: $(head -n 1 "$out/$n.txt")")" \
	"$(grep -q '^vtdbench: \[text lost: chunk 0001\]$' "$out/$n.txt" || echo "no [text lost: chunk 0001] line")" \
	"$(grep -m1 SPLICED "$out/$n.txt" | sed 's/^/the other run'"'"'s text is in the report: /')" "$(no_handover_left)"

# 6d. Chunks without a count: the loader lost power after deleting the
#     count, or a kernel lost it while writing its chunks (chunk 0000 a
#     newer run's, the rest an older one's). Nothing of them is saved;
#     they are deleted, the kernel runs, and its own report is saved whole.
cp "$out/vars-kept.fd" "$vars"
python3 "$efivars" drop "$vars" VtdbenchReportCount "$guid"
python3 "$efivars" set "$vars" VtdbenchReport0000 "$guid" \
	"$(chunk_hex 0badc0de 0 $'report: SPLICED text of a newer run\n')"
n=$(next_number)
boot run6d-no-count
get "$n.txt" >"$out/$n.txt"
check chunks-without-count-deleted-unsaved \
	"$(first_boot "$out/run6d-no-count.txt" | grep '^vtdbench: report hand-over: chunks without a count.*deleted, no report saved' >/dev/null ||
		echo "the loader did not say it deleted the leftover chunks")" \
	"$(first_boot "$out/run6d-no-count.txt" | grep -m1 'report of the last run')" \
	"$(first_boot "$out/run6d-no-count.txt" | grep '^loader: kernel' >/dev/null || echo "the kernel was not loaded at the first start")"
check chunks-without-count-next-report-whole "$(ended_by_power_off run6d-no-count 0)" \
	"$(saved_as run6d-no-count "$n")" "$(files_exist "$n")" \
	"$(head -n 1 "$out/$n.txt" | grep -q '^vtdbench: report of the last run, complete' ||
		echo "first line: $(head -n 1 "$out/$n.txt")")" \
	"$(grep -m1 -e SPLICED -e 'text lost' "$out/$n.txt" | sed 's/^/not this run'"'"'s text: /')" \
	"$(same_report_lines run6d-no-count "$n")" "$(no_handover_left)"

# 6e. A storm of log lines (selftest=flood, 12000 lines: more than the
#     console capture and the hand-over hold): the saved report keeps its
#     start and its end (the results, REPORT end, the verdict) and says
#     how much was left out between.
set_config "$quick selftest=flood,stream"
n=$(next_number)
# Its run alone takes about 40 s (12000 lines on serial), and OVMF then
# stores 32 full variables, so it gets a longer bound than the others.
BOOT_LIMIT=$((2 * limit)) boot run6e-flood
get "$n.txt" | tr -d '\r' >"$out/$n.txt"
get "$n.json" >"$out/$n.json"
verdict_line=$(handed_over "$out/run6e-flood.txt" | grep '^run: verdict ' | tail -n 1)
check flood-report-keeps-its-end "$(ended_by_power_off run6e-flood)" "$(saved_as run6e-flood "$n")" \
	"$(grep -q '^cpu: ' "$out/$n.txt" || echo "$n.txt lost its start (no cpu: line)")" \
	"$(grep -Eq '^\[\.\.\. [0-9]+ bytes of the log left out \.\.\.\]$' "$out/$n.txt" || echo "$n.txt has no line marking the cut")" \
	"$(grep -q '^selftest: flood line 12000 of 12000' "$out/$n.txt" || echo "$n.txt lost the flood's last line")" \
	"$(grep -q '^REPORT {"type":"end"' "$out/$n.txt" || echo "$n.txt has no REPORT end line")" \
	"$([[ -n $verdict_line && $(tail -n 1 "$out/$n.txt") == "$verdict_line" ]] ||
		echo "$n.txt ends with '$(tail -n 1 "$out/$n.txt")', not the verdict '$verdict_line'")" \
	"$(json_ok "$n" 2 2>&1)" "$(no_handover_left)"

# 7. VT-d off in the firmware (no DMAR table): the run fails, and instead of
#    restarting into the same failure for ever it hands over what it
#    printed; the loader saves it, shows why and powers off.
set_config "$quick"
n=$(next_number)
boot run7-vtd-off --iommu none
starts=$(grep -c '^vtdbench loader$' "$out/run7-vtd-off.txt")
get "$n.txt" >"$out/$n.txt"
check vtd-off-saved-not-looping "$(ended_by_power_off run7-vtd-off 8)" \
	"$([[ $starts == 2 ]] || echo "the loader started $starts times, expected 2 (run, then save)")" \
	"$(saved_as run7-vtd-off "$n")" "$(files_exist "$n")"
check vtd-off-report-says-why \
	"$(grep -q '^vtd: no DMAR table was found.*Enable VT-d' "$out/$n.txt" || echo "$n.txt does not say VT-d is off")" \
	"$(grep -q '^run: verdict 8 (no VT-d)' "$out/$n.txt" || echo "$n.txt has no verdict line")" \
	"$(grep -q '^cpu: ' "$out/$n.txt" || echo "$n.txt does not describe the CPU")"
check vtd-off-loader-shows-why "$(awk '/saved on this stick/ { on = 1 } on' "$out/run7-vtd-off.txt" |
	grep -q '^  vtd: no DMAR table was found.*Enable VT-d' ||
	echo "after saving, the loader does not show the kernel's reason")" "$(no_handover_left)"

# 8. A bad option: the run stops at once and the option error is saved.
set_config "$quick packets=0"
n=$(next_number)
boot run8-bad-option
get "$n.txt" >"$out/$n.txt"
check bad-option-saved "$(ended_by_power_off run8-bad-option 2)" "$(saved_as run8-bad-option "$n")" \
	"$(grep -q '^options: .*packets' "$out/$n.txt" || echo "$n.txt does not name the bad option")" \
	"$(grep -q '^run: verdict 2 (bad option)' "$out/$n.txt" || echo "$n.txt has no verdict line")"

# 8b. A CPU exception: the hand-over runs from the exception handler and
#     keeps the whole register dump.
set_config "$quick selftest=pf"
n=$(next_number)
boot run8b-exception
get "$n.txt" >"$out/$n.txt"
check exception-saved-with-dump "$(ended_by_power_off run8b-exception 3)" "$(saved_as run8b-exception "$n")" \
	"$(grep -q '^EXCEPTION: vector 14, #PF' "$out/$n.txt" || echo "$n.txt has no EXCEPTION line")" \
	"$(grep -q '^  RIP [0-9a-f]*' "$out/$n.txt" || echo "$n.txt has no register dump")" \
	"$(grep -q '^run: verdict 3 (exception)' "$out/$n.txt" || echo "$n.txt has no verdict line")"

# 9. The stick is not first in the boot order (a machine with its own
#    system on an internal disk, started from the stick once through the
#    boot menu, here through BootNext): the restart after the run must come
#    back to the stick, or the report would never reach it.
internal=$out/internal.img
dd if="$image" of="$internal" bs=4M status=none
echo "exit=qemu selftest=boot" >"$out/cfg-internal"
mcopy -o -i "$internal@@1M" "$out/cfg-internal" ::/EFI/BOOT/VTDBENCH.CFG
saved_vars=$vars
vars=$out/vars-internal-first.fd
boot run9-setup --other-disk "$internal"   # the firmware makes its boot options
usb_option=$(python3 "$efivars" boot-options "$vars" | awk '/USB/ { print substr($1, 5); exit }')
set_config "$quick"
n=$(next_number)
if [[ -z $usb_option ]]; then
	check stick-second-comes-back "no boot option for the USB stick in the store after a first start"
else
	# What the one-time boot menu does: BootNext, a little-endian UINT16.
	python3 "$efivars" set "$vars" BootNext 8be4df61-93ca-11d2-aa0d-00e098032b8c \
		"${usb_option:2:2}${usb_option:0:2}"
	boot run9-stick-second --other-disk "$internal"
	check stick-second-comes-back "$(ended_by_power_off run9-stick-second 0)" \
		"$(grep -q "^report: the next start is this stick again (BootNext = Boot$usb_option)" \
			"$out/run9-stick-second.txt" || echo "the kernel did not set BootNext to Boot$usb_option")" \
		"$(grep '^BdsDxe: starting' "$out/run9-stick-second.txt" | grep -v USB | head -n 1)" \
		"$(saved_as run9-stick-second "$n")" "$(files_exist "$n")" \
		"$(mdir -b -i "$internal@@1M" ::/REPORTS 2>/dev/null | head -n 1 | sed 's/^/the internal disk got a report: /')"
fi
vars=$saved_vars

echo "usb: $((SECONDS - start)) s" >&2
exit 0
