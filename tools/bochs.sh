#!/bin/sh
# tools/bochs.sh ISO SERIAL-LOG [CPUS] [TIMEOUT-S] [MODEL]
# Boots ISO in Bochs 2.7 headless (rfb display, no client wait), COM1 into SERIAL-LOG, the
# Bochs log beside it (SERIAL-LOG.bochs). Returns when the hypervisor leaves the emulator
# (port 0x8900 "Shutdown": Bochs then exits with status 1, which is normal) or at TIMEOUT.
# The verdict is always read from the serial log, never from the exit status.
# BOCHS_INFO=report keeps Bochs's info lines in its log (device resets, for example).
# SERIAL=socket:PORT in the environment puts COM1 on a loopback socket instead (interactive).
# BOCHS_DEBUG=1 stops in Bochs's internal debugger (`<bochs:1>` prompt on this terminal) before
# the first instruction, with the magic breakpoint on (`xchg %bx, %bx` in the code stops there).
# DISK=PATH attaches a flat raw image (tools/mkdisk.sh) as the hard disk ata1-master, on the
# secondary channel; the PCI i440FX/PIIX3 chipset (Bochs's default, written out here) gives it
# the PIIX3 IDE bus master, whose BAR4 the BIOS assigns (0xc000).
set -u
iso=$1; log=$2; cpus=${3:-2}; tmo=${4:-120}; model=${5:-corei7_skylake_x}
megs=${BOCHS_MEGS:-512}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Bochs's own output goes beside the log (LOG.stdout, LOG.bochs, LOG.emu); with no log file
# (make run's interactive mode passes /dev/null) it goes to the temporary folder.
case $log in /dev/*) side=$dir/bochs ;; *) side=$log ;; esac
# A flat image's size must be exactly cylinders * heads * spt * 512 or Bochs refuses the
# disk (a panic in its log): 16 heads of 63 sectors when that divides it (bximage's
# geometry), else 16 of 32 (every whole MiB).
disk=""
if [ -n "${DISK:-}" ]; then
	[ -f "$DISK" ] || { echo "bochs.sh: DISK=$DISK: no such file" >&2; exit 2; }
	bytes=$(stat -c %s "$DISK")
	if [ $((bytes % (16 * 63 * 512))) -eq 0 ]; then spt=63
	elif [ $((bytes % (16 * 32 * 512))) -eq 0 ]; then spt=32
	else echo "bochs.sh: DISK=$DISK: $bytes bytes is not a whole number of 16x32-sector cylinders (use tools/mkdisk.sh)" >&2; exit 2
	fi
	disk="ata1-master: type=disk, path=$DISK, mode=flat, cylinders=$((bytes / (16 * spt * 512))), heads=16, spt=$spt"
fi
case "${SERIAL:-file}" in
socket:*) com1="com1: enabled=1, mode=socket-server, dev=localhost:${SERIAL#socket:}" ;;
*)        com1="com1: enabled=1, mode=file, dev=$log" ;;
esac
cat > "$dir/bochsrc" <<RC
megs: $megs
cpu: model=$model, count=$cpus, ips=50000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path=$iso, status=inserted
ata1: enabled=1, ioaddr1=0x170, ioaddr2=0x370, irq=15
$disk
pci: enabled=1, chipset=i440fx
boot: cdrom
$com1
clock: sync=none, time0=946681200
display_library: rfb, options="timeout=0"
# Nothing of the host's sound or input devices: with the ALSA libraries installed and no
# sound card, Bochs 2.7's mixer thread aborts before the BIOS (shared/notes/platform.md).
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
mouse: enabled=0
log: $side.bochs
panic: action=fatal
error: action=report
info: action=${BOCHS_INFO:-ignore}
debug: action=ignore
RC
echo continue > "$dir/dbgrc"
: > "$log"
if [ -n "${BOCHS_DEBUG:-}" ]; then
	echo "magic_break: enabled=1" >> "$dir/bochsrc"
	bochs -q -f "$dir/bochsrc"
	exit 0
fi
timeout -k 5 "$tmo" bochs -q -f "$dir/bochsrc" -rc "$dir/dbgrc" </dev/null >"$side.stdout" 2>&1
rc=$?
[ $rc -eq 124 ] && echo "bochs.sh: timed out after ${tmo}s" >> "$side.stdout"
# How the emulator ended, for tests/lib.sh's emulator_why: 1 is Bochs's normal exit (the
# hypervisor's shutdown), 124 the timeout, 128+N a signal.
echo "bochs $rc $tmo" > "$side.emu"
exit 0
