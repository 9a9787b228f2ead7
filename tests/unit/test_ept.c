/* tests/unit/test_ept.c: host tests of ept/ept.c, the EPT table tree.
 *
 * The fake allocator hands out 4 KiB-aligned malloc'd pages under made-up physical
 * addresses (BASE + n * 4 KiB, never reused), so a table pointer that is not one of its live
 * pages is caught in pa_to_va, a double free in free_page, and a leak by the live count after
 * ept_destroy (and by LeakSanitizer). It can be told to fail after n more allocations.
 * Trees are checked through ept_walk and also by reading the tables directly: tree_hash()
 * says "nothing changed", scan() checks bit 63 on every entry and counts the tables. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "ept/ept.h"

#define K 1024ULL
#define M (1024ULL * K)
#define G (1024ULL * M)
#define BASE 0x123400000000ULL	/* fake physical address of page 0: uses bits 32-47 */
#define MAXP 4096
#define NOFAIL (-1)

struct fa {
	void *page[MAXP];
	unsigned n;		/* pages handed out so far */
	unsigned live;
	long fail_after;	/* allocations that still succeed; NOFAIL: all */
	unsigned bad;		/* bad pa_to_va / free_page calls */
};

static u64 fa_alloc(void *ctx)
{
	struct fa *f = ctx;
	void *p;

	if (f->fail_after == 0 || f->n == MAXP)
		return ~0ULL;
	if (f->fail_after > 0)
		f->fail_after--;
	p = aligned_alloc(4096, 4096);
	memset(p, 0, 4096);
	f->page[f->n] = p;
	f->live++;
	return BASE + (u64)f->n++ * 4096;
}

/* The page index of pa, or -1 (counted in f->bad) when pa is not a live page. */
static long slot(struct fa *f, u64 pa, const char *who)
{
	u64 i = (pa - BASE) / 4096;

	if (pa >= BASE && !(pa & 4095) && i < f->n && f->page[i])
		return i;
	printf("  bad %s(0x%llx)\n", who, (unsigned long long)pa);
	f->bad++;
	return -1;
}

static void *fa_va(void *ctx, u64 pa)
{
	long i = slot(ctx, pa, "pa_to_va");

	if (i < 0)
		abort();
	return ((struct fa *)ctx)->page[i];
}

static void fa_free(void *ctx, u64 pa)
{
	struct fa *f = ctx;
	long i = slot(f, pa, "free_page");

	if (i < 0)
		return;
	free(f->page[i]);
	f->page[i] = NULL;
	f->live--;
}

static struct ept mk(struct fa **fp)
{
	struct fa *f = calloc(1, sizeof(*f));
	struct ept e = { .alloc_page = fa_alloc, .free_page = fa_free, .pa_to_va = fa_va };

	f->fail_after = NOFAIL;
	e.ctx = f;
	e.root_pa = 0xdead;
	e.table_pages = 77;
	e.flush_needed = true;
	CHECK_EQ(ept_init(&e), EPT_OK);
	*fp = f;
	return e;
}

/* Destroys e, checks that every page came back, frees the fake. */
static void done(struct ept *e, struct fa *f)
{
	ept_destroy(e);
	CHECK_EQ(e->table_pages, 0);
	CHECK_EQ(f->live, 0);
	CHECK_EQ(f->bad, 0);
	for (unsigned i = 0; i < f->n; i++)
		free(f->page[i]);
	free(f);
}

static u64 *tab(const struct ept *e, u64 pa)
{
	return e->pa_to_va(e->ctx, pa);
}

static bool is_table(u64 ent, int l)
{
	return l > 1 && (ent & EPT_RWX) && !(l == 2 && (ent & EPT_LARGE));
}

/* FNV-1a over every entry of every table, with its level and index. */
static u64 hash_tree(const struct ept *e, u64 pa, int l, u64 h)
{
	u64 *t = tab(e, pa);

	for (int i = 0; i < 512; i++) {
		u64 v[3] = { (u64)l, (u64)i, t[i] };
		for (int j = 0; j < 3; j++)
			h = (h ^ v[j]) * 0x100000001b3ULL;
		if (is_table(t[i], l))
			h = hash_tree(e, t[i] & EPT_ADDR_MASK, l - 1, h);
	}
	return h;
}

static u64 tree_hash(const struct ept *e)
{
	return hash_tree(e, e->root_pa, 4, 0xcbf29ce484222325ULL ^ e->table_pages);
}

struct scan {
	unsigned tables, conv, nosve;
};

/* Every entry must have bit 63 except not-present 4 KiB leaves that are exactly 0. */
static void scan_tree(const struct ept *e, u64 pa, int l, struct scan *s)
{
	u64 *t = tab(e, pa);

	s->tables++;
	for (int i = 0; i < 512; i++) {
		if (l == 1 && t[i] == 0)
			s->conv++;
		else if (!(t[i] & EPT_SVE))
			s->nosve++;
		if (is_table(t[i], l)) {
			CHECK_EQ(t[i] & ~EPT_ADDR_MASK, EPT_RWX | EPT_SVE);
			scan_tree(e, t[i] & EPT_ADDR_MASK, l - 1, s);
		}
	}
}

static struct scan scan(const struct ept *e)
{
	struct scan s = { 0, 0, 0 };

	scan_tree(e, e->root_pa, 4, &s);
	CHECK_EQ(s.tables, e->table_pages);
	CHECK_EQ(s.nosve, 0);
	return s;
}

static struct ept_walk walk(const struct ept *e, u64 gpa)
{
	struct ept_walk w;

	memset(&w, 0xa5, sizeof(w));
	CHECK_EQ(ept_walk(e, gpa, &w), 0);
	return w;
}

/* Does gpa translate to hpa with perms, through a page at level lvl? */
static bool maps(const struct ept *e, u64 gpa, u64 hpa, u64 perms, int lvl)
{
	struct ept_walk w = walk(e, gpa);

	return w.present && w.hpa == hpa && w.perms == perms && w.page_level == lvl &&
	       w.levels == (lvl == 1 ? 4 : 3);
}

/* Is gpa unmapped, its walk ending at a suppress-#VE not-present entry? */
static bool gone(const struct ept *e, u64 gpa)
{
	struct ept_walk w = walk(e, gpa);

	return !w.present && w.levels >= 1 && w.entry[w.levels - 1] == EPT_SVE;
}

#define RWX EPT_RWX
#define RW (EPT_R | EPT_W)
#define RX (EPT_R | EPT_X)
#define LEAF (EPT_MT_WB | EPT_SVE)

/* A change that must succeed, and whether it must ask for a flush (the flag is cleared
 * before). */
#define CHANGE(call, flush)                                                            \
	do {                                                                           \
		e.flush_needed = false;                                                \
		CHECK_EQ(call, 0);                                                     \
		CHECK_EQ(e.flush_needed, flush);                                       \
	} while (0)

TEST(init_pointer_destroy)
{
	struct fa *f;
	struct ept e = mk(&f);
	u64 *root = tab(&e, e.root_pa);
	struct ept_walk w;

	CHECK_EQ(e.root_pa, BASE);
	CHECK_EQ(e.table_pages, 1);
	CHECK(!e.flush_needed);
	CHECK_EQ(f->live, 1);
	for (int i = 0; i < 512; i++)
		CHECK_EQ(root[i], EPT_SVE);
	CHECK_EQ(ept_pointer(&e, false), BASE | 6 | (3 << 3));
	CHECK_EQ(ept_pointer(&e, true), BASE | 6 | (3 << 3) | (1 << 6));
	w = walk(&e, 0x1000);
	CHECK(!w.present && w.levels == 1 && w.entry[0] == EPT_SVE);
	scan(&e);
	done(&e, f);

	/* The root cannot be had. */
	f = calloc(1, sizeof(*f));
	f->fail_after = 0;
	e = (struct ept){ .alloc_page = fa_alloc, .free_page = fa_free, .pa_to_va = fa_va };
	e.ctx = f;
	CHECK_EQ(ept_init(&e), EPT_ENOMEM);
	CHECK_EQ(e.table_pages, 0);
	CHECK_EQ(ept_walk(&e, 1ULL << 48, &w), EPT_EINVAL);
	done(&e, f);	/* nothing to free */
}

TEST(map_4k)
{
	struct fa *f;
	struct ept e = mk(&f);
	struct ept_walk w;

	CHECK_EQ(ept_map(&e, 0x1000, 0x5000, 0x1000, RX), 0);
	CHECK_EQ(e.table_pages, 4);
	CHECK(!e.flush_needed);
	CHECK(maps(&e, 0x1234, 0x5234, RX, 1));
	w = walk(&e, 0x1234);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(w.entry[i] & ~EPT_ADDR_MASK, EPT_RWX | EPT_SVE);
	CHECK_EQ(w.entry[3], 0x5000 | RX | LEAF);
	CHECK(gone(&e, 0) && gone(&e, 0x2000) && gone(&e, 2 * M) && gone(&e, 1 * G));
	CHECK(walk(&e, 0x2000).levels == 4 && walk(&e, 2 * M).levels == 3);
	CHECK(walk(&e, 1 * G).levels == 2 && walk(&e, 512 * G).levels == 1);
	/* Execute-only and a high hpa; a range that crosses a 512 GiB boundary. */
	CHECK_EQ(ept_map(&e, 0x3000, 0xFFFFFFFFF000ULL, 0x1000, EPT_X), 0);
	CHECK(maps(&e, 0x3fff, 0xFFFFFFFFFFFFULL, EPT_X, 1));
	CHECK_EQ(ept_map(&e, 512 * G - 0x1000, 0x9000, 0x2000, RW), 0);
	CHECK_EQ(e.table_pages, 4 + 5);
	CHECK(maps(&e, 512 * G - 1, 0x9fff, RW, 1));
	CHECK(maps(&e, 512 * G, 0xa000, RW, 1));
	/* The last page below 2^48. */
	CHECK_EQ(ept_map(&e, (1ULL << 48) - 0x1000, 0x1000, 0x1000, RWX), 0);
	CHECK(maps(&e, (1ULL << 48) - 1, 0x1fff, RWX, 1));
	CHECK(!e.flush_needed);
	scan(&e);
	done(&e, f);
}

TEST(map_2m)
{
	struct fa *f;
	struct ept e = mk(&f);
	u64 a;

	CHECK_EQ(ept_map(&e, 2 * M, 1 * G, 4 * M, RWX), 0);
	CHECK_EQ(e.table_pages, 3);
	CHECK(maps(&e, 0x2ABCDE, 1 * G + 0xABCDE, RWX, 2));
	CHECK_EQ(walk(&e, 0x2ABCDE).entry[2], 1 * G | RWX | LEAF | EPT_LARGE);
	CHECK(maps(&e, 4 * M + 0x1FFFFF, 1 * G + 4 * M - 1, RWX, 2));
	CHECK(gone(&e, 6 * M) && gone(&e, 2 * M - 1));
	/* hpa not 2 MiB aligned: 4 KiB pages only. */
	CHECK_EQ(ept_map(&e, 8 * M, 1 * G + 0x1000, 2 * M, RW), 0);
	CHECK_EQ(e.table_pages, 4);
	CHECK(maps(&e, 8 * M, 1 * G + 0x1000, RW, 1));
	CHECK(maps(&e, 10 * M - 1, 1 * G + 0x200FFF, RW, 1));
	/* gpa not aligned, hpa aligned: 4 KiB too. */
	CHECK_EQ(ept_map(&e, 12 * M + 0x1000, 2 * G, 2 * M, RW), 0);
	CHECK_EQ(e.table_pages, 6);
	CHECK(maps(&e, 12 * M + 0x1000, 2 * G, RW, 1));
	CHECK(maps(&e, 14 * M, 2 * G + 2 * M - 0x1000, RW, 1));
	/* 1 GiB of 2 MiB pages: one more PD, no PTs. */
	CHECK_EQ(ept_map(&e, 1 * G, 64 * G, 1 * G, RX), 0);
	CHECK_EQ(e.table_pages, 7);
	CHECK(maps(&e, 1 * G + 0x3456789, 64 * G + 0x3456789, RX, 2));
	CHECK(!e.flush_needed);
	scan(&e);
	done(&e, f);

	/* [1M, 5M): 256 4 KiB pages, one 2 MiB page at 2M, 256 4 KiB pages. */
	e = mk(&f);
	CHECK_EQ(ept_map(&e, 1 * M, 1 * M, 4 * M, RWX), 0);
	CHECK_EQ(e.table_pages, 5);
	for (a = 1 * M; a < 2 * M; a += 0x1000)
		CHECK(maps(&e, a + 0x10, a + 0x10, RWX, 1));
	CHECK(maps(&e, 2 * M, 2 * M, RWX, 2) && maps(&e, 4 * M - 8, 4 * M - 8, RWX, 2));
	for (a = 4 * M; a < 5 * M; a += 0x1000)
		CHECK(maps(&e, a, a, RWX, 1));
	CHECK(gone(&e, 1 * M - 0x1000) && gone(&e, 5 * M));
	/* Same with a different offset: [1M, 5M) -> [3M, 7M). */
	CHECK_EQ(ept_map(&e, 1 * G + 1 * M, 3 * M, 4 * M, RW), 0);
	CHECK(maps(&e, 1 * G + 2 * M + 5, 4 * M + 5, RW, 2));
	CHECK(maps(&e, 1 * G + 4 * M, 6 * M, RW, 1));
	CHECK(!e.flush_needed);
	scan(&e);
	done(&e, f);
}

TEST(unmap)
{
	struct fa *f;
	struct ept e = mk(&f);
	u64 h;

	CHECK_EQ(ept_map(&e, 2 * M, 2 * G, 2 * M, RWX), 0);
	/* The CPU set A and D in the 2 MiB page; the split keeps them, and all the rest. */
	tab(&e, walk(&e, 2 * M).entry[1] & EPT_ADDR_MASK)[1] |= EPT_A | EPT_D;
	CHANGE(ept_unmap(&e, 2 * M + 0x1000, 0x1000), true);
	CHECK(e.table_pages == 4 && f->live == 4);
	CHECK(gone(&e, 2 * M + 0x1000) && walk(&e, 2 * M + 0x1000).levels == 4);
	for (u64 i = 0, a = 2 * M, h = 2 * G; i < 512; i++, a += 0x1000, h += 0x1000) {
		if (i == 1)
			continue;
		CHECK(maps(&e, a + 0x123, h + 0x123, RWX, 1));
		CHECK_EQ(walk(&e, a).entry[3], h | RWX | LEAF | EPT_A | EPT_D);
	}
	/* Unmapping the whole 2 MiB frees its PT. */
	CHANGE(ept_unmap(&e, 2 * M, 2 * M), true);
	CHECK(e.table_pages == 3 && f->live == 3);
	CHECK(gone(&e, 2 * M) && walk(&e, 2 * M).levels == 3);
	/* Unmapping what is not mapped: no error, no flush, no new tables (even huge ranges). */
	h = tree_hash(&e);
	CHANGE(ept_unmap(&e, 0, 4 * M), false);
	CHANGE(ept_unmap(&e, 0x1000, 0x3000), false);
	CHANGE(ept_unmap(&e, 0x1000, (1ULL << 48) - 0x1000), false);
	CHECK_EQ(tree_hash(&e), h);
	/* [1M, 5M) over 2 MiB pages: splits the pages at 0 and 4M, drops the one at 2M. */
	CHECK_EQ(ept_map(&e, 0, 0, 8 * M, RWX), 0);
	CHECK_EQ(ept_map(&e, 600 * G, 16 * M, 0x3000, RW), 0);
	CHANGE(ept_unmap(&e, 1 * M, 4 * M), true);
	CHECK_EQ(e.table_pages, 3 + 2 + 3);
	CHECK(maps(&e, 1 * M - 1, 1 * M - 1, RWX, 1));
	CHECK(gone(&e, 1 * M) && gone(&e, 2 * M) && gone(&e, 5 * M - 1));
	CHECK_EQ(walk(&e, 3 * M).levels, 3);
	CHECK(maps(&e, 5 * M, 5 * M, RWX, 1) && maps(&e, 6 * M, 6 * M, RWX, 2));
	/* Everything: gaps are skipped a table at a time, no table is made, PTs under
	 * whole-2 MiB unmaps are freed. */
	CHANGE(ept_unmap(&e, 0, 1ULL << 48), true);
	CHECK_EQ(e.table_pages, 5);
	CHECK(gone(&e, 0) && gone(&e, 6 * M) && gone(&e, 600 * G + 0x2000));
	scan(&e);
	done(&e, f);
}

TEST(protect)
{
	struct fa *f;
	struct ept e = mk(&f);
	u64 h, a;

	CHECK_EQ(ept_map(&e, 2 * M, 2 * G, 2 * M, RWX), 0);
	CHANGE(ept_protect(&e, 2 * M + 0x1000, 0x2000, EPT_R), true);
	CHECK_EQ(e.table_pages, 4);
	CHECK(maps(&e, 2 * M, 2 * G, RWX, 1) && maps(&e, 2 * M + 0x3000, 2 * G + 0x3000, RWX, 1));
	CHECK(maps(&e, 2 * M + 0x1000, 2 * G + 0x1000, EPT_R, 1));
	CHECK(maps(&e, 2 * M + 0x2fff, 2 * G + 0x2fff, EPT_R, 1));
	CHECK_EQ(walk(&e, 2 * M + 0x1000).entry[3], (2 * G + 0x1000) | EPT_R | LEAF);
	/* Same perms again: nothing changes, no flush. */
	CHANGE(ept_protect(&e, 2 * M + 0x1000, 0x2000, EPT_R), false);
	/* A whole 2 MiB page stays one page. */
	CHECK_EQ(ept_map(&e, 4 * M, 4 * G, 2 * M, RWX), 0);
	CHANGE(ept_protect(&e, 4 * M, 2 * M, RX), true);
	CHECK_EQ(e.table_pages, 4);
	CHECK(maps(&e, 5 * M, 4 * G + 1 * M, RX, 2));
	/* Across a 4 KiB-mapped PT and a 2 MiB page. */
	CHECK_EQ(ept_protect(&e, 4 * M - 0x1000, 0x2000, RW), 0);
	CHECK_EQ(e.table_pages, 5);
	CHECK(maps(&e, 4 * M - 0x1000, 2 * G + 2 * M - 0x1000, RW, 1));
	CHECK(maps(&e, 4 * M, 4 * G, RW, 1));
	CHECK(maps(&e, 4 * M + 0x1000, 4 * G + 0x1000, RX, 1));
	/* A hole anywhere in the range: EPT_ENOENT, nothing changed, no split made. */
	CHECK_EQ(ept_unmap(&e, 3 * M, 0x1000), 0);
	CHECK_EQ(ept_map(&e, 6 * M, 6 * G, 4 * M, RWX), 0);
	e.flush_needed = false;
	h = tree_hash(&e);
	CHECK_EQ(ept_protect(&e, 2 * M, 4 * M, EPT_R), EPT_ENOENT);
	CHECK_EQ(ept_protect(&e, 8 * M + 0x1000, 2 * M, EPT_R), EPT_ENOENT);
	CHECK_EQ(ept_protect(&e, 9 * M, 1 * M + 0x1000, EPT_R), EPT_ENOENT);
	CHECK_EQ(ept_protect(&e, 3 * M, 0x1000, EPT_R), EPT_ENOENT);
	CHECK_EQ(ept_protect(&e, 100 * G, 0x1000, EPT_R), EPT_ENOENT);
	CHECK_EQ(tree_hash(&e), h);
	CHECK(!e.flush_needed);
	CHECK(maps(&e, 8 * M + 0x1000, 6 * G + 2 * M + 0x1000, RWX, 2));
	/* Every page of a big mixed range. */
	CHECK_EQ(ept_protect(&e, 3 * M + 0x1000, 7 * M - 0x1000, EPT_X), 0);
	for (a = 3 * M + 0x1000; a < 10 * M; a += 0x1000)
		CHECK_EQ(walk(&e, a).perms, EPT_X);
	CHECK(maps(&e, 8 * M, 6 * G + 2 * M, EPT_X, 2) && maps(&e, 6 * M, 6 * G, EPT_X, 2));
	scan(&e);
	done(&e, f);
}

/* Remapping, and when a change asks for a flush: only when a present entry changes. */
TEST(remap_flush)
{
	struct fa *f;
	struct ept e = mk(&f);
	unsigned live;

	CHANGE(ept_map(&e, 0x5000, 0xA000, 0x1000, RW), false);
	CHANGE(ept_map(&e, 0x5000, 0xA000, 0x1000, RW), false);	/* identical entry */
	CHANGE(ept_map(&e, 0x5000, 0xB000, 0x1000, RW), true);
	CHECK(maps(&e, 0x5000, 0xB000, RW, 1));
	CHANGE(ept_map(&e, 0x5000, 0xB000, 0x1000, RWX), true);
	/* 2 MiB over a PT: the PT page goes back. */
	live = f->live;
	CHANGE(ept_map(&e, 0, 4 * G, 2 * M, RX), true);
	CHECK_EQ(f->live, live - 1);
	CHECK_EQ(e.table_pages, 3);
	CHECK(maps(&e, 0x5000, 4 * G + 0x5000, RX, 2));
	/* 4 KiB into the 2 MiB page: split, the rest kept. */
	CHANGE(ept_map(&e, 0x7000, 0x3000, 0x1000, EPT_R), true);
	CHECK_EQ(e.table_pages, 4);
	CHECK(maps(&e, 0x7000, 0x3000, EPT_R, 1));
	CHECK(maps(&e, 0x6000, 4 * G + 0x6000, RX, 1) && maps(&e, 0x8000, 4 * G + 0x8000, RX, 1));
	/* Onto a 2 MiB page that was unmapped: a fill. */
	CHANGE(ept_unmap(&e, 0, 2 * M), true);
	CHANGE(ept_map(&e, 0, 4 * G, 2 * M, RX), false);
	/* Not-present entries, rewritten any way: no flush. */
	CHANGE(ept_unmap(&e, 32 * M, 0x1000), false);
	CHANGE(ept_absent(&e, 32 * M, 0x3000, true), false);
	CHANGE(ept_absent(&e, 32 * M, 0x3000, false), false);
	CHANGE(ept_map(&e, 32 * M, 0, 0x1000, EPT_R), false);
	CHANGE(ept_absent(&e, 32 * M, 0x1000, true), true);
	CHANGE(ept_protect(&e, 0, 2 * M, RX), false);		/* no change */
	/* The flag is the caller's to clear: nothing here clears it. */
	CHECK_EQ(ept_unmap(&e, 1 * M, 0x1000), 0);
	CHECK_EQ(ept_map(&e, 64 * M, 0, 0x1000, EPT_R), 0);
	CHECK(e.flush_needed);
	scan(&e);
	done(&e, f);
}

TEST(absent)
{
	struct fa *f;
	struct ept e = mk(&f);
	struct ept_walk w;

	CHANGE(ept_absent(&e, 4 * M, 0x4000, true), false);
	CHANGE(ept_absent(&e, 4 * M + 0x4000, 0x2000, false), false);
	CHECK_EQ(e.table_pages, 4);
	w = walk(&e, 4 * M + 0x3000);
	CHECK(!w.present && w.levels == 4 && w.entry[3] == 0);
	CHECK(w.entry[0] & w.entry[1] & w.entry[2] & EPT_SVE);
	w = walk(&e, 4 * M + 0x5000);
	CHECK(!w.present && w.levels == 4 && w.entry[3] == EPT_SVE);
	CHECK_EQ(scan(&e).conv, 4);
	/* Lazy backing: filling a convertible leaf needs no flush. */
	CHANGE(ept_map(&e, 4 * M + 0x1000, 8 * G, 0x1000, RWX), false);
	CHECK(maps(&e, 4 * M + 0x1000, 8 * G, RWX, 1));
	CHECK_EQ(scan(&e).conv, 3);
	/* Unmap makes a convertible leaf suppress #VE again. */
	CHANGE(ept_unmap(&e, 4 * M, 0x1000), false);
	CHECK_EQ(walk(&e, 4 * M).entry[3], EPT_SVE);
	CHECK_EQ(scan(&e).conv, 2);
	/* Over a whole mapped 2 MiB page: split into 4 KiB leaves, flush. */
	CHECK_EQ(ept_map(&e, 10 * M, 2 * G, 2 * M, RWX), 0);
	CHANGE(ept_absent(&e, 10 * M, 2 * M, true), true);
	CHECK_EQ(e.table_pages, 5);
	w = walk(&e, 11 * M);
	CHECK(!w.present && w.levels == 4 && w.entry[3] == 0);
	CHECK_EQ(scan(&e).conv, 2 + 512);
	/* Partly over a 2 MiB page: the rest still maps. */
	CHECK_EQ(ept_map(&e, 12 * M, 2 * G, 2 * M, RWX), 0);
	CHECK_EQ(ept_absent(&e, 13 * M, 0x1000, false), 0);
	CHECK(maps(&e, 13 * M + 0x1000, 2 * G + 1 * M + 0x1000, RWX, 1));
	CHECK(gone(&e, 13 * M));
	CHECK_EQ(scan(&e).conv, 2 + 512);
	/* Convertible leaves are not present: protect refuses them. */
	CHECK_EQ(ept_protect(&e, 11 * M, 0x1000, EPT_R), EPT_ENOENT);
	done(&e, f);
}

/* Each change, with the allocator failing after 0, 1, ... pages: EPT_ENOMEM and the tree,
 * table_pages, flush_needed and the live page count as they were; then it succeeds. */
static void enomem_case(int which)
{
	struct fa *f;
	struct ept e = mk(&f);
	unsigned live, tries = 0, n0 = 0;
	u64 h;
	int rc;

	CHECK_EQ(ept_map(&e, 2 * M, 2 * G, 4 * M, RWX), 0);
	CHECK_EQ(ept_map(&e, 1 * G, 0, 0x1000, RWX), 0);
	for (long n = 0;; n++) {
		e.flush_needed = false;
		h = tree_hash(&e);
		live = f->live;
		n0 = f->n;
		f->fail_after = n;
		/* New tables at every level; two splits; a split and new PTs; two splits. */
		rc = which == 0 ? ept_map(&e, 600 * G + 1 * M, 0, 4 * M, RW) :
		     which == 1 ? ept_unmap(&e, 3 * M, 2 * M) :
		     which == 2 ? ept_absent(&e, 5 * M, 8 * M, true) :
		     ept_protect(&e, 2 * M + 0x1000, 4 * M - 0x2000, EPT_R);
		f->fail_after = NOFAIL;
		if (rc == 0)
			break;
		CHECK_EQ(rc, EPT_ENOMEM);
		CHECK_EQ(tree_hash(&e), h);
		CHECK_EQ(f->live, live);
		CHECK(!e.flush_needed);
		tries++;
		if (n > 2000) {
			CHECK(!"never succeeded");
			break;
		}
	}
	CHECK(tries >= 2);
	/* The successful try allocated exactly the pages now in the tree. */
	CHECK_EQ(f->n - n0, f->live - live);
	scan(&e);
	done(&e, f);
}

TEST(enomem)
{
	for (int i = 0; i < 4; i++)
		enomem_case(i);
}

TEST(bad_args)
{
	struct fa *f;
	struct ept e = mk(&f);
	u64 T = 1ULL << 48, h;
	struct ept_walk w;
	/* op: m(ap), u(nmap), a(bsent), p(rotect); then gpa, hpa, size, perms. */
	const struct {
		char op;
		u64 gpa, hpa, size, perms;
	} c[] = {
		{ 'm', 0x1001, 0, 0x1000, RW }, { 'm', 0, 0x10, 0x1000, RW },
		{ 'm', 0, 0, 0x1800, RW }, { 'm', 0, 0, 0, RW },
		{ 'm', T, 0, 0x1000, RW }, { 'm', T - 0x1000, 0, 0x2000, RW },
		{ 'm', 0, T - 0x1000, 0x2000, RW }, { 'm', 0, T, 0x1000, RW },
		{ 'm', 0x1000, 0, ~0xFFFULL, RW },	/* wraps */
		{ 'm', 0, 0, 0x1000, 0 }, { 'm', 0, 0, 0x1000, EPT_R | EPT_MT_WB },
		{ 'm', 0, 0, 0x1000, EPT_W }, { 'm', 0, 0, 0x1000, EPT_W | EPT_X }, /* misconfig */
		{ 'u', 2 * M + 1, 0, 0x1000, 0 }, { 'u', 2 * M, 0, 0, 0 },
		{ 'u', T - 0x1000, 0, 0x2000, 0 }, { 'a', 2 * M, 0, 0x10, 0 },
		{ 'a', T, 0, 0x1000, 0 }, { 'p', 2 * M, 0, 0x1000, EPT_W },
		{ 'p', 2 * M, 0, 0x1000, 0 }, { 'p', 2 * M, 0, 0x1000, 8 },
		{ 'p', 2 * M + 0x800, 0, 0x1000, EPT_R }, { 'p', 2 * M, 0, 0, EPT_R },
	};

	CHECK_EQ(ept_map(&e, 2 * M, 2 * G, 2 * M, RWX), 0);
	h = tree_hash(&e);
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		int rc = c[i].op == 'm' ? ept_map(&e, c[i].gpa, c[i].hpa, c[i].size, c[i].perms) :
			 c[i].op == 'u' ? ept_unmap(&e, c[i].gpa, c[i].size) :
			 c[i].op == 'a' ? ept_absent(&e, c[i].gpa, c[i].size, i & 1) :
			 ept_protect(&e, c[i].gpa, c[i].size, c[i].perms);

		if (rc != EPT_EINVAL)
			printf("  case %u:\n", i);
		CHECK_EQ(rc, EPT_EINVAL);
	}
	CHECK_EQ(tree_hash(&e), h);
	CHECK_EQ(f->live, 3);
	CHECK(!e.flush_needed);
	memset(&w, 0xa5, sizeof(w));
	CHECK_EQ(ept_walk(&e, T, &w), EPT_EINVAL);
	CHECK(w.levels == 0 && !w.present);
	done(&e, f);
}

static const char *fmt_ent(u64 ent, int lvl)
{
	static char b[128];

	memset(b, 'x', sizeof(b));
	ept_entry_format(ent, lvl, b, sizeof(b));
	return b;
}
#define FMT(ent, lvl, want) CHECK_STR(fmt_ent(ent, lvl), want)

TEST(entry_format)
{
	char b[8];

	FMT(0x12345000 | RWX | LEAF, 1, "pa=0x0000000012345000 RWX mt=WB sve");
	FMT(0x40000000 | RX | LEAF | EPT_LARGE | EPT_A | EPT_D, 2,
	    "pa=0x0000000040000000 R-X large mt=WB A D sve");
	FMT(0x7000 | RWX | EPT_SVE, 3, "pa=0x0000000000007000 RWX table sve");
	FMT(0x7000 | RWX | EPT_SVE | EPT_A, 2, "pa=0x0000000000007000 RWX table A sve");
	FMT(0x7000 | RWX, 4, "pa=0x0000000000007000 RWX table");
	FMT(0xFFFFFFFFFF000ULL | EPT_X | EPT_IPAT | (1ULL << 10), 1,
	    "pa=0x000ffffffffff000 --X mt=UC ipat other=0x400");
	FMT(0x1000 | EPT_R | (4ULL << 3) | EPT_SVE, 1, "pa=0x0000000000001000 R-- mt=WT sve");
	FMT(0x1000 | EPT_R | (2ULL << 3), 1, "pa=0x0000000000001000 R-- mt=?2");
	FMT(0x7000 | RWX | EPT_MT_WB, 3, "pa=0x0000000000007000 RWX table other=0x30");
	FMT(EPT_SVE, 1, "not present sve");
	FMT(0, 1, "not present convertible");
	FMT(EPT_SVE | 0x5000 | EPT_MT_WB, 1, "not present sve bits=0x5030");
	ept_entry_format(0x1000 | RWX, 1, b, sizeof(b));
	CHECK_STR(b, "pa=0x00");
	b[0] = 'q';
	ept_entry_format(0x1000 | RWX, 1, b, 0);
	CHECK_EQ(b[0], 'q');
	ept_entry_format(0x1000 | RWX, 1, b, 1);
	CHECK_STR(b, "");
}

/* A mixed tree, torn down: destroy must find every table. */
TEST(destroy_all)
{
	struct fa *f;
	struct ept e = mk(&f);

	CHECK_EQ(ept_map(&e, 0, 0, 64 * M + 0x5000, RWX), 0);
	CHECK_EQ(ept_map(&e, 3 * G + 0x1000, 0, 6 * M, RX), 0);
	CHECK_EQ(ept_absent(&e, 700 * G, 3 * M, true), 0);
	CHECK_EQ(ept_unmap(&e, 5 * M, 0x3000), 0);
	CHECK_EQ(ept_protect(&e, 9 * M, 0x1000, EPT_R), 0);
	CHECK_EQ(ept_map(&e, (1ULL << 48) - 2 * M, 2 * M, 2 * M, RW), 0);
	CHECK_EQ(scan(&e).conv, 768);
	CHECK_EQ(f->live, e.table_pages);
	CHECK(e.table_pages > 12);
	done(&e, f);
}

int main(void)
{
	RUN(init_pointer_destroy);
	RUN(map_4k);
	RUN(map_2m);
	RUN(unmap);
	RUN(protect);
	RUN(remap_flush);
	RUN(absent);
	RUN(enomem);
	RUN(bad_args);
	RUN(entry_format);
	RUN(destroy_all);
	return DONE();
}
