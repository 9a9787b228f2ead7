/* drivers/disktest.c: selftest=disk, the swap disk's check on real (emulated) hardware:
 * sector 0 as text and hex (tools/mkdisk.sh writes a known string there), then a pattern
 * written to the last 8 sectors by DMA and by PIO and read back both ways, then what was
 * there put back. It runs at boot, before any VM, so nothing else uses the disk. */
#include "drivers/ata.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/percpu.h"
#include "host/smp.h"
#include "host/tsc.h"
#include "lib/string.h"

#define N 8			/* sectors: one 4 KiB page */
#define BYTES (N * 512)

static void pattern(u8 *p, u8 seed)
{
	for (u32 i = 0; i < BYTES; i++)
		p[i] = (u8)(i * 7 + seed) ^ (u8)(i >> 8);
}

static void show_sector0(const u8 *s)
{
	char text[33], hex[32 * 3 + 1];

	for (int i = 0; i < 32; i++) {
		static const char digits[] = "0123456789abcdef";

		text[i] = s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\'' ? (char)s[i] : '.';
		hex[3 * i] = digits[s[i] >> 4];
		hex[3 * i + 1] = digits[s[i] & 15];
		hex[3 * i + 2] = ' ';
	}
	text[32] = '\0';
	hex[32 * 3 - 1] = '\0';
	pr_info("ata: selftest: sector 0: '%s' %s", text, hex);
}

/* One write by `how`, read back by DMA (when in use) and by PIO. Returns what went wrong,
 * or 0. */
static const char *round_trip(u64 lba, enum ata_how how, u8 seed, u8 *out, u8 *in)
{
	pattern(out, seed);
	if (ata_io(lba, N, out, true, how))
		return "the write failed";
	if (ata_dma_on()) {
		memset(in, 0, BYTES);
		if (ata_io(lba, N, in, false, ATA_DMA))
			return "the DMA read failed";
		if (memcmp(in, out, BYTES))
			return "the DMA read-back differs";
	}
	memset(in, 0, BYTES);
	if (ata_io(lba, N, in, false, ATA_PIO))
		return "the PIO read failed";
	if (memcmp(in, out, BYTES))
		return "the PIO read-back differs";
	return 0;
}

/* The largest request, 256 sectors (128 KiB: a PRD table of three regions, split at 64 KiB
 * boundaries, from a page-aligned buffer), read both ways; the two must agree. */
static const char *big_read(void)
{
	u8 *a = page_alloc_zeroed(64), *b = a ? page_alloc_zeroed(64) : 0;
	const char *why = 0;

	if (!a || !b)
		why = "no memory";
	else if (ata_dma_on() && ata_io(0, 256, a, false, ATA_DMA))
		why = "the DMA read failed";
	else if (ata_io(0, 256, b, false, ATA_PIO))
		why = "the PIO read failed";
	else if (ata_dma_on() && memcmp(a, b, 256 * 512))
		why = "DMA and PIO differ";
	else if (memcmp(b, "FAULTLINE", 9))
		why = "sector 0 changed";
	if (b)
		frame_free((u64)b, 64);
	if (a)
		frame_free((u64)a, 64);
	return why;
}

/* Every CPU at once, through the one lock: each reads single sectors of the last 8 (by DMA
 * and by PIO in turn) and compares them with what the PIO round trip left there. */
#define ROUNDS 16
static struct {
	u64 lba;
	const u8 *expect;
	u8 *buf[MAX_CPUS];
	u32 bad;
} conc;

static void conc_reader(void *arg)
{
	u32 me = cpu_index();

	(void)arg;
	for (u32 i = 0; i < ROUNDS; i++) {
		u32 k = (me + i) % N;

		if (ata_io(conc.lba + k, 1, conc.buf[me], false, (i & 1) ? ATA_PIO : ATA_AUTO) ||
		    memcmp(conc.buf[me], conc.expect + k * 512, 512))
			__atomic_add_fetch(&conc.bad, 1, __ATOMIC_RELAXED);
	}
}

static void concurrent(u64 lba, const u8 *expect)
{
	u32 n = ncpus_online, c;

	conc.lba = lba;
	conc.expect = expect;
	conc.bad = 0;
	for (c = 0; c < n; c++)
		if (!(conc.buf[c] = page_alloc_zeroed(1)))
			break;
	if (c == n) {
		for (c = 1; c < n; c++)
			smp_call(c, conc_reader, 0);
		conc_reader(0);
		for (c = 1; c < n; c++)
			smp_wait_idle(c);
		if (conc.bad)
			pr_err("ata: selftest: %u CPUs x %u concurrent reads: %u failed or differ", n,
			       ROUNDS, conc.bad);
		else
			pr_info("ata: selftest: %u CPUs x %u concurrent reads ok", n, ROUNDS);
	} else {
		pr_err("ata: selftest: no memory for the concurrent reads");
	}
	for (c = 0; c < n && conc.buf[c]; c++) {
		frame_free((u64)conc.buf[c], 1);
		conc.buf[c] = 0;
	}
}

/* The time of one 8-sector read each way, in TSC ticks: what a 4 KiB page-in costs. */
static void measure(u64 lba, u8 *buf)
{
	u64 t0, dma = 0, pio;

	t0 = rdtsc();
	if (ata_io(lba, N, buf, false, ATA_PIO))
		return;
	pio = rdtsc() - t0;
	if (!ata_dma_on()) {
		pr_info("ata: selftest: one 4 KiB read: PIO %llu ticks (%llu us)",
			(unsigned long long)pio, (unsigned long long)tsc_to_us(pio));
		return;
	}
	t0 = rdtsc();
	if (ata_io(lba, N, buf, false, ATA_DMA))
		return;
	dma = rdtsc() - t0;
	pr_info("ata: selftest: one 4 KiB read: DMA %llu ticks (%llu us), PIO %llu ticks (%llu us)",
		(unsigned long long)dma, (unsigned long long)tsc_to_us(dma),
		(unsigned long long)pio, (unsigned long long)tsc_to_us(pio));
}

void ata_selftest(void)
{
	u8 *save, *out, *in;
	const char *dma_why, *pio_why;
	bool dma;
	u64 last;

	if (!ata_ready()) {
		pr_warn("ata: selftest: no disk ready (see the ata: line above): nothing to test");
		return;
	}
	if (ata_sectors() < 2 * N) {
		pr_warn("ata: selftest: the disk has fewer than %u sectors: nothing to test", 2 * N);
		return;
	}
	save = page_alloc_zeroed(3);
	if (!save) {
		pr_err("ata: selftest: no memory for 3 pages");
		return;
	}
	out = save + PAGE_SIZE;
	in = out + PAGE_SIZE;
	if (ata_read(0, 1, in)) {
		pr_err("ata: selftest: reading sector 0 failed");
		goto done;
	}
	show_sector0(in);
	last = ata_sectors() - N;
	/* Requests the API refuses (one line each): past the end, and a count over 256. */
	if (ata_read(last + 1, N, in) == 0 || ata_read(0, 257, in) == 0)
		pr_err("ata: selftest: a bad request was not refused");
	if (ata_io(last, N, save, false, ATA_PIO)) {
		pr_err("ata: selftest: reading the last %u sectors failed: no write test", N);
		goto done;
	}
	/* What is there, written back the way a caller writes (DMA, PIO after a DMA failure):
	 * the first write, which tests/t_disk.sh makes fail once to see the fallback. */
	if (ata_write(last, N, save)) {
		pr_err("ata: selftest: writing the last %u sectors back failed: no write test", N);
		goto done;
	}
	dma = ata_dma_on();
	dma_why = dma ? round_trip(last, ATA_DMA, 0x5A, out, in) : 0;
	pio_why = round_trip(last, ATA_PIO, 0xC3, out, in);
	if (!pio_why)
		concurrent(last, out);	/* out holds what the PIO round trip wrote */
	const char *big_why = big_read();
	measure(last, in);
	if (ata_io(last, N, save, true, ATA_PIO))
		pr_err("ata: selftest: putting the last %u sectors back failed", N);
	if (big_why)
		pr_err("ata: selftest: 256-sector read: %s", big_why);
	else
		pr_info("ata: selftest: 256-sector read: %s", dma ? "DMA and PIO agree" : "PIO ok");
	if (dma_why || pio_why)
		pr_err("ata: selftest: dma write/read %s, pio write/read %s", dma_why ? dma_why : "ok",
		       pio_why ? pio_why : "ok");
	else if (!dma)
		pr_info("ata: selftest: dma write/read skipped (PIO only: see above), pio write/read ok");
	else
		pr_info("ata: selftest: dma write/read ok, pio write/read ok");
done:
	frame_free((u64)save, 3);
}
