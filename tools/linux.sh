#!/bin/sh
# tools/linux.sh fetch|initrd|bare-iso OUT.iso CMDLINE
# The stock Linux guest of issue 13's acceptance test, from Debian's own packages:
#   fetch    Debian 12's cloud kernel (linux-image-cloud-amd64, the flavour made for VMs)
#            and busybox-static, fetched with `apt-get download` and unpacked with
#            `dpkg-deb -x` into build/linux/ (nothing is installed on the host; kept there,
#            so a second run fetches nothing): build/linux/vmlinuz.
#   initrd   build/linux/initrd.img: a gzip'd newc cpio (made with the package's own busybox,
#            so no host cpio is needed) of busybox and the /init below.
#   bare-iso a GRUB ISO that boots that kernel and initrd on the bare emulator (no faultline):
#            the baseline the boot under faultline is compared with.
# The init prints the CPU count from /proc/cpuinfo, the chip and count of IRQ0 and IRQ4
# from /proc/interrupts, writes a file into tmpfs and reads it
# back, and powers off only when all of that happened (and the count is the fl_cpus=N of
# the kernel command line, when given); anything else ends in a reset, which faultline
# counts as a failed VM. Every line it prints starts with "linux-init:".
set -eu
cd "$(dirname "$0")/.."
L=build/linux
mkdir -p $L

fetch() {
	[ -s $L/vmlinuz ] && [ -x $L/busybox ] && return 0
	dl=$L/deb; rm -rf $dl; mkdir -p $dl
	# The metapackage names the versioned image package it depends on.
	(cd $dl && apt-get download linux-image-cloud-amd64 busybox-static) >$L/fetch.log 2>&1 ||
		{ echo "linux.sh: apt-get download failed (see $L/fetch.log; the package lists may need 'apt-get update')" >&2; exit 1; }
	img=$(dpkg-deb -f $dl/linux-image-cloud-amd64_*.deb Depends | sed 's/[ ,].*//')
	(cd $dl && apt-get download "$img") >>$L/fetch.log 2>&1 ||
		{ echo "linux.sh: apt-get download $img failed (see $L/fetch.log)" >&2; exit 1; }
	mkdir -p $dl/k $dl/bb
	dpkg-deb -x $dl/"$img"_*.deb $dl/k
	dpkg-deb -x $dl/busybox-static_*.deb $dl/bb
	cp $dl/k/boot/vmlinuz-* $L/vmlinuz
	cp $dl/bb/bin/busybox $L/busybox
	echo "$img" > $L/version
	rm -rf $dl
}

initrd() {
	fetch
	root=$L/root; rm -rf $root; mkdir -p $root/bin $root/proc $root/tmp $root/dev
	cp $L/busybox $root/bin/busybox
	cat > $root/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t tmpfs tmpfs /tmp
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1	# the cpio has no device nodes (made without root)
# Through /dev/kmsg, so the kernel prints each line before it goes on (a line echoed to
# the tty can still be in the UART when poweroff stops the machine); <2>: shown by "quiet".
say() { echo "<2>linux-init: $*" > /dev/kmsg; }
fail() { say "FAIL: $*"; say "resetting"; reboot -f; sleep 10; }
n=$(grep -c '^processor' /proc/cpuinfo)
want=$(sed -n 's/.*fl_cpus=\([0-9]*\).*/\1/p' /proc/cmdline)
say "cpus=$n (expected ${want:-any})"
[ -z "$want" ] || [ "$n" = "$want" ] || fail "$n CPUs, expected $want"
seq 1 20000 > /tmp/file || fail "cannot write into tmpfs"
a=$(md5sum < /tmp/file); cp /tmp/file /tmp/copy; b=$(md5sum < /tmp/copy)
s=$(wc -c < /tmp/copy)
[ "$a" = "$b" ] && [ "$s" -gt 100000 ] || fail "tmpfs read back differs ($s bytes)"
say "tmpfs: wrote and read back $s bytes"
# Which interrupt controller Linux took for the timer (IRQ0) and COM1 (IRQ4), and how many
# came: /proc/interrupts names the chip ("IO-APIC" or "XT-PIC").
grep -E '^ *(0|4):' /proc/interrupts | tr -s ' ' | while read -r l; do say "irq $l"; done
say "PASS: powering off"
poweroff -f
sleep 10
fail "still running after poweroff -f"
INIT
	chmod 755 $root/init
	(cd $root && ../busybox find . | ../busybox cpio -o -H newc 2>/dev/null) | $L/busybox gzip -9 > $L/initrd.img
	rm -rf $root
}

bare_iso() {
	out=$1; cmdline=$2
	initrd
	work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
	mkdir -p $work/iso/boot/grub
	cp $L/vmlinuz $L/initrd.img $work/iso/boot/
	cat > $work/iso/boot/grub/grub.cfg <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry "Debian's Linux, bare" {
	linux /boot/vmlinuz $cmdline
	initrd /boot/initrd.img
}
CFG
	grub-mkrescue -o "$out" $work/iso >$work/log 2>&1 || { cat $work/log >&2; exit 1; }
}

case "${1:-}" in
fetch) fetch ;;
initrd) initrd ;;
bare-iso) bare_iso "$2" "$3" ;;
*) echo "usage: tools/linux.sh fetch|initrd|bare-iso OUT.iso CMDLINE" >&2; exit 2 ;;
esac
