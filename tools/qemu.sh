#!/bin/sh
# tools/qemu.sh MODE SERIAL-LOG [CPUS] [TIMEOUT-S] [CMDLINE]
#   MODE tcg-kernel: QEMU TCG, -kernel build/faultline32.elf (multiboot v1), CMDLINE appended
#   MODE tcg-iso ISO / kvm-iso ISO: boot the GRUB ISO (multiboot2 by default)
# isa-debug-exit at 0xf4 lets the hypervisor leave QEMU; -no-reboot turns a triple fault into
# an exit. The verdict is read from the serial log. QEMU_ISO names the ISO for the iso modes.
# DISK=PATH attaches a raw image (tools/mkdisk.sh) as the IDE primary master, ata0-master
# (-cdrom is index 2, ata1-master), behind the PIIX3 IDE function of the default pc machine.
set -u
mode=$1; log=$2; cpus=${3:-2}; tmo=${4:-60}; cmdline=${5:-}
common="-m 512 -smp $cpus -display none -no-reboot -monitor none
	-serial file:$log -device isa-debug-exit,iobase=0xf4,iosize=0x04"
# DISK_BLKDEBUG=CONF puts QEMU's blkdebug driver under it: CONF's rules inject I/O errors
# (tests/t_disk.sh fails the first DMA write to see the driver fall back to PIO).
if [ -n "${DISK:-}" ]; then
	common="$common -drive file=${DISK_BLKDEBUG:+blkdebug:$DISK_BLKDEBUG:}$DISK,format=raw,if=ide,index=0"
fi
: > "$log"
case $mode in
tcg-kernel) timeout -k 5 "$tmo" qemu-system-x86_64 -accel tcg -cpu max $common \
		-kernel build/faultline32.elf -append "$cmdline" </dev/null >"$log.stdout" 2>&1 ;;
tcg-iso)    timeout -k 5 "$tmo" qemu-system-x86_64 -accel tcg -cpu max $common \
		-cdrom "$QEMU_ISO" </dev/null >"$log.stdout" 2>&1 ;;
kvm-iso)    timeout -k 5 "$tmo" qemu-system-x86_64 -enable-kvm -cpu host $common \
		-cdrom "$QEMU_ISO" </dev/null >"$log.stdout" 2>&1 ;;
*) echo "qemu.sh: unknown mode $mode" >&2; exit 2 ;;
esac
# 0: a reset under -no-reboot (or a plain quit); (N << 1) | 1: isa-debug-exit; 124: timeout.
rc=$?
echo "qemu.sh: qemu exited with status $rc" >> "$log.stdout"
echo "qemu $rc $tmo" > "$log.emu"
exit 0
