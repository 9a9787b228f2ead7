/* guest/tests/memtest.c: writes a pattern derived from each word's address over all free RAM,
 * then reads every word back; proves the VM's RAM is really its own and fully backed.
 *
 * Free RAM is every available mmap region clipped to [end of our image, end of RAM): the
 * runtime has copied the multiboot information by now, and the low 1 MiB is left alone.
 * RAM above 4 GiB (only with huge VMs) is not mapped by the runtime and is skipped.
 * Two passes, the address mix and its complement, so every bit is seen both 0 and 1; a mix
 * (not the address itself) catches aliasing, where two addresses hit the same RAM. */
#include "guest/lib/rt.h"
#include "guest/tests/mix64.h"

#define MAX_REPORTS	8

static void fill(u64 lo, u64 hi, u64 flip)
{
	for (u64 a = lo; a < hi; a += 8)
		*(volatile u64 *)a = mix64(a) ^ flip;
}

static u64 verify(u64 lo, u64 hi, u64 flip, u64 *reports)
{
	u64 bad = 0;

	for (u64 a = lo; a < hi; a += 8) {
		u64 got = *(volatile u64 *)a, want = mix64(a) ^ flip;

		if (got == want)
			continue;
		bad++;
		if ((*reports)++ < MAX_REPORTS)
			rt_printf("guest: memtest: at 0x%lx got 0x%lx want 0x%lx\n", a, got, want);
	}
	return bad;
}

int main(const char *cmdline)
{
	u64 start = ALIGN_UP(rt_image_end(), PAGE_SIZE), end = MIN(rt_mem_upper(), RT_MAP_END);
	u64 tested = 0, bad = 0, reports = 0;

	(void)cmdline;
	rt_printf("guest: memtest: RAM [0x%lx, 0x%lx)\n", start, end);
	for (unsigned pass = 0; pass < 2; pass++) {
		u64 flip = pass ? ~0ULL : 0;

		for (unsigned i = 0; i < rt_nmmap; i++) {
			const struct rt_region *r = &rt_mmap[i];
			u64 lo = ALIGN_UP(MAX(r->base, start), 8);
			u64 hi = ALIGN_DOWN(MIN(r->base + r->len, end), 8);

			if (r->type != 1 || lo >= hi)
				continue;
			fill(lo, hi, flip);
			bad += verify(lo, hi, flip, &reports);
			if (!pass)
				tested += hi - lo;
		}
	}
	rt_printf("guest: memtest: %lu MiB tested, %lu bad words\n", tested >> 20, bad);
	rt_check(tested > 0, "memtest: some RAM to test");
	rt_check(bad == 0, "memtest: every word reads back what was written");
	return rt_report();
}
