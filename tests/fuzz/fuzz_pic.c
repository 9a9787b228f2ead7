/* tests/fuzz/fuzz_pic.c: libFuzzer harness for dev/pic.c, the master/slave 8259A pair
 * behind a VM's ports 0x20/0x21 and 0xA0/0xA1.
 *
 * Drives: an operation stream decoded from the input: guest writes (any value to the four
 * ports or to any other port; plus a macro that sends each chip a whole ICW sequence, with
 * or without cascade, ICW4 and auto-EOI), guest reads, device lines raised and lowered
 * (irq 0..17: 2 and >= 16 must be ignored), INTA cycles (pic_ack) and pic_pending.
 *
 * Invariants asserted after every operation:
 * - initialization state: next_icw is 0, 2, 3 or 4, a chip waiting for an ICW is not
 *   ready, the vector base has its low 3 bits clear, ICW1 clears IRR, ISR and IMR;
 * - IRR gains a bit only on a rising edge of that input (the level model here says which),
 *   the lines of inputs other than the cascade are the levels last set, and the master's
 *   cascade input is high exactly when the slave has an interrupt to raise;
 * - ISR gains bits only in an INTA cycle, at most one per chip, never with auto-EOI, and
 *   only above (in priority) every bit already in service; EOIs only clear bits;
 * - pic_pending is true exactly when the master has a ready, unmasked request of higher
 *   priority than everything in service;
 * - every write has exactly the datasheet's effect (a reference model of ICW1-4, IMR,
 *   OCW3 and the non-specific and specific EOIs, compared field by field);
 * - pic_ack returns the vector the datasheet gives (base | input, the slave's for the
 *   cascade input, base | 7 for a spurious one) and moves exactly that request from IRR to
 *   ISR; reads return IRR/ISR (per OCW3) or IMR, 0xFF for other ports, and change nothing;
 *   accesses to other ports and ignored IRQ numbers change nothing. */
#include "tests/fuzz/fuzz.h"
#include "dev/pic.h"

#define MAX_OPS 4000

static unsigned first(u8 b)
{
	return b ? (unsigned)__builtin_ctz(b) : 8;
}

static int ref_best(const struct i8259 *c)
{
	unsigned r = first(c->irr & ~c->imr);

	return c->ready && r < first(c->isr) ? (int)r : -1;
}

static bool ref_cascaded(const struct pic *p)
{
	return !p->chip[0].single && (p->chip[0].icw3 & 4);
}

static void ref_line(struct i8259 *c, unsigned n, bool level)
{
	if (level && !(c->lines & (1u << n)))
		c->irr |= 1u << n;
	c->lines = level ? c->lines | (1u << n) : c->lines & ~(1u << n);
}

/* The level model: what each device input was last set to (the cascade excluded). */
static u16 levels;

static void check(const struct pic *b, const struct pic *p, bool acked)
{
	for (int k = 0; k < 2; k++) {
		const struct i8259 *c = &p->chip[k], *o = &b->chip[k];
		u8 new_isr = c->isr & ~o->isr;

		FZ_CHECK(c->next_icw == 0 || c->next_icw == 2 || c->next_icw == 3 ||
			 c->next_icw == 4);
		FZ_CHECK(!c->next_icw || !c->ready);
		FZ_CHECK((c->base & 7) == 0);
		FZ_CHECK((c->irr & ~o->irr & ~(c->lines & ~o->lines)) == 0);
		if (!acked) {
			FZ_CHECK(new_isr == 0);
		} else {
			FZ_CHECK((new_isr & (new_isr - 1)) == 0);	/* at most one */
			FZ_CHECK(!new_isr || (!c->aeoi && first(new_isr) < first(o->isr)));
		}
		FZ_CHECK((c->lines & ~(k ? 0 : 4)) == (u8)((levels >> (8 * k)) & ~(k ? 0 : 4)));
	}
	FZ_CHECK(!!(p->chip[0].lines & 4) == (ref_best(&p->chip[1]) >= 0));
	FZ_CHECK(pic_pending(p) == (ref_best(&p->chip[0]) >= 0));
}

/* What a write does, from the datasheet's rules as dev/pic.h and dev/pic.c state them:
 * ICW1 (command, bit 4) restarts initialization, ICW2-4 follow on the data port as ICW1
 * asked, then the data port is IMR; on the command port OCW3 (bit 3) picks what reads
 * return, OCW2 ends interrupts: non-specific EOI (001, 101) the highest in service,
 * specific EOI (011, 111) input v & 7; the rest is ignored. */
static void ref_write(struct pic *p, u16 port, u8 v)
{
	struct i8259 *c = (port & ~1) == PIC_MASTER ? &p->chip[0] :
			  (port & ~1) == PIC_SLAVE ? &p->chip[1] : NULL;

	if (!c)
		return;
	if (!(port & 1) && (v & 0x10)) {
		c->irr = c->isr = c->imr = 0;
		c->read_isr = c->aeoi = c->ready = false;
		c->need_icw4 = v & 1;
		c->single = v & 2;
		c->next_icw = 2;
	} else if ((port & 1) && c->next_icw) {
		if (c->next_icw == 2) {
			c->base = v & 0xF8;
			c->next_icw = !c->single ? 3 : c->need_icw4 ? 4 : 0;
		} else if (c->next_icw == 3) {
			c->icw3 = v;
			c->next_icw = c->need_icw4 ? 4 : 0;
		} else {
			c->aeoi = v & 2;
			c->next_icw = 0;
		}
		c->ready = !c->next_icw;
	} else if (port & 1) {
		c->imr = v;
	} else if (v & 0x08) {
		if (v & 2)
			c->read_isr = v & 1;
	} else if ((v >> 5) == 1 || (v >> 5) == 5) {
		c->isr &= (u8)(c->isr - 1);	/* the lowest set bit: the highest priority */
	} else if ((v >> 5) == 3 || (v >> 5) == 7) {
		c->isr &= ~(1u << (v & 7));
	}
	ref_line(&p->chip[0], PIC_CASCADE, ref_best(&p->chip[1]) >= 0);
}

static u16 gen_port(struct fz *f)
{
	static const u16 ports[] = { 0x20, 0x21, 0xA0, 0xA1, 0x20, 0x21, 0xA0 };
	u8 s = fz_u8(f);

	return s < 7 * 32 ? ports[s % 7] : fz_u16(f);
}

static void do_ack(struct pic *p)
{
	struct pic want = *p;
	struct i8259 *m = &want.chip[0], *s = &want.chip[1];
	int n = ref_best(m), sn;
	u8 vec, got;

	if (n < 0) {
		vec = m->base | 7;
	} else {
		m->irr &= ~(1u << n);
		if (!m->aeoi)
			m->isr |= 1u << n;
		if (n != PIC_CASCADE || !ref_cascaded(&want)) {
			vec = m->base | n;
		} else if ((sn = ref_best(s)) < 0) {
			vec = s->base | 7;
		} else {
			s->irr &= ~(1u << sn);
			if (!s->aeoi)
				s->isr |= 1u << sn;
			vec = s->base | sn;
		}
	}
	ref_line(m, PIC_CASCADE, ref_best(s) >= 0);

	got = pic_ack(p);
	FZ_CHECK(got == vec);
	FZ_CHECK(memcmp(&want, p, sizeof(want)) == 0);
}

/* ICW1..ICW4 to one chip: the usual PC set-up and its variants. */
static void init_chip(struct fz *f, struct pic *p, unsigned k)
{
	u8 v = fz_u8(f), cmd = k ? PIC_SLAVE : PIC_MASTER;
	u8 icw1 = 0x10 | (v & 1) | (v & 2);

	pic_write(p, cmd, icw1);
	FZ_CHECK(p->chip[k].irr == 0 && p->chip[k].isr == 0 && p->chip[k].imr == 0);
	FZ_CHECK(p->chip[k].next_icw == 2 && !p->chip[k].ready);
	pic_write(p, cmd + 1, (u8)(k ? 0x28 : 0x20) | (v & 0xc0));
	if (!(icw1 & 2))
		pic_write(p, cmd + 1, k ? 2 : 4);
	if (icw1 & 1)
		pic_write(p, cmd + 1, 1 | (v & 4 ? 2 : 0));
	FZ_CHECK(p->chip[k].ready && p->chip[k].next_icw == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = fz_init(data, size);
	struct pic p, before;
	unsigned ops = 0;

	memset(&p, 0, sizeof(p));
	levels = 0;
	while (fz_more(&f) && ops++ < MAX_OPS) {
		u8 op = fz_u8(&f);
		bool acked = false;

		before = p;
		switch (op % 8) {
		case 0: case 1: {	/* guest write */
			u16 port = gen_port(&f);
			u8 v = fz_u8(&f);

			struct pic want = p;

			ref_write(&want, port, v);
			pic_write(&p, port, v);
			FZ_CHECK(memcmp(&want, &p, sizeof(p)) == 0);
			if ((port & ~1) != PIC_MASTER && (port & ~1) != PIC_SLAVE)
				FZ_CHECK(memcmp(&before, &p, sizeof(p)) == 0);
			else if (!(port & 1) && (v & 0x10)) {
				const struct i8259 *c = &p.chip[(port & ~1) == PIC_SLAVE];
				FZ_CHECK(c->imr == 0 && c->isr == 0 && c->next_icw == 2 && !c->ready);
				FZ_CHECK((c->irr & ~(port == PIC_MASTER ? 4 : 0)) == 0);
			}
			break;
		}
		case 2: {		/* guest read */
			u16 port = gen_port(&f);
			u8 got = pic_read(&p, port);
			const struct i8259 *c = (port & ~1) == PIC_MASTER ? &p.chip[0] :
						(port & ~1) == PIC_SLAVE ? &p.chip[1] : NULL;

			FZ_CHECK(memcmp(&before, &p, sizeof(p)) == 0);
			if (!c)
				FZ_CHECK(got == 0xFF);
			else if (port & 1)
				FZ_CHECK(got == c->imr);
			else
				FZ_CHECK(got == (c->read_isr ? c->isr : c->irr));
			break;
		}
		case 3: case 4: {	/* a device line moves */
			u8 a = fz_u8(&f);
			unsigned irq = (a & 0x7f) % 18;
			bool level = a & 0x80;

			pic_set_irq(&p, irq, level);
			if (irq >= 16 || irq == PIC_CASCADE)
				FZ_CHECK(memcmp(&before, &p, sizeof(p)) == 0);
			else
				levels = level ? levels | (1u << irq) : levels & ~(1u << irq);
			break;
		}
		case 5:			/* INTA */
			do_ack(&p);
			acked = true;
			break;
		case 6:			/* the CPU looks at INT */
			(void)pic_pending(&p);
			FZ_CHECK(memcmp(&before, &p, sizeof(p)) == 0);
			break;
		default:		/* initialize one chip */
			init_chip(&f, &p, op >> 7);
			break;
		}
		check(&before, &p, acked);
	}
	return 0;
}
