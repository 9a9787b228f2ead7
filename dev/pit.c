/* dev/pit.c: the 8254 behind a VM's ports 0x40-0x43 and port 0x61's bits 0 and 5 (see
 * dev/pit.h). The rules are Intel's 8254 datasheet's ("the datasheet" below; section
 * numbers are its "Modes" and "Read Operations" parts).
 *
 * A channel is not a register that is decremented: its counter and its OUT are computed
 * from how many ticks it has counted (`elapsed`), which is the time since the count was
 * loaded, less what GATE paused. So nothing needs a periodic call, and any `now` gives the
 * same answer as a chip clocked up to it.
 *
 * Simplified, each for a reason a guest cannot tell apart in practice:
 *   - the count is taken at once when written (the chip loads it at the next CLK pulse:
 *     one tick, 0.84 us, early);
 *   - a new count in modes 2 and 3 restarts the period at once (the chip finishes the
 *     current period first);
 *   - BCD counting (control word bit 0) is recorded for the status byte but the counter
 *     counts in binary: no PC operating system uses it;
 *   - a count of 1 in modes 2 and 3 (illegal per the datasheet) counts as 2. */
#include "dev/pit.h"

#define CW_CHAN(v)	((v) >> 6)		/* 3: read-back */
#define CW_RW(v)	(((v) >> 4) & 3)	/* 0: counter latch */
#define CW_MODE(v)	(((v) >> 1) & 7)
#define RB_NO_COUNT	0x20			/* read-back: bit 5 clear latches the count */
#define RB_NO_STATUS	0x10			/* bit 4 clear latches the status */
#define ST_OUT		0x80
#define ST_NULL		0x40
#define PORTB_GATE2	0x01
#define PORTB_REFRESH	0x10			/* toggles every 15 us (a refresh request) */
#define PORTB_OUT2	0x20
#define REFRESH_TICKS	18			/* 15.09 us at PIT_HZ */

void pit_init(struct pit *p)
{
	for (unsigned i = 0; i < 3; i++) {
		struct pit_chan *c = &p->ch[i];
		*c = (struct pit_chan){ .rw = 3, .gate = i < 2 };
	}
	p->port_b = 0;
}

static u64 reload(const struct pit_chan *c)
{
	u64 n = c->count ? c->count : 65536;

	if ((c->mode == 2 || c->mode == 3) && n < 2)
		n = 2;
	return n;
}

/* Modes 1 and 5 are started by GATE's rising edge and not paused by GATE; the others count
 * while GATE is high (datasheet, "Gate" table). */
static bool triggered_mode(const struct pit_chan *c)
{
	return c->mode == 1 || c->mode == 5;
}

static bool counting(const struct pit_chan *c)
{
	if (!c->loaded)
		return false;
	return triggered_mode(c) ? c->trig : c->gate;
}

static u64 elapsed(const struct pit_chan *c, u64 now)
{
	return c->held + (counting(c) && now > c->since ? now - c->since : 0);
}

/* The counting element as a read (or a latch) sees it. Modes 0, 1, 4, 5 count down through
 * zero and wrap (datasheet: "the counter continues counting"); mode 2 counts N..1; mode 3
 * counts by two through each half of the period. */
static u16 value(const struct pit_chan *c, u64 now)
{
	u64 n = reload(c), e = elapsed(c, now), p, h;

	if (!c->loaded)
		return (u16)c->count;
	switch (c->mode) {
	case 2:
		return (u16)(n - e % n);
	case 3:
		p = e % n;
		h = (n + 1) / 2;
		return (u16)(((n + 1) & ~1ULL) - 2 * (p < h ? p : p - h));
	default:
		return (u16)(n - e);
	}
}

bool pit_out(const struct pit *p, unsigned ch, u64 now)
{
	const struct pit_chan *c = &p->ch[ch % 3];
	u64 n = reload(c), e = elapsed(c, now);

	if (!c->loaded)
		return c->mode != 0;	/* after the control word: low in mode 0, else high */
	switch (c->mode) {
	case 0:
		return e >= n;		/* low until terminal count, then high */
	case 1:
		return !c->trig || e >= n;	/* low from the trigger to terminal count */
	case 2:
		return !c->gate || e % n != n - 1;	/* low for the count's last tick */
	case 3:
		return !c->gate || e % n < (n + 1) / 2;	/* high for the first half */
	case 4:
		return e != n;		/* one tick low at terminal count */
	default:
		return !c->trig || e != n;
	}
}

u64 pit_next_edge(const struct pit *p, unsigned ch, u64 now)
{
	const struct pit_chan *c = &p->ch[ch % 3];
	u64 n = reload(c), e = elapsed(c, now);

	if (!counting(c))
		return PIT_NEVER;
	switch (c->mode) {
	case 0:
	case 1:
		return e < n ? now + (n - e) : PIT_NEVER;
	case 4:
	case 5:
		return e < n + 1 ? now + (n + 1 - e) : PIT_NEVER;	/* the end of the low tick */
	default:
		return now + ((e / n + 1) * n - e);	/* each period ends on a rising edge */
	}
}

/* ---- the control word (port 0x43) ---- */

static void latch_count(struct pit_chan *c, u64 now)
{
	if (c->latched)
		return;		/* a second latch before the read is ignored (datasheet) */
	c->latch = value(c, now);
	c->latched = true;
	c->latch_hi = false;
}

static void latch_status(struct pit *p, unsigned ch, u64 now)
{
	struct pit_chan *c = &p->ch[ch];

	if (c->status_latched)
		return;
	c->status = (pit_out(p, ch, now) ? ST_OUT : 0) | (c->null ? ST_NULL : 0) |
		    (u8)(c->rw << 4) | (u8)(c->mode << 1) | (c->bcd ? 1 : 0);
	c->status_latched = true;
}

/* Read-back (datasheet, "Read-Back Command"): bits 3:1 select channels 2:0. */
static void read_back(struct pit *p, u8 v, u64 now)
{
	for (unsigned i = 0; i < 3; i++) {
		if (!(v & (2u << i)))
			continue;
		if (!(v & RB_NO_STATUS))
			latch_status(p, i, now);	/* before the count: status is read first */
		if (!(v & RB_NO_COUNT))
			latch_count(&p->ch[i], now);
	}
}

static void control(struct pit *p, u8 v, u64 now)
{
	struct pit_chan *c;
	u8 mode = CW_MODE(v);

	if (CW_CHAN(v) == 3) {
		read_back(p, v, now);
		return;
	}
	c = &p->ch[CW_CHAN(v)];
	if (CW_RW(v) == 0) {
		latch_count(c, now);
		return;
	}
	/* A new mode: the channel waits for a count; OUT takes the mode's initial level. */
	c->mode = mode > 5 ? mode - 4 : mode;	/* 6 and 7 are 2 and 3 (datasheet) */
	c->rw = CW_RW(v);
	c->bcd = v & 1;
	c->loaded = c->trig = false;
	c->null = true;
	c->wr_hi = c->rd_hi = c->latched = c->latch_hi = c->status_latched = false;
	c->held = 0;
}

/* ---- counts and reads (ports 0x40-0x42) ---- */

static void load(struct pit_chan *c, u32 count, u64 now)
{
	c->count = count;
	c->loaded = true;
	c->null = false;
	c->trig = false;	/* modes 1 and 5 wait for GATE's rising edge */
	c->held = 0;
	c->since = now;
}

static void write_count(struct pit_chan *c, u8 v, u64 now)
{
	switch (c->rw) {
	case 1:
		load(c, v, now);
		break;
	case 2:
		load(c, (u32)v << 8, now);
		break;
	default:
		if (!c->wr_hi) {
			c->wr_lo = v;
			c->wr_hi = true;
			c->null = true;
			if (c->mode == 0)	/* the first byte stops the count (mode 0) */
				c->loaded = false;
			break;
		}
		c->wr_hi = false;
		load(c, c->wr_lo | (u32)v << 8, now);
		break;
	}
}

/* A byte of v in access mode rw; for rw 3, hi says which one (and is flipped). */
static u8 byte_of(u16 v, u8 rw, bool *hi)
{
	bool high = rw == 2 || (rw == 3 && *hi);

	if (rw == 3)
		*hi = !*hi;
	return high ? (u8)(v >> 8) : (u8)v;
}

static u8 read_count(struct pit_chan *c, u64 now)
{
	u8 r;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (!c->latched)
		return byte_of(value(c, now), c->rw, &c->rd_hi);
	r = byte_of(c->latch, c->rw, &c->latch_hi);
	if (c->rw != 3 || !c->latch_hi)
		c->latched = false;	/* the latch holds until all of it was read */
	return r;
}

/* ---- GATE2 through port 0x61 ---- */

static void set_gate(struct pit_chan *c, bool level, u64 now)
{
	if (level == c->gate)
		return;
	if (!level) {
		if (counting(c) && !triggered_mode(c))
			c->held += now > c->since ? now - c->since : 0;	/* paused */
		c->gate = false;
		return;
	}
	c->gate = true;
	c->since = now;
	if (c->mode != 0 && c->mode != 4)
		c->held = 0;	/* modes 1, 2, 3, 5: the rising edge (re)starts the count */
	if (triggered_mode(c))
		c->trig = c->loaded;
}

u8 pit_read(struct pit *p, u16 port, u64 now)
{
	if (port >= PIT_BASE && port < PIT_BASE + 3)
		return read_count(&p->ch[port - PIT_BASE], now);
	if (port == PIT_PORT_B)
		return (p->port_b & 0x0F) | ((now / REFRESH_TICKS) & 1 ? PORTB_REFRESH : 0) |
		       (pit_out(p, 2, now) ? PORTB_OUT2 : 0);
	return 0xFF;	/* 0x43 is write-only */
}

void pit_write(struct pit *p, u16 port, u8 val, u64 now)
{
	if (port >= PIT_BASE && port < PIT_BASE + 3) {
		write_count(&p->ch[port - PIT_BASE], val, now);
	} else if (port == PIT_BASE + 3) {
		control(p, val, now);
	} else if (port == PIT_PORT_B) {
		p->port_b = val & 0x0F;
		set_gate(&p->ch[2], val & PORTB_GATE2, now);
	}
}
