#!/bin/bash
# tools/run.sh BACKEND ISO: boots the hypervisor with its serial console on this terminal.
#   auto      QEMU+KVM when /dev/kvm exists and kvm_intel has nested on, else Bochs
#   qemu-kvm  QEMU with -enable-kvm -cpu host (nested VMX; no hardware #VE there)
#   bochs     Bochs 2.7, corei7_skylake_x, 4 CPUs (VMX, EPT, hardware #VE)
#   qemu-tcg  QEMU without KVM: boots, then reports that VMX is missing (status 3)
# CPUS=N picks the CPU count. DISK=PATH attaches a raw image (tools/mkdisk.sh) as the swap
# disk: QEMU's ata0-master, Bochs's ata1-master (tools/bochs.sh). The run ends when the hypervisor prints its exit line.
set -u
backend=$1; iso=$2; cpus=${CPUS:-4}
nested() {
	[ -e /dev/kvm ] && [ -r /sys/module/kvm_intel/parameters/nested ] &&
		grep -qiE '^(y|1)$' /sys/module/kvm_intel/parameters/nested
}
if [ "$backend" = auto ]; then
	if nested; then backend=qemu-kvm; else backend=bochs; fi
fi
cat <<BANNER
faultline: booting $iso on $backend with $cpus CPUs; the serial console (COM1) follows.
  The run ends by itself when every VM has stopped ('faultline: exit status=N').
  Monitor: make run CMDLINE='monitor=on workers=2' keeps cpu0 for it; type a command and
  Enter: help vms vcpus regs vmcs exits ept mem faults workers stats dmesg log pause
  resume kill step trace poison unpoison apf reboot quit (quit ends the run). Backspace
  and Ctrl-U edit the line. Ctrl-A then a digit: typing goes to that VM's COM1; Ctrl-A m:
  back to the monitor; Ctrl-A ?: the list. Under QEMU, QEMU's own escape is Ctrl-T
  (Ctrl-T x quits it). Ctrl-C stops the emulator at any time.
BANNER
case $backend in
qemu-kvm|qemu-tcg)
	accel="-accel tcg -cpu max"
	[ $backend = qemu-kvm ] && accel="-enable-kvm -cpu host"
	# -echr 20: QEMU's escape is Ctrl-T, so Ctrl-A reaches faultline's console switch;
	# no -no-reboot, so the monitor's reboot boots again.
	exec qemu-system-x86_64 $accel -m 512 -smp "$cpus" -display none -echr 20 \
		-serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso" \
		${DISK:+-drive file=$DISK,format=raw,if=ide,index=0} ;;
bochs)
	case " ${CMDLINE:-} " in
	*" monitor=on "*)
		# The monitor needs input: COM1 on a loopback socket, this terminal on the other end
		# (fd 4: a background job's own stdin would be /dev/null).
		exec 4<&0
		port=$((40000 + $$ % 20000))
		SERIAL=socket:$port sh tools/bochs.sh "$iso" /dev/null "$cpus" "${TIMEOUT:-3600}" &
		pid=$!
		for i in $(seq 1 100); do
			exec 3<>/dev/tcp/127.0.0.1/$port 2>/dev/null && break
			sleep 0.2
		done
		tr -d '\r' <&3 &
		reader=$!
		( while IFS= read -r l; do printf '%s\r' "$l"; done <&4 >&3 ) &
		writer=$!
		wait $reader
		kill $writer 2>/dev/null
		wait $pid ;;
	*)
		log=build/run-serial.log
		: > "$log"
		sh tools/bochs.sh "$iso" "$log" "$cpus" "${TIMEOUT:-3600}" &
		pid=$!
		tail -n +1 -f "$log" --pid=$pid | tr -d '\r'
		wait $pid ;;
	esac ;;
*) echo "run.sh: unknown backend '$backend' (auto, bochs, qemu-kvm, qemu-tcg)"; exit 2 ;;
esac
