/* lib/frames.c: the physical frame allocator (see lib/frames.h).
 *
 * Owns the bitmap of 4 KiB frames (bit set = free): building it from the boot memory map
 * and the caller's reserved ranges, and next-fit allocation of aligned contiguous runs.
 *
 * Decisions:
 * - Overlapping or unsorted map entries: a frame is free only if some available (type 1)
 *   entry covers all of it and no other entry of any other type touches it. Firmware maps
 *   do overlap; when they disagree the memory is treated as not ours, which is the safe side.
 * - Available entries are rounded inward to pages; non-available entries, reserved ranges
 *   and the bitmap are rounded outward. Marking is done in two passes (all available entries
 *   free, then everything else used), so the order of the entries does not matter.
 * - Frame 0 is never free: physical address 0 reads as NULL to callers, and on a PC it holds
 *   the real-mode IVT and BIOS data.
 * - The bitmap goes at the lowest page-aligned address where it fits inside one available
 *   entry (below limit) without touching frame 0, a reserved range or a non-available entry.
 *   Two adjacent available entries are not merged for this: it is simpler and loses little.
 */
#include "lib/frames.h"
#include "lib/string.h"

#define NONE (~0ULL)

/* What frames_setup works from. */
struct src {
	const struct mb_mmap_ent *mmap;
	unsigned nmmap;
	const struct range *res;
	unsigned nres;
	u64 limit; /* highest address + 1 we may use */
};

/* base + len, saturating: a map entry may claim to run past the top of memory. */
static u64 end_of(u64 base, u64 len)
{
	return len > NONE - base ? NONE : base + len;
}

/* Round up to a page, saturating at the last page boundary. */
static u64 page_up(u64 x)
{
	return x > NONE - (PAGE_SIZE - 1) ? ALIGN_DOWN(NONE, PAGE_SIZE) : ALIGN_UP(x, PAGE_SIZE);
}

/* The i-th map entry if it is available: page-rounded inward and cut at limit. */
static bool avail(const struct src *s, unsigned i, struct range *r)
{
	const struct mb_mmap_ent *e = &s->mmap[i];

	if (e->type != MB_MEM_AVAILABLE)
		return false;
	r->start = page_up(e->base);
	r->end = ALIGN_DOWN(MIN(end_of(e->base, e->len), s->limit), PAGE_SIZE);
	return r->start < r->end;
}

/* The i-th range that no frame may be free in (i < nblocks), page-rounded outward: the
 * non-available map entries, then the reserved ranges, then frame 0. */
static unsigned nblocks(const struct src *s)
{
	return s->nmmap + s->nres + 1;
}

static bool block(const struct src *s, unsigned i, struct range *r)
{
	u64 start = 0, end = PAGE_SIZE;

	if (i < s->nmmap) {
		if (s->mmap[i].type == MB_MEM_AVAILABLE)
			return false;
		start = s->mmap[i].base;
		end = end_of(start, s->mmap[i].len);
	} else if (i < s->nmmap + s->nres) {
		start = s->res[i - s->nmmap].start;
		end = s->res[i - s->nmmap].end;
	}
	r->start = ALIGN_DOWN(start, PAGE_SIZE);
	r->end = page_up(end);
	return start < end;
}

/* Does [a, a + size) lie inside one available entry and clear of every block? */
static bool fits(const struct src *s, u64 a, u64 size)
{
	struct range r;
	bool in = false;
	unsigned i;

	for (i = 0; i < s->nmmap && !in; i++)
		in = avail(s, i, &r) && a >= r.start && a <= r.end && size <= r.end - a;
	if (!in)
		return false;
	for (i = 0; i < nblocks(s); i++)
		if (block(s, i, &r) && r.start < a + size && a < r.end)
			return false;
	return true;
}

/* Lowest spot for size bytes, or NONE. The lowest one starts either where an available entry
 * starts or where a block ends (else a page lower would fit too), so only those are tried. */
static u64 find_spot(const struct src *s, u64 size)
{
	u64 best = NONE;
	struct range r;
	unsigned i;

	for (i = 0; i < s->nmmap; i++)
		if (avail(s, i, &r) && r.start < best && fits(s, r.start, size))
			best = r.start;
	for (i = 0; i < nblocks(s); i++)
		if (block(s, i, &r) && r.end < best && fits(s, r.end, size))
			best = r.end;
	return best;
}

/* Marks frames [from, to) free (set) or used. */
static void fill(u64 *bm, u64 from, u64 to, bool set)
{
	u64 n, mask;

	for (; from < to; from += n) {
		n = MIN(64 - from % 64, to - from);
		mask = (n == 64 ? NONE : (1ULL << n) - 1) << (from % 64);
		if (set)
			bm[from / 64] |= mask;
		else
			bm[from / 64] &= ~mask;
	}
}

/* Counts set bits without __builtin_popcount, which needs libgcc without -mpopcnt. */
static u64 popcount(u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* First frame in [i, to) whose bit equals want, or to. Whole words at a time. */
static u64 scan(const struct frames *f, u64 i, u64 to, bool want)
{
	u64 w;

	while (i < to) {
		w = want ? f->bitmap[i / 64] : ~f->bitmap[i / 64];
		w >>= i % 64;
		if (w)
			return MIN(i + __builtin_ctzll(w), to);
		i = ALIGN_DOWN(i, 64) + 64;
	}
	return to;
}

int frames_setup(struct frames *f, const struct mb_mmap_ent *mmap, unsigned nmmap,
		 const struct range *reserved, unsigned nreserved, u64 limit,
		 frames_phys_fn phys, void *ctx)
{
	struct src s = { mmap, nmmap, reserved, nreserved, limit ? limit : NONE };
	u64 top = 0, bytes, spot, i;
	struct range r;
	unsigned k;

	memset(f, 0, sizeof(*f));
	for (k = 0; k < nmmap; k++)
		if (avail(&s, k, &r))
			top = MAX(top, r.end);
	if (!top || !phys)
		return -1;
	f->nframes = top / PAGE_SIZE;
	bytes = ALIGN_UP(f->nframes, 64) / 8;
	spot = find_spot(&s, page_up(bytes));
	if (spot == NONE || !(f->bitmap = phys(ctx, spot, bytes))) {
		memset(f, 0, sizeof(*f));
		return -1;
	}

	memset(f->bitmap, 0, bytes);
	for (k = 0; k < nmmap; k++)
		if (avail(&s, k, &r))
			fill(f->bitmap, r.start / PAGE_SIZE, r.end / PAGE_SIZE, true);
	for (k = 0; k < nblocks(&s); k++)
		if (block(&s, k, &r))
			fill(f->bitmap, r.start / PAGE_SIZE, MIN(r.end / PAGE_SIZE, f->nframes),
			     false);
	fill(f->bitmap, spot / PAGE_SIZE, (spot + page_up(bytes)) / PAGE_SIZE, false);

	for (i = 0; i < bytes / 8; i++)
		f->nfree += popcount(f->bitmap[i]);
	f->total = f->nfree;
	if (!f->nfree) {
		memset(f, 0, sizeof(*f));
		return -1;
	}
	return 0;
}

/* First c in [c, to), a multiple of step, with frames c .. c + n - 1 all free; or NONE. */
static u64 search(const struct frames *f, u64 n, u64 step, u64 c, u64 to)
{
	u64 u;

	c = ALIGN_UP(c, step);
	while (c < to && n <= f->nframes - c) {
		u = scan(f, c, c + n, false);
		if (u == c + n)
			return c;
		/* c .. u - 1 are free but too few: go past u to the next free frame */
		c = ALIGN_UP(scan(f, u, f->nframes, true), step);
	}
	return NONE;
}

u64 frames_alloc(struct frames *f, u64 n, u64 align)
{
	u64 step, start, c;

	if (!align)
		align = PAGE_SIZE;
	if (!n || n > f->nfree || align < PAGE_SIZE || (align & (align - 1)))
		return FRAMES_NONE;
	step = align / PAGE_SIZE;
	/* next fit: from the hint to the end, then wrap once for what lies below it */
	start = f->hint < f->nframes ? f->hint : 0;
	c = search(f, n, step, start, f->nframes);
	if (c == NONE)
		c = search(f, n, step, 0, start);
	if (c == NONE)
		return FRAMES_NONE;
	fill(f->bitmap, c, c + n, false);
	f->nfree -= n;
	f->hint = c + n;
	return c * PAGE_SIZE;
}

int frames_free(struct frames *f, u64 pa, u64 n)
{
	u64 first = pa / PAGE_SIZE;

	if (pa % PAGE_SIZE || first >= f->nframes || n > f->nframes - first)
		return -1;
	if (scan(f, first, first + n, true) != first + n)
		return -1; /* some frame is already free: a double free */
	fill(f->bitmap, first, first + n, true);
	f->nfree += n;
	return 0;
}

bool frames_is_free(const struct frames *f, u64 pa)
{
	u64 i = pa / PAGE_SIZE;

	return f->bitmap && i < f->nframes && (f->bitmap[i / 64] >> (i % 64) & 1);
}
