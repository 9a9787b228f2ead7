/* tests/unit/test_pit.c: host tests of dev/pit.c, the 8254 behind a VM's ports 0x40-0x43 and
 * port 0x61's GATE2/OUT2 bits.
 *
 * Nothing counts before a count is written; mode 0 as Linux's TSC calibration drives
 * channel 2 (gate through port 0x61, OUT2 in bit 5, a count that stops while GATE is low);
 * mode 2 and mode 3 periods and their rising edges (IRQ0's); mode 4's strobe; LSB-only and
 * MSB-only access; the counter-latch command holding its value across time; read-back of
 * status and count; the lo/hi flip-flop; and a random walk that must stay sane. */
#include "tests/unit/check.h"
#include "dev/pit.h"

#define CH0	0x40
#define CH2	0x42
#define CMD	0x43
#define PB	0x61

static u16 read16(struct pit *p, u16 port, u64 now)
{
	u8 lo = pit_read(p, port, now);
	return lo | (u16)pit_read(p, port, now) << 8;
}

static void write16(struct pit *p, u16 port, u16 v, u64 now)
{
	pit_write(p, port, (u8)v, now);
	pit_write(p, port, (u8)(v >> 8), now);
}

TEST(idle_at_power_on)
{
	struct pit p;

	pit_init(&p);
	for (unsigned ch = 0; ch < 3; ch++)
		CHECK_EQ(pit_next_edge(&p, ch, 0), PIT_NEVER);
	CHECK_EQ(pit_read(&p, PB, 0) & 0x21, 0);	/* gate 2 low, OUT2 low (mode 0) */
	CHECK_EQ(pit_read(&p, CMD, 0), 0xFF);
}

/* Linux's pit_calibrate_tsc: gate high, channel 2 mode 0, lo/hi, count N, poll OUT2. */
TEST(mode0_channel2)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, PB, 0x01, 100);			/* gate high, speaker off */
	CHECK_EQ(pit_read(&p, PB, 100) & 0x03, 0x01);
	pit_write(&p, CMD, 0xB0, 100);			/* ch2, lo/hi, mode 0, binary */
	CHECK(!(pit_read(&p, PB, 100) & 0x20));
	write16(&p, CH2, 1000, 200);
	CHECK(!(pit_read(&p, PB, 200) & 0x20));
	CHECK(!(pit_read(&p, PB, 1199) & 0x20));
	CHECK(pit_read(&p, PB, 1200) & 0x20);		/* terminal count: OUT2 high, stays */
	CHECK(pit_read(&p, PB, 99999) & 0x20);
	CHECK_EQ(read16(&p, CH2, 700), 500);
	CHECK_EQ(pit_next_edge(&p, 2, 700), 1200);
	CHECK_EQ(pit_next_edge(&p, 2, 1200), PIT_NEVER);
	/* The counter keeps counting through zero (wraps). */
	CHECK_EQ(read16(&p, CH2, 1201), 0xFFFF);
}

TEST(mode0_gate_pauses)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, CMD, 0xB0, 0);
	write16(&p, CH2, 100, 0);
	/* Gate low: nothing counts. */
	CHECK_EQ(read16(&p, CH2, 50), 100);
	CHECK_EQ(pit_next_edge(&p, 2, 50), PIT_NEVER);
	pit_write(&p, PB, 0x01, 50);
	CHECK_EQ(read16(&p, CH2, 80), 70);
	pit_write(&p, PB, 0x00, 80);
	CHECK_EQ(read16(&p, CH2, 500), 70);
	pit_write(&p, PB, 0x01, 500);
	CHECK_EQ(pit_next_edge(&p, 2, 500), 570);
	CHECK(!(pit_read(&p, PB, 569) & 0x20));
	CHECK(pit_read(&p, PB, 570) & 0x20);
}

/* Mode 0 in lo/hi: the first byte stops the count until the second. */
TEST(mode0_first_byte_stops)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, CMD, 0x30, 0);			/* ch0, lo/hi, mode 0 */
	write16(&p, CH0, 10, 0);
	pit_write(&p, CH0, 50, 5);
	CHECK_EQ(pit_next_edge(&p, 0, 6), PIT_NEVER);
	pit_write(&p, CH0, 0, 8);
	CHECK_EQ(pit_next_edge(&p, 0, 8), 58);
}

/* Linux's periodic PIT (0x34): ch0, lo/hi, mode 2; LATCH = 11932 for 100 Hz. */
TEST(mode2_periodic)
{
	struct pit p;
	const u64 n = 11932;

	pit_init(&p);
	pit_write(&p, CMD, 0x34, 1000);
	CHECK(pit_out(&p, 0, 1000));
	write16(&p, CH0, (u16)n, 1000);
	CHECK_EQ(pit_next_edge(&p, 0, 1000), 1000 + n);
	CHECK_EQ(pit_next_edge(&p, 0, 1000 + n), 1000 + 2 * n);
	CHECK_EQ(pit_next_edge(&p, 0, 1000 + n - 1), 1000 + n);
	CHECK(!pit_out(&p, 0, 1000 + n - 1));		/* low for the last tick */
	CHECK(pit_out(&p, 0, 1000 + n));
	CHECK_EQ(read16(&p, CH0, 1000), n);
	CHECK_EQ(read16(&p, CH0, 1000 + n + 1), n - 1);
	/* 100 periods later the edges are still on the grid. */
	CHECK_EQ(pit_next_edge(&p, 0, 1000 + 100 * n + 5), 1000 + 101 * n);
	/* Mode 6 is mode 2. */
	pit_write(&p, CMD, 0x3C, 0);
	pit_write(&p, CMD, 0xE2, 0);			/* read-back status of ch0 */
	CHECK_EQ(pit_read(&p, CH0, 0) & 0x0E, 2 << 1);
}

TEST(mode3_square)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, CMD, 0x36, 0);			/* ch0, lo/hi, mode 3 */
	write16(&p, CH0, 100, 0);
	CHECK(pit_out(&p, 0, 0));
	CHECK(pit_out(&p, 0, 49));
	CHECK(!pit_out(&p, 0, 50));
	CHECK(!pit_out(&p, 0, 99));
	CHECK(pit_out(&p, 0, 100));
	CHECK_EQ(pit_next_edge(&p, 0, 10), 100);
	CHECK_EQ(pit_next_edge(&p, 0, 60), 100);
	CHECK_EQ(read16(&p, CH0, 10), 80);		/* counts by two */
	CHECK_EQ(read16(&p, CH0, 0), 100);
	/* Odd count: high one tick longer. */
	write16(&p, CH0, 5, 0);
	CHECK(pit_out(&p, 0, 2));
	CHECK(!pit_out(&p, 0, 3));
	CHECK(pit_out(&p, 0, 5));
}

/* Linux's one-shot clockevent (0x38): ch0, lo/hi, mode 4: one low tick, the rising edge
 * after it. */
TEST(mode4_strobe)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, CMD, 0x38, 0);
	write16(&p, CH0, 50, 10);
	CHECK(pit_out(&p, 0, 59));
	CHECK(!pit_out(&p, 0, 60));
	CHECK(pit_out(&p, 0, 61));
	CHECK_EQ(pit_next_edge(&p, 0, 10), 61);
	CHECK_EQ(pit_next_edge(&p, 0, 61), PIT_NEVER);
}

/* Mode 1 on channel 2: the count starts at GATE's rising edge. */
TEST(mode1_triggered)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, CMD, 0x92, 0);			/* ch2, LSB, mode 1 */
	pit_write(&p, CH2, 20, 0);
	CHECK(pit_out(&p, 2, 5));
	CHECK_EQ(pit_next_edge(&p, 2, 5), PIT_NEVER);
	pit_write(&p, PB, 0x01, 10);
	CHECK(!pit_out(&p, 2, 11));
	CHECK_EQ(pit_next_edge(&p, 2, 11), 30);
	pit_write(&p, PB, 0x00, 12);			/* low GATE does not stop mode 1 */
	CHECK(pit_out(&p, 2, 30));
}

TEST(lsb_msb_access)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, CMD, 0x14, 0);			/* ch0, LSB only, mode 2 */
	pit_write(&p, CH0, 200, 0);
	CHECK_EQ(pit_read(&p, CH0, 50), 150);
	CHECK_EQ(pit_read(&p, CH0, 50), 150);		/* no flip-flop */
	pit_write(&p, CMD, 0x24, 0);			/* ch0, MSB only, mode 2 */
	pit_write(&p, CH0, 2, 0);			/* count 0x200 */
	CHECK_EQ(pit_next_edge(&p, 0, 0), 0x200);
	CHECK_EQ(pit_read(&p, CH0, 0x100), 1);
	/* 0 is 65536. */
	pit_write(&p, CMD, 0x34, 0);
	write16(&p, CH0, 0, 0);
	CHECK_EQ(pit_next_edge(&p, 0, 0), 65536);
}

TEST(latch_command)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, CMD, 0x34, 0);
	write16(&p, CH0, 0x1234, 0);
	pit_write(&p, CMD, 0x00, 0x34);			/* latch ch0 at 0x1200 */
	pit_write(&p, CMD, 0x00, 0x200);		/* a second latch is ignored */
	CHECK_EQ(pit_read(&p, CH0, 0x1000), 0x00);
	CHECK_EQ(pit_read(&p, CH0, 0x1100), 0x12);
	/* Released: live again. */
	CHECK_EQ(read16(&p, CH0, 0x234), 0x1000);
}

TEST(read_back)
{
	struct pit p;

	pit_init(&p);
	pit_write(&p, CMD, 0xB0, 0);			/* ch2 mode 0 lo/hi */
	pit_write(&p, CMD, 0xE8, 0);			/* status of ch2: null count */
	CHECK_EQ(pit_read(&p, CH2, 0), 0x40 | 0x30 | 0x00);
	pit_write(&p, PB, 0x01, 0);
	write16(&p, CH2, 10, 0);
	pit_write(&p, CMD, 0xC8, 20);			/* status and count of ch2 */
	CHECK_EQ(pit_read(&p, CH2, 30), 0x80 | 0x30);	/* OUT high, count loaded */
	CHECK_EQ(read16(&p, CH2, 40), (u16)(10 - 20));
	/* Count only, of channels 0 and 2 (bits 1 and 3). */
	pit_write(&p, CMD, 0x34, 0);
	write16(&p, CH0, 1000, 0);
	pit_write(&p, CMD, 0xDA, 100);
	CHECK_EQ(read16(&p, CH0, 500), 900);
	CHECK_EQ(read16(&p, CH2, 500), (u16)(10 - 100));
}

TEST(refresh_toggles)
{
	struct pit p;
	bool seen[2] = { false, false };

	pit_init(&p);
	for (u64 t = 0; t < 100; t++)
		seen[!!(pit_read(&p, PB, t) & 0x10)] = true;
	CHECK(seen[0] && seen[1]);
	pit_write(&p, PB, 0xFF, 0);
	CHECK_EQ(pit_read(&p, PB, 0) & 0xCF, 0x0F);	/* bits 6-7 (errors) read 0 */
}

TEST(random_walk)
{
	struct pit p;
	static const u16 ports[] = { 0x40, 0x41, 0x42, 0x43, 0x61 };
	u32 seed = 7;
	u64 now = 0;

	pit_init(&p);
	for (unsigned i = 0; i < 200000; i++) {
		seed = seed * 1103515245 + 12345;
		u16 port = ports[(seed >> 16) % ARRAY_SIZE(ports)];
		now += (seed >> 8) & 0x3FF;
		if ((seed >> 7) & 1)
			pit_write(&p, port, (u8)(seed >> 20), now);
		else
			(void)pit_read(&p, port, now);
		for (unsigned ch = 0; ch < 3; ch++) {
			u64 e = pit_next_edge(&p, ch, now);
			CHECK(e == PIT_NEVER || (e > now && e <= now + 65537));
			CHECK(p.ch[ch].mode <= 5);
		}
	}
}

int main(void)
{
	RUN(idle_at_power_on);
	RUN(mode0_channel2);
	RUN(mode0_gate_pauses);
	RUN(mode0_first_byte_stops);
	RUN(mode2_periodic);
	RUN(mode3_square);
	RUN(mode4_strobe);
	RUN(mode1_triggered);
	RUN(lsb_msb_access);
	RUN(latch_command);
	RUN(read_back);
	RUN(refresh_toggles);
	RUN(random_walk);
	return DONE();
}
