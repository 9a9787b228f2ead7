/* guest/tests/stock/clock.c: the PC's two clocks a kernel calibrates with.
 *   The CMOS RTC (MC146818A data sheet): the time read as Linux's mc146818_get_time does,
 *   only while register A's UIP (update in progress) is clear, and twice until two reads
 *   agree; decoded by register B's DM (binary/BCD) and 24/12-hour bits, each field range
 *   checked. Then the TSC is timed over one whole RTC second (between two changes of the
 *   seconds register): that rate is the guest's clock for everything after (st.tsc_hz).
 *   PIT channel 2 (8254 data sheet, mode 0) gated by port 0x61 bit 0, its OUT read at bit 5,
 *   as Linux's pit_calibrate_tsc uses it: a one-shot of N ticks must take N / 1.193182 MHz
 *   on that clock, within 20%; a count latched midway is below N. */
#include "guest/tests/stock/stock.h"
#include "lib/string.h"

#define RTC_INDEX	0x70
#define RTC_DATA	0x71
#define RTC_UIP		0x80		/* register A */
#define RTC_24H		0x02		/* register B */
#define RTC_BIN		0x04
#define PIT_HZ		1193182
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_B		0x61
#define SPIN_MAX	20000000UL	/* polls before a device wait gives up */

static u8 cmos(u8 reg)
{
	outb(RTC_INDEX, reg);		/* bit 7 clear: NMIs stay enabled */
	return inb(RTC_DATA);
}

static bool uip_wait(void)
{
	for (unsigned long i = 0; i < SPIN_MAX; i++)
		if (!(cmos(0x0A) & RTC_UIP))
			return true;
	return false;
}

struct rtc_time {
	u8 f[7];			/* sec, min, hour, mday, mon, year, century: raw */
};

static const u8 regs[7] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32 };

/* Two reads outside UIP that agree; false after 10 tries (an RTC forever updating). */
static bool rtc_read(struct rtc_time *t)
{
	struct rtc_time a;

	for (int tries = 0; tries < 10; tries++) {
		if (!uip_wait())
			return false;
		for (int i = 0; i < 7; i++)
			a.f[i] = cmos(regs[i]);
		if (!uip_wait())
			return false;
		for (int i = 0; i < 7; i++)
			t->f[i] = cmos(regs[i]);
		if (!memcmp(a.f, t->f, 7))
			return true;
	}
	return false;
}

static int field(u8 v, bool bin, unsigned lo, unsigned hi)
{
	unsigned d = bin ? v : (v >> 4) * 10 + (v & 0x0F);

	if (!bin && ((v >> 4) > 9 || (v & 0x0F) > 9))
		return -1;
	return d >= lo && d <= hi ? (int)d : -1;
}

/* Polled edges are timed as the midpoint of the last poll before and the first after, and
 * that bracket's width is kept: a host that descheduled the emulator between the two polls
 * makes it wide, and the sample is taken again (Linux's pit_calibrate_tsc throws such
 * samples away too). Emulators on a loaded host need this; a PC does not. */

/* The next change of the seconds register after *s0: its TSC in *at, the bracket in *gap. */
static bool sec_edge(u8 *s0, u64 *at, u64 *gap)
{
	u64 before = rt_tsc(), now;

	for (unsigned long i = 0; i < SPIN_MAX; i++) {
		u8 s;

		if (!uip_wait())
			return false;
		s = cmos(0x00);
		now = rt_tsc();
		if (s != *s0) {
			*s0 = s;
			*at = before + (now - before) / 2;
			*gap = now - before;
			return true;
		}
		before = now;
	}
	return false;
}

/* TSC ticks over one RTC second, between two changes of the seconds register (each
 * bracketed within 1/100 of it; three tries, then the last one as it is); 0: none. */
static u64 rtc_second(void)
{
	u64 a = 0, b = 0, ga, gb;

	for (int tries = 0; tries < 3; tries++) {
		u8 s0;

		if (!uip_wait())
			return 0;
		s0 = cmos(0x00);
		if (!sec_edge(&s0, &a, &ga) || !sec_edge(&s0, &b, &gb))
			return 0;
		if (ga < (b - a) / 100 && gb < (b - a) / 100)
			break;
		note("rtc", "a poll bracket was wide (the emulator was descheduled?): again");
	}
	return b - a;
}

static void rtc_test(void)
{
	struct rtc_time t;
	u8 b = cmos(0x0B);
	bool bin = b & RTC_BIN;
	int sec, min, hour, mday, mon, year, cent;
	u8 h;

	note("rtc", "register A 0x%02x, B 0x%02x (%s, %s)", cmos(0x0A), b, bin ? "binary" : "BCD",
	     b & RTC_24H ? "24-hour" : "12-hour");
	if (!check("rtc", rtc_read(&t), "time read outside UIP, twice the same"))
		return;
	h = t.f[2];
	sec = field(t.f[0], bin, 0, 59), min = field(t.f[1], bin, 0, 59);
	hour = field(h & 0x7F, bin, 0, 23);
	if (!(b & RTC_24H) && hour >= 0)	/* 12-hour: 1..12, bit 7 = PM */
		hour = hour < 1 || hour > 12 ? -1 : hour % 12 + (h & 0x80 ? 12 : 0);
	mday = field(t.f[3], bin, 1, 31), mon = field(t.f[4], bin, 1, 12);
	year = field(t.f[5], bin, 0, 99), cent = field(t.f[6], bin, 19, 21);
	note("rtc", "%02d%02d-%02d-%02d %02d:%02d:%02d", cent, year, mon, mday, hour, min, sec);
	check("rtc", sec >= 0 && min >= 0 && hour >= 0, "time fields in range");
	check("rtc", mday >= 0 && mon >= 0 && year >= 0, "date fields in range");
	check("rtc", cent >= 0, "century (register 0x32) in range");
	check("rtc", cmos(0x0D) & 0x80, "register D: VRT (valid RAM and time)");

	st.tsc_hz = rtc_second();
	if (!check("rtc", st.tsc_hz, "the seconds advance: one RTC second = %lu TSC ticks",
		   st.tsc_hz)) {
		st.tsc_guessed = true;
		return;
	}
	check("rtc", st.tsc_hz > 10000000ULL && st.tsc_hz < 20000000000ULL,
	      "TSC rate %lu MHz is plausible (10 MHz - 20 GHz)", st.tsc_hz / 1000000);
}

/* One mode-0 count of n ticks: the TSC ticks from the gate's rise to OUT2's, 0 if OUT2
 * never rose; *err is the width of the two TSC brackets, *mid a count latched 1 ms in (by
 * the RTC-timed TSC: Bochs's PIT has not moved right at the gate's edge), *low whether OUT2
 * was low before the gate rose. */
static u64 pit_once(u16 n, u16 *mid, u64 *err, bool *low)
{
	u64 a, b, before, now = 0;
	unsigned long i;

	outb(PORT_B, inb(PORT_B) & ~0x03);	/* gate low, speaker off */
	outb(PIT_CMD, 0xB0);			/* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, n & 0xFF);
	outb(PIT_CH2, n >> 8);
	*low = !(inb(PORT_B) & 0x20);
	a = rt_tsc();
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);	/* gate high: it counts */
	b = rt_tsc();
	udelay(1000);
	outb(PIT_CMD, 0x80);			/* counter latch, channel 2 */
	*mid = inb(PIT_CH2);
	*mid |= (u16)inb(PIT_CH2) << 8;
	before = rt_tsc();
	for (i = 0; i < SPIN_MAX; i++) {
		bool high = inb(PORT_B) & 0x20;

		now = rt_tsc();
		if (high)
			break;
		before = now;
	}
	outb(PORT_B, inb(PORT_B) & ~0x01);
	if (i == SPIN_MAX)
		return 0;
	*err = (b - a) + (now - before);
	return (before + (now - before) / 2) - (a + (b - a) / 2);
}

static void pit_test(void)
{
	const u16 n = PIT_HZ / 20;		/* 50 ms */
	u64 dt = 0, err = 0, hz;
	u16 mid = 0;
	bool low = false;
	int tries;

	for (tries = 1; tries <= 5; tries++) {
		dt = pit_once(n, &mid, &err, &low);
		if (!dt || err < dt / 100)
			break;
		note("pit", "a poll bracket was wide (%lu of %lu TSC ticks): again", err, dt);
	}
	check("pit", low, "OUT2 low once the mode-0 count is written");
	check("pit", dt, "OUT2 rose at the terminal count");
	check("pit", mid > 0 && mid < n, "a count latched while counting (%u) is below %u", mid,
	      n);
	if (st.tsc_guessed || !dt)
		return;
	hz = (u64)n * st.tsc_hz / dt;
	check("pit", hz > PIT_HZ * 8 / 10 && hz < PIT_HZ * 12 / 10,
	      "channel 2: %u ticks in %lu us: %lu Hz, 1.193182 MHz within 20%%", n,
	      tsc_to_us(dt), hz);
}

void clock_test(void)
{
	rtc_test();
	pit_test();
}
