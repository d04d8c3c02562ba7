#!/usr/bin/env bash
# Builds the FAT EFI system partition image with mtools: no root, no loop
# devices. Usage: mkesp.sh OUT.img BOOTX64.EFI KERNEL.ELF VTDBENCH.CFG
set -euo pipefail
out=$1 loader=$2 kernel=$3 cfg=$4
tmp=$out.tmp
rm -f "$tmp"
mkfs.fat -C -n VTDBENCH "$tmp" 32768 >/dev/null   # 32 MiB, FAT16
mmd -i "$tmp" ::/EFI ::/EFI/BOOT
mcopy -i "$tmp" "$loader" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$tmp" "$kernel" ::/EFI/BOOT/KERNEL.ELF
mcopy -i "$tmp" "$cfg" ::/EFI/BOOT/VTDBENCH.CFG
mv "$tmp" "$out"
