/* guest/tests/lapic.c: the local APIC faultline gives each vCPU (vmm/vlapic.c, dev/lapic.c),
 * used through its x2APIC MSRs as a stock kernel uses it. Needs vcpus=2.
 *
 * The platform: CPUID shows APIC, x2APIC, TSC-deadline and the topology; IA32_APIC_BASE is
 * enabled in x2APIC mode and locked (IA32_ARCH_CAPABILITIES bit 21, XAPIC_DISABLE_STATUS
 * bit 0; leaving x2APIC is #GP). Then on the boot vCPU: the timer one-shot (waited for in
 * HLT), periodic and TSC-deadline; a self IPI seen in IRR with IF=0 and in ISR in its
 * handler, gone after the EOI; the TPR (CR8) holding a vector back; illegal vectors in the
 * ESR. Then vCPU 1 (started by FL_HC_VCPU_START) takes a fixed IPI by physical and by
 * logical destination and an NMI by the all-but-self shorthand; last, vCPU 1 is sent INIT
 * and a start-up IPI and runs a real-mode stub at the SIPI's page, which writes its CS; a
 * second SIPI is ignored. Each check prints a PASS line. */
#include "guest/lib/rt.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "lib/string.h"

#define MSR_APIC_BASE	0x1B
#define MSR_XAPIC_DIS	0xBD
#define MSR_ARCH_CAP	0x10A
#define MSR_DEADLINE	0x6E0
#define X2(reg)		(0x800 + (reg))	/* x2APIC register: MSR 0x800 + xAPIC offset >> 4 */
#define ID		X2(0x02)
#define VER		X2(0x03)
#define TPR		X2(0x08)
#define EOI		X2(0x0B)
#define LDR		X2(0x0D)
#define SVR		X2(0x0F)
#define ISR0		X2(0x10)
#define IRR0		X2(0x20)
#define ESR		X2(0x28)
#define ICR		X2(0x30)
#define LVT_TIMER	X2(0x32)
#define LVT_ERROR	X2(0x37)
#define TMICT		X2(0x38)
#define TMCCT		X2(0x39)
#define TDCR		X2(0x3E)
#define SELF_IPI	X2(0x3F)

#define V_TIMER		0x40
#define V_SELF		0x50
#define V_LOW		0x52
#define V_IPI		0x60
#define V_ERROR		0xFE
#define MASKED		(1u << 16)
#define PERIODIC	(1u << 17)
#define DEADLINE	(2u << 17)

#define STUB		0x6000		/* SIPI vector 0x06: CS 0x0600 */
#define STUB2		0x7000		/* a second SIPI's page: must never run */
#define MAILBOX		0x7F00		/* the stub's magic and its CS */
#define WAIT_US		(5ULL * 1000 * 1000)

static volatile u32 timer_hits, self_hits, low_hits, ipi_hits[2], nmi_hits, gp_hits;
static volatile u64 timer_tsc, deadline;
static volatile u64 isr_in_handler;
static volatile u32 ap_ready;

static void on_gp(struct trapframe *tf)
{
	gp_hits++;
	tf->rip += 2;	/* RDMSR / WRMSR */
}

static void on_timer(struct trapframe *tf)
{
	(void)tf;
	timer_tsc = rt_tsc();
	timer_hits++;
	wrmsr(EOI, 0);
}

static void on_self(struct trapframe *tf)
{
	(void)tf;
	isr_in_handler = rdmsr(ISR0 + V_SELF / 32);
	self_hits++;
	wrmsr(EOI, 0);
}

static void on_low(struct trapframe *tf)
{
	(void)tf;
	low_hits++;
	wrmsr(EOI, 0);
}

static void on_ipi(struct trapframe *tf)
{
	(void)tf;
	ipi_hits[cpu_id() & 1]++;
	wrmsr(EOI, 0);
}

static void on_nmi(struct trapframe *tf)
{
	(void)tf;
	nmi_hits++;	/* no EOI: an NMI is not in the ISR */
}

/* Waits with interrupts on until *n reaches want or us pass; true if it did. The count is
 * read with IF=0 and HLT follows STI at once (its shadow): an interrupt that comes after
 * the read wakes the HLT instead of being missed by it. */
static bool wait_us(volatile u32 *n, u32 want, bool halt, u64 us)
{
	u64 t0 = rt_tsc();

	for (;;) {
		asm volatile("cli" ::: "memory");
		if (*n >= want || rt_tsc_us(rt_tsc() - t0) >= us)
			break;
		if (halt)
			asm volatile("sti; hlt" ::: "memory");
		else
			asm volatile("sti; pause" ::: "memory");
	}
	return *n >= want;
}

static bool wait_count(volatile u32 *n, u32 want, bool halt)
{
	return wait_us(n, want, halt, WAIT_US);
}

static void platform(void)
{
	u32 a, b, c, d;

	rt_cpuid(1, 0, &a, &b, &c, &d);
	rt_check((c >> 21) & 1, "cpuid 1: ecx.x2apic (bit 21)");
	rt_check((c >> 24) & 1, "cpuid 1: ecx.tsc-deadline (bit 24)");
	rt_check((d >> 9) & 1, "cpuid 1: edx.apic (bit 9)");
	rt_check_eq(b >> 24, 0, "cpuid 1: ebx[31:24], the boot vCPU's APIC ID, is 0");
	rt_cpuid(0xB, 1, &a, &b, &c, &d);
	rt_check_eq(b & 0xFFFF, 2, "cpuid 0xb level 1: 2 logical processors (vcpus=2)");
	rt_check_eq((c >> 8) & 0xFF, 2, "cpuid 0xb level 1: a core level");
	rt_cpuid(7, 0, &a, &b, &c, &d);
	rt_check((d >> 29) & 1, "cpuid 7: edx.arch_capabilities (bit 29)");
	rt_check(rdmsr(MSR_ARCH_CAP) & (1u << 21), "IA32_ARCH_CAPABILITIES: XAPIC_DISABLE_STATUS");
	rt_check(rdmsr(MSR_XAPIC_DIS) & 1, "IA32_XAPIC_DISABLE_STATUS: legacy xAPIC disabled");
	rt_check_eq(rdmsr(MSR_APIC_BASE), 0xFEE00D00, "IA32_APIC_BASE: EN, EXTD, BSP");
	wrmsr(MSR_APIC_BASE, 0xFEE00900);
	rt_check_eq(gp_hits, 1, "IA32_APIC_BASE: leaving x2APIC mode is #GP (locked)");
	wrmsr(MSR_APIC_BASE, 0xFEE00D00);
	rt_check_eq(gp_hits, 1, "IA32_APIC_BASE: writing it unchanged is fine");
	rt_check_eq(rdmsr(ID), 0, "x2APIC ID 0");
	rt_check_eq(rdmsr(VER) & 0xFF, 0x14, "version 0x14 (integrated APIC)");
	rt_check_eq(rdmsr(LDR), 1, "LDR: cluster 0, bit 0");
	(void)rdmsr(EOI);
	rt_check_eq(gp_hits, 2, "reading EOI (write-only) is #GP");
	wrmsr(TPR, 0x100);
	rt_check_eq(gp_hits, 3, "a reserved TPR bit is #GP");
}

static void timer(void)
{
	u64 khz = rt_tsc_khz(), t0, spent;

	wrmsr(TDCR, 0xB);				/* divide by 1: TSC ticks */
	wrmsr(LVT_TIMER, V_TIMER);			/* one-shot */
	t0 = rt_tsc();
	wrmsr(TMICT, khz * 10);				/* 10 ms */
	rt_check(rdmsr(TMCCT) <= khz * 10, "one-shot: the current count runs down");
	rt_check(wait_count(&timer_hits, 1, true), "one-shot: the interrupt woke HLT");
	spent = timer_tsc - t0;
	rt_printf("guest: lapic: one-shot of %lu ticks fired after %lu\n", khz * 10, spent);
	rt_check(spent >= khz * 10, "one-shot: not before its count ran out");
	rt_check_eq(rdmsr(TMCCT), 0, "one-shot: the current count stays 0");
	rt_check(!wait_us(&timer_hits, 2, false, 20000), "one-shot: fires once");

	timer_hits = 0;
	wrmsr(LVT_TIMER, V_TIMER | PERIODIC);
	t0 = rt_tsc();
	wrmsr(TMICT, khz);				/* 1 ms */
	rt_check(wait_count(&timer_hits, 10, false), "periodic: 10 interrupts");
	spent = timer_tsc - t0;
	rt_printf("guest: lapic: 10 periods of %lu ticks in %lu\n", khz, spent);
	rt_check(spent >= khz * 10, "periodic: 10 periods took 10 periods at least");
	wrmsr(TMICT, 0);

	timer_hits = 0;
	wrmsr(LVT_TIMER, V_TIMER | DEADLINE);
	deadline = rt_tsc() + khz * 5;			/* 5 ms */
	wrmsr(MSR_DEADLINE, deadline);
	rt_check_eq(rdmsr(MSR_DEADLINE), deadline, "tsc-deadline: reads back while armed");
	rt_check(wait_count(&timer_hits, 1, true), "tsc-deadline: the interrupt came");
	rt_check(timer_tsc >= deadline, "tsc-deadline: not before the deadline");
	rt_check_eq(rdmsr(MSR_DEADLINE), 0, "tsc-deadline: reads 0 once fired");
	wrmsr(LVT_TIMER, MASKED | V_TIMER);
}

static void priority(void)
{
	wrmsr(SELF_IPI, V_SELF);			/* IF=0: it waits in IRR */
	rt_check(rdmsr(IRR0 + V_SELF / 32) & (1u << (V_SELF % 32)), "self IPI: pending in IRR");
	rt_check_eq(self_hits, 0, "self IPI: not taken with IF=0");
	rt_check(wait_count(&self_hits, 1, false), "self IPI: taken once IF=1");
	rt_check(isr_in_handler & (1u << (V_SELF % 32)), "self IPI: in ISR during its handler");
	rt_check_eq(rdmsr(ISR0 + V_SELF / 32), 0, "self IPI: ISR clear after the EOI");

	asm volatile("mov %0, %%cr8" ::"r"(5ULL));	/* TPR class 5 */
	rt_check_eq(rdmsr(TPR), 0x50, "CR8 is TPR[7:4]");
	wrmsr(ICR, (1u << 18) | V_LOW);			/* self shorthand, vector class 5 */
	rt_check(!wait_us(&low_hits, 1, false, 20000), "TPR 0x50 holds vector 0x52 back");
	asm volatile("mov %0, %%cr8" ::"r"(0ULL));
	rt_check(wait_count(&low_hits, 1, false), "TPR 0: vector 0x52 delivered");

	wrmsr(LVT_ERROR, V_ERROR | MASKED);
	wrmsr(SELF_IPI, 7);				/* an illegal vector */
	wrmsr(ESR, 0);
	rt_check_eq(rdmsr(ESR), 0x20, "ESR: send illegal vector");
}

static void ap_main(unsigned index)
{
	wrmsr(SVR, 0x1FF);
	rt_printf("guest: lapic: vcpu%u: x2APIC ID %lu\n", index, rdmsr(ID));
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	wait_count(&ipi_hits[1], 2, true);
	wait_count(&nmi_hits, 1, true);
}

/* 16-bit code for the SIPI: ds = 0; [MAILBOX + 2] = cs; [MAILBOX] = 0x5150; sti; hlt loop. */
static const u8 stub[] = {
	0x31, 0xC0, 0x8E, 0xD8, 0x8C, 0xC8, 0xA3, 0x02, 0x7F,
	0xC7, 0x06, 0x00, 0x7F, 0x50, 0x51, 0xFB, 0xF4, 0xEB, 0xFD,
};
static const u8 stub2[] = {	/* [MAILBOX] = 0xBAD: must never run */
	0x31, 0xC0, 0x8E, 0xD8, 0xC7, 0x06, 0x00, 0x7F, 0xAD, 0x0B, 0xFB, 0xF4, 0xEB, 0xFD,
};

static void ipis(void)
{
	volatile u16 *mail = (volatile u16 *)MAILBOX;
	u64 t0;

	rt_check_eq(smp_start(1, ap_main), 0, "vcpu1 started (FL_HC_VCPU_START)");
	t0 = rt_tsc();
	while (!__atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE) && rt_tsc_us(rt_tsc() - t0) < WAIT_US)
		cpu_relax();
	wrmsr(ICR, (1ULL << 32) | V_IPI);		/* fixed, physical, to APIC ID 1 */
	t0 = rt_tsc();
	while (ipi_hits[1] < 1 && rt_tsc_us(rt_tsc() - t0) < WAIT_US)
		cpu_relax();
	rt_check_eq(ipi_hits[1], 1, "fixed IPI to vcpu1 (physical destination)");
	wrmsr(ICR, (2ULL << 32) | (1u << 11) | V_IPI);	/* logical: cluster 0, bit 1 */
	t0 = rt_tsc();
	while (ipi_hits[1] < 2 && rt_tsc_us(rt_tsc() - t0) < WAIT_US)
		cpu_relax();
	rt_check_eq(ipi_hits[1], 2, "fixed IPI to vcpu1 (logical destination)");
	rt_check_eq(ipi_hits[0], 0, "neither reached the sender");
	wrmsr(ICR, (3u << 18) | (4u << 8));		/* NMI to all but self */
	rt_check(smp_wait(1, WAIT_US), "NMI by shorthand reached vcpu1; its function returned");
	rt_check_eq(nmi_hits, 1, "one NMI, on vcpu1 only");

	memcpy((void *)STUB, stub, sizeof(stub));
	memcpy((void *)STUB2, stub2, sizeof(stub2));
	mail[0] = mail[1] = 0;
	wrmsr(ICR, (1ULL << 32) | (1u << 15) | (1u << 14) | (5u << 8));	/* INIT assert */
	wrmsr(ICR, (1ULL << 32) | (1u << 15) | (5u << 8));		/* INIT de-assert */
	wrmsr(ICR, (1ULL << 32) | (6u << 8) | (STUB >> 12));		/* start-up */
	t0 = rt_tsc();
	while (mail[0] != 0x5150 && rt_tsc_us(rt_tsc() - t0) < WAIT_US)
		cpu_relax();
	rt_check_eq(mail[0], 0x5150, "INIT + SIPI: vcpu1 ran the real-mode stub");
	rt_check_eq(mail[1], STUB >> 4, "SIPI: CS = vector << 8");
	wrmsr(ICR, (1ULL << 32) | (6u << 8) | (STUB2 >> 12));		/* a second SIPI */
	t0 = rt_tsc();
	while (rt_tsc_us(rt_tsc() - t0) < 20000)
		cpu_relax();
	rt_check_eq(mail[0], 0x5150, "a SIPI outside wait-for-SIPI is ignored");
}

int main(const char *cmdline)
{
	(void)cmdline;
	trap_register(T_GP, on_gp);
	trap_register(T_NMI, on_nmi);
	trap_register(V_TIMER, on_timer);
	trap_register(V_SELF, on_self);
	trap_register(V_LOW, on_low);
	trap_register(V_IPI, on_ipi);
	platform();
	timer();
	priority();
	ipis();
	return rt_report();
}
