#!/bin/sh
# tools/deps.sh: makes sure the Debian packages that build, run and test faultline are
# installed. As root it installs what is missing with apt-get; otherwise it prints the exact
# apt-get line and fails, so `make run` and `make test` never half-work.
need=""
have() { command -v "$1" >/dev/null 2>&1; }
have gcc || need="$need gcc"
have make || need="$need make"
have ld || need="$need binutils"
have bochs || need="$need bochs"
[ -f /usr/share/bochs/BIOS-bochs-latest ] || need="$need bochsbios"
[ -f /usr/share/vgabios/vgabios.bin ] || need="$need vgabios"
[ -f /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_rfb_gui.so ] || need="$need bochs"
have qemu-system-x86_64 || need="$need qemu-system-x86"
have grub-mkrescue || need="$need grub-common"
[ -d /usr/lib/grub/i386-pc ] || need="$need grub-pc-bin"
have xorriso || need="$need xorriso"
have mformat || need="$need mtools"
[ -z "$need" ] && exit 0
need=$(echo $need | tr ' ' '\n' | sort -u | tr '\n' ' ')
line="apt-get install -y --no-install-recommends $need"
if [ "$(id -u)" -ne 0 ]; then
	echo "faultline needs these Debian packages. Run as root:"
	echo "  apt-get update && $line"
	exit 1
fi
echo "deps: installing $need"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends $need >/dev/null || {
	echo "deps: apt-get failed; run: apt-get update && $line"; exit 1; }
