# tests/t_lapic.sh: the local APIC of each vCPU (issue 13; vmm/vlapic.c, dev/lapic.c):
# guest/tests/lapic.c on 2 vCPUs checks the locked x2APIC platform (CPUID, IA32_APIC_BASE,
# IA32_ARCH_CAPABILITIES, IA32_XAPIC_DISABLE_STATUS), the timer one-shot, periodic and
# TSC-deadline, self IPIs with IRR/ISR/EOI, the TPR through CR8, the ESR, fixed IPIs by
# physical and logical destination and an NMI to vCPU 1, and INIT + start-up IPI putting
# vCPU 1 in real mode at the SIPI's page.

t_lapic() {
	boot_bochs 2 2 "" "$G/lapic.elf vm=lapic mem=16M vcpus=2"
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
