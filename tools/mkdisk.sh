#!/bin/sh
# tools/mkdisk.sh OUT SIZE-MiB: makes a sparse raw disk image of SIZE MiB whose sector 0
# starts with the text FAULTLINE-DISK-TEST (what selftest=disk looks for), for DISK= of
# tools/bochs.sh and tools/qemu.sh. A whole number of MiB is always a whole number of
# Bochs's 16-head, 32-sector cylinders (256 KiB), so tools/bochs.sh can give its geometry.
set -eu
[ $# -eq 2 ] || { echo "usage: tools/mkdisk.sh OUT SIZE-MiB" >&2; exit 2; }
out=$1; mib=$2
case $mib in ''|*[!0-9]*) echo "mkdisk: SIZE-MiB must be a whole number, not '$mib'" >&2; exit 2 ;; esac
[ "$mib" -ge 1 ] || { echo "mkdisk: SIZE-MiB must be at least 1" >&2; exit 2; }
rm -f "$out"
truncate -s "${mib}M" "$out"
printf 'FAULTLINE-DISK-TEST sector 0 of a %s MiB swap disk\n' "$mib" |
	dd of="$out" bs=512 count=1 conv=notrunc status=none
