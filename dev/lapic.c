/* dev/lapic.c: the local APIC of a vCPU in x2APIC mode (SDM Vol. 3A ch. 11): registers by
 * MSR, interrupt acceptance and priority, EOI, the timer and the ICR. Pure; see dev/lapic.h.
 *
 * Left out: xAPIC mode (the VM's APIC is locked in x2APIC mode by its IA32_APIC_BASE and
 * IA32_XAPIC_DISABLE_STATUS, vmm/vlapic.c), directed EOI (not offered by the version
 * register), focus processor checking, SMI. Lowest priority is sent as it is: the caller
 * picks its one target (vmm/vlapic.c), as the arbitration among APICs is not one APIC's. */
#include "dev/lapic.h"

#define LAPIC_VERSION	(0x14u | (LVT_N - 1) << 16)	/* integrated APIC, 7 LVT entries */

/* The writable bits of each LVT (11.5.1); the delivery status (bit 12) and remote IRR (bit 14)
 * are read-only and ignored when written; everything else is reserved. */
static const u32 lvt_bits[LVT_N] = {
	[LVT_TIMER] = 0x700FF,		/* vector, mask, mode (18:17) */
	[LVT_THERMAL] = 0x107FF,	/* vector, delivery mode, mask */
	[LVT_PERF] = 0x107FF,
	[LVT_LINT0] = 0x1A7FF,		/* + polarity (13), trigger mode (15) */
	[LVT_LINT1] = 0x1A7FF,
	[LVT_ERROR] = 0x100FF,		/* vector, mask */
	[LVT_CMCI] = 0x107FF,
};
#define LVT_RO		((1u << 12) | (1u << 14))

static int lvt_slot(u32 reg)
{
	if (reg == LAPIC_LVT_CMCI)
		return LVT_CMCI;
	if (reg >= LAPIC_LVT_TIMER && reg <= LAPIC_LVT_ERROR)
		return (int)(reg - LAPIC_LVT_TIMER);
	return -1;
}

static u32 timer_mode(const struct lapic *a)
{
	return (a->lvt[LVT_TIMER] >> 17) & 3;
}

/* The divide configuration register's bits 3, 1, 0 (11.5.4): 000 = 2 ... 110 = 128, 111 = 1. */
static u32 divider(u32 dcr)
{
	u32 v = ((dcr & 8) >> 1) | (dcr & 3);
	return v == 7 ? 1 : 2u << v;
}

static void bit_set(u32 *bm, u32 v) { bm[(v >> 5) & 7] |= 1u << (v & 31); }
static void bit_clear(u32 *bm, u32 v) { bm[(v >> 5) & 7] &= ~(1u << (v & 31)); }

/* The highest set vector of a 256-bit register, or -1. */
static int highest(const u32 *bm)
{
	for (int w = 7; w >= 0; w--)
		if (bm[w])
			return w * 32 + 31 - __builtin_clz(bm[w]);
	return -1;
}

/* An error the APIC detected: noted for the next ESR write, and the error LVT's interrupt
 * (11.5.3) unless masked. An illegal error vector does not recurse: it only sets ESR. */
static void raise_error(struct lapic *a, u32 bit)
{
	u32 lvt = a->lvt[LVT_ERROR];

	a->esr_next |= bit;
	if (!(lvt & LVT_MASKED) && (lvt & 0xFF) >= 16)
		bit_set(a->irr, lvt & 0xFF);
}

void lapic_init(struct lapic *a, u32 id, bool bios)
{
	*a = (struct lapic){ .id = id, .svr = 0xFF, .next = LAPIC_NEVER };
	for (int i = 0; i < LVT_N; i++)
		a->lvt[i] = LVT_MASKED;
	if (bios) {
		a->svr = SVR_ENABLE | 0xFF;
		a->lvt[LVT_LINT0] = DM_EXTINT << 8;
		a->lvt[LVT_LINT1] = DM_NMI << 8;
	}
}

u32 lapic_ppr(const struct lapic *a)
{
	int isrv = highest(a->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xF0;

	return (a->tpr & 0xF0) >= isr_class ? a->tpr & 0xFF : isr_class;	/* 11.8.3.1 */
}

int lapic_pending(const struct lapic *a)
{
	int v = highest(a->irr);

	return v >= 0 && ((u32)v & 0xF0) > (lapic_ppr(a) & 0xF0) ? v : -1;
}

int lapic_ack(struct lapic *a)
{
	int v = lapic_pending(a);

	if (v < 0)
		return -1;
	bit_clear(a->irr, (u32)v);
	bit_set(a->isr, (u32)v);
	return v;
}

void lapic_accept(struct lapic *a, u32 vector, bool level)
{
	if (vector < 16 || vector > 255) {
		raise_error(a, ESR_RECV_ILLEGAL);
		return;
	}
	bit_set(a->irr, vector);
	if (level)
		bit_set(a->tmr, vector);
	else
		bit_clear(a->tmr, vector);
}

/* The highest ISR bit is the interrupt being serviced: EOI ends it (11.8.5). */
static void eoi(struct lapic *a)
{
	int v = highest(a->isr);

	if (v < 0)
		return;
	bit_clear(a->isr, (u32)v);
	if (a->tmr[(v >> 5) & 7] & (1u << (v & 31))) {
		bit_clear(a->tmr, (u32)v);
		a->level_eoi = (u32)v;	/* a level interrupt: the I/O APIC is told (11.8.5) */
	}
}

/* ---- the timer (11.5.4) ---- */

static u64 period(const struct lapic *a)
{
	return (u64)a->init_count * a->tdiv;
}

u32 lapic_current(const struct lapic *a, u64 now)
{
	u64 el, p = period(a);

	if (!a->init_count || timer_mode(a) == TIMER_DEADLINE || now < a->t0)
		return a->init_count && timer_mode(a) != TIMER_DEADLINE ? a->init_count : 0;
	el = now - a->t0;
	if (timer_mode(a) == TIMER_PERIODIC)
		el %= p;
	else if (el >= p)
		return 0;
	return a->init_count - (u32)(el / a->tdiv);
}

static void timer_load(struct lapic *a, u32 count, u64 now)
{
	a->init_count = count;
	a->t0 = now;
	a->tdiv = divider(a->dcr);
	a->next = count ? now + period(a) : LAPIC_NEVER;
}

bool lapic_tick(struct lapic *a, u64 now)
{
	u32 lvt = a->lvt[LVT_TIMER];

	if (timer_mode(a) == TIMER_DEADLINE) {
		if (!a->deadline || now < a->deadline)
			return false;
		a->deadline = 0;
	} else {
		if (a->next == LAPIC_NEVER || now < a->next)
			return false;
		if (timer_mode(a) == TIMER_PERIODIC) {
			/* Periods missed while nobody looked are one interrupt: IRR holds one. */
			u64 p = period(a);
			a->next += ((now - a->next) / p + 1) * p;
		} else {
			a->next = LAPIC_NEVER;
		}
	}
	if (!(lvt & LVT_MASKED))
		lapic_accept(a, lvt & 0xFF, false);
	return true;
}

u64 lapic_next(const struct lapic *a)
{
	if (timer_mode(a) == TIMER_DEADLINE)
		return a->deadline ? a->deadline : LAPIC_NEVER;
	return a->next;
}

u64 lapic_deadline_read(const struct lapic *a)
{
	return timer_mode(a) == TIMER_DEADLINE ? a->deadline : 0;
}

void lapic_deadline_write(struct lapic *a, u64 val, u64 now)
{
	(void)now;	/* a deadline already past fires at the next lapic_tick */
	if (timer_mode(a) == TIMER_DEADLINE)
		a->deadline = val;
}

/* A write to the timer's LVT that changes between TSC-deadline and the counting modes
 * disarms the timer (11.5.4.1). */
static void timer_lvt(struct lapic *a, u32 val)
{
	u32 old = timer_mode(a);

	a->lvt[LVT_TIMER] = val;
	if ((old == TIMER_DEADLINE) != (timer_mode(a) == TIMER_DEADLINE)) {
		a->deadline = 0;
		a->init_count = 0;
		a->next = LAPIC_NEVER;
	}
}

/* ---- the ICR (11.6.1, 11.12.9) ---- */

#define ICR_RSVD	(0xFFF00000u | (3u << 16) | (1u << 13))	/* x2APIC: 31:20, 17:16, 13 */
#define ICR_LEVEL	(1u << 14)
#define ICR_TRIGGER	(1u << 15)

/* Returns true when a message goes out for the caller to route. */
static bool icr_send(struct lapic *a, u64 val, struct lapic_ipi *ipi)
{
	u32 lo = (u32)val, mode = LVT_DM(lo);

	bool fixed = mode == DM_FIXED || mode == DM_LOWEST;

	*ipi = (struct lapic_ipi){ .mode = (u8)mode,
				   .vector = (u8)lo, .shorthand = (u8)((lo >> 18) & 3),
				   .logical = lo >> 11 & 1, .dest = (u32)(val >> 32) };
	if (mode == DM_INIT && !(lo & ICR_LEVEL) && (lo & ICR_TRIGGER))
		return false;	/* INIT level de-assert: no effect on x2APIC processors */
	if (mode == DM_SMI || mode == DM_EXTINT || mode == 3)
		return false;	/* nothing a VM's vCPU takes */
	if (fixed && ipi->vector < 16) {
		raise_error(a, ESR_SEND_ILLEGAL);
		return false;
	}
	if (ipi->shorthand == SH_SELF) {
		if (fixed)	/* lowest priority to oneself: one candidate, itself */
			lapic_accept(a, ipi->vector, false);
		return !fixed;	/* self NMI: the caller's */
	}
	return true;
}

/* ---- register access (11.12.1.2, Table 11-6) ---- */

bool lapic_read(struct lapic *a, u32 reg, u64 now, u64 *val)
{
	int s = lvt_slot(reg);

	if (s >= 0) {
		*val = a->lvt[s];
		return true;
	}
	if (reg >= LAPIC_ISR && reg < LAPIC_ISR + 8) {
		*val = a->isr[reg - LAPIC_ISR];
		return true;
	}
	if (reg >= LAPIC_TMR && reg < LAPIC_TMR + 8) {
		*val = a->tmr[reg - LAPIC_TMR];
		return true;
	}
	if (reg >= LAPIC_IRR && reg < LAPIC_IRR + 8) {
		*val = a->irr[reg - LAPIC_IRR];
		return true;
	}
	switch (reg) {
	case LAPIC_ID:		*val = a->id; return true;
	case LAPIC_VER:		*val = LAPIC_VERSION; return true;
	case LAPIC_TPR:		*val = a->tpr; return true;
	case LAPIC_PPR:		*val = lapic_ppr(a); return true;
	case LAPIC_LDR:		*val = (a->id >> 4) << 16 | 1u << (a->id & 15); return true;
	case LAPIC_SVR:		*val = a->svr; return true;
	case LAPIC_ESR:		*val = a->esr; return true;
	case LAPIC_ICR:		*val = a->icr; return true;
	case LAPIC_TIMER_INIT:	*val = a->init_count; return true;
	case LAPIC_TIMER_CUR:	*val = lapic_current(a, now); return true;
	case LAPIC_TIMER_DCR:	*val = a->dcr; return true;
	default:		return false;	/* EOI, SELF IPI are write-only; holes */
	}
}

/* The software-disabled APIC (SVR bit 8 clear) masks every LVT and keeps them masked
 * (11.4.7.2). */
static void svr_write(struct lapic *a, u32 val)
{
	a->svr = val;
	if (!(val & SVR_ENABLE))
		for (int i = 0; i < LVT_N; i++)
			a->lvt[i] |= LVT_MASKED;
}

bool lapic_write(struct lapic *a, u32 reg, u64 val, u64 now, struct lapic_ipi *ipi, bool *sent)
{
	int s = lvt_slot(reg);
	u32 v = (u32)val;

	*sent = false;
	if (reg == LAPIC_ICR) {
		if (v & ICR_RSVD)
			return false;
		a->icr = val & ~(u64)(1u << 12);	/* delivery status: always idle */
		*sent = icr_send(a, val, ipi);
		return true;
	}
	if (val >> 32)
		return false;	/* every other register is 32 bits wide */
	if (s >= 0) {
		if (v & ~(lvt_bits[s] | LVT_RO))
			return false;
		v &= lvt_bits[s];
		if (!(a->svr & SVR_ENABLE))
			v |= LVT_MASKED;
		if (s == LVT_TIMER)
			timer_lvt(a, v);
		else
			a->lvt[s] = v;
		return true;
	}
	switch (reg) {
	case LAPIC_TPR:
		if (v & ~0xFFu)
			return false;
		a->tpr = v;
		return true;
	case LAPIC_EOI:
		if (v)
			return false;
		eoi(a);
		return true;
	case LAPIC_SVR:
		if (v & ~0x3FFu)
			return false;
		svr_write(a, v);
		return true;
	case LAPIC_ESR:
		if (v)
			return false;
		a->esr = a->esr_next;	/* a write latches the errors since the last (11.5.3) */
		a->esr_next = 0;
		return true;
	case LAPIC_TIMER_INIT:
		if (timer_mode(a) != TIMER_DEADLINE)	/* ignored in TSC-deadline mode */
			timer_load(a, v, now);
		return true;
	case LAPIC_TIMER_DCR:
		if (v & ~0xBu)
			return false;
		a->dcr = v;	/* takes effect at the next count loaded */
		return true;
	case LAPIC_SELF_IPI:
		if (v & ~0xFFu)
			return false;
		if (v < 16)
			raise_error(a, ESR_SEND_ILLEGAL);
		else
			lapic_accept(a, v, false);
		return true;
	default:
		return false;	/* read-only (ID, version, PPR, LDR, ISR, TMR, IRR, count) or none */
	}
}

bool lapic_match(const struct lapic *a, bool logical, u32 dest)
{
	if (dest == 0xFFFFFFFF)
		return true;	/* broadcast in either mode */
	if (!logical)
		return dest == a->id;
	/* Logical x2APIC ID: cluster (ID[19:4]) in 31:16, one bit (ID[3:0]) in 15:0. */
	return (dest >> 16) == (a->id >> 4) && (dest & 0xFFFF & (1u << (a->id & 15)));
}

bool lapic_extint(const struct lapic *a)
{
	u32 l = a->lvt[LVT_LINT0];

	return !(l & LVT_MASKED) && LVT_DM(l) == DM_EXTINT;
}
