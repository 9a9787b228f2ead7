/* guest/tests/stock/stock.h: the stock-kernel test guest (issue 13): a guest written the way a
 * small kernel for QEMU's pc machine is, with no faultline hypercall and nothing
 * faultline-specific, so that it passes on bare QEMU TCG (the reference for what a real PC
 * does) and, with the same image, under faultline. One file per piece:
 *   main.c      the order of the sections, the check lines, the report, the power-off;
 *   fwcfg.c     QEMU's fw_cfg (signature, CPU count, RAM size);
 *   acpi.c      RSDP, RSDT/XSDT, every checksum, MADT (the CPUs), FADT + DSDT \_S5 (power-off);
 *   pci.c       configuration mechanism #1: the host bridge at 00:00.0;
 *   clock.c     the CMOS RTC (which times the TSC) and PIT channel 2 against it;
 *   apic.c      the local APIC's registers, xAPIC MMIO or x2APIC MSRs, behind two functions;
 *   lapic.c     the timer (one-shot, periodic, TSC-deadline) and the self-IPI;
 *   smp.c       INIT-SIPI-SIPI through trampoline.S, then fixed IPIs both ways;
 *   ioapic.c    the I/O APIC of the MADT: the PIT's IRQ0 through its override pin, to the
 *               BSP and to an AP, masking, and a level pin's remote IRR until the EOI.
 * What one section finds that a later one needs (CPU count, APIC IDs, the PM1a port, the
 * TSC rate) is kept in struct stock below. Every value read from a table or a device is
 * checked before it is used as an address or a count: a broken firmware must make a FAIL
 * line, never a hang or a wild read. */
#ifndef STOCK_H
#define STOCK_H
#include "guest/lib/rt.h"

#define STOCK_MAX_CPUS	4		/* guest/lib/smp.h's SMP_MAX_CPUS: the runtime's per-CPU tables */

/* Vectors: above the exceptions and the 8259's (0x20-0x2F after pic_init). */
#define VEC_TIMER	0x40
#define VEC_IPI		0x41
#define VEC_SELF	0x42
#define VEC_IOAPIC	0x43		/* ioapic.c: the PIT through the I/O APIC, edge */
#define VEC_IOAPIC_LVL	0x44		/* the same pin made level-triggered */
#define VEC_ERROR	0xFE
#define VEC_SPURIOUS	0xFF		/* low four bits all ones: P6-era APICs force them */

struct stock {
	u64 tsc_hz;			/* from one RTC second (clock.c); 0 until then */
	bool tsc_guessed;		/* the RTC gave nothing: 1 GHz assumed */
	/* fw_cfg */
	bool fwcfg;
	unsigned fwcfg_cpus;
	u64 fwcfg_ram;
	/* ACPI */
	unsigned madt_cpus;		/* enabled local APIC and x2APIC entries */
	u32 apic_ids[STOCK_MAX_CPUS];	/* the first STOCK_MAX_CPUS of them, in MADT order */
	u32 madt_lapic;			/* the MADT's local APIC address */
	u16 pm1a_cnt;			/* 0: no FADT */
	int s5_typ;			/* SLP_TYPa of \_S5; -1: not found */
	u32 ioapic_addr;		/* the MADT's first I/O APIC; 0: none */
	u32 ioapic_id, ioapic_gsi;	/* its ID and global system interrupt base */
	u32 irq0_gsi;			/* ISA IRQ0's GSI: 0, or an override's (2 on a PC) */
	/* local APIC */
	bool apic;			/* a local APIC was found and set up (lapic.c) */
	bool x2apic;			/* registers through MSRs (apic.c) */
	u32 bsp_apic_id;
	u64 apic_hz;			/* timer ticks per second, divide by 16 (lapic.c) */
	unsigned cpus_up;		/* the BSP and every AP that reached 64-bit C (smp.c) */
};
extern struct stock st;

/* main.c: one line "stock: SEC: PASS what" or "stock: SEC: FAIL what", counted; returns ok. */
bool check(const char *sec, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void note(const char *sec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
u64 tsc_hz(void);			/* st.tsc_hz, or 1 GHz before/without the RTC */
u64 us_to_tsc(u64 us);
u64 tsc_to_us(u64 ticks);
void udelay(u64 us);

/* The sections, in main's order. */
void fwcfg_test(void);
void acpi_test(void);
void pci_test(void);
void clock_test(void);
void lapic_test(void);
void smp_test(void);
void ioapic_test(void);
void acpi_poweroff(void);		/* returns only if the machine is still running */

/* apic.c: the local APIC of the calling CPU. reg is the xAPIC MMIO offset (SDM Vol. 3A
 * table 11-1); in x2APIC mode it is MSR 0x800 + reg / 16 (table 11-6). */
#define APIC_ID		0x020
#define APIC_VER	0x030
#define APIC_TPR	0x080
#define APIC_EOI	0x0B0
#define APIC_SVR	0x0F0
#define APIC_ISR	0x100		/* eight registers, 0x10 apart */
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380		/* initial count */
#define APIC_TMCCT	0x390		/* current count */
#define APIC_TDCR	0x3E0		/* divide configuration */

#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define LVT_DEADLINE	(2u << 17)
#define ICR_INIT	(5u << 8)
#define ICR_STARTUP	(6u << 8)
#define ICR_PENDING	(1u << 12)	/* xAPIC only: send pending */
#define ICR_ASSERT	(1u << 14)
#define ICR_LEVEL	(1u << 15)
#define ICR_SELF	(1u << 18)	/* destination shorthand 01 */

#define MSR_APIC_BASE	0x1B
#define APIC_BASE_BSP	(1u << 8)
#define APIC_BASE_EXTD	(1u << 10)
#define APIC_BASE_EN	(1u << 11)
#define MSR_TSC_DEADLINE 0x6E0

bool apic_mode_init(void);		/* BSP: picks the mode; false: no usable local APIC */
void apic_cpu_init(void);		/* every CPU: its APIC in the BSP's mode, software-enabled */
u32 apic_read(u32 reg);
void apic_write(u32 reg, u32 v);
void apic_icr(u32 dest, u32 lo);	/* waits (bounded) for the previous one in xAPIC mode */
u32 apic_id(void);
void apic_eoi(void);
bool apic_vector_bit(u32 base, unsigned vec);	/* base APIC_ISR or APIC_IRR */

/* Interrupt counters, per CPU (cpu_id()), and the TSC when the last timer interrupt came. */
extern volatile unsigned timer_irqs[STOCK_MAX_CPUS], ipi_irqs[STOCK_MAX_CPUS];
extern volatile unsigned self_irqs[STOCK_MAX_CPUS], spurious_irqs, error_irqs;
extern volatile u64 timer_tsc;
void lapic_vectors(void);		/* registers the handlers above (once, on the BSP) */

static inline u32 cpuid_reg(u32 leaf, int which)	/* which: 0 EAX .. 3 EDX */
{
	u32 r[4];

	rt_cpuid(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
	return r[which & 3];
}

#endif
