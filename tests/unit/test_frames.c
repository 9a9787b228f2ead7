/* tests/unit/test_frames.c: host tests of lib/frames.c, the physical frame allocator.
 *
 * Physical memory here is only a memory map: the one place the allocator writes is its
 * bitmap, so phys() hands out a fresh malloc'd block of exactly the asked length (ASan then
 * catches any write past it), after checking the address lies in the window the test
 * expects. A per-frame reference model, written independently of the allocator's range
 * logic, says which frames must be free after setup. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/frames.h"

#define K 1024ULL
#define M (1024ULL * K)
#define G (1024ULL * M)

struct fake {
	u64 lo, hi;     /* where the bitmap may be asked for */
	int calls, bad;
	u64 pa, len;    /* the last request */
	void *buf;
};

static void *phys(void *ctx, u64 pa, u64 len)
{
	struct fake *m = ctx;

	m->calls++;
	m->pa = pa;
	m->len = len;
	if (pa < m->lo || pa > m->hi || len > m->hi - pa || !len) {
		m->bad++;
		return NULL;
	}
	free(m->buf);
	m->buf = malloc(len);
	memset(m->buf, 0xa5, len); /* setup must clear it */
	return m->buf;
}

/* Everything frames_setup was given, for the model. */
struct world {
	const struct mb_mmap_ent *mm;
	unsigned n;
	const struct range *res;
	unsigned nres;
	u64 limit;
};

typedef unsigned __int128 u128;

static int overlaps(u128 a, u128 b, u128 s, u128 e)
{
	return s < e && a < e && s < b;
}

/* Must frame fr be free right after setup (bitmap at bm .. bm + bmlen)? */
static int ref_free(const struct world *w, u64 fr, u64 bm, u64 bmlen)
{
	u128 a = (u128)fr * 4096, b = a + 4096, end;
	int in = 0;
	unsigned i;

	if (fr == 0 || (w->limit && b > w->limit) || overlaps(a, b, bm, (u128)bm + bmlen))
		return 0;
	for (i = 0; i < w->n; i++) {
		end = (u128)w->mm[i].base + w->mm[i].len;
		if (w->mm[i].type != MB_MEM_AVAILABLE && overlaps(a, b, w->mm[i].base, end))
			return 0;
		if (w->mm[i].type == MB_MEM_AVAILABLE && w->mm[i].base <= a && b <= end)
			in = 1;
	}
	for (i = 0; i < w->nres; i++)
		if (overlaps(a, b, w->res[i].start, w->res[i].end))
			return 0;
	return in;
}

/* Compares every frame against the model; returns how many differ (and prints a few). */
static u64 model_diff(const struct frames *f, const struct world *w, u64 bm, u64 bmlen)
{
	u64 fr, bad = 0, nfree = 0;

	for (fr = 0; fr < f->nframes + 64; fr++) {
		int want = ref_free(w, fr, bm, bmlen) && fr < f->nframes;

		nfree += want;
		if (frames_is_free(f, fr * 4096) != want && bad++ < 5)
			printf("  frame 0x%llx: free=%d, model says %d\n", (unsigned long long)fr,
			       frames_is_free(f, fr * 4096), want);
	}
	if (nfree != f->nfree && bad++ < 5)
		printf("  nfree %llu, model %llu\n", (unsigned long long)f->nfree,
		       (unsigned long long)nfree);
	return bad;
}

static int setup(struct frames *f, const struct world *w, struct fake *m)
{
	return frames_setup(f, w->mm, w->n, w->res, w->nres, w->limit, phys, m);
}

/* A PC-like map: low memory, EBDA and BIOS reserved, 1M..64M, a hole, 128M..256M whose last
 * 128 KiB an ACPI entry overlaps (at an unaligned boundary). */
static const struct mb_mmap_ent pc_map[] = {
	{ 0, 0x9fc00, MB_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB_MEM_RESERVED },
	{ 0xf0000, 0x10000, MB_MEM_RESERVED },
	{ 1 * M, 63 * M, MB_MEM_AVAILABLE },
	{ 128 * M, 128 * M, MB_MEM_AVAILABLE },
	{ 256 * M - 128 * K - 0x800, 128 * K + 0x800, MB_MEM_ACPI },
	{ 0xfec00000, 0x1000, MB_MEM_RESERVED },
};

/* What the hypervisor reserves: all of low memory, its image (unaligned end), two modules
 * (unaligned start), and a range in the high region. */
static const struct range pc_res[] = {
	{ 0, 1 * M },
	{ 1 * M, 1 * M + 512 * K + 0x123 },
	{ 2 * M + 0x800, 3 * M },
	{ 3 * M, 3 * M + 40 * K },
	{ 200 * M, 201 * M },
};

static const struct world pc = { pc_map, 7, pc_res, 5, 0 };

TEST(setup_pc)
{
	struct fake m = { 0, 256 * M, 0, 0, 0, 0, 0 };
	struct frames f;

	CHECK_EQ(setup(&f, &pc, &m), 0);
	CHECK_EQ(m.calls, 1);
	CHECK_EQ(m.bad, 0);
	CHECK_EQ(f.nframes, 256 * M / 4096);
	/* 65536 frames: 8 KiB of bitmap, lowest free spot is just past the image */
	CHECK_EQ(m.len, 8192);
	CHECK_EQ(m.pa, 1 * M + 516 * K);
	CHECK(f.bitmap == m.buf);
	CHECK_EQ(f.total, f.nfree);
	CHECK_EQ(model_diff(&f, &pc, m.pa, 8192), 0);
	/* spot checks that do not rely on the model */
	CHECK(!frames_is_free(&f, 0));
	CHECK(!frames_is_free(&f, 0x9e000));
	CHECK(!frames_is_free(&f, 1 * M + 512 * K));
	CHECK(!frames_is_free(&f, 1 * M + 516 * K));
	CHECK(!frames_is_free(&f, 1 * M + 520 * K));
	CHECK(frames_is_free(&f, 1 * M + 524 * K));
	CHECK(!frames_is_free(&f, 2 * M));
	CHECK(frames_is_free(&f, 2 * M - 4096));
	CHECK(!frames_is_free(&f, 3 * M + 36 * K));
	CHECK(frames_is_free(&f, 3 * M + 40 * K));
	CHECK(frames_is_free(&f, 64 * M - 4096));
	CHECK(!frames_is_free(&f, 64 * M));
	CHECK(!frames_is_free(&f, 100 * M));
	CHECK(frames_is_free(&f, 128 * M));
	CHECK(!frames_is_free(&f, 200 * M));
	CHECK(!frames_is_free(&f, 256 * M - 132 * K));
	CHECK(frames_is_free(&f, 256 * M - 136 * K));
	CHECK(!frames_is_free(&f, 256 * M));
	CHECK(!frames_is_free(&f, ~0ULL));
	/* free: 1M..64M less image, bitmap, modules; 128M..256M less 1M and the ACPI tail */
	CHECK_EQ(f.nfree, (63 * M - 516 * K - 8 * K - (1 * M - 0x800 + 0x800) - 40 * K) / 4096 +
			  (128 * M - 1 * M - 132 * K) / 4096);
	free(m.buf);
}

/* Everything the allocator hands out is free memory in the model, each frame once, and the
 * count equals what setup reported. */
TEST(exhaust)
{
	struct fake m = { 0, 256 * M, 0, 0, 0, 0, 0 };
	unsigned char *seen = calloc(65536, 1);
	struct frames f;
	u64 pa, n = 0, bad = 0;

	CHECK_EQ(setup(&f, &pc, &m), 0);
	while ((pa = frames_alloc(&f, 1, 0)) != FRAMES_NONE) {
		if (pa % 4096 || pa / 4096 >= 65536 || seen[pa / 4096] ||
		    !ref_free(&pc, pa / 4096, m.pa, m.len)) {
			if (bad++ < 5)
				printf("  bad frame 0x%llx\n", (unsigned long long)pa);
			break;
		}
		seen[pa / 4096] = 1;
		n++;
		CHECK(!frames_is_free(&f, pa));
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(n, f.total);
	CHECK_EQ(f.nfree, 0);
	CHECK_EQ(frames_alloc(&f, 1, 0), FRAMES_NONE);
	/* give it all back, in a different order */
	for (pa = 65535; pa > 0; pa--)
		if (seen[pa])
			CHECK_EQ(frames_free(&f, pa * 4096, 1), 0);
	CHECK_EQ(f.nfree, f.total);
	CHECK_EQ(model_diff(&f, &pc, m.pa, m.len), 0);
	free(seen);
	free(m.buf);
}

TEST(aligned)
{
	struct fake m = { 0, 256 * M, 0, 0, 0, 0, 0 };
	struct frames f;
	u64 pa, pb, i, before;
	int ok = 1;

	CHECK_EQ(setup(&f, &pc, &m), 0);
	CHECK(frames_alloc(&f, 1, 0) != FRAMES_NONE); /* move the hint off an aligned spot */
	before = f.nfree;
	pa = frames_alloc(&f, 512, 2 * M);
	CHECK(pa != FRAMES_NONE);
	CHECK_EQ(pa % (2 * M), 0);
	/* the first 2 MiB-aligned 2 MiB that is all free: 4M (2M..3M+40K is reserved) */
	CHECK_EQ(pa, 4 * M);
	for (i = 0; i < 512; i++)
		ok &= ref_free(&pc, pa / 4096 + i, m.pa, m.len) && !frames_is_free(&f, pa + i * 4096);
	CHECK(ok);
	CHECK_EQ(f.nfree, before - 512);

	/* 16 KiB-aligned runs of 3 */
	for (i = 0; i < 100; i++) {
		pb = frames_alloc(&f, 3, 16 * K);
		CHECK(pb != FRAMES_NONE && pb % (16 * K) == 0);
		ok &= !frames_is_free(&f, pb) && !frames_is_free(&f, pb + 8 * K);
		ok &= ref_free(&pc, pb / 4096, m.pa, m.len);
		ok &= ref_free(&pc, pb / 4096 + 2, m.pa, m.len);
	}
	CHECK(ok);
	CHECK_EQ(f.nfree, before - 512 - 300);

	/* a run bigger than any stretch of free memory, one bigger than nfree, bad arguments */
	before = f.nfree;
	CHECK_EQ(frames_alloc(&f, 80 * M / 4096, 0), FRAMES_NONE); /* longest: 128M..200M */
	CHECK_EQ(frames_alloc(&f, f.nfree + 1, 0), FRAMES_NONE);
	CHECK_EQ(frames_alloc(&f, 0, 0), FRAMES_NONE);
	CHECK_EQ(frames_alloc(&f, 1, 0x3000), FRAMES_NONE);
	CHECK_EQ(frames_alloc(&f, 1, 2048), FRAMES_NONE);
	CHECK_EQ(frames_alloc(&f, 1, 1ULL << 63), FRAMES_NONE);
	CHECK_EQ(f.nfree, before);

	/* a 64 MiB-aligned 32 MiB run exists only at 128M */
	pa = frames_alloc(&f, 32 * M / 4096, 64 * M);
	CHECK_EQ(pa, 128 * M);
	/* 1 GiB alignment: only 0 would do, and it is not free */
	CHECK_EQ(frames_alloc(&f, 1, 1 * G), FRAMES_NONE);
	free(m.buf);
}

TEST(free_realloc)
{
	struct fake m = { 0, 256 * M, 0, 0, 0, 0, 0 };
	struct frames f;
	u64 a, b, c, before, *snap;
	size_t bytes;

	CHECK_EQ(setup(&f, &pc, &m), 0);
	bytes = m.len;
	snap = malloc(bytes);
	a = frames_alloc(&f, 4, 0);
	b = frames_alloc(&f, 1, 0);
	CHECK(a != FRAMES_NONE && b != FRAMES_NONE);
	CHECK_EQ(b, a + 4 * 4096); /* next fit: right after */
	before = f.nfree;
	CHECK_EQ(frames_free(&f, a, 4), 0);
	CHECK_EQ(f.nfree, before + 4);
	CHECK(frames_is_free(&f, a) && frames_is_free(&f, a + 3 * 4096));

	/* double free, partly free range, out of range, unaligned: rejected, nothing changed */
	memcpy(snap, f.bitmap, bytes);
	before = f.nfree;
	CHECK_EQ(frames_free(&f, a, 1), -1);
	CHECK_EQ(frames_free(&f, a + 3 * 4096, 2), -1); /* a+3 free, b used */
	CHECK_EQ(frames_free(&f, b - 4096, 2), -1);
	CHECK_EQ(frames_free(&f, 256 * M, 1), -1);
	CHECK_EQ(frames_free(&f, 256 * M - 4096, 2), -1);
	CHECK_EQ(frames_free(&f, ~0ULL & ~4095ULL, 1), -1);
	CHECK_EQ(frames_free(&f, 4096, ~0ULL), -1);
	CHECK_EQ(frames_free(&f, b + 1, 1), -1);
	CHECK_EQ(f.nfree, before);
	CHECK(memcmp(snap, f.bitmap, bytes) == 0);

	/* next fit does not go back to a until it wraps */
	c = frames_alloc(&f, 1, 0);
	CHECK_EQ(c, b + 4096);
	CHECK_EQ(frames_free(&f, b, 1), 0);
	CHECK_EQ(frames_free(&f, b, 1), -1);
	while (f.nfree > 5)
		CHECK(frames_alloc(&f, 1, 0) != FRAMES_NONE);
	/* left: a..a+3 and b; the only run of 5 is exactly those, found after wrapping */
	CHECK_EQ(frames_alloc(&f, 6, 0), FRAMES_NONE);
	CHECK_EQ(frames_alloc(&f, 5, 0), a);
	CHECK_EQ(f.nfree, 0);
	/* a is 0x183000 (just past image and bitmap), so a + 4K is the 8K-aligned one */
	CHECK_EQ(a, 0x183000);
	CHECK_EQ(frames_free(&f, a + 4096, 2), 0);
	CHECK_EQ(frames_alloc(&f, 1, 8 * K), a + 4096);
	CHECK_EQ(frames_alloc(&f, 1, 0), a + 8192);
	CHECK_EQ(f.nfree, 0);
	free(snap);
	free(m.buf);
}

/* Nothing at or above limit is used, the bitmap included, and it shrinks to fit. */
TEST(limit)
{
	struct fake m = { 0, 32 * M, 0, 0, 0, 0, 0 };
	struct world w = pc;
	struct frames f;
	u64 pa, top = 0;

	w.limit = 32 * M + 0x800;
	CHECK_EQ(setup(&f, &w, &m), 0);
	CHECK_EQ(f.nframes, 32 * M / 4096);
	CHECK_EQ(m.len, 32 * M / 4096 / 8);
	CHECK_EQ(model_diff(&f, &w, m.pa, m.len), 0);
	while ((pa = frames_alloc(&f, 1, 0)) != FRAMES_NONE)
		top = pa > top ? pa : top;
	CHECK_EQ(top, 32 * M - 4096);
	free(m.buf);

	/* a limit inside low memory: only 4K..636K, all reserved except what we do not reserve */
	w.limit = 512 * K;
	w.nres = 0;
	m = (struct fake){ 0, 512 * K, 0, 0, 0, 0, 0 };
	CHECK_EQ(setup(&f, &w, &m), 0);
	CHECK_EQ(f.nframes, 128);
	CHECK_EQ(m.pa, 4096);
	CHECK_EQ(m.len, 16);
	CHECK_EQ(f.nfree, 128 - 2);
	CHECK_EQ(model_diff(&f, &w, m.pa, m.len), 0);
	free(m.buf);

	/* limit below one page: nothing usable */
	w.limit = 4095;
	m = (struct fake){ 0, 0, 0, 0, 0, 0, 0 };
	CHECK_EQ(setup(&f, &w, &m), -1);
	CHECK_EQ(m.calls, 0);
	CHECK_EQ(f.nframes, 0);
	CHECK_EQ(frames_alloc(&f, 1, 0), FRAMES_NONE);
}

TEST(no_room)
{
	struct fake m = { 0, ~0ULL, 0, 0, 0, 0, 0 };
	struct frames f;
	/* 0x40001 frames need 9 pages of bitmap; no entry has 9 pages */
	static const struct mb_mmap_ent tiny[] = {
		{ 0x1000, 0x1000, 1 }, { 1 * G, 0x1000, 1 }, { 2 * M, 32 * K, 1 },
	};
	/* two adjacent one-page entries would hold a 2-page bitmap only together */
	static const struct mb_mmap_ent split[] = {
		{ 0x1000, 0x1000, 1 }, { 0x2000, 0x1000, 1 }, { 128 * M, 0x1000, 1 },
	};
	/* room for the bitmap, but then nothing left */
	static const struct mb_mmap_ent full[] = { { 0x1000, 0x2000, 1 } };
	static const struct range full_res[] = { { 0x2000, 0x2001 } };
	/* an entry running to the top of the address space: bitmap would be 2^49 bytes */
	static const struct mb_mmap_ent huge[] = { { 1 * M, ~0ULL, 1 } };
	static const struct mb_mmap_ent none[] = { { 0, 64 * M, 2 }, { 0x1000, 0x800, 1 } };

	CHECK_EQ(frames_setup(&f, tiny, 3, NULL, 0, 0, phys, &m), -1);
	CHECK_EQ(frames_setup(&f, split, 3, NULL, 0, 0, phys, &m), -1);
	CHECK_EQ(frames_setup(&f, none, 2, NULL, 0, 0, phys, &m), -1);
	CHECK_EQ(frames_setup(&f, none, 0, NULL, 0, 0, phys, &m), -1);
	CHECK_EQ(m.calls, 0);
	CHECK_EQ(frames_setup(&f, full, 1, full_res, 1, 0, phys, &m), -1);
	CHECK_EQ(m.calls, 1);
	CHECK_EQ(m.pa, 0x1000);
	CHECK_EQ(f.nfree, 0);
	CHECK(f.bitmap == NULL);
	CHECK_EQ(frames_alloc(&f, 1, 0), FRAMES_NONE);
	CHECK_EQ(frames_free(&f, 0x1000, 1), -1);
	CHECK(!frames_is_free(&f, 0x1000));
	free(m.buf);

	/* the huge entry does "fit" a 2^49-byte bitmap; phys must refuse it */
	m = (struct fake){ 0, 256 * M, 0, 0, 0, 0, 0 };
	CHECK_EQ(frames_setup(&f, huge, 1, NULL, 0, 0, phys, &m), -1);
	CHECK_EQ(m.bad, 1);
	CHECK_EQ(m.pa, 1 * M);
	CHECK_EQ(m.len, (0xfffffffffffffULL + 63) / 64 * 8);

	/* phys refusing the spot */
	m = (struct fake){ 0, 0, 0, 0, 0, 0, 0 };
	CHECK_EQ(frames_setup(&f, pc_map, 7, pc_res, 5, 0, phys, &m), -1);
	CHECK_EQ(m.bad, 1);
	CHECK_EQ(frames_setup(&f, pc_map, 7, pc_res, 5, 0, NULL, &m), -1);

	/* the huge entry is fine with a limit */
	m = (struct fake){ 0, ~0ULL, 0, 0, 0, 0, 0 };
	CHECK_EQ(frames_setup(&f, huge, 1, NULL, 0, 64 * M, phys, &m), 0);
	CHECK_EQ(f.nframes, 64 * M / 4096);
	CHECK_EQ(m.pa, 1 * M);
	CHECK_EQ(f.nfree, (63 * M - 4096) / 4096);
	free(m.buf);
}

/* The bitmap goes in the lowest spot that fits: skipping reserved ranges, non-available
 * entries and entries too small, never at frame 0. */
TEST(bitmap_placement)
{
	struct fake m = { 0, ~0ULL, 0, 0, 0, 0, 0 };
	struct frames f;
	/* 1 GiB of frames: 32 KiB = 8 pages of bitmap */
	static const struct mb_mmap_ent mm[] = {
		{ 1 * G - 64 * K, 64 * K, 1 },     /* top, 16 pages */
		{ 0, 28 * K, 1 },                  /* 7 pages: too small (and frame 0 is out) */
		{ 64 * K, 256 * K, 1 },            /* 64K..320K */
		{ 90 * K + 1, 10, 3 },             /* ACPI poking into it: 88K..92K */
		{ 1 * M, 1 * M, 1 },
	};
	static const struct range res[] = { { 60 * K, 80 * K }, { 121 * K, 140 * K } };
	struct world w = { mm, 5, res, 2, 0 };

	/* 64K hits 60K..80K, 80K hits ACPI at 88K, 92K..124K hits 120K..140K: 140K */
	CHECK_EQ(frames_setup(&f, mm, 5, res, 2, 0, phys, &m), 0);
	CHECK_EQ(m.len, 32 * K);
	CHECK_EQ(m.pa, 140 * K);
	CHECK_EQ(model_diff(&f, &w, m.pa, m.len), 0);
	free(m.buf);

	/* without the reserved ranges: 64K..96K hits ACPI at 88K; 92K fits */
	m = (struct fake){ 0, ~0ULL, 0, 0, 0, 0, 0 };
	w.nres = 0;
	CHECK_EQ(frames_setup(&f, mm, 5, NULL, 0, 0, phys, &m), 0);
	CHECK_EQ(m.pa, 92 * K);
	CHECK_EQ(model_diff(&f, &w, m.pa, m.len), 0);
	free(m.buf);

	/* a limit keeps it out of the top entry, a reservation out of the rest */
	static const struct range most[] = { { 0, 1 * G - 64 * K } };
	m = (struct fake){ 0, ~0ULL, 0, 0, 0, 0, 0 };
	CHECK_EQ(frames_setup(&f, mm, 5, most, 1, 0, phys, &m), 0);
	CHECK_EQ(m.pa, 1 * G - 64 * K);
	CHECK_EQ(f.nfree, 8);
	free(m.buf);
	m = (struct fake){ 0, ~0ULL, 0, 0, 0, 0, 0 };
	CHECK_EQ(frames_setup(&f, mm, 5, most, 1, 1 * G - 60 * K, phys, &m), -1);
	CHECK_EQ(m.calls, 0);
}

/* Overlapping and unsorted entries: the result does not depend on their order, overlapping
 * available entries add up, and any other type anywhere in a frame makes it used. */
TEST(overlapping_map)
{
	static const struct mb_mmap_ent mm[] = {
		{ 16 * M, 16 * M, 1 },
		{ 20 * M + 0x10, 0x10, 2 },    /* inside one frame */
		{ 0x100000, 7 * M, 1 },        /* 1M..8M */
		{ 4 * M, 12 * M, 1 },          /* 4M..16M: overlaps, and touches the first */
		{ 6 * M - 1, 2, 4 },           /* straddles two frames */
		{ 30 * M, 4 * M, 5 },          /* bad memory over the tail of the first, past it */
		{ 12 * M, 1 * M, 1 },          /* duplicate inside */
		{ 12 * M + 0x800, 0x1000, 7 }, /* unknown type: used too */
		{ 0x2800, 0x2800, 1 },         /* unaligned both ends: frames 3 and 4 only */
	};
	struct mb_mmap_ent rev[9];
	static const struct range res[] = { { 5 * M, 5 * M }, { 9 * M, 8 * M } }; /* empty */
	struct world w = { mm, 9, res, 2, 0 };
	struct fake m1 = { 0, ~0ULL, 0, 0, 0, 0, 0 }, m2 = m1;
	struct frames f1, f2;
	unsigned i;

	for (i = 0; i < 9; i++)
		rev[i] = mm[8 - i];
	CHECK_EQ(frames_setup(&f1, mm, 9, res, 2, 0, phys, &m1), 0);
	CHECK_EQ(frames_setup(&f2, rev, 9, res, 2, 0, phys, &m2), 0);
	CHECK_EQ(f1.nframes, 32 * M / 4096);
	CHECK_EQ(m1.pa, 0x3000);
	CHECK_EQ(m2.pa, 0x3000);
	CHECK(!frames_is_free(&f1, 0x2000));
	CHECK(frames_is_free(&f1, 0x4000));
	CHECK(!frames_is_free(&f1, 0x5000));
	CHECK_EQ(f1.nfree, f2.nfree);
	CHECK(m1.len == m2.len && memcmp(f1.bitmap, f2.bitmap, m1.len) == 0);
	CHECK_EQ(model_diff(&f1, &w, m1.pa, m1.len), 0);
	CHECK(!frames_is_free(&f1, 20 * M));
	CHECK(frames_is_free(&f1, 20 * M + 4096));
	CHECK(!frames_is_free(&f1, 6 * M - 4096));
	CHECK(!frames_is_free(&f1, 6 * M));
	CHECK(frames_is_free(&f1, 6 * M + 4096));
	CHECK(frames_is_free(&f1, 8 * M));
	CHECK(frames_is_free(&f1, 16 * M - 4096));
	CHECK(frames_is_free(&f1, 16 * M));
	CHECK(!frames_is_free(&f1, 12 * M));
	CHECK(!frames_is_free(&f1, 12 * M + 4096));
	CHECK(frames_is_free(&f1, 12 * M + 8192));
	CHECK(frames_is_free(&f1, 30 * M - 4096));
	CHECK(!frames_is_free(&f1, 30 * M));
	/* nfree stays exact through a full drain */
	for (i = 0; frames_alloc(&f1, 1, 0) != FRAMES_NONE; i++)
		;
	CHECK_EQ(i, f2.nfree);
	CHECK_EQ(f1.nfree, 0);
	free(m1.buf);
	free(m2.buf);
}

int main(void)
{
	RUN(setup_pc);
	RUN(exhaust);
	RUN(aligned);
	RUN(free_realloc);
	RUN(limit);
	RUN(no_room);
	RUN(bitmap_placement);
	RUN(overlapping_map);
	return DONE();
}
