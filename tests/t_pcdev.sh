# tests/t_pcdev.sh: the PC devices a stock kernel touches (issue 13): guest/tests/pcdev.c
# finds the 440FX host bridge and nothing else on PCI, reads the CMOS clock, times PIT
# channel 2 against it, takes 100 Hz IRQ0s from PIT channel 0 through the 8259, probes the
# i8042, reads QEMU's fw_cfg, finds and checks the ACPI tables and powers off through the
# PM1a port the FADT names with the SLP_TYP of the DSDT's \_S5 (vmm/pcdev.c, dev/pit.c,
# dev/rtc.c, dev/kbc.c, dev/pcicfg.c, dev/acpipm.c, dev/fwcfg.c, dev/acpitab.c,
# vmm/firmware.c); and each reset path stops its VM with its line.

t_pcdev() {
	boot_bochs 1 2 "" "$G/pcdev.elf vm=pcdev mem=16M"
	expect '\[pcdev\] pcdev: pci 00:00.0 8086:1237 class 060000$'
	expect '\[pcdev\] pcdev: rtc (19|20)[0-9]{2}-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]$'
	expect '\[pcdev\] pcdev: pit channel 2: 59659 ticks in [0-9]+ TSC ticks: 1[01][0-9]{5} Hz$'
	expect '\[pcdev\] pcdev: pit channel 0 at 100 Hz: [0-9]+ IRQ0 interrupts in 0.5 s \(halted\)$'
	expect '\[pcdev\] pcdev: pit channel 0 at 100 Hz: [0-9]+ IRQ0 interrupts in 0.5 s \(computing\)$'
	expect 'vm pcdev: firmware: ACPI tables at 0xe0000 \([0-9]+ bytes: RSDP, XSDT, RSDT, FADT, MADT with 1 CPU\(s\), FACS, DSDT\), fw_cfg at 0x510$'
	expect '\[pcdev\] pcdev: fw_cfg signature QEMU, id 0x1, 1 CPU\(s\), RAM 16384 KiB$'
	expect '\[pcdev\] pcdev: acpi RSDP at 0xe0000 revision 2 OEM FAULTL, XSDT with 2 table\(s\)$'
	expect '\[pcdev\] pcdev: acpi MADT 1 CPU\(s\), FADT PM1a_CNT 0x604 SCI 9, DSDT \\_S5 SLP_TYP 0$'
	expect '\[pcdev\] guest: [1-9][0-9]* passed, 0 failed'
	expect_not '\[pcdev\] guest: FAIL|pcdev: FAIL'
	expect '\[pcdev\] pcdev: powering off through ACPI PM1a \(port 0x604 from the FADT, SLP_TYP 0 from \\_S5, SLP_EN\)$'
	expect '^.*vm pcdev: powered off \(ACPI PM1a SLP_EN, S5\)$'
	expect 'vm pcdev: stopped: powered off \(ACPI PM1a SLP_EN, S5\)$'
	expect_not 'unhandled port 0x80 '
	# Only COM2's port is unemulated: port 0x80 is not, nor any device of the test.
	expect 'summary:   unemulated: ports 0x2fd \(1\); msrs none$'
	expect 'summary: vm pcdev +passed status=0'
	expect_exit 0
}

# Two vCPUs (the second never started): the MADT lists both, fw_cfg counts both.
t_pcdev_smp() {
	boot_bochs 2 2 "" "$G/pcdev.elf vm=pcdev2 mem=16M vcpus=2"
	expect '\[pcdev2\] pcdev: fw_cfg signature QEMU, id 0x1, 2 CPU\(s\), RAM 16384 KiB$'
	expect '\[pcdev2\] pcdev: acpi MADT 2 CPU\(s\), FADT PM1a_CNT 0x604 SCI 9, DSDT \\_S5 SLP_TYP 0$'
	expect '\[pcdev2\] guest: [1-9][0-9]* passed, 0 failed'
	expect_not 'pcdev: FAIL'
	expect 'vm pcdev2: stopped: powered off \(ACPI PM1a SLP_EN, S5\)$'
	expect 'summary: vm pcdev2 +passed status=0'
	expect_exit 0
}

# reset_test HOW LINE: the guest resets through HOW; the VM stops with LINE, and does not
# pass: a reset is not a clean end (status 256, vmm/vm.h VM_STATUS_RESET).
pcdev_reset() {
	boot_bochs 1 2 "" "$G/pcdev.elf vm=rst mem=16M -- reset=$1"
	expect "\[rst\] pcdev: resetting through $1$"
	expect "vm rst: $2\$"
	expect "vm rst: stopped: $2\$"
	expect_not 'still running after the reset'
	expect 'summary: vm rst +FAILED status=256'
	expect_exit 1
}

t_pcdev_reset_kbc() {
	pcdev_reset kbc 'reset through the i8042 \(port 0x64 command 0xfe\)'
}

t_pcdev_reset_cf9() {
	pcdev_reset cf9 'reset through the PIIX reset control register \(port 0xcf9\)'
}

t_pcdev_reset_port92() {
	pcdev_reset port92 'reset through port 0x92 \(fast reset, bit 0\)'
}

# The monitor's `unemulated VM` after the devices guest (vmm/unemul.c): its COM2 ports and
# the MSRs it was refused.
t_pcdev_monitor_unemulated() {
	cat > "$DIR/script" <<'S'
wait vm devices: stopped
send unemulated devices
wait devices: unemulated:
send unemulated nosuch
wait no VM 'nosuch'
send quit
wait exit status
S
	mon_boot 2 "monitor=on" "$DIR/script" "$G/devices.elf vm=devices mem=16M apic=x2apic"
	expect 'devices: unemulated: ports 0x2fd \(2\), 0x2f8 \(1\); msrs 0x10 \(1\), 0x12345678 \(1\)$'
	expect "monitor: no VM 'nosuch'"
	expect_exit 0
}

# The reference: the same guest on QEMU's pc machine without faultline (TCG), whose PIT,
# RTC, i8042, PCI and PIIX4 ACPI are other people's models of the same chips, its fw_cfg
# and SeaBIOS's ACPI tables the originals (two CPUs: the MADT and fw_cfg must agree). It must
# pass and power off through the port its FADT names (QEMU exits with status 0, no
# debug-exit write).
t_qemu_pcdev() {
	objcopy -O elf32-i386 "$G/pcdev.elf" "$DIR/pcdev.elf32" || { fail "objcopy failed"; return; }
	timeout -k 5 60 qemu-system-x86_64 -accel tcg -M pc -m 64 -smp 2 -display none -no-reboot \
		-kernel "$DIR/pcdev.elf32" -serial "file:$DIR/serial.raw" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 > "$DIR/qemu.out" 2>&1
	rc=$?
	clean_log
	expect '^pcdev: pci 00:00.0 8086:1237 class 060000$'
	expect '^pcdev: fw_cfg signature QEMU, id 0x[0-9a-f]+, 2 CPU\(s\), RAM [0-9]+ KiB$'
	expect '^pcdev: acpi RSDP at 0x[0-9a-f]+ revision [0-9]+ OEM .*, (XSDT|RSDT) with [0-9]+ table\(s\)$'
	expect '^pcdev: acpi MADT 2 CPU\(s\), FADT PM1a_CNT 0x604 SCI 9, DSDT \\_S5 SLP_TYP 0$'
	expect '^guest: [1-9][0-9]* passed, 0 failed$'
	expect '^pcdev: powering off through ACPI PM1a \(port 0x604 from the FADT'
	expect_not 'FAIL'
	[ "$rc" -eq 0 ] || fail "QEMU exited with status $rc (0: powered off; the debug exit gives 2N+1)"
}
