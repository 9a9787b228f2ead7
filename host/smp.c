/* host/smp.c: AP start-up. The bootstrap CPU starts the APs one at a time, so a single
 * trampoline parameter block suffices; each AP gets its own stacks from the frame allocator.
 * The INIT, 10 ms, SIPI, 200 us, SIPI sequence is the one of SDM Vol. 3A 9.4.4.1. */
#include "host/percpu.h"
#include "host/smp.h"
#include "drivers/acpi.h"
#include "drivers/apic.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/trap.h"
#include "host/tsc.h"
#include "lib/string.h"

#define TRAMP_BASE	0x8000
#define AP_TIMEOUT_US	200000

extern char tramp_start[], tramp_end[], tramp_cr3[], tramp_stack[], tramp_entry[], tramp_cpu[];

static void *tramp_field(char *sym)
{
	return (void *)(TRAMP_BASE + (sym - tramp_start));
}

static u64 stack_alloc(u64 size, u64 *lo)
{
	u64 pa = frame_alloc(size / PAGE_SIZE, PAGE_SIZE);
	if (pa == FRAMES_NONE)
		panic("smp: out of memory for a %llu-byte stack", (unsigned long long)size);
	*lo = pa;
	return pa + size;
}

void cpu_alloc_ist(struct cpu *c)
{
	for (int i = 0; i < 3; i++)
		c->ist_hi[i] = stack_alloc(IST_SIZE, &c->ist_lo[i]);
}

/* An idle AP waits for work in its mailbox: smp_call() fills it and sends VEC_IPI_CALL.
 * The check and the HLT are made atomic by STI's one-instruction interrupt shadow: an IPI
 * that arrives after the check is taken right after HLT begins, and wakes it. */
static void __attribute__((noreturn)) ap_idle(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		irq_disable();
		void (*fn)(void *) = c->work;
		if (!fn) {
			__asm__ volatile("sti; hlt" ::: "memory");
			continue;
		}
		void *arg = c->work_arg;
		c->work = 0;
		c->busy = 1;
		fn(arg);
		c->busy = 0;
	}
}

static void ipi_call(struct regs *r)
{
	(void)r; /* waking the CPU is the whole point; the mailbox holds the work */
}

void smp_call(u32 cpu, void (*fn)(void *), void *arg)
{
	struct cpu *c = &cpus[cpu];
	while (c->work || c->busy)
		cpu_relax();
	c->work_arg = arg;
	__atomic_store_n(&c->work, fn, __ATOMIC_RELEASE);
	apic_send_ipi(c->apic_id, VEC_IPI_CALL);
}

void smp_wait_idle(u32 cpu)
{
	struct cpu *c = &cpus[cpu];
	while (__atomic_load_n(&c->work, __ATOMIC_ACQUIRE) || c->busy)
		cpu_relax();
}

void smp_kick(u32 cpu)
{
	if (cpu != cpu_index())
		apic_send_ipi(cpus[cpu].apic_id, VEC_IPI_CALL);
}

void smp_kick_nmi(u32 cpu)
{
	if (cpu == cpu_index())
		return;
	__atomic_add_fetch(&cpus[cpu].nmi_kicks, 1, __ATOMIC_SEQ_CST);
	apic_send_nmi(cpus[cpu].apic_id);
}

bool smp_nmi_was_kick(void)
{
	volatile u32 *n = &this_cpu()->nmi_kicks;
	u32 old = *n;
	while (old && !__atomic_compare_exchange_n(n, &old, old - 1, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST))
		;
	return old != 0;
}

void ap_entry(u32 index);
void ap_entry(u32 index)
{
	struct cpu *c = &cpus[index];

	percpu_init(c, index);
	gdt_load(c);
	idt_load();
	apic_init();
	c->online_tsc = rdtsc();
	bool lma = rdmsr(MSR_EFER) & EFER_LMA;
	pr_info("cpu%u online: apic id %u, %s, ready", index, apic_id(),
		lma ? "64-bit mode (EFER.LMA=1)" : "NOT in 64-bit mode");
	__atomic_add_fetch(&ncpus_online, 1, __ATOMIC_SEQ_CST);
	c->online = 1;
	ap_idle();
}

static bool start_one(struct cpu *c)
{
	*(u64 *)tramp_field(tramp_stack) = c->stack_hi;
	*(u32 *)tramp_field(tramp_cpu) = c->index;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	apic_send_init(c->apic_id);
	udelay(10000);
	for (int sipi = 0; sipi < 2 && !c->online; sipi++) {
		apic_send_sipi(c->apic_id, TRAMP_BASE >> 12);
		udelay(200);
	}
	u64 deadline = time_us() + AP_TIMEOUT_US;
	while (!c->online && time_us() < deadline)
		cpu_relax();
	return c->online;
}

u32 smp_boot(u32 max)
{
	u32 bsp = apic_id();
	u32 want = acpi.ncpus ? acpi.ncpus : 1;
	u64 t0 = rdtsc();

	if (max && max < want)
		want = max;
	trap_register(VEC_IPI_CALL, ipi_call);
	memcpy((void *)TRAMP_BASE, tramp_start, tramp_end - tramp_start);
	*(u64 *)tramp_field(tramp_cr3) = read_cr3();
	*(u64 *)tramp_field(tramp_entry) = (u64)ap_entry;

	ncpus = 1;
	for (unsigned i = 0; i < acpi.ncpus && ncpus < want; i++) {
		if (acpi.apic_ids[i] == bsp)
			continue;
		struct cpu *c = &cpus[ncpus];
		c->index = ncpus;
		c->apic_id = acpi.apic_ids[i];
		c->stack_hi = stack_alloc(STACK_SIZE, &c->stack_lo);
		cpu_alloc_ist(c);
		if (start_one(c))
			ncpus++;
		else
			pr_err("smp: cpu with apic id %u did not come online within %u ms: skipped",
			       c->apic_id, AP_TIMEOUT_US / 1000);
	}
	pr_info("smp: %u of %u CPUs online in 64-bit mode (%u listed by ACPI%s), APs took %llu us",
		ncpus_online, want, acpi.ncpus ? acpi.ncpus : 1, max ? ", limited by cpus=" : "",
		(unsigned long long)tsc_to_us(rdtsc() - t0));
	return ncpus_online;
}
