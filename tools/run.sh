#!/bin/sh
# tools/run.sh BACKEND ISO: boots the hypervisor with its serial console on this terminal.
#   auto      QEMU+KVM when /dev/kvm exists and kvm_intel has nested on, else Bochs
#   qemu-kvm  QEMU with -enable-kvm -cpu host (nested VMX; no hardware #VE there)
#   bochs     Bochs 2.7, corei7_skylake_x, 4 CPUs (VMX, EPT, hardware #VE)
#   qemu-tcg  QEMU without KVM: boots, then reports that VMX is missing (status 3)
# CPUS=N picks the CPU count. The run ends when the hypervisor prints its exit line.
set -u
backend=$1; iso=$2; cpus=${CPUS:-4}
nested() {
	[ -e /dev/kvm ] && [ -r /sys/module/kvm_intel/parameters/nested ] &&
		grep -qiE '^(y|1)$' /sys/module/kvm_intel/parameters/nested
}
if [ "$backend" = auto ]; then
	if nested; then backend=qemu-kvm; else backend=bochs; fi
fi
echo "faultline: booting $iso on $backend with $cpus CPUs (serial console below)"
case $backend in
qemu-kvm|qemu-tcg)
	accel="-accel tcg -cpu max"
	[ $backend = qemu-kvm ] && accel="-enable-kvm -cpu host"
	exec qemu-system-x86_64 $accel -m 512 -smp "$cpus" -display none -no-reboot \
		-serial mon:stdio -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso" ;;
bochs)
	log=build/run-serial.log
	: > "$log"
	sh tools/bochs.sh "$iso" "$log" "$cpus" "${TIMEOUT:-3600}" &
	pid=$!
	tail -n +1 -f "$log" --pid=$pid | tr -d '\r'
	wait $pid ;;
*) echo "run.sh: unknown backend '$backend' (auto, bochs, qemu-kvm, qemu-tcg)"; exit 2 ;;
esac
