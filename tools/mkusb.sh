#!/usr/bin/env bash
# Builds the raw USB stick image: a GPT disk with one FAT32 EFI system
# partition holding the loader, the kernel and the stick's configuration.
# No root and no loop devices: sgdisk writes the partition table into the
# file and mtools formats the partition at its byte offset.
# Usage: mkusb.sh OUT.img BOOTX64.EFI KERNEL.ELF VTDBENCH.CFG
set -euo pipefail
out=$1 loader=$2 kernel=$3 cfg=$4
size_mib=64     # FAT32 needs 65525 clusters: 64 MiB with 512-byte clusters
first=2048      # the partition starts at 1 MiB (the usual alignment)
tmp=$out.tmp
export MTOOLS_SKIP_CHECK=1

rm -f "$tmp"
truncate -s ${size_mib}M "$tmp"
sgdisk -o -n 1:$first:0 -t 1:EF00 -c 1:VTDBENCH "$tmp" >/dev/null
last=$(sgdisk -i 1 "$tmp" | sed -n 's/^Last sector: \([0-9]*\).*/\1/p')
[[ -n $last ]] || { echo "mkusb: sgdisk did not report the partition's end" >&2; exit 1; }
sectors=$((last - first + 1))
# -T gives the file system the partition's exact size: without it mformat
# covers the rest of the file, the backup GPT included, and firmware then
# fails to find the boot file. -H records the partition's offset in the
# boot sector, as a partitioning tool would.
mformat -i "$tmp@@1M" -F -T $sectors -H $first -c 1 -v VTDBENCH ::
mmd -i "$tmp@@1M" ::/EFI ::/EFI/BOOT
mcopy -i "$tmp@@1M" "$loader" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$tmp@@1M" "$kernel" ::/EFI/BOOT/KERNEL.ELF
mcopy -i "$tmp@@1M" "$cfg" ::/EFI/BOOT/VTDBENCH.CFG
sgdisk -v "$tmp" | grep 'No problems found' >/dev/null || {
	echo "mkusb: the partition table of $tmp does not verify:" >&2
	sgdisk -v "$tmp" >&2
	exit 1
}
mv "$tmp" "$out"
