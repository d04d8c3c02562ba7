#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if missing:
# with apt-get as root, with sudo otherwise; when neither is possible it
# prints the one command to run and fails.
set -uo pipefail

# "package: file-or-command that proves it is installed"
needs=(
	"gcc:gcc" "make:make" "binutils:objcopy" "nasm:nasm"
	"gnu-efi:/usr/include/efi/efi.h" "gnu-efi:/usr/lib/crt0-efi-x86_64.o"
	"mtools:mcopy" "dosfstools:mkfs.fat" "gdisk:sgdisk"
	"qemu-system-x86:qemu-system-x86_64" "ovmf:/usr/share/OVMF/OVMF_VARS_4M.fd"
	"acpica-tools:iasl" "clang:clang" "libclang-rt-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a"
	"python3:python3" "console-setup-linux:/usr/share/consolefonts/Uni2-VGA16.psf.gz"
)

missing=()
for n in "${needs[@]}"; do
	pkg=${n%%:*} what=${n#*:}
	if [[ $what == /* ]]; then
		[[ -e $what ]] && continue
	else
		command -v "$what" >/dev/null 2>&1 && continue
	fi
	[[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

echo "deps: installing Debian packages: ${missing[*]}"
cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if ((EUID == 0)); then
	sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
	sudo=(sudo)
else
	echo "deps: missing packages and no root or password-less sudo. Run:" >&2
	echo "  sudo apt-get update && sudo ${cmd[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" "${cmd[@]}" >/tmp/vtdbench-apt.log 2>&1; then
	"${sudo[@]}" apt-get update -q >>/tmp/vtdbench-apt.log 2>&1
	if ! "${sudo[@]}" "${cmd[@]}" >>/tmp/vtdbench-apt.log 2>&1; then
		tail -n 20 /tmp/vtdbench-apt.log >&2
		echo "deps: apt-get failed; the command was: ${sudo[*]} ${cmd[*]}" >&2
		exit 1
	fi
fi
echo "deps: done"
