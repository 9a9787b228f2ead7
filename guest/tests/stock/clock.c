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

/* TSC ticks over one RTC second: from one change of the seconds register to the next. */
static u64 rtc_second(void)
{
	u8 s0, s;
	u64 t0 = 0;

	if (!uip_wait())
		return 0;
	s0 = cmos(0x00);

	for (int edge = 0; edge < 2; edge++) {
		unsigned long i;

		for (i = 0; i < SPIN_MAX; i++) {
			if (!uip_wait())
				return 0;
			if ((s = cmos(0x00)) != s0)
				break;
		}
		if (i == SPIN_MAX)
			return 0;
		s0 = s;
		if (!edge)
			t0 = rt_tsc();
	}
	return rt_tsc() - t0;
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

static void pit_test(void)
{
	const u16 n = PIT_HZ / 20;		/* 50 ms */
	u64 t0, dt, hz;
	u16 mid;
	unsigned long i;

	outb(PORT_B, inb(PORT_B) & ~0x03);	/* gate low, speaker off */
	outb(PIT_CMD, 0xB0);			/* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, n & 0xFF);
	outb(PIT_CH2, n >> 8);
	check("pit", !(inb(PORT_B) & 0x20), "OUT2 low once the mode-0 count is written");
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);	/* gate high: it counts */
	t0 = rt_tsc();
	/* 1 ms in (by the TSC when the RTC timed it; Bochs's PIT has not moved right at the
	 * gate's edge), latch the count: it must be below N. */
	udelay(1000);
	outb(PIT_CMD, 0x80);			/* counter latch, channel 2 */
	mid = inb(PIT_CH2);
	mid |= (u16)inb(PIT_CH2) << 8;
	for (i = 0; i < SPIN_MAX && !(inb(PORT_B) & 0x20); i++)
		;
	dt = rt_tsc() - t0;
	outb(PORT_B, inb(PORT_B) & ~0x01);
	check("pit", i < SPIN_MAX, "OUT2 rose at the terminal count");
	check("pit", mid > 0 && mid < n, "a count latched while counting (%u) is below %u", mid,
	      n);
	if (st.tsc_guessed)
		return;
	hz = dt ? (u64)n * st.tsc_hz / dt : 0;
	check("pit", hz > PIT_HZ * 8 / 10 && hz < PIT_HZ * 12 / 10,
	      "channel 2: %u ticks in %lu us: %lu Hz, 1.193182 MHz within 20%%", n,
	      tsc_to_us(dt), hz);
}

void clock_test(void)
{
	rtc_test();
	pit_test();
}
