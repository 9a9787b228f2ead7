/* guest/tests/stock/smp.c: the other CPUs, started the way a stock kernel starts them (SDM
 * Vol. 3A 9.4.4 and its example in 9.4.4.1, 11.6.1; Linux's wakeup_secondary_cpu_via_init):
 * a real-mode trampoline (trampoline.S) copied below 1 MiB, an INIT IPI (level, assert; no
 * de-assert, which version 0x14+ APICs and x2APIC do not take), 10 ms, then two start-up
 * IPIs 200 us apart whose vector is the trampoline's page. Each AP the MADT lists (up to
 * the runtime's STOCK_MAX_CPUS) is started in turn; it reaches 64-bit C (stock_ap_main),
 * gets the runtime's per-CPU GS, GDT, TSS and the shared IDT, enables its local APIC in the
 * BSP's mode and reports its APIC ID through memory. Then a fixed IPI goes from the BSP to
 * the AP, which answers with one back. The CPUs running must be the MADT's and fw_cfg's
 * count. */
#include "guest/tests/stock/stock.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "lib/string.h"

#define TRAMP_BASE	0x8000		/* trampoline.S's; the SIPI vector is its page */
#define AP_STACK	16384
#define MSR_GS_BASE	0xC0000101u

extern u8 stock_tramp[], stock_tramp_end[], tr_entries[], tr_cr3[], tr_stack[], tr_index[];

struct ap {
	volatile u32 online;		/* stock_ap_main ran this far */
	volatile u32 replied;		/* it sent its IPI back */
	u32 apic_id, cpuid_id;
	u64 apic_base;
};

static struct cpu ap_cpu[STOCK_MAX_CPUS];
static struct ap ap[STOCK_MAX_CPUS];
static u8 ap_stack[STOCK_MAX_CPUS][AP_STACK] __attribute__((aligned(16)));

/* Where a trampoline variable is in the copy that the AP runs. */
static volatile void *tr(u8 *sym)
{
	return (volatile void *)(uintptr_t)(TRAMP_BASE + (sym - stock_tramp));
}

/* From trampoline.S, in 64-bit mode on ap_stack[index], IF=0. */
__attribute__((noreturn)) void stock_ap_main(u32 index);
void stock_ap_main(u32 index)
{
	struct cpu *c;

	if (index == 0 || index >= STOCK_MAX_CPUS)
		for (;;)
			asm volatile("cli; hlt");
	c = &ap_cpu[index];
	c->self = c;
	c->id = index;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)c);
	trap_init_cpu();
	apic_cpu_init();
	ap[index].apic_id = apic_id();
	ap[index].cpuid_id = cpuid_reg(1, 1) >> 24;
	ap[index].apic_base = rdmsr(MSR_APIC_BASE);
	__atomic_store_n(&ap[index].online, 1, __ATOMIC_RELEASE);
	/* Halted until the BSP's IPI (IF=0 while testing, so none is missed before HLT). */
	while (!ipi_irqs[index])
		asm volatile("sti; hlt; cli" ::: "memory");
	apic_icr(st.bsp_apic_id, ICR_ASSERT | VEC_IPI);
	ap[index].replied = 1;
	for (;;)
		asm volatile("sti; hlt" ::: "memory");
}

static bool wait_flag(volatile u32 *f, u64 us)
{
	u64 t0 = rt_tsc(), lim = us_to_tsc(us);

	while (!__atomic_load_n(f, __ATOMIC_ACQUIRE) && rt_tsc() - t0 < lim)
		asm volatile("pause");
	return *f;
}

static bool low_ram(u64 pa, u64 len)
{
	for (unsigned i = 0; i < rt_nmmap; i++)
		if (rt_mmap[i].type == 1 && rt_mmap[i].base <= pa &&
		    pa + len <= rt_mmap[i].base + rt_mmap[i].len)
			return true;
	return false;
}

/* INIT, 10 ms, SIPI, 200 us, SIPI: SDM 9.4.4.1's sequence, to one AP. */
static void start_ap(unsigned idx, u32 id)
{
	u64 cr3;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	memcpy((void *)TRAMP_BASE, stock_tramp, (size_t)(stock_tramp_end - stock_tramp));
	*(volatile u64 *)tr(tr_stack) = (u64)(uintptr_t)(ap_stack[idx] + AP_STACK);
	*(volatile u32 *)tr(tr_cr3) = (u32)cr3;
	*(volatile u32 *)tr(tr_index) = idx;
	*(volatile u32 *)tr(tr_entries) = 0;
	apic_write(APIC_ESR, 0);
	apic_icr(id, ICR_INIT | ICR_LEVEL | ICR_ASSERT);
	udelay(10000);
	for (int i = 0; i < 2; i++) {
		apic_icr(id, ICR_STARTUP | ICR_ASSERT | (TRAMP_BASE >> 12));
		udelay(200);
	}
}

static void ping(unsigned idx)
{
	unsigned was = ipi_irqs[0];
	u64 t0 = rt_tsc(), lim = us_to_tsc(500000);

	apic_icr(ap[idx].apic_id, ICR_ASSERT | VEC_IPI);
	check("smp", wait_flag(&ap[idx].replied, 500000),
	      "fixed IPI BSP -> AP %u (APIC ID %u) arrived (vector 0x%x)", idx, ap[idx].apic_id,
	      VEC_IPI);
	while (ipi_irqs[0] == was && rt_tsc() - t0 < lim)
		asm volatile("pause");
	check("smp", ipi_irqs[0] == was + 1, "fixed IPI AP %u -> BSP arrived", idx);
}

static void one_ap(unsigned idx, u32 id)
{
	start_ap(idx, id);
	if (!check("smp", wait_flag(&ap[idx].online, 1000000),
		   "AP %u (APIC ID %u) reached 64-bit C after INIT-SIPI-SIPI", idx, id))
		return;
	st.cpus_up++;
	check("smp", *(volatile u32 *)tr(tr_entries) == 1,
	      "AP %u ran the trampoline once (the second SIPI was ignored)", idx);
	check("smp", ap[idx].apic_id == id, "AP %u's APIC ID register reads %u, the MADT's", idx,
	      ap[idx].apic_id);
	check("smp", ap[idx].cpuid_id == (id & 0xFF), "AP %u's CPUID initial APIC ID is %u", idx,
	      ap[idx].cpuid_id);
	check("smp", !(ap[idx].apic_base & APIC_BASE_BSP), "AP %u's IA32_APIC_BASE.BSP is clear",
	      idx);
	ping(idx);
}

void smp_test(void)
{
	unsigned idx = 1;

	st.cpus_up = 1;
	if (st.madt_cpus <= 1) {
		note("smp", "%u CPU(s) in the MADT: no AP to start", st.madt_cpus);
	} else if (check("smp", st.apic, "a local APIC to send the start-up IPIs with") &&
		   check("smp", low_ram(TRAMP_BASE, 0x1000), "trampoline page 0x%x is RAM in the "
			 "memory map", TRAMP_BASE)) {
		asm volatile("sti" ::: "memory");
		for (unsigned i = 0; i < st.madt_cpus && i < STOCK_MAX_CPUS; i++)
			if (idx < STOCK_MAX_CPUS && st.apic_ids[i] != st.bsp_apic_id)
				one_ap(idx++, st.apic_ids[i]);
	}
	check("smp", st.cpus_up == st.madt_cpus, "%u CPU(s) running = the MADT's %u", st.cpus_up,
	      st.madt_cpus);
	if (st.fwcfg)
		check("smp", st.cpus_up == st.fwcfg_cpus, "%u CPU(s) running = fw_cfg's nb_cpus %u",
		      st.cpus_up, st.fwcfg_cpus);
}
