# tests/t_vmx.sh: the VMX core and EPT (issue 3): the bundled guests in Bochs, alone and as
# four VMs at once, and the failures the hypervisor must survive and explain.
G=build/guests

t_vm_hello() {
	boot_bochs 1 2 "" "$G/hello.elf vm=hello mem=32M -- one two"
	expect 'vmx: VMX root operation on all 1 CPUs'
	expect "vm hello: ready: mem=32M at host 0x[0-9a-f]+, 1 vCPU\(s\) on cpu0, cmdline 'one two'"
	expect '\[hello\] hello from a faultline guest'
	expect "\[hello\] guest: cmdline: 'one two'"
	expect 'vm hello: stopped: debug exit: the guest wrote status 0 to port 0xf4'
	expect 'summary: vm hello +passed status=0'
	expect 'summary: +exits=[0-9]+: .*I/O instruction=[0-9]+'
	expect 'summary: 1 of 1 VM\(s\) passed'
	expect_exit 0
}

t_vm_memtest() {
	boot_bochs 1 2 "" "$G/memtest.elf vm=memtest mem=32M"
	expect '\[memtest\] guest: PASS'
	expect_not '\[memtest\] guest: FAIL'
	expect 'summary: vm memtest +passed'
	expect_exit 0
}

t_vm_escape() {
	boot_bochs 1 2 "" "$G/escape.elf vm=escape mem=32M"
	expect 'vm escape: stopped: EPT violation at rip=0x[0-9a-f]+: fault record: gpa=0x3000000 size=4096 access=read gla=0x3000000 code=outside-ram flags=gla-valid'
	expect_not '\[escape\] guest: escape: read 0x'
	expect 'vm escape vcpu0: last [0-9]+ of [0-9]+ exits'
	expect 'EPT violation +qual=0x[0-9a-f]+ rip=0x'
	expect 'summary: vm escape +FAILED'
	expect_exit 1
}

t_vm_triple() {
	boot_bochs 1 2 "" "$G/triple.elf vm=triple mem=16M"
	expect 'vm triple: stopped: vcpu0 triple fault at rip=0x[0-9a-f]+'
	expect 'triple fault +qual=0x0 rip='
	expect 'summary: vm triple +FAILED'
	expect_exit 1
}

t_vm_cpuid() {
	boot_bochs 1 2 "" "$G/cpuid.elf vm=cpuid mem=16M"
	expect '\[cpuid\] guest: [0-9]+ passed, 0 failed'
	expect 'summary: vm cpuid +passed'
	expect_exit 0
}

t_vm_hypercall() {
	boot_bochs 1 2 "" "$G/hypercall.elf vm=hypercall mem=16M"
	expect '\[hypercall\] guest: still alive'
	expect '\[hypercall\] guest: [0-9]+ passed, 0 failed'
	expect 'summary: vm hypercall +passed'
	expect_exit 0
}

# Four VMs on four CPUs: the two bad ones stop with their reasons, the good ones pass, the
# hypervisor survives and the summary shows every status.
t_vm_four() {
	boot_bochs 4 2 "" "$G/hello.elf vm=hello mem=16M" "$G/memtest.elf vm=memtest mem=32M" \
		"$G/escape.elf vm=escape mem=16M" "$G/triple.elf vm=triple mem=16M"
	for c in 0 1 2 3; do expect "on cpu$c, cmdline"; done
	expect 'vm escape: stopped: EPT violation'
	expect 'vm triple: stopped: vcpu0 triple fault'
	expect 'summary: vm hello +passed'
	expect 'summary: vm memtest +passed'
	expect 'summary: vm escape +FAILED'
	expect 'summary: vm triple +FAILED'
	expect 'summary: 2 of 4 VM\(s\) passed'
	expect_exit 1
}

# A deliberately corrupted guest-state field: the entry-failure report names the rule.
t_vm_selftest_rflags() {
	boot_bochs 1 2 "" "$G/hello.elf vm=bad selftest=rflags" "$G/hello.elf vm=good"
	expect 'vm bad vcpu0: VM entry failed: exit reason 33 \(VM-entry failure: invalid guest state\)'
	expect 'vm bad: failing check: RFLAGS.*bit 1'
	expect 'vmcs dump:'
	expect '  guest RFLAGS +0x0000000000000000'
	expect 'summary: vm bad +FAILED'
	expect_exit 1
}

t_vm_selftest_link() {
	boot_bochs 2 2 "" "$G/hello.elf vm=bad selftest=link" "$G/hello.elf vm=good"
	expect 'vm bad: failing check: .*VMCS link pointer'
	expect 'summary: vm good +passed'
	expect 'summary: vm bad +FAILED'
	expect_exit 1
}

# A module that is not a multiboot kernel, and a VM that wants more CPUs than exist, are
# refused with one line each; the good VM still runs.
t_vm_refused() {
	boot_bochs 2 2 "" "tests/data/blob.bin vm=blob" "$G/hello.elf vm=greedy vcpus=4" \
		"$G/hello.elf vm=ok mem=8M badkey=1" "$G/big.elf vm=big mem=2M"
	expect 'vm blob \(module 0\): refused: elf: '
	expect 'vm greedy \(module 1\): refused: needs 4 CPU\(s\) but only 2 are free'
	expect "vm module 2: cmdline: unknown key 'badkey' \(ignored\)"
	expect 'vm big \(module 3\): refused: segment [0-9] \[0x[0-9a-f]+-0x[0-9a-f]+\) does not fit in mem=2M'
	expect 'summary: vm ok +passed'
	expect 'summary: 3 VM\(s\) refused at creation \(see above\): the run fails'
	expect 'summary: 1 of 1 VM\(s\) passed'
	expect_exit 1		# a VM asked for never ran: the run is not a success
}

# Every VM refused: nothing ran, and the run says so with a failing status.
t_vm_all_refused() {
	boot_bochs 1 2 "" "tests/data/blob.bin vm=blob"
	expect 'vm blob \(module 0\): refused: elf: '
	expect 'faultline: no VMs to run: 1 refused at creation \(see above\)'
	expect_exit 1
}

# Unknown ports read as all ones and are reported once each; MSRs off the allow-list #GP;
# both are counted in the summary (vmm/unemul.c).
t_vm_devices() {
	boot_bochs 1 2 "" "$G/devices.elf vm=devices mem=16M apic=x2apic"
	expect '\[devices\] guest: [0-9]+ passed, 0 failed'
	expect_count 1 'vm devices: read of 1 byte\(s\) at unhandled port 0x2fd .*reads as all ones; reported once'
	expect_count 1 'vm devices: write of 1 byte\(s\) at unhandled port 0x2f8 .*dropped; reported once'
	expect 'summary:   unemulated: ports 0x2fd \(2\), 0x2f8 \(1\); msrs 0x10 \(1\), 0x12345678 \(1\)$'
	expect 'summary: vm devices +passed'
	expect_exit 0
}

# The preemption-timer watchdog reports a vCPU that runs without a single exit for too long.
t_vm_watchdog() {
	boot_bochs 1 2 "watchdog_ms=20" "$G/memtest.elf vm=memtest mem=16M"
	expect_count 1 'watchdog: vm memtest vcpu0 ran 20 ms without a VM exit \(rip=0x[0-9a-f]+\); it is still running'
	expect 'summary: vm memtest +passed'
	expect_exit 0
}

# A broken control field fails VMLAUNCH itself (VMfailValid): the VM-instruction error is
# named, the VMCS dumped, only that VM stops.
t_vm_selftest_ctl() {
	boot_bochs 2 2 "" "$G/hello.elf vm=bad selftest=ctl" "$G/hello.elf vm=good"
	expect 'vm bad vcpu0: VMLAUNCH failed: VM-instruction error 7: VM entry with invalid control field\(s\)'
	expect 'vm bad: failing check: pin-based controls 0x0: bits 0x16 must be 1, bits 0x0 must be 0 \[SDM Vol. 3C, Checks on VMX Controls'
	expect '  pin-based controls +0x0000000000000000'
	expect 'vm bad: stopped: vcpu0: VM entry failed: VM-instruction error 7'
	expect 'summary: vm good +passed'
	expect 'summary: vm bad +FAILED'
	expect_exit 1
}

# A vCPU that masks the host's kicks still stops with its VM (issue 11, defect 7): CR8 is
# the guest's own (CR8-load/store exiting), and the VMX-preemption timer tick gets even an
# IF=0 spin (which Bochs 2.7 never leaves for an IPI) back to the host within 100 ms. The
# watchdog is set to an hour so it cannot be what ends the run; TIMEOUT is the proof.
vm_tpr() {
	TIMEOUT=90 boot_bochs 2 2 "watchdog_ms=3600000" "$G/tpr.elf vm=tpr mem=16M vcpus=2 -- mode=$1"
	expect '\[tpr\] guest: PASS CR8=15 reads back 15'
	expect '\[tpr\] guest: PASS CR8 with a reserved bit set -> #GP'
	expect "\[tpr\] guest: tpr: vcpu1 spins \($2\); vcpu0 exits now"
	expect 'vm tpr: stopped: debug exit: the guest wrote status 0 to port 0xf4'
	expect 'summary: vm tpr +passed'
	expect_not 'watchdog:'
	expect_exit 0
}
t_vm_tpr_cr8() { vm_tpr cr8 'CR8=15, IF=1'; }
t_vm_tpr_cli() { vm_tpr cli 'IF=0'; }

# watchdog_ms=0 is off, not "fire at once": a VM runs normally and nothing is reported
# (it froze every VM after one line). A watchdog longer than the tick adds up ticks: an
# IF=0 spin for 250 ms is reported once, and the run still ends.
t_vm_watchdog_off() {
	boot_bochs 1 2 "watchdog_ms=0" "$G/memtest.elf vm=memtest mem=16M"
	expect 'summary: vm memtest +passed'
	expect_not 'watchdog:'
	expect_exit 0
}
t_vm_watchdog_ticks() {
	TIMEOUT=90 boot_bochs 2 2 "watchdog_ms=250" "$G/spin.elf vm=spin mem=16M -- ms=1000"
	expect_count 1 'watchdog: vm spin vcpu0 ran 250 ms without a VM exit \(rip=0x[0-9a-f]+\); it is still running'
	expect 'summary: vm spin +passed'
	expect_exit 0
}
