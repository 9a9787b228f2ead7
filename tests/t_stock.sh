# tests/t_stock.sh: the stock-kernel test guest (issue 13; guest/tests/stock/): fw_cfg, the
# ACPI tables (RSDP, RSDT/XSDT, MADT, FADT, \_S5), PCI mechanism #1, the RTC and PIT channel
# 2, the local APIC (timer one-shot, periodic, TSC-deadline; self-IPI) and the APs started
# by INIT-SIPI-SIPI with fixed IPIs both ways, the I/O APIC (the PIT's IRQ0 through pin 2 to
# the BSP and to an AP, masked, level with remote IRR), then the ACPI S5 power-off. One image, no
# faultline hypercall: it must pass on QEMU's pc machine (TCG, no faultline: the reference
# for what a PC does) and later, the same, under faultline.
# Bare Bochs (no hypervisor) runs it too, and with "x2apic" on its command line the guest
# turns x2APIC on itself, which QEMU 7.2's TCG cannot do (nor TSC-deadline):
#   FAULTLINE_ELF=build/guests/stock.elf sh tools/mkiso.sh /tmp/s.iso 1 '-- x2apic'
#   sh tools/bochs.sh /tmp/s.iso /tmp/s.log 2 240
# There two checks fail, as they should: Bochs has no fw_cfg, and its TSC-deadline timer
# does not clear IA32_TSC_DEADLINE when it fires (SDM Vol. 3A 11.5.4.1 says it does).

# stock_expect CPUS: what every run must show (the log's lines are the guest's own, or
# faultline's "[vm] " before them).
stock_expect() {
	expect '(^|\] )stock: fwcfg: PASS signature at selector 0 is "QEMU"'
	expect '(^|\] )stock: acpi: PASS RSDP found'
	expect "(^|\\] )stock: acpi: PASS MADT's $1 CPU\\(s\\) = fw_cfg's nb_cpus $1\$"
	expect '(^|\] )stock: pci: PASS 00:00.0 vendor is 8086'
	expect '(^|\] )stock: pit: PASS channel 2: '
	expect '(^|\] )stock: lapic: PASS one-shot timer interrupt arrived'
	expect '(^|\] )stock: lapic: PASS periodic timer at 100 Hz'
	expect '(^|\] )stock: lapic: PASS self-IPI handled once after STI'
	expect "(^|\\] )stock: smp: PASS $1 CPU\\(s\\) running = the MADT's $1\$"
	[ "$1" -gt 1 ] && expect '(^|\] )stock: smp: PASS fixed IPI AP 1 -> BSP arrived'
	expect '(^|\] )stock: ioapic: PASS an interrupt source override makes IRQ0 GSI 2'
	expect '(^|\] )stock: ioapic: PASS its ID register says the MADT'
	expect '(^|\] )stock: ioapic: PASS 24 redirection entries'
	expect '(^|\] )stock: ioapic: PASS PIT at 1 kHz through pin 2 to the BSP'
	expect '(^|\] )stock: ioapic: PASS masked: no interrupt'
	[ "$1" -gt 1 ] && expect '(^|\] )stock: ioapic: PASS routed to APIC ID 1: the AP took'
	expect '(^|\] )stock: ioapic: PASS remote IRR set while the interrupt is in service'
	expect '(^|\] )stock: ioapic: PASS the local APIC.s EOI cleared remote IRR'
	expect '(^|\] )guest: [1-9][0-9]* passed, 0 failed$'
	expect '(^|\] )stock: acpi: powering off: port 0x'
	expect_not 'stock: [a-z]+: FAIL'
}

# The reference: QEMU's pc machine (TCG) with CPUS CPUs and 64 MiB, the guest as an ELF32
# multiboot kernel (QEMU's -kernel takes no ELF64). Powered off through ACPI, QEMU exits 0;
# the debug exit (a failure) gives 2N+1.
qemu_stock() {
	objcopy -O elf32-i386 "$G/stock.elf" "$DIR/stock.elf32" || { fail "objcopy failed"; return; }
	timeout -k 5 90 qemu-system-x86_64 -accel tcg -M pc -smp "$1" -m 64 -display none \
		-no-reboot -kernel "$DIR/stock.elf32" -append "-- ram=64" \
		-serial "file:$DIR/serial.raw" -device isa-debug-exit,iobase=0xf4,iosize=4 \
		> "$DIR/qemu.out" 2>&1
	rc=$?
	clean_log
	stock_expect "$1"
	[ "$rc" -eq 0 ] || fail "QEMU exited with status $rc (0: powered off; the debug exit gives 2N+1)"
}

t_qemu_stock_1cpu() { qemu_stock 1; }
t_qemu_stock_2cpu() { qemu_stock 2; }

# Under faultline (Bochs): the same image as a VM with VCPUS vCPUs: the ACPI tables, fw_cfg,
# the local APIC's timer and IPIs and INIT/SIPI between vCPUs as faultline models them, read
# by the same code that passes on QEMU's pc machine above.
stock_vm() {
	TIMEOUT=${TIMEOUT:-300} boot_bochs $(($1 + 1)) 2 "" "$G/stock.elf vm=stock mem=32M vcpus=$1 -- ram=32"
	stock_expect "$1"
	expect '^.*vm stock: powered off \(ACPI PM1a SLP_EN, S5\)$'
	expect 'summary: vm stock +passed status=0'
	expect_exit 0
}

t_stock_1cpu() { stock_vm 1; }
t_stock_2cpu() { stock_vm 2; }
