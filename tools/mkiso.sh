#!/bin/sh
# tools/mkiso.sh OUT.iso PROTO "HYPERVISOR CMDLINE" ["MODULE-PATH MODULE-ARGS" ...]
# Builds a GRUB rescue ISO (grub-mkrescue) that boots build/faultline.elf with the given
# command line and modules. PROTO (1 or 2) picks the default menu entry: multiboot v1 or
# multiboot2; both entries are always there. GRUB talks over the serial line with no menu
# delay, so the whole boot is visible (and testable) on COM1.
set -eu
out=$1; proto=$2; cmdline=$3; shift 3
elf=${FAULTLINE_ELF:-build/faultline.elf}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir=$work/iso
mkdir -p "$dir/boot/grub" "$dir/guests"
cp "$elf" "$dir/boot/faultline.elf"

mods1=""; mods2=""
for m in "$@"; do
	path=${m%% *}; args=""
	[ "$path" != "$m" ] && args=${m#* }
	name=$(basename "$path")
	cp "$path" "$dir/guests/$name"
	mods1="$mods1	module /guests/$name $args
"
	mods2="$mods2	module2 /guests/$name $args
"
done

default=0; [ "$proto" = 1 ] && default=1
cat > "$dir/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
set default=$default
menuentry "faultline (multiboot2)" {
	multiboot2 /boot/faultline.elf $cmdline
$mods2}
menuentry "faultline (multiboot v1)" {
	multiboot /boot/faultline.elf $cmdline
$mods1}
CFG
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$dir" >"$work/mkrescue.log" 2>&1 || { cat "$work/mkrescue.log" >&2; exit 1; }
