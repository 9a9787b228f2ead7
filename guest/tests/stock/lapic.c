/* guest/tests/stock/lapic.c: the boot CPU's local APIC as a kernel sets it up and uses it
 * (SDM Vol. 3A chapter 11): the 8259s reinitialized and masked (the APIC takes over, as
 * Linux does), the APIC software-enabled, its version and ID against CPUID and the MADT;
 * then the timer (11.5.4): its rate calibrated against the TSC (divide by 16, as Linux), a
 * one-shot that must arrive once and about when due, a periodic one counted over 200 ms,
 * and the TSC-deadline mode when CPUID.1:ECX[24] offers it (11.5.4.1: the MSR reads 0 once
 * it fired); then a self-IPI (pending in IRR with IF=0, handled once after STI). Every
 * interrupt is counted by its handler, which sends the EOI; at the end nothing is left in
 * service and ESR is clear. Bounds are loose: emulators keep time coarsely. */
#include "guest/tests/stock/stock.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "guest/lib/uart.h"

#define DIV16		0x3		/* TDCR encoding of divide by 16 */
#define CPUID1_ECX_DL	(1u << 24)

volatile unsigned timer_irqs[STOCK_MAX_CPUS], ipi_irqs[STOCK_MAX_CPUS];
volatile unsigned self_irqs[STOCK_MAX_CPUS], spurious_irqs, error_irqs;
volatile u64 timer_tsc;

static unsigned me(void)
{
	unsigned c = cpu_id();

	return c < STOCK_MAX_CPUS ? c : 0;
}

static void on_timer(struct trapframe *tf)
{
	(void)tf;
	timer_tsc = rt_tsc();
	timer_irqs[me()]++;
	apic_eoi();
}

static void on_ipi(struct trapframe *tf)
{
	(void)tf;
	ipi_irqs[me()]++;
	apic_eoi();
}

static void on_self(struct trapframe *tf)
{
	(void)tf;
	self_irqs[me()]++;
	apic_eoi();
}

/* SDM 11.9: a spurious interrupt is not in service, so it gets no EOI. */
static void on_spurious(struct trapframe *tf)
{
	(void)tf;
	spurious_irqs++;
}

static void on_error(struct trapframe *tf)
{
	(void)tf;
	error_irqs++;
	apic_eoi();
}

void lapic_vectors(void)
{
	trap_register(VEC_TIMER, on_timer);
	trap_register(VEC_IPI, on_ipi);
	trap_register(VEC_SELF, on_self);
	trap_register(VEC_SPURIOUS, on_spurious);
	trap_register(VEC_ERROR, on_error);
}

/* Waits (IF=1) until *n differs from was or us passed; true if it changed. */
static bool wait_change(volatile unsigned *n, unsigned was, u64 us)
{
	u64 t0 = rt_tsc(), lim = us_to_tsc(us);

	while (*n == was && rt_tsc() - t0 < lim)
		asm volatile("pause");
	return *n != was;
}

static void timer_off(void)
{
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TMICT, 0);
}

/* The timer's ticks per second at divide 16, over 50 ms of TSC. The start (the write of
 * the initial count) and the end (the read of the current count) are each bracketed by two
 * TSC reads and timed at their midpoints; a bracket wider than 1% of the stretch (the
 * emulator descheduled right there) makes it measure again, up to five times. */
static void calibrate(void)
{
	u64 a = 0, b = 0, c = 0, d = 0, dt = 0;
	u32 cur = 0xFFFFFFFFu;

	apic_write(APIC_TDCR, DIV16);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	for (int tries = 0; tries < 5; tries++) {
		a = rt_tsc();
		apic_write(APIC_TMICT, 0xFFFFFFFFu);
		b = rt_tsc();
		udelay(50000);
		c = rt_tsc();
		cur = apic_read(APIC_TMCCT);
		d = rt_tsc();
		dt = (c + (d - c) / 2) - (a + (b - a) / 2);
		if ((b - a) + (d - c) < dt / 100)
			break;
	}
	timer_off();
	st.apic_hz = dt ? (u64)(0xFFFFFFFFu - cur) * tsc_hz() / dt : 0;
	check("lapic", cur < 0xFFFFFFFFu, "timer current count runs down (0x%x after 50 ms)", cur);
	check("lapic", st.apic_hz >= 100000 && st.apic_hz <= 10000000000ULL,
	      "timer rate %lu kHz at divide 16 is plausible (100 kHz - 10 GHz)", st.apic_hz / 1000);
}

static void oneshot(void)
{
	u32 count = (u32)(st.apic_hz / 100);	/* 10 ms */
	unsigned was = timer_irqs[0];
	u64 t0, us;

	apic_write(APIC_LVT_TIMER, VEC_TIMER);	/* one-shot, unmasked */
	t0 = rt_tsc();
	apic_write(APIC_TMICT, count ? count : 1);
	if (!check("lapic", wait_change(&timer_irqs[0], was, 500000),
		   "one-shot timer interrupt arrived (vector 0x%x)", VEC_TIMER)) {
		timer_off();
		return;
	}
	/* Never early (that would be a wrong rate); late only within loose bounds: this wait
	 * spins (it must be bounded), and an emulator's timer thread on a loaded host then
	 * delivers tens of ms late. */
	us = tsc_to_us(timer_tsc - t0);
	check("lapic", us >= 8000 && us <= 200000, "one-shot of 10 ms came after %lu us "
	      "(8-200 ms)", us);
	udelay(30000);
	check("lapic", timer_irqs[0] == was + 1, "one-shot fired once (%u in 30 ms more)",
	      timer_irqs[0] - was);
	check("lapic", apic_read(APIC_TMCCT) == 0, "one-shot's current count stays 0 once expired");
	timer_off();
}

/* Ten periods of 10 ms, halted in between (the timer is what wakes the CPU; a CPU that
 * halts also leaves an emulator's timer thread the host CPU it needs). Early would mean a
 * wrong rate; late is allowed much more: an emulator on a loaded host delivers late and
 * merges ticks, which no guest can tell from a slow timer. */
static void periodic(void)
{
	u32 count = (u32)(st.apic_hz / 100);	/* 10 ms */
	unsigned was = timer_irqs[0], n;
	u64 t0, lim = us_to_tsc(2000000), us;

	asm volatile("cli" ::: "memory");
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	t0 = rt_tsc();
	apic_write(APIC_TMICT, count ? count : 1);
	while (timer_irqs[0] - was < 10 && rt_tsc() - t0 < lim)
		asm volatile("sti; hlt; cli" ::: "memory");
	us = tsc_to_us(timer_tsc - t0);
	n = timer_irqs[0] - was;
	asm volatile("sti" ::: "memory");
	timer_off();
	if (!check("lapic", n >= 10, "periodic timer: 10 interrupts came (%u)", n))
		return;
	check("lapic", us >= 80000 && us <= 500000, "periodic timer at 100 Hz: 10 periods in %lu us "
	      "(100 ms; 80-500 ms)", us);
}

static void deadline(void)
{
	unsigned was = timer_irqs[0];
	u64 due, late;

	if (!(cpuid_reg(1, 2) & CPUID1_ECX_DL)) {
		note("lapic", "no TSC-deadline mode (CPUID.1:ECX[24] clear): not tested");
		return;
	}
	apic_write(APIC_LVT_TIMER, LVT_DEADLINE | VEC_TIMER);
	/* 11.5.4.1: the LVT write must be seen before the MSR write that arms it. */
	asm volatile("mfence" ::: "memory");
	due = rt_tsc() + us_to_tsc(10000);
	wrmsr(MSR_TSC_DEADLINE, due);
	if (!check("lapic", wait_change(&timer_irqs[0], was, 500000),
		   "TSC-deadline timer interrupt arrived")) {
		wrmsr(MSR_TSC_DEADLINE, 0);
		timer_off();
		return;
	}
	late = timer_tsc >= due ? tsc_to_us(timer_tsc - due) : 0;
	check("lapic", timer_tsc >= due && late <= 200000,
	      "TSC-deadline fired at the deadline, not before (%lu us late; at most 200 ms)", late);
	/* 11.5.4.1: "it disarms itself and clears the IA32_TSC_DEADLINE MSR" (bare Bochs 2.7
	 * does not: this line fails there). */
	check("lapic", rdmsr(MSR_TSC_DEADLINE) == 0, "IA32_TSC_DEADLINE reads 0 once it fired");
	timer_off();
}

static void self_ipi(void)
{
	unsigned was = self_irqs[0];

	asm volatile("cli" ::: "memory");
	apic_icr(0, ICR_SELF | ICR_ASSERT | VEC_SELF);
	udelay(1000);
	check("lapic", apic_vector_bit(APIC_IRR, VEC_SELF), "self-IPI pending in IRR with IF=0");
	asm volatile("sti" ::: "memory");
	wait_change(&self_irqs[0], was, 100000);
	udelay(1000);
	check("lapic", self_irqs[0] == was + 1, "self-IPI handled once after STI (%u)",
	      self_irqs[0] - was);
	check("lapic", !apic_vector_bit(APIC_IRR, VEC_SELF), "IRR clear after it");
	if (st.x2apic) {			/* 11.12.11: the SELF IPI register */
		wrmsr(0x83F, VEC_SELF);
		wait_change(&self_irqs[0], was + 1, 100000);
		check("lapic", self_irqs[0] == was + 2, "x2APIC SELF IPI MSR delivers");
	}
}

static void identity(void)
{
	u32 ver = apic_read(APIC_VER), cid = cpuid_reg(1, 1) >> 24;
	bool listed = false;

	note("lapic", "version 0x%x (max LVT %u), APIC ID %u, CPUID initial APIC ID %u, LVT LINT0 "
	     "0x%x LINT1 0x%x", ver, (ver >> 16) & 0xFF, st.bsp_apic_id, cid,
	     apic_read(APIC_LVT_LINT0), apic_read(APIC_LVT_LINT1));
	check("lapic", (ver & 0xFF) >= 0x10 && (ver & 0xFF) <= 0x1F && ((ver >> 16) & 0xFF) >= 3,
	      "version register: an integrated APIC (0x1X) with the timer's LVT");
	if (st.x2apic && cpuid_reg(0, 0) >= 0x0B)
		cid = cpuid_reg(0x0B, 3);	/* the full x2APIC ID */
	check("lapic", st.x2apic ? st.bsp_apic_id == cid : st.bsp_apic_id == (cid & 0xFF),
	      "APIC ID register = CPUID's initial APIC ID");
	for (unsigned i = 0; i < st.madt_cpus && i < STOCK_MAX_CPUS; i++)
		listed |= st.apic_ids[i] == st.bsp_apic_id;
	check("lapic", listed, "the boot CPU's APIC ID %u is in the MADT", st.bsp_apic_id);
}

void lapic_test(void)
{
	u32 isr = 0;

	if (!apic_mode_init())
		return;
	st.apic = true;
	asm volatile("cli" ::: "memory");
	pic_init();			/* every 8259 input masked, vectors off the exceptions */
	lapic_vectors();
	apic_cpu_init();
	st.bsp_apic_id = apic_id();
	identity();
	asm volatile("sti" ::: "memory");
	calibrate();
	if (st.apic_hz) {
		oneshot();
		periodic();
		deadline();
	}
	self_ipi();
	apic_write(APIC_ESR, 0);
	for (unsigned i = 0; i < 8; i++)
		isr |= apic_read(APIC_ISR + i * 0x10);
	check("lapic", !isr, "no vector left in service (ISR clear: every handler sent its EOI)");
	check("lapic", !apic_read(APIC_ESR) && !error_irqs, "no APIC error (ESR 0, no error "
	      "interrupt)");
	note("lapic", "spurious interrupts: %u", spurious_irqs);
}
