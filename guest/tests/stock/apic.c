/* guest/tests/stock/apic.c: the local APIC's registers, reached the one way the CPU is in
 * (SDM Vol. 3A 11.12): x2APIC MSRs (0x800 + offset / 16) when CPUID.1:ECX[21] says the CPU
 * has x2APIC and IA32_APIC_BASE.EXTD says it is on (firmware may leave it on: then it stays
 * on), else the xAPIC page at IA32_APIC_BASE's address (0xFEE00000 on a PC), mapped
 * uncached as a kernel maps MMIO (its 2 MiB page in guest/lib/entry.S's tables gets PCD|PWT).
 * The BSP decides; each AP then puts its own APIC into the same mode (as Linux's
 * x2apic_setup does) and software-enables it. The ICR is the one register whose layout
 * differs (11.12.9: one 64-bit MSR, destination in bits 63:32, no send-pending bit), so it
 * has its own function. */
#include "guest/tests/stock/stock.h"
#include "guest/lib/trap.h"

#define CPUID1_EDX_APIC	(1u << 9)
#define CPUID1_ECX_X2	(1u << 21)
#define PTE_PWT		0x08
#define PTE_PCD		0x10
#define PTE_PS		0x80
#define ADDR_MASK	0x000FFFFFFFFFF000ULL
#define SPIN_MAX	1000000UL

static u64 mmio_base;			/* xAPIC mode: the register page */

static volatile u32 *mmio(u32 reg)
{
	return (volatile u32 *)(uintptr_t)(mmio_base + reg);
}

u32 apic_read(u32 reg)
{
	return st.x2apic ? (u32)rdmsr(0x800 + reg / 16) : *mmio(reg);
}

void apic_write(u32 reg, u32 v)
{
	if (st.x2apic)
		wrmsr(0x800 + reg / 16, v);
	else
		*mmio(reg) = v;
}

/* The fence first: an x2APIC ICR write is not serializing (SDM 11.12.3), and the target
 * must see what we stored before it takes the interrupt (Linux's weak_wrmsr_fence). */
void apic_icr(u32 dest, u32 lo)
{
	asm volatile("mfence; lfence" ::: "memory");
	if (st.x2apic) {
		wrmsr(0x800 + APIC_ICR / 16, (u64)dest << 32 | lo);
		return;
	}
	for (unsigned long i = 0; i < SPIN_MAX && (apic_read(APIC_ICR) & ICR_PENDING); i++)
		asm volatile("pause");
	apic_write(APIC_ICR + 0x10, dest << 24);
	apic_write(APIC_ICR, lo);
}

u32 apic_id(void)
{
	return st.x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

bool apic_vector_bit(u32 base, unsigned vec)
{
	return (apic_read(base + (vec / 32) * 0x10) >> (vec % 32)) & 1;
}

/* The 2 MiB page holding pa, uncached: PML4[0] -> PDPT[pa >> 30] -> PD[pa >> 21 & 511] of
 * the tables CR3 points at (entry.S's identity map of 4 GiB, 2 MiB pages). */
static void uncache(u64 pa)
{
	u64 cr3, *pdpt, *pd;

	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	pdpt = (u64 *)(uintptr_t)(*(u64 *)(uintptr_t)(cr3 & ADDR_MASK) & ADDR_MASK);
	pd = (u64 *)(uintptr_t)(pdpt[(pa >> 30) & 3] & ADDR_MASK);
	if (!(pd[(pa >> 21) & 511] & PTE_PS))
		return;
	pd[(pa >> 21) & 511] |= PTE_PCD | PTE_PWT;
	asm volatile("invlpg (%0)" : : "r"((uintptr_t)pa) : "memory");
}

/* RDMSR that survives a #GP (a machine that does not have the MSR): the handler steps over
 * the two-byte instruction. Only this first read is guarded: with IA32_APIC_BASE there, the
 * rest of the APIC is taken as a PC has it, and a fault is a fatal exception line. */
static volatile bool msr_faulted;

static void on_gp(struct trapframe *tf)
{
	const u8 *ip = (const u8 *)(uintptr_t)tf->rip;

	if (ip[0] != 0x0F || ip[1] != 0x32) {
		trap_register(T_GP, NULL);	/* not ours: the fatal report, on return */
		return;
	}
	tf->rip += 2;
	msr_faulted = true;
}

static bool rdmsr_safe(u32 msr, u64 *v)
{
	msr_faulted = false;
	trap_register(T_GP, on_gp);
	*v = rdmsr(msr);
	trap_register(T_GP, NULL);
	return !msr_faulted;
}

bool apic_mode_init(void)
{
	u64 base;
	u32 ecx = cpuid_reg(1, 2), edx = cpuid_reg(1, 3);

	if (!check("lapic", edx & CPUID1_EDX_APIC, "CPUID.1:EDX[9]: a local APIC"))
		return false;
	if (!check("lapic", rdmsr_safe(MSR_APIC_BASE, &base), "IA32_APIC_BASE (MSR 0x1b) reads "
		   "without #GP"))
		return false;
	note("lapic", "IA32_APIC_BASE 0x%lx; CPUID.1:ECX x2APIC %u, TSC-deadline %u", base,
	     (ecx >> 21) & 1, (ecx >> 24) & 1);
	check("lapic", base & APIC_BASE_BSP, "IA32_APIC_BASE.BSP set on the boot CPU");
	check("lapic", base & APIC_BASE_EN, "IA32_APIC_BASE: enabled by the firmware");
	/* "x2apic" on the command line: turn it on ourselves, as Linux does when the CPU has
	 * it (SDM 11.12.5: from xAPIC-enabled, set EXTD; the MMIO page stops answering). */
	if ((ecx & CPUID1_ECX_X2) && (base & APIC_BASE_EN) && !(base & APIC_BASE_EXTD) &&
	    rt_arg_has(rt_cmdline(), "x2apic")) {
		base |= APIC_BASE_EXTD;
		wrmsr(MSR_APIC_BASE, base);
		note("lapic", "x2APIC turned on (\"x2apic\" on the command line)");
	}
	st.x2apic = (ecx & CPUID1_ECX_X2) && (base & APIC_BASE_EXTD);
	if (st.x2apic) {
		note("lapic", "x2APIC mode: registers through MSRs");
		return true;
	}
	if (!(base & APIC_BASE_EN))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	mmio_base = base & 0xFFFFF000u;
	note("lapic", "xAPIC mode: registers at 0x%lx", mmio_base);
	if (st.madt_lapic)
		check("lapic", mmio_base == st.madt_lapic,
		      "IA32_APIC_BASE's page is the MADT's local APIC address");
	if (!check("lapic", mmio_base >= 0x100000 && mmio_base < RT_MAP_END,
		   "xAPIC page below 4 GiB, above the first MiB"))
		return false;
	uncache(mmio_base);
	return true;
}

/* This CPU's APIC in the BSP's mode, software-enabled with the spurious vector, TPR 0, the
 * error LVT on its vector, ESR cleared (a write latches the errors, a second clears: 11.5.3). */
void apic_cpu_init(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	if (st.x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	else if (!st.x2apic && !(base & APIC_BASE_EN))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	apic_write(APIC_TPR, 0);
	apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);
	apic_write(APIC_LVT_ERROR, VEC_ERROR);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
}
