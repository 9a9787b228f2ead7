/* host/tsc.c: TSC calibration against PIT channel 2 and busy-wait delays.
 * Channel 2 is the one whose output can be read back (port 0x61 bit 5) without an
 * interrupt, which is why calibration code everywhere uses it. */
#include "host/tsc.h"
#include "host/cpu.h"

#define PIT_HZ		1193182
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61

u64 tsc_khz;
u64 tsc_boot;

/* Waits `ticks` PIT ticks (< 65536) using channel 2 in mode 0 (interrupt on terminal count). */
static void pit_wait(u16 ticks)
{
	u8 gate = inb(PIT_GATE);
	outb(PIT_GATE, (gate & ~0x02) & ~0x01);	/* gate low, speaker off */
	outb(PIT_CMD, 0xB0);			/* channel 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, ticks & 0xFF);
	outb(PIT_CH2, ticks >> 8);
	outb(PIT_GATE, (inb(PIT_GATE) & ~0x02) | 0x01); /* gate high: counting starts */
	for (long i = 0; i < 100000000 && !(inb(PIT_GATE) & 0x20); i++)
		cpu_relax();
}

void tsc_calibrate(void)
{
	/* 10 ms, twice; keep the faster (less disturbed) measurement. */
	u64 best = ~0ULL;
	for (int i = 0; i < 2; i++) {
		u64 t0 = rdtsc();
		pit_wait(PIT_HZ / 100);
		u64 dt = rdtsc() - t0;
		if (dt < best)
			best = dt;
	}
	tsc_khz = best / 10;
	if (tsc_khz == 0)
		tsc_khz = 1;
}

u64 tsc_to_us(u64 ticks)
{
	if (!tsc_khz)
		return 0;
	/* ticks * 1000 / khz without overflow for any realistic uptime */
	return (ticks / tsc_khz) * 1000 + (ticks % tsc_khz) * 1000 / tsc_khz;
}

u64 time_us(void)
{
	return tsc_to_us(rdtsc() - tsc_boot);
}

void udelay(u64 us)
{
	if (!tsc_khz) {
		while (us > 50000) {
			pit_wait(PIT_HZ / 20);
			us -= 50000;
		}
		pit_wait((u16)(us * PIT_HZ / 1000000 + 1));
		return;
	}
	u64 end = rdtsc() + us * tsc_khz / 1000;
	while (rdtsc() < end)
		cpu_relax();
}
