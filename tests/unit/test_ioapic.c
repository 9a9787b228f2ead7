/* tests/unit/test_ioapic.c: host tests of dev/ioapic.c, the I/O APIC behind a VM's page at
 * 0xFEC00000.
 *
 * Reset state (all masked); ID, version and arbitration registers; entries written half by
 * half with the read-only bits kept the chip's; edge pins fire on rising edges only, never
 * while masked; level pins fire once per EOI (remote IRR), again after the EOI while still
 * asserted, and on unmask; the EOI register; messages (mode, vector, destination, TMR);
 * modes the model does not send; and a random walk of hostile writes that must never index
 * out of the table or fire a masked pin. */
#include "tests/unit/check.h"
#include "dev/ioapic.h"
#include <stdlib.h>

static void wr(struct ioapic *io, u32 reg, u32 val, u32 *fire)
{
	ioapic_write(io, IOAPIC_REGSEL, reg);
	u32 f = ioapic_write(io, IOAPIC_WIN, val);
	if (fire)
		*fire = f;
}

static u32 rd(struct ioapic *io, u32 reg)
{
	ioapic_write(io, IOAPIC_REGSEL, reg);
	return ioapic_read(io, IOAPIC_WIN);
}

static u32 route(struct ioapic *io, unsigned pin, u64 e)
{
	u32 f1, f2;
	wr(io, 0x11 + 2 * pin, (u32)(e >> 32), &f1);
	wr(io, 0x10 + 2 * pin, (u32)e, &f2);
	return f1 | f2;
}

TEST(reset_state)
{
	struct ioapic io;
	ioapic_init(&io, 0x12);
	CHECK(rd(&io, 0x00) == 0x02000000);		/* ID: 4 bits */
	CHECK(rd(&io, 0x01) == (23u << 16 | 0x20));	/* 24 entries, version 0x20 */
	CHECK(rd(&io, 0x02) == 0x02000000);
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		CHECK(rd(&io, 0x10 + 2 * i) == (u32)RTE_MASKED);
		CHECK(rd(&io, 0x11 + 2 * i) == 0);
		CHECK(ioapic_set_irq(&io, i, true) == 0);	/* masked: nothing */
	}
	CHECK(rd(&io, 0x40) == 0);			/* no such register */
	CHECK(ioapic_read(&io, 0x20) == 0);
	wr(&io, 0x01, 0xFFFFFFFF, NULL);		/* read-only */
	CHECK(rd(&io, 0x01) == (23u << 16 | 0x20));
	wr(&io, 0x00, 0x0F000000, NULL);
	CHECK(rd(&io, 0x00) == 0x0F000000);
	ioapic_write(&io, IOAPIC_REGSEL, 0x1234);
	CHECK(ioapic_read(&io, IOAPIC_REGSEL) == 0x34);
}

TEST(readonly_bits)
{
	struct ioapic io;
	ioapic_init(&io, 0);
	route(&io, 3, 0xFF00000000000000ULL | RTE_PENDING | RTE_RIRR | 0x00FFFF0000000000ULL |
		      (0xFFFEULL << 16) | 0x31);
	u64 e = (u64)rd(&io, 0x17) << 32 | rd(&io, 0x16);
	CHECK(e == (0xFF00000000000000ULL | 0x31));	/* reserved, RIRR, pending: not written */
	route(&io, 3, RTE_LEVEL | RTE_LOW | RTE_LOGICAL | (1u << 8) | 0x40);
	e = (u64)rd(&io, 0x17) << 32 | rd(&io, 0x16);
	CHECK(e == (RTE_LEVEL | RTE_LOW | RTE_LOGICAL | (1u << 8) | 0x40));
}

TEST(edge_pins)
{
	struct ioapic io;
	ioapic_init(&io, 0);
	CHECK(route(&io, 2, 0x0100000000000030ULL) == 0);
	CHECK(ioapic_set_irq(&io, 2, true) == 1u << 2);
	CHECK(ioapic_set_irq(&io, 2, true) == 0);	/* no new edge */
	CHECK(ioapic_set_irq(&io, 2, false) == 0);
	CHECK(ioapic_set_irq(&io, 2, true) == 1u << 2);
	ioapic_set_irq(&io, 2, false);
	route(&io, 2, RTE_MASKED | 0x30);
	CHECK(ioapic_set_irq(&io, 2, true) == 0);	/* an edge while masked is lost */
	CHECK(route(&io, 2, 0x30) == 0);		/* and unmasking does not bring it back */
	struct lapic_ipi m;
	bool level = true;
	CHECK(ioapic_message(&io, 2, &m, &level));
	CHECK(!level && m.mode == DM_FIXED && m.vector == 0x30 && m.dest == 0 && !m.logical);
	CHECK(m.shorthand == SH_NONE && m.xapic);
	CHECK(!(rd(&io, 0x14) & RTE_RIRR));		/* edge: no remote IRR */
	CHECK(ioapic_set_irq(&io, 24, true) == 0 && ioapic_set_irq(&io, 1000, true) == 0);
}

TEST(level_pins)
{
	struct ioapic io;
	struct lapic_ipi m;
	bool level;
	ioapic_init(&io, 0);
	route(&io, 9, RTE_LEVEL | RTE_LOGICAL | 0x0300000000000000ULL | 0x59);
	CHECK(ioapic_set_irq(&io, 9, true) == 1u << 9);
	CHECK(ioapic_message(&io, 9, &m, &level));
	CHECK(level && m.vector == 0x59 && m.logical && m.dest == 3);
	CHECK(rd(&io, 0x22) & RTE_RIRR);
	CHECK(ioapic_set_irq(&io, 9, true) == 0);	/* remote IRR: once per EOI */
	CHECK(ioapic_eoi(&io, 0x58) == 0);		/* another vector's EOI */
	CHECK(ioapic_eoi(&io, 0x59) == 1u << 9);	/* still asserted: again */
	CHECK(!(rd(&io, 0x22) & RTE_RIRR));
	CHECK(ioapic_message(&io, 9, &m, &level));
	ioapic_set_irq(&io, 9, false);
	CHECK(ioapic_eoi(&io, 0x59) == 0);		/* deasserted: done */
	CHECK(!(rd(&io, 0x22) & RTE_RIRR));
	/* masked while asserted, then unmasked: it fires on the unmask */
	route(&io, 9, RTE_LEVEL | RTE_MASKED | 0x59);
	CHECK(ioapic_set_irq(&io, 9, true) == 0);
	CHECK(route(&io, 9, RTE_LEVEL | 0x59) == 1u << 9);
	CHECK(ioapic_message(&io, 9, &m, &level));
	/* the EOI register ends it as the LAPIC's broadcast does */
	CHECK(ioapic_write(&io, IOAPIC_EOI, 0x59) == 1u << 9);
	/* switching to edge drops remote IRR */
	CHECK(ioapic_message(&io, 9, &m, &level));
	route(&io, 9, 0x59);
	CHECK(!(rd(&io, 0x22) & RTE_RIRR));
}

TEST(modes)
{
	struct ioapic io;
	struct lapic_ipi m;
	bool level;
	ioapic_init(&io, 0);
	route(&io, 4, (1u << 8) | 0x41);		/* lowest priority */
	CHECK(ioapic_message(&io, 4, &m, &level) && m.mode == DM_LOWEST);
	route(&io, 4, RTE_LEVEL | (4u << 8));		/* NMI: never TMR */
	CHECK(ioapic_message(&io, 4, &m, &level) && m.mode == DM_NMI && !level);
	route(&io, 4, (7u << 8) | 0x20);		/* ExtINT: not sent */
	CHECK(!ioapic_message(&io, 4, &m, &level));
	route(&io, 4, RTE_LEVEL | (2u << 8));		/* SMI, level: not sent, but once */
	CHECK(ioapic_set_irq(&io, 4, true) == 1u << 4);
	CHECK(!ioapic_message(&io, 4, &m, &level));
	CHECK(ioapic_set_irq(&io, 4, true) == 0);
	CHECK(!ioapic_message(&io, 24, &m, &level));
}

/* Hostile writes: any register index, any value, at any offset; lines toggled. A masked
 * pin never fires, nothing indexes outside the table, a level pin never fires while its
 * remote IRR is set. */
TEST(random_walk)
{
	struct ioapic io;
	ioapic_init(&io, 0);
	srand(13);
	for (int i = 0; i < 200000; i++) {
		u32 op = (u32)rand() % 4, x = (u32)rand() ^ ((u32)rand() << 16);
		u32 fire = 0;
		unsigned pin = (unsigned)rand() % 30;
		switch (op) {
		case 0: fire = ioapic_write(&io, (u32)rand() % 0x50, x); break;
		case 1: ioapic_write(&io, IOAPIC_REGSEL, (u32)rand() % 0x50); break;
		case 2: fire = ioapic_set_irq(&io, pin, rand() & 1); break;
		case 3: fire = ioapic_eoi(&io, (u8)x); break;
		}
		for (unsigned p = 0; p < IOAPIC_PINS; p++) {
			if (!(fire >> p & 1))
				continue;
			CHECK(!(io.rte[p] & RTE_MASKED));
			CHECK(!(io.rte[p] & RTE_RIRR));
			struct lapic_ipi m;
			bool level;
			ioapic_message(&io, p, &m, &level);
		}
		CHECK(!(fire >> IOAPIC_PINS));
		(void)ioapic_read(&io, (u32)rand() % 0x50);
	}
}

int main(void)
{
	RUN(reset_state);
	RUN(readonly_bits);
	RUN(edge_pins);
	RUN(level_pins);
	RUN(modes);
	RUN(random_walk);
	return DONE();
}
