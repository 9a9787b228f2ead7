/* tests/unit/test_pic.c: host tests of dev/pic.c, the 8259A pair behind a VM's ports 0x20
 * and 0xA0.
 *
 * Nothing is delivered before the ICW sequence; the sequence itself (vector bases, ICW3 and
 * ICW4 only when announced, IMR cleared by ICW1); edge triggering; masking; fixed priority
 * against what is in service; non-specific and specific EOI; auto-EOI; OCW3 register
 * reads; the slave's vector through the cascade and nesting across it; spurious IRQ7; and
 * junk writes that must be ignored. */
#include "tests/unit/check.h"
#include "dev/pic.h"

#define M_CMD	0x20
#define M_DATA	0x21
#define S_CMD	0xA0
#define S_DATA	0xA1

/* What a PC operating system sends: edge, cascade, ICW4 (8086 mode), bases 0x20/0x28. */
static void pic_setup(struct pic *p, u8 icw4)
{
	memset(p, 0, sizeof(*p));
	pic_write(p, M_CMD, 0x11);
	pic_write(p, M_DATA, 0x20);
	pic_write(p, M_DATA, 0x04);	/* a slave on input 2 */
	pic_write(p, M_DATA, icw4);
	pic_write(p, S_CMD, 0x11);
	pic_write(p, S_DATA, 0x28);
	pic_write(p, S_DATA, 0x02);	/* slave id 2 */
	pic_write(p, S_DATA, icw4);
}

static void pulse(struct pic *p, unsigned irq)
{
	pic_set_irq(p, irq, true);
	pic_set_irq(p, irq, false);
}

static void eoi(struct pic *p, u16 cmd)
{
	pic_write(p, cmd, 0x20);
}

TEST(nothing_before_icw)
{
	struct pic p;

	memset(&p, 0, sizeof(p));
	for (unsigned i = 0; i < 16; i++)
		pic_set_irq(&p, i, true);
	CHECK(!pic_pending(&p));
	/* Half-way through the sequence: still nothing. */
	pic_write(&p, M_CMD, 0x11);
	pic_write(&p, M_DATA, 0x20);
	pulse(&p, 1);
	CHECK(!pic_pending(&p));
	pic_write(&p, M_DATA, 0x04);
	CHECK(!pic_pending(&p));
	pic_write(&p, M_DATA, 0x01);
	/* ICW1 cleared IRR; a line still high gives no new edge. */
	CHECK(!pic_pending(&p));
	pic_set_irq(&p, 4, false);
	pic_set_irq(&p, 4, true);
	CHECK(pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x24);
}

TEST(init_sequence)
{
	struct pic p;

	pic_setup(&p, 0x01);
	CHECK_EQ(pic_read(&p, M_DATA), 0);		/* ICW1 cleared the IMR */
	pulse(&p, 0);
	CHECK_EQ(pic_ack(&p), 0x20);
	pulse(&p, 10);
	/* Master input 2 is in service only after the master's EOI for IRQ0. */
	eoi(&p, M_CMD);
	CHECK_EQ(pic_ack(&p), 0x2A);
	pic_write(&p, S_CMD, 0x20);
	/* Re-initialization with a new base, without ICW4 (IC4=0): ICW3 then operation. */
	pic_write(&p, M_CMD, 0x10);
	pic_write(&p, M_DATA, 0x47);			/* low 3 bits are not part of the base */
	pic_write(&p, M_DATA, 0x04);
	CHECK_EQ(pic_read(&p, M_DATA), 0);
	pic_write(&p, M_DATA, 0x01);			/* no ICW4 announced: this is OCW1 */
	CHECK_EQ(pic_read(&p, M_DATA), 0x01);
	pulse(&p, 3);
	CHECK_EQ(pic_ack(&p), 0x43);
	/* Single mode (SNGL): no ICW3, ICW4 follows ICW2. */
	pic_write(&p, M_CMD, 0x13);
	pic_write(&p, M_DATA, 0x80);
	pic_write(&p, M_DATA, 0x01);			/* ICW4, not ICW3 */
	pic_write(&p, M_DATA, 0x04);			/* OCW1: input 2 masked */
	CHECK_EQ(pic_read(&p, M_DATA), 0x04);
	pulse(&p, 10);					/* the slave's INT reaches input 2 ... */
	CHECK(!pic_pending(&p));			/* ... masked here */
	pic_write(&p, M_DATA, 0x00);
	CHECK_EQ(pic_ack(&p), 0x82);			/* no cascade: the master's own vector */
}

TEST(edge_triggered)
{
	struct pic p;

	pic_setup(&p, 0x01);
	pic_set_irq(&p, 4, true);
	CHECK_EQ(pic_ack(&p), 0x24);
	eoi(&p, M_CMD);
	pic_set_irq(&p, 4, true);			/* still high: no new edge */
	CHECK(!pic_pending(&p));
	pic_set_irq(&p, 4, false);
	CHECK(!pic_pending(&p));
	pic_set_irq(&p, 4, true);
	CHECK(pic_pending(&p));
	/* A latched request survives its line going low (edge mode). */
	pic_set_irq(&p, 4, false);
	CHECK(pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x24);
	CHECK(!pic_pending(&p));
}

TEST(masking)
{
	struct pic p;

	pic_setup(&p, 0x01);
	pic_write(&p, M_DATA, 0xEF);			/* all but IRQ4 */
	pulse(&p, 3);
	CHECK(!pic_pending(&p));
	CHECK_EQ(pic_read(&p, M_CMD), 0x08);		/* IRR (the default read) has it */
	pulse(&p, 4);
	CHECK(pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x24);
	eoi(&p, M_CMD);
	CHECK(!pic_pending(&p));
	pic_write(&p, M_DATA, 0x00);			/* unmasking delivers the latched one */
	CHECK(pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x23);
	/* Slave masked: its request does not reach the master. */
	pic_write(&p, S_DATA, 0xFF);
	eoi(&p, M_CMD);
	pulse(&p, 12);
	CHECK(!pic_pending(&p));
	pic_write(&p, S_DATA, 0xEF);
	CHECK(pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x2C);
}

TEST(priority_vs_isr)
{
	struct pic p;

	pic_setup(&p, 0x01);
	pulse(&p, 5);
	pulse(&p, 3);
	CHECK_EQ(pic_ack(&p), 0x23);			/* lower number first */
	CHECK(!pic_pending(&p));			/* 5 waits for 3's EOI */
	pulse(&p, 1);
	CHECK(pic_pending(&p));				/* 1 outranks 3: nests */
	CHECK_EQ(pic_ack(&p), 0x21);
	pic_write(&p, M_CMD, 0x0B);
	CHECK_EQ(pic_read(&p, M_CMD), 0x0A);		/* ISR: 1 and 3 */
	pic_write(&p, M_CMD, 0x0A);
	CHECK_EQ(pic_read(&p, M_CMD), 0x20);		/* IRR: 5 */
	pulse(&p, 3);					/* same level as in service: waits */
	eoi(&p, M_CMD);					/* ends 1, the highest in service */
	CHECK(!pic_pending(&p));			/* 3 still in service */
	eoi(&p, M_CMD);
	CHECK_EQ(pic_ack(&p), 0x23);			/* the second 3, then 5 */
	eoi(&p, M_CMD);
	CHECK_EQ(pic_ack(&p), 0x25);
}

TEST(specific_eoi)
{
	struct pic p;

	pic_setup(&p, 0x01);
	pulse(&p, 6);
	CHECK_EQ(pic_ack(&p), 0x26);
	pulse(&p, 3);
	CHECK_EQ(pic_ack(&p), 0x23);
	pic_write(&p, M_CMD, 0x66);			/* end 6, not the highest (3) */
	pic_write(&p, M_CMD, 0x0B);
	CHECK_EQ(pic_read(&p, M_CMD), 0x08);
	pic_write(&p, M_CMD, 0x67);			/* not in service: nothing */
	CHECK_EQ(pic_read(&p, M_CMD), 0x08);
	pic_write(&p, M_CMD, 0x63);
	CHECK_EQ(pic_read(&p, M_CMD), 0x00);
}

TEST(auto_eoi)
{
	struct pic p;

	pic_setup(&p, 0x03);				/* ICW4: 8086 mode, auto-EOI */
	pulse(&p, 4);
	CHECK_EQ(pic_ack(&p), 0x24);
	pic_write(&p, M_CMD, 0x0B);
	CHECK_EQ(pic_read(&p, M_CMD), 0x00);		/* nothing left in service */
	pulse(&p, 5);
	CHECK_EQ(pic_ack(&p), 0x25);			/* no EOI needed */
	pulse(&p, 9);
	CHECK_EQ(pic_ack(&p), 0x29);
	pulse(&p, 9);
	CHECK_EQ(pic_ack(&p), 0x29);
}

TEST(slave_cascade)
{
	struct pic p;

	pic_setup(&p, 0x01);
	pulse(&p, 14);
	CHECK(pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x2E);
	pic_write(&p, M_CMD, 0x0B);
	CHECK_EQ(pic_read(&p, M_CMD), 0x04);		/* the master has input 2 in service */
	pic_write(&p, S_CMD, 0x0B);
	CHECK_EQ(pic_read(&p, S_CMD), 0x40);		/* the slave has 14 */
	pulse(&p, 8);					/* outranks 14 on the slave ... */
	CHECK(!pic_pending(&p));			/* ... but the master has 2 in service */
	pulse(&p, 1);
	CHECK_EQ(pic_ack(&p), 0x21);			/* a master input above 2 nests */
	eoi(&p, M_CMD);					/* ends 1 */
	pic_write(&p, S_CMD, 0x20);			/* slave EOI: ends 14 */
	CHECK(!pic_pending(&p));			/* the master still has 2 */
	eoi(&p, M_CMD);
	CHECK(pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x28);
	pic_write(&p, S_CMD, 0x20);
	eoi(&p, M_CMD);
	CHECK(!pic_pending(&p));
	pic_set_irq(&p, 2, true);			/* the cascade is not a device input */
	CHECK(!pic_pending(&p));
}

/* The slave's request goes away before the acknowledge (masked meanwhile): the master
 * still answers for input 2 and the slave gives its IRQ7 vector, nothing in service. */
TEST(spurious)
{
	struct pic p;

	pic_setup(&p, 0x01);
	pulse(&p, 11);
	CHECK(pic_pending(&p));
	pic_write(&p, S_DATA, 0x08);
	CHECK(pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x2F);
	pic_write(&p, S_CMD, 0x0B);
	CHECK_EQ(pic_read(&p, S_CMD), 0x00);
	/* Asked with nothing requested at all: the master's IRQ7. */
	eoi(&p, M_CMD);
	CHECK(!pic_pending(&p));
	CHECK_EQ(pic_ack(&p), 0x27);
	pic_write(&p, M_CMD, 0x0B);
	CHECK_EQ(pic_read(&p, M_CMD), 0x00);
}

/* Every byte on every port, in any order: no crash (ASan/UBSan watch), state stays sane. */
TEST(junk_ignored)
{
	struct pic p;
	unsigned seed = 12345;
	const u16 ports[] = { M_CMD, M_DATA, S_CMD, S_DATA, 0x22, 0x4D0 };

	pic_setup(&p, 0x01);
	pulse(&p, 4);
	pic_write(&p, M_CMD, 0xC3);			/* set priority: ignored */
	pic_write(&p, M_CMD, 0x40);			/* no-op */
	pic_write(&p, M_CMD, 0x80);			/* rotate in AEOI: ignored */
	pic_write(&p, M_CMD, 0x0C);			/* poll: ignored */
	pic_write(&p, M_CMD, 0x68);			/* special mask mode: ignored */
	pic_write(&p, 0x4D2, 0xFF);			/* not a PIC port */
	CHECK_EQ(pic_read(&p, 0x4D2), 0xFF);
	CHECK_EQ(pic_read(&p, M_DATA), 0x00);
	CHECK_EQ(pic_ack(&p), 0x24);
	for (unsigned i = 0; i < 100000; i++) {
		seed = seed * 1103515245 + 12345;
		u16 port = ports[(seed >> 16) % ARRAY_SIZE(ports)];
		if ((seed >> 8) & 1)
			pic_write(&p, port, (u8)(seed >> 20));
		else
			(void)pic_read(&p, port);
		pic_set_irq(&p, (seed >> 4) % 20, (seed >> 12) & 1);
		if (pic_pending(&p)) {
			u8 v = pic_ack(&p);
			CHECK((v & 0xF8) == p.chip[0].base || (v & 0xF8) == p.chip[1].base);
		}
		CHECK(p.chip[0].next_icw <= 4 && p.chip[1].next_icw <= 4);
	}
}

/* The PIIX's ELCR: IRQ0-2, 8 and 13 stay edge; a level input requests while its line is
 * high, again after its EOI, and not once the line is low. */
TEST(elcr_level)
{
	struct pic p;
	pic_setup(&p, 0x01);
	pic_write(&p, 0x4D0, 0xFF);
	pic_write(&p, 0x4D1, 0xFF);
	CHECK(pic_read(&p, 0x4D0) == 0xF8);
	CHECK(pic_read(&p, 0x4D1) == 0xDE);
	pic_set_irq(&p, 5, true);			/* level, held high */
	CHECK(pic_pending(&p));
	CHECK(pic_ack(&p) == 0x25);
	CHECK(!pic_pending(&p));			/* in service */
	eoi(&p, M_CMD);
	CHECK(pic_pending(&p));				/* still high: again */
	CHECK(pic_ack(&p) == 0x25);
	pic_set_irq(&p, 5, false);
	eoi(&p, M_CMD);
	CHECK(!pic_pending(&p));			/* released: done */
	/* A slave's level request that goes away before the INTA: the master latched the
	 * cascade's edge, and the slave answers its spurious IRQ15 (nothing in its ISR). */
	pulse(&p, 9);
	CHECK(pic_pending(&p) && pic_ack(&p) == 0x2F);
	CHECK(p.chip[1].isr == 0);
	eoi(&p, M_CMD);
	CHECK(!pic_pending(&p));
	pic_set_irq(&p, 9, true);			/* the slave's level input */
	CHECK(pic_pending(&p) && pic_ack(&p) == 0x29);
	pic_set_irq(&p, 9, false);
	eoi(&p, S_CMD);
	eoi(&p, M_CMD);
	CHECK(!pic_pending(&p));
	pulse(&p, 0);					/* IRQ0 is edge whatever ELCR says */
	CHECK(pic_ack(&p) == 0x20);
	eoi(&p, M_CMD);
	pic_set_irq(&p, 6, true);			/* high while edge, then made level */
	CHECK(pic_ack(&p) == 0x26);
	eoi(&p, M_CMD);
	pic_write(&p, 0x4D0, 0x00);			/* edge again: latched edge gone */
	CHECK(!pic_pending(&p));
	pic_write(&p, 0x4D0, 0x40);			/* level with the line high: requests */
	CHECK(pic_pending(&p));
}

int main(void)
{
	RUN(nothing_before_icw);
	RUN(init_sequence);
	RUN(edge_triggered);
	RUN(masking);
	RUN(priority_vs_isr);
	RUN(specific_eoi);
	RUN(auto_eoi);
	RUN(slave_cascade);
	RUN(spurious);
	RUN(junk_ignored);
	RUN(elcr_level);
	return DONE();
}
