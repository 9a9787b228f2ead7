# tests/t_taskswitch.sh: hardware task switches (issue 13; vmm/taskswitch.c, the
# taskswitch guest in guest/tests/taskswitch.c): a 32-bit task A, paging on, switches to B
# by JMP (B's CR3, LDT and DS come from its TSS), to C by CALL through a GDT task gate and back by IRET
# (NT, back link), to D by INT 0x80 through an IDT task gate, to E by #GP through an IDT
# task gate (the error code on E's stack), JMPs to its own busy TSS (#GP with its
# selector), and to F, whose TSS's SS is a code segment: #TS raised in F after the switch,
# through an IDT task gate to G, and a double fault (#GP, #NP on its gate) to its own task H
# through IDT 8's task gate. No hypercall: the same image runs on QEMU's pc machine without faultline
# (TCG: QEMU's own task switch, the reference) and as a faultline VM in Bochs, where every
# switch is an exit that faultline emulates. Each case is one PASS line; any FAIL fails.

ts_expect() {
	for what in 'no unexpected exception' 'jmp to a TSS: task B ran' "jmp: B's LDTR" \
		'jmp: CR3 from B' 'jmp: NT clear and CR0.TS set' 'jmp back to A' 'call through a task gate' \
		'iret from C' 'int 0x80 through an IDT task gate' 'iret from D' \
		'#GP through an IDT task gate' 'jmp to a busy TSS' 'a bad SS in the new TSS' \
		'#TS in F' '#DF \(#GP, then #NP on its gate\)' 'busy bits'; do
		expect "(^|\\] )guest: PASS taskswitch: $what"
	done
	expect '(^|\] )guest: 16 passed, 0 failed$'
	expect_not 'FAIL'
}

# Bare QEMU (TCG): the guest's exit status 0 on the debug-exit port makes QEMU exit 1.
t_qemu_taskswitch() {
	objcopy -O elf32-i386 "$G/taskswitch.elf" "$DIR/ts.elf32" || { fail "objcopy failed"; return; }
	timeout -k 5 60 qemu-system-x86_64 -accel tcg -M pc -m 32 -display none -no-reboot \
		-kernel "$DIR/ts.elf32" -serial "file:$DIR/serial.raw" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 > "$DIR/qemu.out" 2>&1
	rc=$?
	clean_log
	ts_expect
	[ "$rc" -eq 1 ] || fail "QEMU exited with status $rc (1: the guest wrote status 0 to port 0xf4)"
}

# Under faultline (Bochs): every task switch exits and is emulated.
t_taskswitch() {
	boot_bochs 2 2 "" "$G/taskswitch.elf vm=ts mem=16M"
	ts_expect
	expect 'summary: vm ts +passed status=0'
	expect_not 'unhandled VM exit'
	expect_exit 0
}

# A 16-bit TSS (B's descriptor of type 1): not emulated; the VM stops with one line naming it
# and nothing else is affected (the VM beside it passes).
t_taskswitch_tss16() {
	boot_bochs 3 2 "" "$G/taskswitch.elf vm=ts16 mem=16M -- tss16" "$G/hello.elf vm=hello mem=16M"
	expect 'vm ts16: stopped: vcpu0: task switch at rip=0x[0-9a-f]+: a 16-bit TSS \(type 1 or 3\): not emulated$'
	expect 'summary: vm ts16 +FAILED'
	expect 'summary: vm hello +passed status=0'
	expect_count 1 'stopped: vcpu0: task switch at rip='
	expect_exit 1
}
