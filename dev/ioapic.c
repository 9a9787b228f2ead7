/* dev/ioapic.c: the I/O APIC's registers and pins (see dev/ioapic.h). Register indexes
 * through IOWIN (82093AA 3.1): 0x00 ID, 0x01 version (max redirection entry in 23:16),
 * 0x02 arbitration ID (the ID, as the 82093AA reports it after reset), 0x10 + 2n and
 * 0x11 + 2n the low and high halves of pin n's entry. */
#include "dev/ioapic.h"

#define REG_ID		0x00
#define REG_VER		0x01
#define REG_ARB		0x02
#define REG_RTE		0x10
/* Bits software may write in an entry: vector, delivery and destination mode, polarity,
 * trigger, mask, destination; delivery status and remote IRR are the chip's. */
#define RTE_WRITABLE	(0xFF000000000000FFULL | (7ULL << 8) | RTE_LOGICAL | RTE_LOW | \
			 RTE_LEVEL | RTE_MASKED)

void ioapic_init(struct ioapic *io, u32 id)
{
	*io = (struct ioapic){ .id = id & 0xF };
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = RTE_MASKED;
}

/* A level pin that should send now: asserted, unmasked, not waiting for its EOI. */
static bool level_due(const struct ioapic *io, unsigned pin)
{
	u64 e = io->rte[pin];
	return (e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_RIRR)) && (io->lines >> pin & 1);
}

u32 ioapic_read(struct ioapic *io, u32 off)
{
	u32 r = io->sel & 0xFF;

	if (off == IOAPIC_REGSEL)
		return io->sel;
	if (off != IOAPIC_WIN)
		return 0;
	if (r == REG_ID || r == REG_ARB)
		return io->id << 24;
	if (r == REG_VER)
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	if (r >= REG_RTE && r < REG_RTE + 2 * IOAPIC_PINS) {
		u64 e = io->rte[(r - REG_RTE) / 2];
		return (r & 1) ? (u32)(e >> 32) : (u32)e;
	}
	return 0;			/* no such register */
}

static u32 rte_write(struct ioapic *io, u32 r, u32 val)
{
	unsigned pin = (r - REG_RTE) / 2;
	u64 e = io->rte[pin], w = (r & 1) ? (u64)val << 32 | (u32)e : (e & ~0xFFFFFFFFULL) | val;

	io->rte[pin] = (w & RTE_WRITABLE) | (e & RTE_RIRR);
	if (!(io->rte[pin] & RTE_LEVEL))
		io->rte[pin] &= ~RTE_RIRR;	/* edge mode has no remote IRR */
	return level_due(io, pin) ? 1u << pin : 0;
}

u32 ioapic_write(struct ioapic *io, u32 off, u32 val)
{
	u32 r = io->sel & 0xFF;

	if (off == IOAPIC_REGSEL) {
		io->sel = val & 0xFF;
		return 0;
	}
	if (off == IOAPIC_EOI)
		return ioapic_eoi(io, (u8)val);
	if (off != IOAPIC_WIN)
		return 0;
	if (r == REG_ID)
		io->id = (val >> 24) & 0xF;
	else if (r >= REG_RTE && r < REG_RTE + 2 * IOAPIC_PINS)
		return rte_write(io, r, val);
	return 0;			/* version, arbitration: read-only */
}

u32 ioapic_set_irq(struct ioapic *io, unsigned pin, bool asserted)
{
	u32 bit, was;

	if (pin >= IOAPIC_PINS)
		return 0;
	bit = 1u << pin;
	was = io->lines & bit;
	io->lines = asserted ? io->lines | bit : io->lines & ~bit;
	if (io->rte[pin] & RTE_LEVEL)
		return level_due(io, pin) ? bit : 0;
	return asserted && !was && !(io->rte[pin] & RTE_MASKED) ? bit : 0;
}

u32 ioapic_eoi(struct ioapic *io, u8 vector)
{
	u32 fire = 0;

	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		u64 *e = &io->rte[i];
		if (!(*e & RTE_LEVEL) || RTE_VECTOR(*e) != vector)
			continue;
		*e &= ~RTE_RIRR;
		if (level_due(io, i))
			fire |= 1u << i;
	}
	return fire;
}

bool ioapic_message(struct ioapic *io, unsigned pin, struct lapic_ipi *m, bool *level)
{
	u64 e;
	u8 dm;

	if (pin >= IOAPIC_PINS)
		return false;
	e = io->rte[pin];
	dm = (u8)RTE_DM(e);
	/* Remote IRR whatever the mode: a level pin sends once per EOI, even one programmed
	 * with a mode that is not sent (or NMI/INIT, which the 82093AA wants edge: 3.2.4). */
	if (e & RTE_LEVEL)
		io->rte[pin] |= RTE_RIRR;
	if (dm != DM_FIXED && dm != DM_LOWEST && dm != DM_NMI && dm != DM_INIT)
		return false;
	*level = (e & RTE_LEVEL) && dm <= DM_LOWEST;	/* the target's TMR */
	*m = (struct lapic_ipi){ .mode = dm, .vector = RTE_VECTOR(e), .shorthand = SH_NONE,
				 .logical = !!(e & RTE_LOGICAL), .dest = RTE_DEST(e),
				 .xapic = true };
	return true;
}
