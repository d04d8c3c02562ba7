#!/usr/bin/env bash
# Runs the in-VM tests of a manifest, two QEMUs at a time, and prints one
# PASS:/FAIL: line per test. Usage: run.sh MANIFEST IMAGE OUTDIR [NAME...]
set -uo pipefail
manifest=$1 image=$2 outdir=$3
shift 3
only=("$@")
here=$(dirname "$0")
jobs=${VM_JOBS:-2}
mkdir -p "$outdir"

# Splits the manifest into one file of key=value lines per test.
awk -v dir="$outdir" '
	/^[ \t]*#/ || /^[ \t]*$/ { next }
	/^\[.*\]$/ { name = substr($0, 2, length($0) - 2); file = dir "/" name ".test"; printf "" > file; next }
	{ if (file == "") { print "manifest: key outside a section: " $0 > "/dev/stderr"; exit 1 }
	  sub(/^[ \t]+/, ""); print >> file }
' "$manifest" || exit 1

value() { # value FILE KEY [DEFAULT]: the last value of KEY
	local v
	v=$(grep -E "^$2[ \t]*=" "$1" | tail -n 1 | sed -E 's/^[^=]*=[ \t]?//')
	echo "${v:-${3:-}}"
}

run_one() {
	local t=$1 name
	name=$(basename "$t" .test)
	local log=$outdir/$name.log result=$outdir/$name.result
	local cmdline nic iommu timeout qemu verdict screen_lines screen_args=() fw_args=()
	local nvme nvme_img=none smp
	cmdline=$(value "$t" cmdline)
	# CPUs: the section's smp key, else make's SMP= (VM_SMP), else one.
	smp=$(value "$t" smp "${VM_SMP:-1}")
	nic=$(value "$t" nic e1000)
	iommu=$(value "$t" iommu)
	timeout=$(value "$t" timeout 180)
	# A drive only where the section asks for one, so the others boot as
	# before; the image of each size is written once (tests/vm/vm.mk).
	nvme=$(value "$t" nvme none)
	if [[ $nvme != none ]]; then
		nvme_img=$outdir/nvme-$nvme.img
		if [[ ! -f $nvme_img ]]; then
			{ echo "FAIL: vm/$name"; echo "  no drive image $nvme_img (make vm-tests writes it)"; } |
				tee "$result"
			return
		fi
	fi
	qemu=$(value "$t" qemu)
	# {log} in the QEMU arguments names the serial log, so that a file of
	# QEMU's own (a trace: -D {log}.trace) lands beside it.
	qemu=${qemu//\{log\}/$log}
	verdict=$(value "$t" verdict 0)
	screen_lines=$(value "$t" screen_lines 0)
	((screen_lines)) && screen_args=(--screendump "$outdir/$name.ppm")
	[[ $(value "$t" firmware) == secure-boot ]] && fw_args=(--secure-boot)
	# shellcheck disable=SC2086 # qemu holds several arguments
	"$here/../../tools/qemu-run.sh" --quiet --image "$image" --cmdline "$cmdline" \
		--nic "$nic" --iommu "$iommu" --timeout "$timeout" --smp "$smp" --nvme "$nvme_img" --log "$log" "${screen_args[@]}" "${fw_args[@]}" -- $qemu \
		2>"$outdir/$name.err"
	local rc=$? why=()
	if ((rc != verdict)); then
		why+=("verdict $rc, expected $verdict ($(head -c 300 "$outdir/$name.err" | tr '\n' ' '))")
	fi
	while IFS= read -r re; do
		grep -a -q -E -- "$re" "$log" || why+=("no line matches /$re/")
	done < <(grep -E '^expect[ \t]*=' "$t" | sed -E 's/^[^=]*=[ \t]?//')
	while IFS= read -r re; do
		local hit
		hit=$(grep -a -m1 -E -- "$re" "$log") && why+=("unwanted line: $hit")
	done < <(grep -E '^reject[ \t]*=' "$t" | sed -E 's/^[^=]*=[ \t]?//')
	# What the runner itself must say (to standard error).
	while IFS= read -r re; do
		grep -a -q -E -- "$re" "$outdir/$name.err" || why+=("the runner never said /$re/")
	done < <(grep -E '^runner_says[ \t]*=' "$t" | sed -E 's/^[^=]*=[ \t]?//')
	# A program that must accept the log (e.g. the report tool's reading).
	local check_cmd
	check_cmd=$(value "$t" check)
	if [[ -n $check_cmd ]]; then
		local out
		if ! out=$(${check_cmd//\{log\}/$log} 2>&1); then
			why+=("check '$check_cmd' failed: $(echo "$out" | head -n 5 | tr '\n' ' ')")
		fi
	fi
	if ((screen_lines)); then
		local on_screen on_serial
		# The glyphs are 8 pixels wide, times the scale the kernel said it chose.
		local glyph_w scale
		glyph_w=$(tr -d '\r' <"$log" | sed -n 's/^console: screen [0-9]*x[0-9]*, glyphs \([0-9]*\)x.*/\1/p' | head -n 1)
		scale=$(( ${glyph_w:-8} / 8 ))
		on_screen=$(python3 "$here/../../tools/screen_text.py" "$outdir/$name.ppm" "$FONT_PSF" "$scale" 2>&1 |
			grep -v '^$' | tail -n "$screen_lines")
		# The serial log as the screen must show it: no REPORT lines (those
		# are for programs), long lines wrapped at the screen's width.
		local cols
		cols=$(( $(head -c 32 "$outdir/$name.ppm" | tr -s ' \n' ' ' | cut -d' ' -f2) / (8 * scale) ))
		on_serial=$(tr -d '\r' <"$log" | grep -v '^REPORT ' | fold -w "$cols" | sed 's/ *$//' |
			grep -v '^$' | tail -n "$screen_lines")
		if [[ "$on_screen" != "$on_serial" ]]; then
			why+=("the screen's last $screen_lines lines differ from the serial log's")
			diff <(echo "$on_serial") <(echo "$on_screen") | head -n 10 >"$outdir/$name.screen-diff"
		fi
	fi
	if ((${#why[@]})); then
		{ echo "FAIL: vm/$name"; printf '  %s\n' "${why[@]}"; echo "  serial log: $log"; } >"$result"
	else
		echo "PASS: vm/$name" >"$result"
	fi
	# Checks the kernel skipped (a CPU feature or device the VM lacks).
	tr -d '\r' <"$log" | sed -n "s|^SKIP: |SKIP: vm/$name: |p" >>"$result"
	cat "$result"
}

tests=()
for t in "$outdir"/*.test; do
	name=$(basename "$t" .test)
	if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then
		continue
	fi
	tests+=("$t")
done
((${#tests[@]})) || { echo "FAIL: vm: no test selected"; exit 1; }

running=0
for t in "${tests[@]}"; do
	if ((running >= jobs)); then
		wait -n
		((running--))
	fi
	run_one "$t" &
	((running++))
done
wait
