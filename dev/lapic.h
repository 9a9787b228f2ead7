/* dev/lapic.h: one local APIC in x2APIC mode as a guest's vCPU sees it (SDM Vol. 3A ch. 11,
 * "Advanced Programmable Interrupt Controller"): the registers behind MSRs 0x800-0x8FF
 * (11.12.1.2), the interrupt state (IRR, ISR, TMR, TPR, PPR), the timer in one-shot,
 * periodic and TSC-deadline modes, and the ICR that sends IPIs.
 *
 * Pure logic (no VMX, no locks, no clock of its own): time is passed in as `now`, in host
 * TSC ticks, and the timer counts at the TSC's rate divided by the divide configuration
 * (the "bus clock" is the TSC clock here). vmm/vlapic.c owns the MSR exits, the routing of
 * IPIs between a VM's vCPUs and the clock; the host unit test is tests/unit/test_lapic.c.
 *
 * Every value comes from the guest: a vector indexes nothing unchecked (vectors 0-15 are
 * illegal and set the ESR instead, 11.5.3), reserved bits written are #GP (11.12.1.3). */
#ifndef DEV_LAPIC_H
#define DEV_LAPIC_H
#include "lib/types.h"

#define LAPIC_MSR_BASE	0x800
#define LAPIC_MSR_LAST	0x8FF
#define LAPIC_NEVER	(~0ULL)		/* lapic_next: no timer expiry to come */

/* Register numbers: the MSR minus 0x800 (the xAPIC MMIO offset >> 4). */
enum {
	LAPIC_ID = 0x02, LAPIC_VER = 0x03, LAPIC_TPR = 0x08, LAPIC_PPR = 0x0A,
	LAPIC_EOI = 0x0B, LAPIC_LDR = 0x0D, LAPIC_SVR = 0x0F, LAPIC_ISR = 0x10,
	LAPIC_TMR = 0x18, LAPIC_IRR = 0x20, LAPIC_ESR = 0x28, LAPIC_LVT_CMCI = 0x2F,
	LAPIC_ICR = 0x30, LAPIC_LVT_TIMER = 0x32, LAPIC_LVT_THERMAL = 0x33,
	LAPIC_LVT_PERF = 0x34, LAPIC_LVT_LINT0 = 0x35, LAPIC_LVT_LINT1 = 0x36,
	LAPIC_LVT_ERROR = 0x37, LAPIC_TIMER_INIT = 0x38, LAPIC_TIMER_CUR = 0x39,
	LAPIC_TIMER_DCR = 0x3E, LAPIC_SELF_IPI = 0x3F,
};

/* The LVT slots, in the order of the version register's "max LVT entry" count. */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_CMCI, LVT_N };

#define LVT_MASKED	(1u << 16)
#define LVT_DM(v)	(((v) >> 8) & 7)	/* delivery mode */
#define DM_FIXED	0
#define DM_LOWEST	1
#define DM_SMI		2
#define DM_NMI		4
#define DM_INIT		5
#define DM_SIPI		6
#define DM_EXTINT	7
#define TIMER_ONESHOT	0
#define TIMER_PERIODIC	1
#define TIMER_DEADLINE	2

#define SVR_ENABLE	(1u << 8)
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)
#define ESR_ILLEGAL_REG	(1u << 7)

/* ICR shorthands (bits 19:18). */
enum { SH_NONE, SH_SELF, SH_ALL, SH_OTHERS };

/* An interrupt message the ICR sent, for the caller to route (vmm/vlapic.c). */
struct lapic_ipi {
	u8 mode;		/* DM_FIXED, DM_LOWEST, DM_NMI, DM_INIT, DM_SIPI */
	u8 vector;
	u8 shorthand;		/* SH_* */
	bool logical;		/* destination mode */
	u32 dest;		/* x2APIC destination: ID, or cluster << 16 | bitmap */
	bool xapic;		/* an 8-bit destination (sent from xAPIC mode, or by the I/O
				 * APIC): matched against each target's xAPIC ID or its LDR
				 * and DFR (vmm/vlapic.c) */
};

struct lapic {
	u32 id;			/* x2APIC ID (read-only) */
	u32 tpr, svr, esr, esr_next;	/* esr_next: errors since the last ESR write */
	u32 irr[8], isr[8], tmr[8];	/* bit v%32 of word v/32 is vector v */
	u32 lvt[LVT_N];
	u64 icr;
	u32 init_count, dcr;
	u64 t0;			/* one-shot/periodic: when the count was loaded (TSC) */
	u32 tdiv;		/* the divider latched with the count */
	u64 next;		/* next expiry (TSC): LAPIC_NEVER when none */
	u64 deadline;		/* IA32_TSC_DEADLINE; 0: disarmed */
	u32 level_eoi;		/* a level-triggered vector the last EOI ended, else 0: the
				 * caller tells the I/O APIC (its remote IRR) and clears it */
};

/* Power-on/INIT state (11.4.7.1) with ID id; a `bios` APIC is left as a PC BIOS leaves the
 * boot CPU's: software-enabled, LINT0 ExtINT unmasked (the 8259's path), LINT1 NMI. */
void lapic_init(struct lapic *a, u32 id, bool bios);
/* RDMSR/WRMSR of x2APIC register reg (MSR - 0x800) at now. False: #GP (a register that is
 * not there, a read of a write-only one, a write of a read-only one or of reserved bits). A
 * write returns in *sent whether the ICR sent an IPI (*ipi) for the caller to route; a self
 * IPI (SELF_IPI, or the ICR's self shorthand with a fixed vector) is accepted here. */
bool lapic_read(struct lapic *a, u32 reg, u64 now, u64 *val);
bool lapic_write(struct lapic *a, u32 reg, u64 val, u64 now, struct lapic_ipi *ipi, bool *sent);
/* IA32_TSC_DEADLINE (0x6E0): reads 0 unless armed; writes count in TSC-deadline mode only. */
u64 lapic_deadline_read(const struct lapic *a);
void lapic_deadline_write(struct lapic *a, u64 val, u64 now);
/* A fixed interrupt with vector arrives (an IPI, the timer, an LVT): IRR, or ESR if illegal. */
void lapic_accept(struct lapic *a, u32 vector, bool level);
/* The timer at now: if it expired, its LVT's vector is accepted (unless masked) and the
 * next period armed. Returns true when it fired. */
bool lapic_tick(struct lapic *a, u64 now);
u64 lapic_next(const struct lapic *a);
u32 lapic_current(const struct lapic *a, u64 now);	/* the timer's current count */	/* the next expiry, LAPIC_NEVER when none */
/* The highest IRR vector whose priority class is above PPR's, or -1 (11.8.3.1). */
int lapic_pending(const struct lapic *a);
/* INTA: the highest pending vector moves from IRR to ISR; returned (-1: nothing). */
int lapic_ack(struct lapic *a);
u32 lapic_ppr(const struct lapic *a);
/* Does a message with this destination (mode, dest) address this APIC? (11.12.10) */
bool lapic_match(const struct lapic *a, bool logical, u32 dest);
/* LINT0 is ExtINT and unmasked: the 8259's INT reaches the CPU through this APIC. */
bool lapic_extint(const struct lapic *a);

#endif
