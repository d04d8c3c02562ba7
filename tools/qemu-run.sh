#!/usr/bin/env bash
# Boots a vtdbench ESP image in QEMU (q35, OVMF, TCG by default) and turns
# QEMU's ending into the kernel's verdict.
#
# Usage: qemu-run.sh --image ESP.img [--cmdline "k=v ..."] [--nic MODEL|none]
#          [--iommu PROPS|none] [--accel tcg|kvm] [--mem SIZE] [--timeout S]
#          [--log FILE] [--quiet] [--screendump FILE.ppm] [--vars FILE]
#          [--usb [--readonly] [--other-disk IMG]] [--secure-boot]
#          [--nvme IMG|none] [--smp N] [-- EXTRA QEMU ARGS]
#
# --smp: N virtual CPUs (1, the default, as before); more than one runs
# them on host threads of their own (-accel tcg,thread=multi under TCG).
# --nvme: a raw image attached read-only as an NVMe drive (serial vtdbench:
# the kernel only reads, and a write would fail); none (the default)
# attaches no drive.
# --screendump: the kernel halts instead of leaving QEMU; once it printed
# its verdict the screen is saved through the QEMU monitor, then QEMU quits.
# --vars: the OVMF variable store to use, in place (kept across runs;
# created from the firmware's empty store when missing); otherwise each run
# gets a fresh private copy.
# --usb: the image is a whole disk (make usb) attached as a USB stick, in
# place: what the machine writes on it stays. Its configuration file is
# used as it is (no --cmdline), and a reset restarts the machine, so a run
# can hand its report over to the loader, which saves it on the stick and
# powers off; that power-off ends QEMU. --readonly write-protects the stick.
# --other-disk: a SATA disk the firmware's boot order puts before the stick,
# as a machine's internal disk with its usual system (used in place).
# --secure-boot: OVMF built with Secure Boot, its variable store with
# Microsoft's keys enrolled and Secure Boot on, as most PCs ship.
#
# When the firmware starts nothing (it refused the unsigned loader, or found
# nothing to boot) it waits in its boot menu; the runner sees that on the
# serial log, ends QEMU at once and says why.
#
# Exit status: the kernel's verdict (0 = ok; see kernel/exit.h), or
#   124 QEMU did not finish in time and was killed,
#   125 the machine stopped without a verdict (reset, triple fault),
#   126 QEMU itself failed to start,
#   123 the firmware did not start the loader.
# With --usb, a power-off counts as the end of the run: the status is the
# verdict of the last EXIT line in the log, 0 when there is none.
set -uo pipefail

image= cmdline= nic=e1000 iommu= accel=tcg mem=512M timeout=600 log= quiet=0 screendump=
vars= usb=0 readonly=0 secure_boot=0 other_disk= nvme=none smp=1
extra=()
while (($#)); do
	case $1 in
	--image) image=$2; shift 2 ;;
	--cmdline) cmdline=$2; shift 2 ;;
	--nic) nic=$2; shift 2 ;;
	--iommu) iommu=$2; shift 2 ;;
	--accel) accel=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--screendump) screendump=$2; shift 2 ;;
	--vars) vars=$2; shift 2 ;;
	--usb) usb=1; shift ;;
	--readonly) readonly=1; shift ;;
	--secure-boot) secure_boot=1; shift ;;
	--other-disk) other_disk=$2; shift 2 ;;
	--nvme) nvme=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--) shift; extra=("$@"); break ;;
	*) echo "qemu-run: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[[ $smp =~ ^[1-9][0-9]*$ ]] || { echo "qemu-run: --smp wants a CPU count of 1 or more, not '$smp'" >&2; exit 2; }
[[ -f $image ]] || { echo "qemu-run: no image '$image' (run make first)" >&2; exit 2; }
[[ $nvme == none || -f $nvme ]] || {
	echo "qemu-run: no NVMe drive image '$nvme' (make $nvme writes one)" >&2; exit 2; }
if ((usb)); then
	[[ -z $cmdline ]] || {
		echo "qemu-run: --usb boots the stick's own configuration; edit its EFI/BOOT/VTDBENCH.CFG" \
			"instead of giving --cmdline" >&2; exit 2; }
	[[ -z $screendump ]] || { echo "qemu-run: --screendump does not work with --usb" >&2; exit 2; }
elif ((readonly)) || [[ -n $other_disk ]]; then
	echo "qemu-run: --readonly and --other-disk need --usb" >&2; exit 2
fi

ovmf_code= ovmf_vars=
if ((secure_boot)); then
	# The Secure Boot build keeps its variables in SMM: q35 needs SMM on and
	# the flash locked to it.
	f=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd
	[[ -f $f ]] && { ovmf_code=$f; ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.ms.fd; }
else
	for f in /usr/share/OVMF/OVMF_CODE_4M.fd /usr/share/OVMF/OVMF_CODE.fd; do
		[[ -f $f ]] && { ovmf_code=$f; ovmf_vars=${ovmf_code/CODE/VARS}; break; }
	done
fi
[[ -n $ovmf_code && -f $ovmf_vars ]] || {
	echo "qemu-run: OVMF not found in /usr/share/OVMF (Debian package 'ovmf')" >&2; exit 126; }

work=$(mktemp -d "${TMPDIR:-/tmp}/vtdbench-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
[[ -n $log ]] || log=$work/serial.log
: >"$log"

# A private copy of the image with the command line in its config file,
# and of the firmware's variable store: runs never affect one another.
# A USB stick and a given variable store are used in place instead.
if ((!usb)); then
	cp --sparse=always "$image" "$work/esp.img"
	{
		mtype -i "$work/esp.img" ::/EFI/BOOT/VTDBENCH.CFG 2>/dev/null
		echo
		echo "# added by qemu-run.sh"
		echo "exit=qemu $cmdline"
		[[ -z $screendump ]] || echo "exit=halt"
	} >"$work/vtdbench.cfg"
	mcopy -o -i "$work/esp.img" "$work/vtdbench.cfg" ::/EFI/BOOT/VTDBENCH.CFG
fi
if [[ -z $vars ]]; then
	vars=$work/vars.fd
	cp "$ovmf_vars" "$vars"
elif [[ ! -f $vars ]]; then
	cp "$ovmf_vars" "$vars" || exit 126
fi

machine=q35,kernel-irqchip=split
((secure_boot)) && machine+=,smm=on
accel_arg=$accel
((smp > 1)) && [[ $accel == tcg ]] && accel_arg=tcg,thread=multi
args=(-machine "$machine" -accel "$accel_arg" -cpu max -m "$mem" -smp "$smp"
	-drive "if=pflash,format=raw,unit=0,readonly=on,file=$ovmf_code"
	-drive "if=pflash,format=raw,unit=1,file=$vars"
	-display none -nic none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -pidfile "$work/qemu.pid")
((secure_boot)) && args+=(-global driver=cfi.pflash01,property=secure,value=on)
# A USB run must survive the kernel's reset; any other run ends at a reset.
((usb)) || args+=(-no-reboot)
# The IOMMU comes first: QEMU wants it created before the devices behind it.
if [[ $iommu != none ]]; then
	args+=(-device "intel-iommu${iommu:+,$iommu}")
fi
if ((usb)); then
	# bootindex: a kept variable store may list older boot entries first.
	ro=
	((readonly)) && ro=,readonly=on
	stick_index=0
	if [[ -n $other_disk ]]; then
		args+=(-drive "if=none,id=other,format=raw,file=$other_disk"
			-device ide-hd,drive=other,bootindex=0)
		stick_index=1
	fi
	args+=(-drive "if=none,id=stick,format=raw,file=$image$ro" -device qemu-xhci
		-device usb-storage,drive=stick,bootindex=$stick_index)
else
	args+=(-drive "if=none,id=esp,format=raw,file=$work/esp.img" -device ide-hd,drive=esp,bootindex=0)
fi
if [[ $nic != none ]]; then
	args+=(-device "$nic,romfile=")
fi
if [[ $nvme != none ]]; then
	args+=(-drive "file=$nvme,if=none,id=nvme0,format=raw,readonly=on" -device nvme,drive=nvme0,serial=vtdbench)
fi
if ((quiet)); then
	args+=(-chardev "file,id=ser0,path=$log" -serial chardev:ser0)
else
	args+=(-chardev "stdio,id=ser0,logfile=$log,signal=on" -serial chardev:ser0)
fi
if [[ -n $screendump ]]; then
	args+=(-monitor "unix:$work/monitor.sock,server,nowait")
	# Waits for the verdict, then saves the screen and ends QEMU.
	(
		for ((i = 0; i < timeout * 5; i++)); do
			grep -a -q '^EXIT: ' "$log" 2>/dev/null && break
			sleep 0.2
		done
		sleep 0.5
		python3 "$(dirname "$0")/qemu-monitor.py" "$work/monitor.sock" \
			"screendump $screendump" quit
	) &
else
	args+=(-monitor none)
fi
args+=("${extra[@]}")

# OVMF's boot manager logs each boot option it fails to start, then waits
# for a key when none is left: that is the end of this run.
(
	for ((i = 0; i < timeout * 2; i++)); do
		sleep 0.5
		if grep -a -q 'BdsDxe: No bootable option or device was found' "$log" 2>/dev/null; then
			touch "$work/no-boot"
			kill "$(cat "$work/qemu.pid" 2>/dev/null)" 2>/dev/null
			break
		fi
		[[ -f $work/qemu.pid ]] && ! kill -0 "$(cat "$work/qemu.pid" 2>/dev/null)" 2>/dev/null && break
	done
) &
watcher=$!

if ((quiet)); then
	timeout -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" </dev/null >"$work/qemu.out" 2>&1
else
	timeout --foreground -k 5 "$timeout" qemu-system-x86_64 "${args[@]}" 2> >(tee "$work/qemu.out" >&2)
fi
rc=$?
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null

say() { echo "qemu-run: $*" >&2; }
verdict=$(grep -a -o '^EXIT: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
if [[ -f $work/no-boot ]]; then
	if grep -a -q -E 'BdsDxe: failed to (load|start) .*: (Access Denied|Security Violation)' "$log"; then
		say "Secure Boot is on: the firmware refused to start the unsigned loader (\"Access" \
			"Denied\"). Turn Secure Boot off in the firmware setup, or enrol the hash of" \
			"EFI/BOOT/BOOTX64.EFI in its db; serial log: $log"
	else
		say "the firmware found nothing it could boot on the image (is it a vtdbench image?);" \
			"serial log: $log"
	fi
	exit 123
elif ((rc == 124 || rc == 137)); then
	say "QEMU did not finish within $timeout s and was killed: the kernel hung or is too slow"
	exit 124
elif ((usb && rc == 0)); then
	last=
	[[ -z $verdict ]] || last=" (the last verdict the kernel printed: $verdict)"
	say "the machine powered off$last; serial log: $log"
	exit "${verdict:-0}"
elif [[ -n $verdict ]]; then
	if [[ -z $screendump ]] && ((rc != verdict * 2 + 1)); then
		say "the kernel said verdict $verdict but QEMU exited with $rc (isa-debug-exit missing?)"
	fi
	exit "$verdict"
elif ((rc == 0)); then
	say "the virtual machine stopped without a verdict (a reset or triple fault?); serial log: $log"
	exit 125
else
	say "QEMU failed (status $rc):"
	sed 's/^/  /' "$work/qemu.out" >&2
	exit 126
fi
