/* dev/rtc.c: the MC146818A behind a VM's ports 0x70/0x71 (see dev/rtc.h). The rules are the
 * Motorola MC146818A datasheet's ("the datasheet"): the time and date registers, register
 * A's update-in-progress bit, B's data mode and hour format, C's flags cleared by reading,
 * D's valid-RAM bit. Dates are Gregorian, 1970-2099 (a two-digit year and the century). */
#include "dev/rtc.h"

enum {
	REG_SEC = 0, REG_MIN = 2, REG_HOUR = 4, REG_WDAY = 6, REG_MDAY = 7, REG_MON = 8,
	REG_YEAR = 9, REG_A = 0x0A, REG_B = 0x0B, REG_C = 0x0C, REG_D = 0x0D,
};

#define A_UIP		0x80	/* update in progress */
#define B_SET		0x80	/* updates inhibited: the guest is setting the time */
#define B_UIE		0x10
#define B_DM		0x04	/* data mode: 1 binary, 0 BCD */
#define B_24H		0x02
#define C_IRQF		0x80
#define C_UF		0x10
#define D_VRT		0x80	/* valid RAM and time: the battery is good */
#define HOUR_PM		0x80	/* 12-hour mode: bit 7 of the hour is PM */
#define UIP_US		244	/* UIP rises this long before the update (datasheet, figure 3) */
#define DAY		86400

/* The state a PC BIOS leaves: divider 010 (32.768 kHz) and rate 0110 (1024 Hz), 24-hour
 * BCD, the battery good. */
void rtc_init(struct rtc *r, s64 base)
{
	for (unsigned i = 0; i < sizeof(r->ram); i++)
		r->ram[i] = 0;
	r->ram[REG_A] = 0x26;
	r->ram[REG_B] = B_24H;
	r->index = 0;
	r->nmi_off = false;
	r->frozen = false;
	r->base = base;
	r->held = base;
	r->c_read = base;
}

/* ---- calendar ---- */

struct date {
	unsigned year, mon, mday, wday, hour, min, sec;	/* mon 1-12, wday 1-7 (Sunday = 1) */
};

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned mdays(unsigned y, unsigned m)
{
	static const u8 d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return d[m - 1] + (m == 2 && leap(y));
}

static struct date to_date(s64 t)
{
	struct date d;
	s64 days = t >= 0 ? t / DAY : 0, s = t >= 0 ? t % DAY : 0;

	d.sec = s % 60;
	d.min = s / 60 % 60;
	d.hour = (unsigned)(s / 3600);
	d.wday = (unsigned)((days + 4) % 7) + 1;	/* 1970-01-01 was a Thursday (5) */
	for (d.year = 1970; days >= 365 + leap(d.year); d.year++)
		days -= 365 + leap(d.year);
	for (d.mon = 1; days >= mdays(d.year, d.mon); d.mon++)
		days -= mdays(d.year, d.mon);
	d.mday = (unsigned)days + 1;
	return d;
}

/* Out-of-range fields (a guest may write anything) are folded in as plain arithmetic. */
static s64 from_date(const struct date *d)
{
	s64 days = 0;
	unsigned mon = d->mon >= 1 && d->mon <= 12 ? d->mon : 1;

	for (unsigned y = 1970; y < d->year && y < 2200; y++)
		days += 365 + leap(y);
	for (unsigned m = 1; m < mon; m++)
		days += mdays(d->year, m);
	days += d->mday ? d->mday - 1 : 0;
	return days * DAY + (s64)d->hour * 3600 + (s64)d->min * 60 + d->sec;
}

/* ---- the time registers ---- */

static s64 seconds(const struct rtc *r, u64 now)
{
	return r->frozen ? r->held : r->base + (s64)(now / 1000000);
}

static bool binary(const struct rtc *r)
{
	return r->ram[REG_B] & B_DM;
}

static u8 enc(const struct rtc *r, unsigned v)
{
	return binary(r) ? (u8)v : (u8)((v / 10) << 4 | v % 10);
}

static unsigned dec(const struct rtc *r, u8 v)
{
	return binary(r) ? v : (v >> 4) * 10 + (v & 0x0F);
}

static u8 enc_hour(const struct rtc *r, unsigned h)
{
	if (r->ram[REG_B] & B_24H)
		return enc(r, h);
	return enc(r, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0);
}

static unsigned dec_hour(const struct rtc *r, u8 v)
{
	if (r->ram[REG_B] & B_24H)
		return dec(r, v);
	return dec(r, v & ~HOUR_PM) % 12 + (v & HOUR_PM ? 12 : 0);
}

/* The field of d that register reg shows; -1: not a time register. */
static int field(const struct rtc *r, const struct date *d, unsigned reg)
{
	switch (reg) {
	case REG_SEC: return enc(r, d->sec);
	case REG_MIN: return enc(r, d->min);
	case REG_HOUR: return enc_hour(r, d->hour);
	case REG_WDAY: return enc(r, d->wday);
	case REG_MDAY: return enc(r, d->mday);
	case REG_MON: return enc(r, d->mon);
	case REG_YEAR: return enc(r, d->year % 100);
	case RTC_CENTURY: return enc(r, d->year / 100);
	default: return -1;
	}
}

static const u8 time_regs[] = { REG_SEC, REG_MIN, REG_HOUR, REG_WDAY, REG_MDAY, REG_MON,
				 REG_YEAR, RTC_CENTURY };

static bool is_time(unsigned reg)
{
	for (unsigned i = 0; i < sizeof(time_regs); i++)
		if (time_regs[i] == reg)
			return true;
	return false;
}

/* The time the registers in ram[] say (written while SET). The day of the week is not part
 * of it: it follows from the date. */
static s64 ram_time(const struct rtc *r)
{
	struct date d = {
		.sec = dec(r, r->ram[REG_SEC]) % 60, .min = dec(r, r->ram[REG_MIN]) % 60,
		.hour = dec_hour(r, r->ram[REG_HOUR]) % 24, .mday = dec(r, r->ram[REG_MDAY]),
		.mon = dec(r, r->ram[REG_MON]),
		.year = dec(r, r->ram[RTC_CENTURY]) * 100 + dec(r, r->ram[REG_YEAR]) % 100,
	};

	if (d.year < 1970)
		d.year = 1970;
	return from_date(&d);
}

/* A write to a time register without SET sets that field at once and the clock goes on
 * from there (fields that make no date, such as February 30, roll over). */
static void set_field(struct rtc *r, unsigned reg, u8 v, u64 now)
{
	struct date d = to_date(seconds(r, now));

	for (unsigned i = 0; i < sizeof(time_regs); i++)
		r->ram[time_regs[i]] = (u8)field(r, &d, time_regs[i]);
	r->ram[reg] = v;
	r->base = ram_time(r) - (s64)(now / 1000000);
}

/* ---- registers A-D ---- */

/* UIP is set for the last 244 us of each second (datasheet: "UIP ... set 244 us before the
 * update cycle begins"); the time registers change at the second's boundary. With SET
 * there are no updates, so no UIP. */
static u8 reg_a(const struct rtc *r, u64 now)
{
	bool uip = !r->frozen && now % 1000000 >= 1000000 - UIP_US;
	return (r->ram[REG_A] & 0x7F) | (uip ? A_UIP : 0);
}

/* UF: an update happened since C was last read; reading clears every flag. */
static u8 reg_c(struct rtc *r, u64 now)
{
	s64 t = seconds(r, now);
	bool uf = !r->frozen && t != r->c_read;
	u8 v = uf ? C_UF : 0;

	if (uf && (r->ram[REG_B] & B_UIE))
		v |= C_IRQF;
	r->c_read = t;
	return v;
}

/* B: SET stops the updates (datasheet: "the program may initialize the time and calendar
 * bytes without an update occurring"): the time registers become plain storage, filled
 * with the time of the moment; clearing SET starts the clock from what they then hold. */
static void write_b(struct rtc *r, u8 v, u64 now)
{
	bool set = v & B_SET;

	if (set && !r->frozen) {
		struct date d = to_date(seconds(r, now));
		for (unsigned i = 0; i < sizeof(time_regs); i++)
			r->ram[time_regs[i]] = (u8)field(r, &d, time_regs[i]);
		r->held = seconds(r, now);
	}
	r->ram[REG_B] = v;
	if (!set && r->frozen)
		r->base = ram_time(r) - (s64)(now / 1000000);
	r->frozen = set;
}

static u8 read_reg(struct rtc *r, unsigned reg, u64 now)
{
	struct date d;
	int f;

	switch (reg) {
	case REG_A: return reg_a(r, now);
	case REG_C: return reg_c(r, now);
	case REG_D: return D_VRT;
	}
	if (r->frozen || !is_time(reg))
		return r->ram[reg];	/* alarms, B, CMOS RAM, the time while SET: as written */
	d = to_date(seconds(r, now));
	f = field(r, &d, reg);
	return (u8)f;
}

static void write_reg(struct rtc *r, unsigned reg, u8 v, u64 now)
{
	switch (reg) {
	case REG_A:
		r->ram[REG_A] = v & 0x7F;	/* UIP is read-only */
		return;
	case REG_B:
		write_b(r, v, now);
		return;
	case REG_C:
	case REG_D:
		return;				/* read-only */
	}
	if (is_time(reg) && !r->frozen)
		set_field(r, reg, v, now);
	else
		r->ram[reg] = v;		/* alarms and CMOS RAM */
}

u8 rtc_read(struct rtc *r, u16 port, u64 now)
{
	if (port == RTC_DATA)
		return read_reg(r, r->index, now);
	return 0xFF;	/* the index port is write-only */
}

void rtc_write(struct rtc *r, u16 port, u8 val, u64 now)
{
	if (port == RTC_INDEX) {
		r->index = val & 0x7F;
		r->nmi_off = val & 0x80;
	} else if (port == RTC_DATA) {
		write_reg(r, r->index, val, now);
	}
}
