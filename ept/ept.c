/* ept/ept.c: the EPT table tree of one VM (see ept/ept.h; SDM Vol. 3C 29.3).
 *
 * Owns building, changing, walking and freeing the four-level tree that translates
 * guest-physical to host-physical addresses. Levels are numbered as in the SDM's walk:
 * 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT; an entry at level l maps 2^(12 + 9 * (l - 1)) bytes.
 *
 * Decisions:
 * - Every change runs twice over the range: a dry run that touches nothing and counts the
 *   table pages the change will need (missing tables and 2 MiB splits), then, once that many
 *   pages have been taken from the allocator into a private pool, the real run. So a failed
 *   allocation gives EPT_ENOMEM with the tree exactly as it was (and flush_needed untouched);
 *   the real run never calls the allocator. (Should the count ever be short, the real run
 *   falls back to the allocator and stops at the step that could not get a page: each step
 *   leaves the tree consistent, the steps before it are done.)
 * - A new table has all 512 entries set to "not present, suppress #VE" (bit 63), never 0:
 *   a violation on a zero entry is convertible to #VE (26.5.7.1), and only ept_absent()
 *   may make those.
 * - Only 4 KiB and 2 MiB pages; no 1 GiB pages are made. Empty tables are kept until
 *   ept_destroy(), except the PT under a PDE that a 2 MiB ept_map()/ept_unmap() replaces.
 * - flush_needed is set when an entry that was present (any of bits 0-2, 29.3.2) gets a
 *   different value: a leaf, a table pointer, or a 2 MiB page turned into a table (split),
 *   since the CPU may cache translations and paging-structure entries (29.4.1).
 *   Writing an entry that was not present never sets it: not-present entries are not cached.
 * - perms: a non-empty subset of RWX with R whenever W is set; write-only and write-execute
 *   are EPT misconfigurations (29.3.3.1). Execute-only needs the CPU's support, which the
 *   caller checks (IA32_VMX_EPT_VPID_CAP bit 0). perms 0 is EPT_EINVAL: use ept_unmap().
 * - ept_walk() of a gpa at or above 2^48 returns EPT_EINVAL with levels 0, present false:
 *   a 4-level walk has no entry for it.
 */
#include "ept/ept.h"
#include "lib/string.h"
#include "lib/fmt.h"

#define EPT_LIMIT	(1ULL << 48)	/* 4-level walk: 48-bit guest-physical addresses */
#define EPT_MT_MASK	(7ULL << 3)
#define EPT_TABLE	(EPT_RWX | EPT_SVE)	/* a non-leaf entry, besides the address */
#define NONE		(~0ULL)			/* allocator failure, empty pool */
#define NENT		512

enum op { OP_MAP, OP_UNMAP, OP_ABSENT, OP_PROTECT };

struct req {
	enum op op;
	u64 gpa, hpa, size, perms;
	bool conv;		/* OP_ABSENT: leave bit 63 clear */
};

/* One pass over a range. */
struct pass {
	struct ept *e;
	bool dry;		/* count, change nothing */
	u64 need;		/* dry: table pages the real pass will allocate */
	u64 vkey[4];		/* dry: per level, 1 + key of the last table counted as new */
	u64 pool;		/* real: pre-allocated pages, linked through their first word */
	int err;		/* real: set when a page could not be had */
};

static bool present(u64 ent)
{
	return ent & EPT_RWX;
}

static unsigned idx(u64 gpa, int level)
{
	return (gpa >> (12 + 9 * (level - 1))) & (NENT - 1);
}

/* Bytes one entry at level maps. */
static u64 span(int level)
{
	return 1ULL << (12 + 9 * (level - 1));
}

static u64 *va(const struct ept *e, u64 pa)
{
	return e->pa_to_va(e->ctx, pa);
}

static bool bad_range(u64 a, u64 size)
{
	return ((a | size) & (PAGE_SIZE - 1)) || !size || a >= EPT_LIMIT ||
	       size > EPT_LIMIT - a;
}

static bool bad_perms(u64 perms)
{
	return !perms || (perms & ~EPT_RWX) || ((perms & EPT_W) && !(perms & EPT_R));
}

/* ---- table pages ---- */

static void fill_absent(u64 *t)
{
	for (int i = 0; i < NENT; i++)
		t[i] = EPT_SVE;
}

/* A page for a new table: from the pool, or (only if the dry run's count was short) from
 * the allocator. NONE when there is none. */
static u64 take_page(struct pass *p)
{
	struct ept *e = p->e;
	u64 pa = p->pool;
	u64 *t;

	if (pa != NONE) {
		t = va(e, pa);
		p->pool = t[0];
		t[0] = 0;
		return pa;
	}
	pa = e->alloc_page(e->ctx);
	if (pa == NONE)
		p->err = EPT_ENOMEM;
	return pa;
}

static void free_table(struct pass *p, u64 pa)
{
	p->e->free_page(p->e->ctx, pa);
	p->e->table_pages--;
}

/* Takes n pages from the allocator into the pool; all or none. */
static int fill_pool(struct pass *p, u64 n)
{
	struct ept *e = p->e;
	u64 pa;

	for (; n; n--) {
		pa = e->alloc_page(e->ctx);
		if (pa == NONE)
			return EPT_ENOMEM;
		va(e, pa)[0] = p->pool;
		p->pool = pa;
	}
	return 0;
}

static void drain_pool(struct pass *p)
{
	u64 pa;

	while ((pa = p->pool) != NONE) {
		p->pool = va(p->e, pa)[0];
		p->e->free_page(p->e->ctx, pa);
	}
}

/* ---- entries ---- */

/* Writes one entry; the real pass only. */
static void set(struct pass *p, u64 *ent, u64 v)
{
	if (p->dry)
		return;
	if (present(*ent) && *ent != v)
		p->e->flush_needed = true;
	*ent = v;
}

/* Writes a PDE and frees the PT it pointed to, if any. */
static void set_pde(struct pass *p, u64 *pde, u64 v)
{
	u64 old = *pde;

	if (p->dry)
		return;
	set(p, pde, v);
	if (present(old) && !(old & EPT_LARGE))
		free_table(p, old & EPT_ADDR_MASK);
}

/* Dry run: the tables from level top down to level are missing at gpa (or, for top 1, a
 * 2 MiB page must be split); counts each once. Steps go upward through the range, so a
 * table already counted is the last one counted at its level. */
static u64 *count_new(struct pass *p, u64 gpa, int top, int level)
{
	for (int l = top; l >= level; l--) {
		u64 key = (gpa >> (12 + 9 * l)) + 1;

		if (p->vkey[l] != key) {
			p->vkey[l] = key;
			p->need++;
		}
	}
	return NULL;
}

/* Points a not-present entry at a new table whose entries are all absent. */
static u64 *new_table(struct pass *p, u64 *ent)
{
	u64 pa = take_page(p);
	u64 *t;

	if (pa == NONE)
		return NULL;
	t = va(p->e, pa);
	fill_absent(t);
	p->e->table_pages++;
	set(p, ent, pa | EPT_TABLE);
	return t;
}

/* Replaces the 2 MiB page of pde by a PT of 512 4 KiB pages with the same translation,
 * permissions, memory type, A/D and bit 63 (29.3.2: bit 7 of a PDE selects the page size). */
static u64 *split(struct pass *p, u64 *pde)
{
	u64 big = *pde;
	u64 base = big & EPT_ADDR_MASK & ~(EPT_2M - 1);
	u64 flags = big & ~(EPT_ADDR_MASK | EPT_LARGE);
	u64 pa = take_page(p);
	u64 *t;

	if (pa == NONE)
		return NULL;
	t = va(p->e, pa);
	for (int i = 0; i < NENT; i++)
		t[i] = (base + i * PAGE_SIZE) | flags;
	p->e->table_pages++;
	set(p, pde, pa | EPT_TABLE);
	return t;
}

/* The entry for gpa at level (2: PDE, 1: PTE). Missing tables are made when create is set;
 * a 2 MiB page where a PTE is wanted is always split. NULL with *gap 0: a dry run, and the
 * entry would be in a table this change has yet to make (so it is absent), or the real run
 * is out of pages (p->err). NULL with *gap = l: no create, and the level-l entry on the way
 * is not present, so nothing is mapped in its span(l). */
static u64 *lookup(struct pass *p, u64 gpa, int level, bool create, int *gap)
{
	u64 *t = va(p->e, p->e->root_pa);
	u64 *ent;

	*gap = 0;
	for (int l = 4; l > level; l--) {
		ent = &t[idx(gpa, l)];
		if (!present(*ent)) {
			if (!create) {
				*gap = l;
				return NULL;
			}
			if (p->dry)
				return count_new(p, gpa, l - 1, level);
			t = new_table(p, ent);
		} else if (l == 2 && (*ent & EPT_LARGE)) {
			if (p->dry)
				return count_new(p, gpa, 1, 1);
			t = split(p, ent);
		} else {
			t = va(p->e, *ent & EPT_ADDR_MASK);
		}
		if (!t)
			return NULL;
	}
	return &t[idx(gpa, level)];
}

/* The PDE for gpa, without changing anything; NULL when a table above it is missing. */
static u64 *peek_pde(const struct ept *e, u64 gpa)
{
	u64 *t = va(e, e->root_pa);
	u64 ent;

	for (int l = 4; l > 2; l--) {
		ent = t[idx(gpa, l)];
		if (!present(ent))
			return NULL;
		t = va(e, ent & EPT_ADDR_MASK);
	}
	return &t[idx(gpa, 2)];
}

/* ---- the changes ---- */

/* Where the next step starts after a gap at level l: the end of that entry's span. */
static u64 skip(u64 gpa, int l)
{
	return span(l) - (gpa & (span(l) - 1));
}

/* One step of r at gpa (rem bytes left); returns the bytes it covered. */
static u64 step(struct pass *p, const struct req *r, u64 gpa, u64 rem)
{
	u64 hpa = r->hpa + (gpa - r->gpa);
	bool whole = !(gpa & (EPT_2M - 1)) && rem >= EPT_2M;
	u64 *ent, *pde;
	int gap;

	switch (r->op) {
	case OP_MAP:
		if (whole && !(hpa & (EPT_2M - 1))) {
			ent = lookup(p, gpa, 2, true, &gap);
			if (ent)
				set_pde(p, ent, hpa | r->perms | EPT_MT_WB | EPT_LARGE | EPT_SVE);
			return EPT_2M;
		}
		ent = lookup(p, gpa, 1, true, &gap);
		if (ent)
			set(p, ent, hpa | r->perms | EPT_MT_WB | EPT_SVE);
		return PAGE_SIZE;
	case OP_UNMAP:
		ent = lookup(p, gpa, whole ? 2 : 1, false, &gap);
		if (gap)
			return skip(gpa, gap);
		if (ent && whole)
			set_pde(p, ent, EPT_SVE);
		else if (ent)
			set(p, ent, EPT_SVE);
		return whole ? EPT_2M : PAGE_SIZE;
	case OP_ABSENT:
		ent = lookup(p, gpa, 1, true, &gap);
		if (ent)
			set(p, ent, r->conv ? 0 : EPT_SVE);
		return PAGE_SIZE;
	case OP_PROTECT:
		/* The range was checked to be mapped, so the PDE exists. */
		pde = peek_pde(p->e, gpa);
		if (whole && (*pde & EPT_LARGE)) {
			set(p, pde, (*pde & ~EPT_RWX) | r->perms);
			return EPT_2M;
		}
		ent = lookup(p, gpa, 1, false, &gap);
		if (ent)
			set(p, ent, (*ent & ~EPT_RWX) | r->perms);
		return PAGE_SIZE;
	}
	return PAGE_SIZE;
}

static void run_pass(struct pass *p, const struct req *r)
{
	u64 off = 0, n;

	while (off < r->size && !p->err) {
		n = step(p, r, r->gpa + off, r->size - off);
		off += MIN(n, r->size - off);
	}
}

/* Dry run, pool, real run. */
static int change(struct ept *e, const struct req *r)
{
	struct pass p = { .e = e, .dry = true, .pool = NONE };
	int rc;

	run_pass(&p, r);
	rc = fill_pool(&p, p.need);
	if (!rc) {
		p.dry = false;
		run_pass(&p, r);
		rc = p.err;
	}
	drain_pool(&p);
	return rc;
}

int ept_init(struct ept *e)
{
	u64 pa = e->alloc_page(e->ctx);

	e->table_pages = 0;
	e->flush_needed = false;
	if (pa == NONE)
		return EPT_ENOMEM;
	fill_absent(va(e, pa));
	e->root_pa = pa;
	e->table_pages = 1;
	return 0;
}

/* Frees the table at pa (level l) and every table under it. */
static void free_tree(struct ept *e, u64 pa, int l)
{
	u64 *t = va(e, pa);

	for (int i = 0; l > 1 && i < NENT; i++)
		if (present(t[i]) && !(l == 2 && (t[i] & EPT_LARGE)))
			free_tree(e, t[i] & EPT_ADDR_MASK, l - 1);
	e->free_page(e->ctx, pa);
	e->table_pages--;
}

void ept_destroy(struct ept *e)
{
	if (!e->table_pages)
		return;
	free_tree(e, e->root_pa, 4);
	e->root_pa = 0;
}

int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 size, u64 perms)
{
	struct req r = { OP_MAP, gpa, hpa, size, perms, false };

	if (bad_range(gpa, size) || bad_range(hpa, size) || bad_perms(perms))
		return EPT_EINVAL;
	return change(e, &r);
}

int ept_unmap(struct ept *e, u64 gpa, u64 size)
{
	struct req r = { OP_UNMAP, gpa, 0, size, 0, false };

	if (bad_range(gpa, size))
		return EPT_EINVAL;
	return change(e, &r);
}

int ept_absent(struct ept *e, u64 gpa, u64 size, bool convertible)
{
	struct req r = { OP_ABSENT, gpa, 0, size, 0, convertible };

	if (bad_range(gpa, size))
		return EPT_EINVAL;
	return change(e, &r);
}

int ept_protect(struct ept *e, u64 gpa, u64 size, u64 perms)
{
	struct req r = { OP_PROTECT, gpa, 0, size, perms, false };
	struct ept_walk w;
	u64 off, a;

	if (bad_range(gpa, size) || bad_perms(perms))
		return EPT_EINVAL;
	/* All of the range must be mapped before any of it changes. */
	for (off = 0; off < size; off += PAGE_SIZE) {
		a = gpa + off;
		ept_walk(e, a, &w);
		if (!w.present)
			return EPT_ENOENT;
		if (w.page_level == 2)
			off += EPT_2M - PAGE_SIZE - (a & (EPT_2M - 1));
	}
	return change(e, &r);
}

u64 *ept_leaf(struct ept *e, u64 gpa)
{
	u64 *pde;

	if (gpa >= EPT_LIMIT || !(pde = peek_pde(e, gpa)) || !present(*pde) ||
	    (*pde & EPT_LARGE))
		return NULL;
	return &((u64 *)va(e, *pde & EPT_ADDR_MASK))[idx(gpa, 1)];
}

int ept_walk(const struct ept *e, u64 gpa, struct ept_walk *w)
{
	u64 *t, ent;

	memset(w, 0, sizeof(*w));
	if (gpa >= EPT_LIMIT)
		return EPT_EINVAL;
	t = va(e, e->root_pa);
	for (int l = 4; l >= 1; l--) {
		ent = t[idx(gpa, l)];
		w->entry[w->levels++] = ent;
		if (!present(ent))
			return 0;
		if (l == 1 || (l == 2 && (ent & EPT_LARGE))) {
			w->present = true;
			w->page_level = l;
			w->hpa = (ent & EPT_ADDR_MASK & ~(span(l) - 1)) | (gpa & (span(l) - 1));
			w->perms = ent & EPT_RWX;
			return 0;
		}
		t = va(e, ent & EPT_ADDR_MASK);
	}
	return 0;
}

u64 ept_pointer(const struct ept *e, bool ad)
{
	return e->root_pa | 6 | (3 << 3) | (ad ? 1ULL << 6 : 0);
}

/* ---- decoding ---- */

struct sbuf {
	char *buf;
	size_t len, pos;
};

static void put(struct sbuf *s, const char *f, ...) __attribute__((format(printf, 2, 3)));

/* Appends to s, truncating at its end. */
static void put(struct sbuf *s, const char *f, ...)
{
	va_list ap;
	int n;

	if (s->pos + 1 >= s->len)
		return;
	va_start(ap, f);
	n = vfmt(s->buf + s->pos, s->len - s->pos, f, ap);
	va_end(ap);
	if (n > 0)
		s->pos = MIN(s->pos + (size_t)n, s->len - 1);
}

/* Memory type names (29.3.7; 2, 3 and 7 are reserved: a misconfiguration in a leaf). */
static const char *const mt_name[8] = { "UC", "WC", "?2", "?3", "WT", "WP", "WB", "?7" };

/* Present entries: "pa=0x... RWX" then "table" or, for a leaf, "large" (a 2 MiB or 1 GiB
 * page) and "mt=WB", then "ipat", "A", "D", "sve" when set, and "other=0x..." for any bit
 * not named so far (reserved or software bits). Not-present entries: "not present" then
 * "sve" or "convertible", and "bits=0x..." for anything else in them. */
void ept_entry_format(u64 entry, int level, char *buf, size_t len)
{
	struct sbuf s = { buf, len, 0 };
	bool leaf = level == 1 || ((level == 2 || level == 3) && (entry & EPT_LARGE));
	u64 known = EPT_ADDR_MASK | EPT_RWX | EPT_A | EPT_D | EPT_SVE;

	if (len)
		buf[0] = '\0';
	if (!present(entry)) {
		put(&s, "not present %s", entry & EPT_SVE ? "sve" : "convertible");
		if (entry & ~EPT_SVE)
			put(&s, " bits=0x%llx", (unsigned long long)(entry & ~EPT_SVE));
		return;
	}
	put(&s, "pa=0x%016llx %c%c%c", (unsigned long long)(entry & EPT_ADDR_MASK),
	    entry & EPT_R ? 'R' : '-', entry & EPT_W ? 'W' : '-', entry & EPT_X ? 'X' : '-');
	if (!leaf) {
		put(&s, " table");
	} else {
		if (level > 1) {
			put(&s, " large");
			known |= EPT_LARGE;
		}
		put(&s, " mt=%s", mt_name[(entry & EPT_MT_MASK) >> 3]);
		known |= EPT_MT_MASK;
		if (entry & EPT_IPAT)
			put(&s, " ipat");
		known |= EPT_IPAT;
	}
	if (entry & EPT_A)
		put(&s, " A");
	if (entry & EPT_D)
		put(&s, " D");
	if (entry & EPT_SVE)
		put(&s, " sve");
	if (entry & ~known)
		put(&s, " other=0x%llx", (unsigned long long)(entry & ~known));
}
