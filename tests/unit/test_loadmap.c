/* tests/unit/test_loadmap.c: host tests of lib/loadmap.c: the E820 map of a VM's RAM, and
 * where the loader puts its pages (the multiboot information, boot_params) around images
 * that cover 0x9000, all of low RAM, or RAM up to its end. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/loadmap.h"

#define M (1ULL << 20)

TEST(e820)
{
	struct memrange m[LOADMAP_N];

	loadmap_e820(32 * M, m);
	CHECK_EQ(m[0].base, 0);
	CHECK_EQ(m[0].len, 0x9F000);
	CHECK_EQ(m[0].type, 1);
	CHECK_EQ(m[1].base, 0x9F000);
	CHECK_EQ(m[1].base + m[1].len, M);
	CHECK_EQ(m[1].type, 2);
	CHECK_EQ(m[2].base, M);
	CHECK_EQ(m[2].len, 31 * M);
	CHECK_EQ(m[2].type, 1);
}

TEST(place)
{
	struct span at1m = { M, 2 * M };
	struct span over9 = { 0x8000, 0xA800 };		/* covers 0x9000 and 0xA000 */
	struct span low[2] = { { 0x1000, 0x9F000 }, { M, 3 * M } };
	struct span lowish = { 0x1000, 0x9E000 };	/* leaves one page, 0x9E000 */

	CHECK_EQ(loadmap_place(32 * M, NULL, 0, 1), 0x9000);
	CHECK_EQ(loadmap_place(32 * M, &at1m, 1, 2), 0x9000);	/* the usual case */
	/* Linux's 64-bit entry: boot_params, command line, GDT and 3 page-table pages */
	CHECK_EQ(loadmap_place(32 * M, &at1m, 1, 6), 0x9000);
	CHECK_EQ(loadmap_place(32 * M, &lowish, 1, 6), M);
	CHECK_EQ(loadmap_place(32 * M, &over9, 1, 1), 0x1000);	/* lowest free below */
	CHECK_EQ(loadmap_place(32 * M, low, 2, 1), 3 * M);	/* after the image */
	CHECK_EQ(loadmap_place(32 * M, &lowish, 1, 1), 0x9E000);
	CHECK_EQ(loadmap_place(32 * M, &lowish, 1, 2), M);	/* not into the hole */
	struct span all[2] = { { 0x1000, 0x9F000 }, { M, 32 * M } };
	CHECK_EQ(loadmap_place(32 * M, all, 2, 1), 0);		/* no room anywhere */
	struct span odd[2] = { { 0x1000, 0x9F000 }, { M, 0x200123 } };
	CHECK_EQ(loadmap_place(32 * M, odd, 2, 1), 0x201000);	/* page-aligned */
	CHECK_EQ(loadmap_place(32 * M, NULL, 0, 0), 0);
	CHECK_EQ(loadmap_place(2 * M, NULL, 0, 1ULL << 40), 0);	/* no overflow */
}

/* Whatever the spans, a page handed out is in RAM, aligned, not page 0, not in the hole
 * and clear of every span. */
TEST(random_spans)
{
	unsigned bad = 0;

	srand(7);
	for (int i = 0; i < 100000; i++) {
		struct span s[4];
		unsigned n = rand() % 5;
		u64 mem = (2 + rand() % 8) * M, np = 1 + rand() % 3;

		for (unsigned k = 0; k < n && k < 4; k++) {
			u64 lo = (u64)(rand() % (int)(mem >> 10)) << 10;
			s[k] = (struct span){ lo, lo + ((u64)rand() % (mem >> 2)) };
		}
		n = n > 4 ? 4 : n;
		u64 a = loadmap_place(mem, s, n, np), hi = a + np * 4096;
		if (!a)
			continue;
		if (a % 4096 || a < 4096 || hi > mem || (a < M && hi > 0x9F000))
			bad++;
		for (unsigned k = 0; k < n; k++)
			if (a < s[k].hi && s[k].lo < hi)
				bad++;
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	RUN(e820);
	RUN(place);
	RUN(random_spans);
	return DONE();
}
