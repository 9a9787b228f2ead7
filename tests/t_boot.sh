# tests/t_boot.sh: the boot foundation (issue 2) in Bochs and QEMU TCG.

# Every CPU of a 1-, 2- and 4-CPU Bochs machine reports online in 64-bit mode, through
# both multiboot protocols; the memory map and the modules with their command lines are
# reported. The modules are a blob, not a guest: each is refused as a VM, so the run ends
# with status 1 (a VM asked for that never ran is a failure, issue 11).
t_bochs_1cpu_mb1() {
	boot_bochs 1 1 "" "tests/data/blob.bin vm=blob mem=16M -- guest args"
	expect 'boot: multiboot v1 from .GRUB'
	expect 'cpu0 +info +cpu0 online: apic id 0, 64-bit mode \(EFER.LMA=1\), ready'
	expect 'smp: 1 of 1 CPUs online in 64-bit mode'
	expect 'mem: \[0x0000100000-0x[0-9a-f]+\) available'
	expect "boot: module 0 at \[0x[0-9a-f]+-0x[0-9a-f]+\) 4096 bytes: 'vm=blob mem=16M -- guest args'"
	expect 'vm blob \(module 0\): refused: elf: '
	expect_exit 1
}

t_bochs_2cpu_mb2() {
	boot_bochs 2 2 "loglevel=debug" "tests/data/blob.bin vm=one" "tests/data/blob.bin vm=two mem=8M"
	expect 'boot: multiboot2 from .GRUB'
	expect 'cpu1 +info +cpu1 online: apic id 1, 64-bit mode'
	expect 'smp: 2 of 2 CPUs online in 64-bit mode'
	expect 'boot: 2 module\(s\)'
	expect "boot: module 0 .*'vm=one'"
	expect "boot: module 1 .*'vm=two mem=8M'"
	expect 'acpi: RSDP at 0x[0-9a-f]+ .*from multiboot2.*MADT lists 2 enabled CPUs'
	expect 'tsc: [0-9]+\.[0-9]{3} MHz'
	expect 'faultline: no VMs to run: 2 refused at creation'
	expect_exit 1
}

t_bochs_4cpu_mb2() {
	boot_bochs 4 2 ""
	for c in 0 1 2 3; do expect "cpu$c +info +cpu$c online: apic id $c, 64-bit mode \(EFER.LMA=1\), ready"; done
	expect_count 4 'online: apic id [0-9]+, 64-bit mode'
	expect 'smp: 4 of 4 CPUs online in 64-bit mode'
	expect 'boot: all 4 CPUs online [0-9]+ us after entry'
	expect 'vmx: EPT-violation #VE: offered in hardware'
	expect_exit 0
}

t_bochs_4cpu_mb1() {
	boot_bochs 4 1 "" "tests/data/blob.bin vm=x"
	expect 'boot: multiboot v1'
	expect_count 4 'online: apic id [0-9]+, 64-bit mode'
	expect "boot: module 0 .*'vm=x'"
	expect_exit 1
}

# cpus=N limits the CPUs used.
t_bochs_cpus_limit() {
	boot_bochs 4 2 "cpus=2"
	expect 'smp: 2 of 2 CPUs online in 64-bit mode \(4 listed by ACPI, limited by cpus=\)'
	expect_not 'cpu2 online'
	expect_exit 0
}

# A bad command line is reported key by key, in one clear line each, and the boot goes on.
t_bochs_bad_cmdline() {
	boot_bochs 2 2 "cpus=banana unknown=1 loglevel=loud selftest=ud,zz"
	expect "cmdline: cpus=banana: not a number \(keeping default 0\)"
	expect "cmdline: unknown key 'unknown' \(ignored\)"
	expect "cmdline: loglevel=loud: not one of error\|warn\|info\|debug\|trace"
	expect "cmdline: selftest=ud,zz: 'zz' is not one of"
	expect 'smp: 2 of 2 CPUs online'
	expect_not 'EXCEPTION'
	expect_exit 0
}

t_bochs_help() {
	boot_bochs 1 2 "help"
	expect '^faultline command-line keys'
	expect '^  cpus=.*\(default: 0\)'
	expect '^  loglevel=.*error\|warn\|info\|debug\|trace.*\(default: info\)'
	expect '^  selftest=.*\(default: none\)'
	expect_exit 0
}

# A deliberate #UD in the hypervisor: full register dump and a backtrace that names the
# function, its caller and kmain; every CPU is stopped; status 2.
t_bochs_selftest_ud() {
	boot_bochs 2 2 "selftest=ud"
	expect 'EXCEPTION #UD invalid opcode \(vector 6\) on cpu0, error code 0x0'
	expect '  rax=[0-9a-f]{16} rbx=[0-9a-f]{16} rcx=[0-9a-f]{16} rdx=[0-9a-f]{16}'
	expect '  r12=[0-9a-f]{16} r13=[0-9a-f]{16} r14=[0-9a-f]{16} r15=[0-9a-f]{16}'
	expect '  rip=0x[0-9a-f]{16} selftest_ud\+0x'
	expect '  cs=0008 ss=0010 rflags=[0-9a-f]{16} error=0{16}'
	expect '  cr0=[0-9a-f]{16} cr2=[0-9a-f]{16} cr3=[0-9a-f]{16} cr4=[0-9a-f]{16}'
	expect_order 'backtrace:' '#1 +0x[0-9a-f]+ selftest_run\+0x'
	expect '#0 +0x[0-9a-f]+ selftest_ud\+0x'
	expect '#[0-9] +0x[0-9a-f]+ kmain\+0x'
	expect_not 'faultline: ready'
	expect_exit 2
}

t_bochs_selftest_pf() {
	boot_bochs 1 1 "selftest=pf"
	expect 'EXCEPTION #PF page fault \(vector 14\) on cpu0, error code 0x0'
	expect 'cr2=0000010000000000'
	expect '#0 +0x[0-9a-f]+ selftest_pf\+0x'
	expect '#[0-9] +0x[0-9a-f]+ kmain\+0x'
	expect_exit 2
}

# int3 is reported and execution continues; then #GP stops everything.
t_bochs_selftest_bp_gp() {
	boot_bochs 2 2 "selftest=bp,gp"
	expect 'breakpoint \(int3\) at 0x[0-9a-f]+ on cpu0: continuing'
	expect_order 'breakpoint \(int3\)' 'EXCEPTION #GP general protection \(vector 13\)'
	expect '#0 +0x[0-9a-f]+ selftest_gp\+0x'
	expect_exit 2
}

t_bochs_selftest_panic() {
	boot_bochs 2 1 "selftest=panic"
	expect 'PANIC on cpu0: selftest: deliberate panic'
	expect '#[0-9] +0x[0-9a-f]+ selftest_panic\+0x'
	expect '#[0-9] +0x[0-9a-f]+ kmain\+0x'
	expect_exit 2
}

# QEMU TCG has no VMX: the boot path works, and the hypervisor says why it stops.
t_qemu_tcg_kernel_mb1() {
	boot_qemu tcg-kernel 2 "loglevel=info"
	expect 'boot: multiboot v1'
	expect 'smp: 2 of 2 CPUs online in 64-bit mode'
	expect 'vmx: VMX not available: CPUID.1:ECX.VMX\[bit 5\]=0'
	expect_exit 3
}

# selftest=reboot runs the monitor's reboot path (host/exit.c: fl_reboot) at boot: its reset
# reaches the machine, and QEMU (-no-reboot) exits with status 0 instead of booting again.
t_qemu_tcg_reboot() {
	boot_qemu tcg-kernel 2 "selftest=reboot"
	expect 'selftest: running test 6'
	expect 'faultline: rebooting'
	expect_count 1 'faultline: starting on the bootstrap CPU'
	expect_not 'faultline: exit status'
	grep -q 'qemu exited with status 0$' "$DIR/serial.raw.stdout" ||
		fail "qemu did not exit on the reset: $(tail -1 "$DIR/serial.raw.stdout")"
}

t_qemu_tcg_iso_mb2() {
	boot_qemu tcg-iso 4 ""
	expect 'boot: multiboot2 from .GRUB'
	expect 'smp: 4 of 4 CPUs online in 64-bit mode'
	expect 'vmx: VMX not available: CPUID.1:ECX.VMX\[bit 5\]=0'
	expect_exit 3
}
