/* tests/unit/test_rtc.c: host tests of dev/rtc.c, the MC146818A CMOS clock behind a VM's
 * ports 0x70/0x71.
 *
 * The date of a known time in BCD and in binary, 24- and 12-hour; the clock advancing with
 * now; UIP set only for the last 244 us of a second; C's UF cleared by reading; D's VRT;
 * the index port's NMI bit not selecting another register; setting the time (with SET
 * freezing it), the century byte, leap years and month ends; CMOS RAM read back. */
#include "tests/unit/check.h"
#include "dev/rtc.h"

#define S	1000000ULL	/* microseconds in a second */

/* 1999-12-31 23:00:00 UTC: Bochs's time0 in tools/bochs.sh, a Friday. */
#define TIME0	946681200

static u8 rd(struct rtc *r, u8 reg, u64 now)
{
	rtc_write(r, 0x70, reg, now);
	return rtc_read(r, 0x71, now);
}

static void wr(struct rtc *r, u8 reg, u8 v, u64 now)
{
	rtc_write(r, 0x70, reg, now);
	rtc_write(r, 0x71, v, now);
}

TEST(bcd_date)
{
	struct rtc r;

	rtc_init(&r, TIME0);
	CHECK_EQ(rd(&r, 0, 0), 0x00);
	CHECK_EQ(rd(&r, 2, 0), 0x00);
	CHECK_EQ(rd(&r, 4, 0), 0x23);
	CHECK_EQ(rd(&r, 6, 0), 6);		/* Friday: Sunday is 1 */
	CHECK_EQ(rd(&r, 7, 0), 0x31);
	CHECK_EQ(rd(&r, 8, 0), 0x12);
	CHECK_EQ(rd(&r, 9, 0), 0x99);
	CHECK_EQ(rd(&r, 0x32, 0), 0x19);
	CHECK_EQ(rd(&r, 0x0B, 0), 0x02);	/* 24 h, BCD */
	CHECK_EQ(rd(&r, 0x0D, 0), 0x80);
	CHECK_EQ(rd(&r, 0x0A, 0) & 0x7F, 0x26);
	/* An hour and 59.5 s later: the new millennium. */
	CHECK_EQ(rd(&r, 0, 3659 * S + S / 2), 0x59);
	CHECK_EQ(rd(&r, 0, 3600 * S + 1), 0x00);
	CHECK_EQ(rd(&r, 4, 3600 * S), 0x00);
	CHECK_EQ(rd(&r, 7, 3600 * S), 0x01);
	CHECK_EQ(rd(&r, 8, 3600 * S), 0x01);
	CHECK_EQ(rd(&r, 9, 3600 * S), 0x00);
	CHECK_EQ(rd(&r, 0x32, 3600 * S), 0x20);
	CHECK_EQ(rd(&r, 6, 3600 * S), 7);	/* Saturday */
}

TEST(binary_and_12h)
{
	struct rtc r;

	rtc_init(&r, TIME0 + 17 * 60 + 42);	/* 23:17:42 */
	wr(&r, 0x0B, 0x04, 0);			/* binary, 12 h */
	CHECK_EQ(rd(&r, 0, 0), 42);
	CHECK_EQ(rd(&r, 2, 0), 17);
	CHECK_EQ(rd(&r, 4, 0), 0x80 | 11);	/* 11 PM */
	CHECK_EQ(rd(&r, 9, 0), 99);
	wr(&r, 0x0B, 0x00, 0);			/* BCD, 12 h */
	CHECK_EQ(rd(&r, 4, 0), 0x91);
	CHECK_EQ(rd(&r, 4, 3600 * S), 0x12);	/* midnight is 12 AM */
	CHECK_EQ(rd(&r, 4, 13 * 3600 * S), 0x92);	/* noon is 12 PM */
}

TEST(uip_not_stuck)
{
	struct rtc r;
	unsigned set = 0;

	rtc_init(&r, TIME0);
	for (u64 t = 0; t < 3 * S; t += 100)
		set += !!(rd(&r, 0x0A, t) & 0x80);
	/* 244 us of each of 3 seconds, sampled every 100 us: 2 or 3 samples a second. */
	CHECK(set >= 6 && set <= 9);
	CHECK(!(rd(&r, 0x0A, S / 2) & 0x80));
	CHECK(rd(&r, 0x0A, S - 100) & 0x80);
	/* UIP set: the seconds are still the old ones; just after, the new. */
	CHECK_EQ(rd(&r, 0, S - 100), 0x00);
	CHECK_EQ(rd(&r, 0, S), 0x01);
}

TEST(c_read_clears)
{
	struct rtc r;

	rtc_init(&r, TIME0);
	CHECK_EQ(rd(&r, 0x0C, 0), 0);
	CHECK_EQ(rd(&r, 0x0C, S + 5), 0x10);	/* an update happened: UF */
	CHECK_EQ(rd(&r, 0x0C, S + 6), 0);	/* cleared by the read */
	wr(&r, 0x0B, 0x12, 0);			/* UIE: IRQF follows UF */
	CHECK_EQ(rd(&r, 0x0C, 2 * S), 0x90);
	wr(&r, 0x0C, 0xFF, 2 * S);		/* read-only */
	wr(&r, 0x0D, 0x00, 2 * S);
	CHECK_EQ(rd(&r, 0x0D, 2 * S), 0x80);
	CHECK_EQ(rd(&r, 0x0C, 2 * S), 0);
}

TEST(index_port)
{
	struct rtc r;

	rtc_init(&r, TIME0);
	rtc_write(&r, 0x70, 0x80 | 0x09, 0);	/* NMI off, year */
	CHECK(r.nmi_off);
	CHECK_EQ(rtc_read(&r, 0x71, 0), 0x99);
	CHECK_EQ(rtc_read(&r, 0x70, 0), 0xFF);
	CHECK_EQ(rtc_read(&r, 0x72, 0), 0xFF);
}

TEST(set_time)
{
	struct rtc r;

	rtc_init(&r, TIME0);
	/* hwclock's way: SET, write the fields, clear SET. */
	wr(&r, 0x0B, 0x82, 10 * S);
	wr(&r, 0x32, 0x20, 10 * S);
	wr(&r, 0x09, 0x24, 10 * S);
	wr(&r, 0x08, 0x02, 10 * S);
	wr(&r, 0x07, 0x29, 10 * S);
	wr(&r, 0x04, 0x23, 10 * S);
	wr(&r, 0x02, 0x59, 10 * S);
	wr(&r, 0x00, 0x58, 10 * S);
	CHECK_EQ(rd(&r, 0x00, 20 * S), 0x58);	/* frozen while SET */
	CHECK(!(rd(&r, 0x0A, 21 * S - 1) & 0x80));
	wr(&r, 0x0B, 0x02, 30 * S);
	CHECK_EQ(rd(&r, 0x00, 31 * S), 0x59);
	CHECK_EQ(rd(&r, 0x00, 32 * S), 0x00);	/* 2024-02-29 -> 03-01 */
	CHECK_EQ(rd(&r, 0x07, 32 * S), 0x01);
	CHECK_EQ(rd(&r, 0x08, 32 * S), 0x03);
	CHECK_EQ(rd(&r, 0x09, 32 * S), 0x24);
	CHECK_EQ(rd(&r, 0x06, 32 * S), 6);	/* 2024-03-01 was a Friday */
	/* Without SET: one field, the clock goes on. */
	wr(&r, 0x02, 0x10, 32 * S);
	CHECK_EQ(rd(&r, 0x02, 33 * S), 0x10);
	CHECK_EQ(rd(&r, 0x00, 33 * S), 0x01);
}

TEST(cmos_ram)
{
	struct rtc r;

	rtc_init(&r, TIME0);
	for (unsigned i = 0x0E; i < 0x80; i++)
		if (i != 0x32)
			CHECK_EQ(rd(&r, (u8)i, 0), 0);
	for (unsigned i = 0x0E; i < 0x80; i++)
		if (i != 0x32)
			wr(&r, (u8)i, (u8)(i * 7), 0);
	for (unsigned i = 0x0E; i < 0x80; i++)
		if (i != 0x32)
			CHECK_EQ(rd(&r, (u8)i, 0), (u8)(i * 7));
	wr(&r, 0x01, 0x45, 0);			/* an alarm register is storage */
	CHECK_EQ(rd(&r, 0x01, 0), 0x45);
	CHECK_EQ(rd(&r, 0x00, 0), 0x00);
}

/* Every second for a leap and a common year: fields valid and consistent with a calendar
 * counted independently. */
TEST(calendar_walk)
{
	struct rtc r;
	unsigned y = 2023, m = 12, d = 31;
	static const unsigned md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	rtc_init(&r, 1704067200 - 86400);	/* 2023-12-31 00:00:00 */
	wr(&r, 0x0B, 0x06, 0);			/* binary, 24 h */
	for (u64 day = 0; day < 800; day++) {
		u64 t = day * 86400 * S + 12 * 3600 * S;
		CHECK_EQ(rd(&r, 7, t), d);
		CHECK_EQ(rd(&r, 8, t), m);
		CHECK_EQ(rd(&r, 9, t) + 100 * rd(&r, 0x32, t), y);
		CHECK_EQ(rd(&r, 4, t), 12);
		unsigned len = md[m - 1] + (m == 2 && y % 4 == 0);
		if (++d > len) {
			d = 1;
			if (++m > 12)
				m = 1, y++;
		}
	}
}

int main(void)
{
	RUN(bcd_date);
	RUN(binary_and_12h);
	RUN(uip_not_stuck);
	RUN(c_read_clears);
	RUN(index_port);
	RUN(set_time);
	RUN(cmos_ram);
	RUN(calendar_walk);
	return DONE();
}
