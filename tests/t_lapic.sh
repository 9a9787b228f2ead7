# tests/t_lapic.sh: the local APIC of each vCPU (issue 13; vmm/vlapic.c, dev/lapic.c):
# guest/tests/lapic.c on 2 vCPUs checks the locked x2APIC platform (CPUID, IA32_APIC_BASE,
# IA32_ARCH_CAPABILITIES, IA32_XAPIC_DISABLE_STATUS), the timer one-shot, periodic and
# TSC-deadline, self IPIs with IRR/ISR/EOI, the TPR through CR8, the ESR, fixed IPIs by
# physical and logical destination and an NMI to vCPU 1, and INIT + start-up IPI putting
# vCPU 1 in real mode at the SIPI's page; and the same in two VMs at once (lapic_two_vms),
# where no IPI may cross from one VM to the other.

t_lapic() {
	boot_bochs 2 2 "" "$G/lapic.elf vm=lapic mem=16M vcpus=2 apic=x2apic"
	expect '\[lapic\] guest: lapic: one-shot of [0-9]+ ticks fired after [0-9]+$'
	expect '\[lapic\] guest: lapic: 10 periods of [0-9]+ ticks in [0-9]+$'
	expect '\[lapic\] guest: lapic: vcpu1: x2APIC ID 1$'
	expect 'vm lapic vcpu1: start-up IPI: real mode at 0600:0000$'
	expect '\[lapic\] guest: PASS INIT \+ SIPI: vcpu1 ran the real-mode stub$'
	expect '\[lapic\] guest: [1-9][0-9]* passed, 0 failed'
	expect_not '\[lapic\] guest: FAIL'
	expect 'summary: vm lapic +passed status=0'
	expect_exit 0
}

# Two such VMs side by side: each one's IPIs (counted exactly by its guest) reach only its
# own vCPUs, and each one's vCPU 1 is started by its own SIPI.
t_lapic_two_vms() {
	boot_bochs 4 2 "" "$G/lapic.elf vm=la mem=16M vcpus=2 apic=x2apic" "$G/lapic.elf vm=lb mem=16M vcpus=2 apic=x2apic"
	for vm in la lb; do
		expect "vm $vm vcpu1: start-up IPI: real mode at 0600:0000\$"
		expect "\\[$vm\\] guest: PASS fixed IPI to vcpu1 \\(logical destination\\)\$"
		expect "\\[$vm\\] guest: PASS one NMI, on vcpu1 only\$"
		expect "\\[$vm\\] guest: [1-9][0-9]* passed, 0 failed"
		expect "summary: vm $vm +passed status=0"
	done
	expect_not 'guest: FAIL'
	expect_exit 0
}
