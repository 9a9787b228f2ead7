/* drivers/apic.c: local APIC register access (SDM Vol. 3A chapter 11, "Advanced Programmable
 * Interrupt Controller"; register offsets from table 11-1). */
#include "drivers/apic.h"
#include "host/cpu.h"
#include "host/trap.h"
#include "host/percpu.h"

#define APIC_ID		0x020
#define APIC_TPR	0x080
#define APIC_EOI	0x0B0
#define APIC_SVR	0x0F0
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360

#define ICR_FIXED	(0u << 8)
#define ICR_NMI		(4u << 8)
#define ICR_INIT	(5u << 8)
#define ICR_STARTUP	(6u << 8)
#define ICR_PENDING	(1u << 12)
#define ICR_ASSERT	(1u << 14)
#define ICR_ALL_BUT_SELF (3u << 18)

static volatile u32 *apic_base(void)
{
	return (volatile u32 *)(rdmsr(MSR_APIC_BASE) & ~0xFFFULL);
}

static u32 rd(u32 reg) { return apic_base()[reg / 4]; }
static void wr(u32 reg, u32 v) { apic_base()[reg / 4] = v; }

void apic_init(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 11)); /* global enable */
	wr(APIC_SVR, 0x100 | VEC_SPURIOUS);                     /* software enable */
	wr(APIC_TPR, 0);
}

u32 apic_id(void)
{
	return rd(APIC_ID) >> 24;
}

void apic_eoi(void)
{
	wr(APIC_EOI, 0);
}

static void icr_send(u32 dest, u32 lo)
{
	/* Wait for the previous IPI to be accepted, bounded: a wedged APIC must not hang
	 * the panic path that also sends IPIs. */
	for (int i = 0; i < 1000000 && (rd(APIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
	wr(APIC_ICR_HI, dest << 24);
	wr(APIC_ICR_LO, lo);
	for (int i = 0; i < 1000000 && (rd(APIC_ICR_LO) & ICR_PENDING); i++)
		cpu_relax();
}

void apic_send_ipi(u32 id, u8 vector)
{
	icr_send(id, ICR_FIXED | ICR_ASSERT | vector);
}

void apic_send_init(u32 id)
{
	icr_send(id, ICR_INIT | ICR_ASSERT);
}

void apic_send_sipi(u32 id, u8 page)
{
	icr_send(id, ICR_STARTUP | ICR_ASSERT | page);
}

void apic_send_nmi(u32 id)
{
	icr_send(id, ICR_NMI | ICR_ASSERT);
}

void apic_stop_others(void)
{
	if (ncpus_online > 1)
		icr_send(0, ICR_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}
