/* tests/unit/test_boot64.c: host tests of lib/boot64.c: the 64-bit entry's page tables,
 * walked here the way the CPU walks them (SDM Vol. 3A 5.5) over a model of guest RAM, for
 * RAM sizes from 2 MiB to a few GiB; and the GDT's descriptors against the access rights
 * the VMCS gets from them. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/boot64.h"

#define M (1ULL << 20)
#define G (1ULL << 30)
#define AT 0xC000ULL		/* where the tables lie in the model: not 0, not aligned big */
#define ADDR(e) ((e) & 0x000FFFFFFFFFF000ULL)

static u64 *ram;		/* the tables' pages, as loaded at AT */
static u64 npages;

static void load(u64 mem)
{
	npages = boot64_pt_pages(mem);
	free(ram);
	ram = calloc(npages ? npages : 1, 4096);
	for (u64 i = 0; i < npages; i++)
		boot64_pt_page(ram + i * 512, AT, mem, i);
}

/* The table at guest address pa, or NULL when it is not one of ours. */
static const u64 *table(u64 pa)
{
	if (pa < AT || pa >= AT + npages * 4096 || pa % 4096)
		return NULL;
	return ram + (pa - AT) / 8;
}

/* The CPU's walk from CR3 = AT: the physical address of va, or ~0 when not mapped; a
 * present non-leaf must be writable and point at one of our tables, and the leaf must be
 * a 2 MiB page, present, writable, supervisor, write-back. */
static u64 walk(u64 va)
{
	const u64 *t = table(AT);
	u64 e;

	for (int level = 3; level >= 1; level--) {
		e = t[(va >> (12 + 9 * level)) & 511];
		if (!(e & 1))
			return ~0ULL;
		CHECK_EQ(e & 0x9E, level == 1 ? 0x82 : 0x02);	/* RW, PS at the PD only; U, PWT,
								 * PCD clear */
		CHECK_EQ(e >> 52, 0);				/* XD, ignored bits clear */
		if (level == 1)
			return ADDR(e) + (va & (2 * M - 1));
		t = table(ADDR(e));
		CHECK(t != NULL);
		if (!t)
			return ~0ULL;
	}
	return ~0ULL;
}

static void check_map(u64 mem)
{
	u64 top = (mem + 2 * M - 1) & ~(2 * M - 1);

	load(mem);
	CHECK_EQ(npages, 2 + (mem + G - 1) / G);
	for (u64 a = 0; a < top; a += 2 * M) {
		CHECK_EQ(walk(a), a);
		CHECK_EQ(walk(a + 0x1234), a + 0x1234);
		CHECK_EQ(walk(a + 2 * M - 1), a + 2 * M - 1);
	}
	CHECK_EQ(walk(top), ~0ULL);		/* nothing past RAM */
	CHECK_EQ(walk(top + 7 * G), ~0ULL);
	CHECK_EQ(walk(512 * G), ~0ULL);		/* PML4 entry 1 */
	CHECK_EQ(walk(0xFFFFFFFF80000000ULL), ~0ULL);	/* the kernel's high map: its own job */
}

TEST(sizes)
{
	CHECK_EQ(boot64_pt_pages(0), 0);
	CHECK_EQ(boot64_pt_pages(2 * M), 3);
	CHECK_EQ(boot64_pt_pages(G), 3);
	CHECK_EQ(boot64_pt_pages(G + 2 * M), 4);
	CHECK_EQ(boot64_pt_pages(4 * G), 6);
	CHECK_EQ(boot64_pt_pages(512 * G), 514);
	CHECK_EQ(boot64_pt_pages(512 * G + 1), 0);
}

TEST(maps)
{
	check_map(2 * M);
	check_map(8 * M);
	check_map(160 * M);
	check_map(G);			/* faultline's largest mem= */
	check_map(G + 2 * M);		/* one more directory with one entry */
	check_map(3 * M);		/* not 2M-aligned: rounded up */
	check_map(5 * G);
}

/* A page index past the tables is an empty page; a filled page is overwritten whole. */
TEST(out_of_range)
{
	u64 p[512];

	memset(p, 0xEE, sizeof(p));
	boot64_pt_page(p, AT, 8 * M, 3);
	for (int i = 0; i < 512; i++)
		CHECK_EQ(p[i], 0);
	memset(p, 0xEE, sizeof(p));
	boot64_pt_page(p, AT, 8 * M, 2);
	CHECK_EQ(p[3], 6 * M | 0x83);
	for (int i = 4; i < 512; i++)
		CHECK_EQ(p[i], 0);
	memset(p, 0xEE, sizeof(p));
	boot64_pt_page(p, AT, 0, 0);		/* no RAM: nothing */
	CHECK_EQ(p[0], 0);
}

/* The GDT: the protocol's selectors, flat 4 GiB, and the VMCS access rights derived from
 * the same descriptors (SDM Vol. 3C 27.3.1.2: CS type 11 accessed, L=1 with D=0; data
 * type 3, P, S; G=1 with a limit whose low 12 bits are ones). */
TEST(gdt)
{
	u64 g[BOOT64_GDT_N];

	memset(g, 0xEE, sizeof(g));
	boot64_gdt(g);
	CHECK_EQ(g[0], 0);
	CHECK_EQ(g[1], 0);
	CHECK_EQ(g[BOOT64_CS / 8], BOOT64_CS_DESC);
	CHECK_EQ(g[BOOT64_DS / 8], BOOT64_DS_DESC);
	for (int i = 2; i < 4; i++) {
		u64 d = g[i];
		CHECK_EQ((d & 0xFFFF) | ((d >> 32) & 0xF0000), 0xFFFFF);	/* limit */
		CHECK_EQ(((d >> 16) & 0xFFFFFF) | ((d >> 32) & 0xFF000000), 0);	/* base */
	}
	u32 cs = boot64_ar(BOOT64_CS_DESC), ds = boot64_ar(BOOT64_DS_DESC);
	CHECK_EQ(cs, 0xA09B);		/* G, L, P, S, execute/read accessed */
	CHECK_EQ(cs & 0xF, 0xB);
	CHECK(cs & (1 << 13));		/* L */
	CHECK(!(cs & (1 << 14)));	/* not D with L */
	CHECK_EQ(ds, 0xC093);		/* G, B, P, S, read/write accessed */
	CHECK_EQ((cs >> 5) & 3, 0);	/* DPL 0 both */
	CHECK_EQ((ds >> 5) & 3, 0);
	CHECK_EQ(BOOT64_CS, 0x10);	/* __BOOT_CS, __BOOT_DS */
	CHECK_EQ(BOOT64_DS, 0x18);
}

int main(void)
{
	RUN(sizes);
	RUN(maps);
	RUN(out_of_range);
	RUN(gdt);
	free(ram);
	return DONE();
}
