/* dev/pic.c: the two 8259A chips behind a VM's ports 0x20/0x21 and 0xA0/0xA1 (see
 * dev/pic.h). The rules are Intel's 8259A datasheet's ("the datasheet" below).
 * Level triggering is per input, by the PIIX's ELCR pair at 0x4D0/0x4D1 (Intel 82371SB
 * datasheet, "ELCR1/ELCR2"; IRQ0, 1, 2, 8 and 13 are edge only): a level input requests
 * while its line is high, and its request stays across the acknowledge, so after the EOI it
 * interrupts again while the device still holds it. ICW1.LTIM is ignored (the PIIX's ELCR
 * takes its place). Not modelled:
 * priority rotation (priorities stay fixed, IRQ0 highest; the EOI half of a rotate-on-EOI
 * command is still done, so a guest that uses it keeps getting interrupts), set-priority,
 * special mask mode, special fully nested mode, the poll command, buffered mode. Those
 * commands are ignored, as is anything written that is not a known ICW or OCW. */
#include "dev/pic.h"

#define ICW1		0x10	/* command port, bit 4: starts initialization */
#define ICW1_IC4	0x01
#define ICW1_SNGL	0x02
#define ICW4_AEOI	0x02
#define OCW3		0x08	/* command port, bits 4:3 = 01 */
#define OCW3_RR		0x02	/* read register command ... */
#define OCW3_RIS	0x01	/* ... ISR (1) or IRR (0) */

/* The lowest set bit (the highest priority, fixed priority order) or 8 if none. */
static unsigned first(u8 bits)
{
	return bits ? (unsigned)__builtin_ctz(bits) : 8;
}

/* The input this chip would raise INT for: requested, unmasked, and of higher priority
 * than every input in service (datasheet, "fully nested mode"); -1 if none. */
static int best(const struct i8259 *c)
{
	unsigned req = first(c->irr & ~c->imr);

	if (!c->ready || req >= first(c->isr))
		return -1;
	return (int)req;
}

static void set_line(struct i8259 *c, unsigned n, bool level)
{
	u8 bit = 1u << n;

	if (c->elcr & bit)
		c->irr = level ? c->irr | bit : c->irr & ~bit;	/* follows the line */
	else if (level && !(c->lines & bit))
		c->irr |= bit;		/* the rising edge is latched until acknowledged */
	c->lines = level ? c->lines | bit : c->lines & ~bit;
}

static bool cascaded(const struct pic *p)
{
	const struct i8259 *m = &p->chip[0];
	return !m->single && (m->icw3 & (1u << PIC_CASCADE));
}

/* The slave's INT output is the master's IRQ2 input. Re-evaluated after anything that may
 * change it. */
static void cascade(struct pic *p)
{
	set_line(&p->chip[0], PIC_CASCADE, best(&p->chip[1]) >= 0);
}

/* ---- initialization: ICW1 on the command port, then ICW2..4 on the data port ---- */

/* ICW1 (datasheet, "Initialization Command Words"): IMR, IRR and ISR cleared, status read
 * set to IRR, ICW4's functions off unless it follows. The edge-sense circuit is reset: an
 * input already high must go low and high again, so `lines` is kept. */
static void icw1(struct i8259 *c, u8 v)
{
	c->irr = c->isr = c->imr = 0;
	c->read_isr = c->aeoi = false;
	c->ready = false;
	c->need_icw4 = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->next_icw = 2;
}

static void icw_done(struct i8259 *c)
{
	c->next_icw = 0;
	c->ready = true;
}

/* ICW2: the vector base (the low 3 bits are the input number). ICW3: only when cascaded.
 * ICW4: auto-EOI is kept; 8086 mode, buffered mode and SFNM are not modelled. */
static void icw_data(struct i8259 *c, u8 v)
{
	switch (c->next_icw) {
	case 2:
		c->base = v & 0xF8;
		if (!c->single)
			c->next_icw = 3;
		else if (c->need_icw4)
			c->next_icw = 4;
		else
			icw_done(c);
		break;
	case 3:
		c->icw3 = v;
		if (c->need_icw4)
			c->next_icw = 4;
		else
			icw_done(c);
		break;
	default:
		c->aeoi = v & ICW4_AEOI;
		icw_done(c);
		break;
	}
}

/* ---- operation: OCW1 (IMR) on the data port, OCW2 and OCW3 on the command port ---- */

static void eoi_highest(struct i8259 *c, u8 v)
{
	(void)v;
	if (c->isr)
		c->isr &= ~(1u << first(c->isr));
}

static void eoi_specific(struct i8259 *c, u8 v)
{
	c->isr &= ~(1u << (v & 7));
}

static void ocw_ignored(struct i8259 *c, u8 v)
{
	(void)c, (void)v;
}

/* OCW2 by its R, SL, EOI bits (7:5). */
static void (*const ocw2[8])(struct i8259 *, u8) = {
	[0] = ocw_ignored,	/* rotate in auto-EOI mode: clear */
	[1] = eoi_highest,	/* non-specific EOI (0x20) */
	[2] = ocw_ignored,	/* no operation */
	[3] = eoi_specific,	/* specific EOI (0x60 | input) */
	[4] = ocw_ignored,	/* rotate in auto-EOI mode: set */
	[5] = eoi_highest,	/* rotate on non-specific EOI: the EOI only */
	[6] = ocw_ignored,	/* set priority */
	[7] = eoi_specific,	/* rotate on specific EOI: the EOI only */
};

static void ocw3(struct i8259 *c, u8 v)
{
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
}

static void chip_write(struct i8259 *c, bool data, u8 v)
{
	if (!data && (v & ICW1))
		icw1(c, v);
	else if (data && c->next_icw)
		icw_data(c, v);
	else if (data)
		c->imr = v;
	else if (v & OCW3)
		ocw3(c, v);
	else
		ocw2[v >> 5](c, v);
}

static struct i8259 *chip_of(struct pic *p, u16 port)
{
	if ((port & ~1) == PIC_MASTER)
		return &p->chip[0];
	if ((port & ~1) == PIC_SLAVE)
		return &p->chip[1];
	return 0;
}

/* The ELCR bits an OS may set: IRQ0-2 (timer, keyboard, cascade), 8 (RTC) and 13 (FPU)
 * are edge on every PIIX. */
static const u8 elcr_mask[2] = { 0xF8, 0xDE };

u8 pic_read(struct pic *p, u16 port)
{
	struct i8259 *c = chip_of(p, port);

	if ((port & ~1) == PIC_ELCR)
		return p->chip[port & 1].elcr;
	if (!c)
		return 0xFF;
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void pic_write(struct pic *p, u16 port, u8 val)
{
	struct i8259 *c = chip_of(p, port);

	if ((port & ~1) == PIC_ELCR) {
		u8 old;
		c = &p->chip[port & 1];
		old = c->elcr;
		c->elcr = val & elcr_mask[port & 1];
		/* A level input requests as its line is; one made edge waits for a new edge. */
		c->irr &= ~(old & ~c->elcr);
		c->irr = (c->irr & ~c->elcr) | (c->lines & c->elcr);
		cascade(p);
		return;
	}
	if (!c)
		return;
	chip_write(c, port & 1, val);
	cascade(p);
}

void pic_set_irq(struct pic *p, unsigned irq, bool level)
{
	if (irq >= 16 || irq == PIC_CASCADE)
		return;
	set_line(&p->chip[irq / 8], irq % 8, level);
	cascade(p);
}

bool pic_pending(const struct pic *p)
{
	return best(&p->chip[0]) >= 0;
}

/* INTA on one chip: IRR to ISR (not with auto-EOI); -1: nothing, a spurious IRQ7. */
static int chip_ack(struct i8259 *c)
{
	int n = best(c);

	if (n < 0)
		return -1;
	if (!(c->elcr & (1u << n)))
		c->irr &= ~(1u << n);	/* a level request stays while its line is high */
	if (!c->aeoi)
		c->isr |= 1u << n;
	return n;
}

/* The master answers for its own inputs; for the cascade input the slave supplies the
 * vector in the second INTA cycle (datasheet, "Cascading"). */
u8 pic_ack(struct pic *p)
{
	struct i8259 *m = &p->chip[0], *s = &p->chip[1];
	int n = chip_ack(m);
	u8 vec;

	if (n < 0)
		vec = m->base | 7;
	else if (n != PIC_CASCADE || !cascaded(p))
		vec = m->base | n;
	else if ((n = chip_ack(s)) < 0)
		vec = s->base | 7;
	else
		vec = s->base | n;
	cascade(p);
	return vec;
}
