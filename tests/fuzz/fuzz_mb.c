/* tests/fuzz/fuzz_mb.c: libFuzzer harness for lib/mb.c, the multiboot v1 and multiboot2
 * information parsers (what GRUB leaves in memory at boot).
 *
 * Drives: mb_parse on a fake physical memory made of the input. Input layout: byte 0 picks
 * the magic (v1, v2, or 4 raw bytes) and where memory lies (at physical 0, or ending at
 * 2^64 to reach the wraparound checks); byte 1 the size of err (0: NULL); bytes 2-3 info_pa
 * (an offset into memory); the rest is the memory. map() copies each request into a fresh
 * malloc of exactly the asked length and frees the previous one, so ASan catches a read past
 * what was asked for and any pointer kept across map() calls; err is a malloc of exactly
 * errlen bytes.
 *
 * Invariants asserted:
 * - the return value is one of MB_OK/EMAGIC/EBOUNDS/EFORMAT, EMAGIC exactly for a magic
 *   other than the two;
 * - failure: err holds one non-empty line (when there is room for one) and bi is all zero;
 *   success: err is empty;
 * - success: proto matches the magic, nmmap <= MB_MAX_MMAP, nmods <= MB_MAX_MODS, every
 *   string is NUL-terminated inside its buffer, every module ends at or after its start,
 *   info_start == info_pa, info_end is info_pa + 116 (v1) or info_pa + total_size (v2),
 *   the RSDP copy is all zero without has_rsdp;
 * - multiboot2 reads stay inside info_pa .. info_pa + total_size (the 8-byte header aside),
 *   success or not, and never touch memory that is not there;
 * - a reference parser written here from the two specs and mb.c's stated limits agrees on
 *   whether the information is good and, when it is, on every field of bootinfo (strings,
 *   modules, memory map, RSDP, the truncation count);
 * - mb_mem_type_name names every kept mmap type (E820 types 1-5 by name);
 * - no reader, or an info pointer of 0, is a bounds error without a single read;
 * - parsing is deterministic: a second parse gives the same result. */
#include "tests/fuzz/fuzz.h"
#include "lib/mb.h"

struct mem {
	const u8 *bytes;
	u64 base, len;
	void *win;		/* the last block map() handed out */
	u64 lo, hi;		/* extent of every read, as offsets from base */
	unsigned reads;
};

static const void *map(void *ctx, u64 pa, u64 len)
{
	struct mem *m = ctx;

	if (pa < m->base || pa - m->base > m->len || len > m->len - (pa - m->base))
		return NULL;
	if (pa - m->base < m->lo)
		m->lo = pa - m->base;
	if (pa - m->base + len > m->hi)
		m->hi = pa - m->base + len;
	m->reads++;
	free(m->win);
	m->win = malloc(len ? len : 1);
	memcpy(m->win, m->bytes + (pa - m->base), len);
	return m->win;
}

static bool str_ok(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static int parse(struct mem *m, u32 magic, u64 pa, struct bootinfo *bi, char *err,
		 size_t errlen)
{
	const struct mb_mem mm = { map, m };
	int rc;

	m->lo = ~0ULL;
	m->hi = 0;
	m->reads = 0;
	memset(bi, 0xa5, sizeof(*bi));	/* the parser must set every field */
	if (err)
		memset(err, 'x', errlen);
	rc = mb_parse(magic, pa, &mm, bi, err, errlen);
	free(m->win);
	m->win = NULL;
	return rc;
}

/* ---- a reference parser, written from the multiboot specs (v1 section 3.3, multiboot2
 * section 3.6) and lib/mb.c's stated decisions (1 MiB limits, 4096-byte v1 string scan,
 * 1024 v1 modules at most, what is truncated and how it is counted, tag 15 over tag 14).
 * It reads the fake memory directly; it only says whether the information is good and,
 * if so, what bootinfo must hold. ---- */

static const struct mem *rm;

/* Like mb.c, no range may end at 2^64 itself (its end would not fit in a u64). */
static const u8 *at(u64 pa, u64 len)
{
	if (len > ~0ULL - pa)
		return NULL;
	if (pa < rm->base || pa - rm->base > rm->len || len > rm->len - (pa - rm->base))
		return NULL;
	return rm->bytes + (pa - rm->base);
}

static bool get(u64 pa, u64 len, void *dst)
{
	const u8 *b = at(pa, len);

	if (b)
		memcpy(dst, b, len);
	return b != NULL;
}

static u32 le32(const u8 *b)
{
	u32 v;

	memcpy(&v, b, 4);
	return v;
}

/* A string of at most max bytes before its NUL, every byte readable. */
static bool ref_str(struct bootinfo *r, u64 pa, u64 max, char *dst, size_t dstlen)
{
	u64 i;
	const u8 *c;

	if (max > ~0ULL - pa)
		max = ~0ULL - pa;
	for (i = 0; i < max; i++) {
		if (!(c = at(pa + i, 1)))
			return false;
		if (!*c)
			break;
		if (i + 1 < dstlen)
			dst[i] = (char)*c;
	}
	if (i == max)
		return false;
	dst[i < dstlen ? i : dstlen - 1] = '\0';
	r->truncated += i >= dstlen;
	return true;
}

static bool ref_mmap_ent(struct bootinfo *r, u64 pa)
{
	u8 e[20];

	if (!get(pa, 20, e))
		return false;
	if (r->nmmap == MB_MAX_MMAP) {
		r->truncated++;
		return true;
	}
	memcpy(&r->mmap[r->nmmap].base, e, 8);
	memcpy(&r->mmap[r->nmmap].len, e + 8, 8);
	r->mmap[r->nmmap++].type = le32(e + 16);
	return true;
}

static bool ref_v1(struct bootinfo *r, u64 pa)
{
	u8 h[68];
	u32 fl, need = 4;

	if (!get(pa, 4, h))
		return false;
	fl = le32(h);
	need = fl & (1u << 9) ? 68 : fl & (1u << 6) ? 52 : fl & (1u << 3) ? 28 :
	       fl & (1u << 2) ? 20 : fl & 1 ? 12 : 4;
	if (!get(pa, need, h))
		return false;
	r->info_start = pa;
	r->info_end = pa + 116;
	if (fl & 1) {
		r->mem_lower_kb = le32(h + 4);
		r->mem_upper_kb = le32(h + 8);
	}
	if ((fl & (1u << 2)) && le32(h + 16) &&
	    !ref_str(r, le32(h + 16), 4096, r->cmdline, sizeof(r->cmdline)))
		return false;
	if ((fl & (1u << 9)) && le32(h + 64) &&
	    !ref_str(r, le32(h + 64), 4096, r->loader, sizeof(r->loader)))
		return false;
	if (fl & (1u << 3)) {
		u32 count = le32(h + 20), addr = le32(h + 24);

		if (count > 1024)
			return false;
		for (u32 i = 0; i < count && i < MB_MAX_MODS; i++) {
			u8 e[16];

			if (!get((u64)addr + 16 * i, 16, e) || le32(e + 4) < le32(e))
				return false;
			r->mods[i].start = le32(e);
			r->mods[i].end = le32(e + 4);
			if (le32(e + 8) && !ref_str(r, le32(e + 8), 4096, r->mods[i].cmdline,
						   sizeof(r->mods[i].cmdline)))
				return false;
			r->nmods++;
		}
		r->truncated += count - r->nmods;
	}
	if (fl & (1u << 6)) {
		u32 len = le32(h + 44), addr = le32(h + 48);
		u64 off = 0;

		if (len > (1u << 20))
			return false;
		while (off < len) {
			u8 b[4];

			if (len - off < 4 || !get(addr + off, 4, b) || le32(b) < 20 ||
			    le32(b) > len - off - 4 || !ref_mmap_ent(r, addr + off + 4))
				return false;
			off += 4 + (u64)le32(b);
		}
	}
	return true;
}

static bool ref_v2(struct bootinfo *r, u64 pa)
{
	u8 h[8];
	u64 total, off;
	bool rsdp_new = false;

	if (pa % 8 || !get(pa, 8, h))
		return false;
	total = le32(h);
	if (total < 16 || total > (1u << 20) || total > ~0ULL - pa)
		return false;
	r->info_start = pa;
	r->info_end = pa + total;
	for (off = 8;; off = (off + le32(h + 4) + 7) & ~7ULL) {
		u64 t;
		u32 type, size;

		if (off + 8 > total || !get(pa + off, 8, h))
			return false;
		type = le32(h);
		size = le32(h + 4);
		if (size < 8 || size > total - off)
			return false;
		t = pa + off;
		switch (type) {
		case 0:
			return size == 8;
		case 1:
			if (!ref_str(r, t + 8, size - 8, r->cmdline, sizeof(r->cmdline)))
				return false;
			break;
		case 2:
			if (!ref_str(r, t + 8, size - 8, r->loader, sizeof(r->loader)))
				return false;
			break;
		case 3: {
			u8 e[8];
			struct mb_module spare = { 0 }, *md;
			unsigned cut = r->truncated;

			md = r->nmods < MB_MAX_MODS ? &r->mods[r->nmods] : &spare;
			if (size < 16 || !get(t + 8, 8, e) || le32(e + 4) < le32(e))
				return false;
			md->start = le32(e);
			md->end = le32(e + 4);
			if (!ref_str(r, t + 16, size - 16, md->cmdline, sizeof(md->cmdline)))
				return false;
			if (md == &spare)
				r->truncated = cut + 1;
			else
				r->nmods++;
			break;
		}
		case 4: {
			u8 e[8];

			if (size < 16 || !get(t + 8, 8, e))
				return false;
			r->mem_lower_kb = le32(e);
			r->mem_upper_kb = le32(e + 4);
			break;
		}
		case 6: {
			u8 e[4];
			u32 esz;

			if (size < 16 || !get(t + 8, 4, e))
				return false;
			esz = le32(e);
			if (esz < 24 || esz % 8 || (size - 16) % esz)
				return false;
			for (u64 o = 16; o < size; o += esz)
				if (!ref_mmap_ent(r, t + o))
					return false;
			break;
		}
		case 14: case 15:
			if (size < 28)
				return false;
			if (rsdp_new && type == 14)
				break;
			memset(r->rsdp, 0, sizeof(r->rsdp));
			if (!get(t + 8, size - 8 < 36 ? size - 8 : 36, r->rsdp))
				return false;
			r->has_rsdp = true;
			rsdp_new = type == 15;
			break;
		}
	}
}

/* Whether the two agree on everything bootinfo says (string tails past the NUL aside). */
static bool same(const struct bootinfo *a, const struct bootinfo *b)
{
	if (a->proto != b->proto || a->info_start != b->info_start ||
	    a->info_end != b->info_end || strcmp(a->cmdline, b->cmdline) ||
	    strcmp(a->loader, b->loader) || a->mem_lower_kb != b->mem_lower_kb ||
	    a->mem_upper_kb != b->mem_upper_kb || a->nmmap != b->nmmap ||
	    a->nmods != b->nmods || a->has_rsdp != b->has_rsdp ||
	    memcmp(a->rsdp, b->rsdp, sizeof(a->rsdp)) || a->truncated != b->truncated)
		return false;
	for (unsigned i = 0; i < a->nmmap; i++)
		if (a->mmap[i].base != b->mmap[i].base || a->mmap[i].len != b->mmap[i].len ||
		    a->mmap[i].type != b->mmap[i].type)
			return false;
	for (unsigned i = 0; i < a->nmods; i++)
		if (a->mods[i].start != b->mods[i].start || a->mods[i].end != b->mods[i].end ||
		    strcmp(a->mods[i].cmdline, b->mods[i].cmdline))
			return false;
	return true;
}

static struct bootinfo bi, bi2, ref;
static const struct bootinfo zero;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = fz_init(data, size);
	u8 sel = fz_u8(&f), el = fz_u8(&f);
	u16 off = fz_u16(&f);
	struct mem m = { 0 };
	size_t errlen = el % 200;
	char *err = errlen ? malloc(errlen) : NULL;
	u32 magic;
	u64 pa;
	int rc, rc2;

	switch (sel & 3) {
	case 0: case 1: magic = MB1_BOOT_MAGIC; break;
	case 2: magic = MB2_BOOT_MAGIC; break;
	default: magic = fz_u32(&f); break;
	}
	m.len = fz_left(&f);
	m.bytes = data + f.pos;
	/* Memory at 0, or ending at (or just below) 2^64: base + len is never computed. */
	m.base = (sel & 4) ? (0 - (m.len ? m.len : 1)) & ~7ULL : 0;
	pa = m.base + off;
	if ((sel & 0x18) == 0x18)
		pa = m.base + m.len - (off % 64);	/* near (or past) the end */

	rc = parse(&m, magic, pa, &bi, err, errlen);

	FZ_CHECK(rc == MB_OK || rc == MB_EMAGIC || rc == MB_EBOUNDS || rc == MB_EFORMAT);
	FZ_CHECK((rc == MB_EMAGIC) == (magic != MB1_BOOT_MAGIC && magic != MB2_BOOT_MAGIC));
	if (err)
		FZ_CHECK(fz_one_line(err, errlen));
	if (rc) {
		if (errlen >= 2)
			FZ_CHECK(err[0] != '\0');
		FZ_CHECK(memcmp(&bi, &zero, sizeof(bi)) == 0);
	} else {
		if (err)
			FZ_CHECK(err[0] == '\0');
		FZ_CHECK(bi.proto == (magic == MB1_BOOT_MAGIC ? 1 : 2));
		FZ_CHECK(bi.nmmap <= MB_MAX_MMAP);
		FZ_CHECK(bi.nmods <= MB_MAX_MODS);
		FZ_CHECK(str_ok(bi.cmdline, sizeof(bi.cmdline)));
		FZ_CHECK(str_ok(bi.loader, sizeof(bi.loader)));
		for (unsigned i = 0; i < bi.nmods; i++) {
			FZ_CHECK(str_ok(bi.mods[i].cmdline, sizeof(bi.mods[i].cmdline)));
			FZ_CHECK(bi.mods[i].end >= bi.mods[i].start);
			FZ_CHECK(bi.mods[i].end <= 0xffffffffULL);
		}
		for (unsigned i = bi.nmods; i < MB_MAX_MODS; i++)
			FZ_CHECK(bi.mods[i].start == 0 && bi.mods[i].end == 0 &&
				 bi.mods[i].cmdline[0] == '\0');
		FZ_CHECK(bi.info_start == pa);
		if (bi.proto == 1) {
			FZ_CHECK(bi.info_end == pa + 116);
		} else {
			FZ_CHECK(bi.info_end > pa && bi.info_end - pa >= 16);
			FZ_CHECK(bi.info_end - pa <= (1u << 20));
			FZ_CHECK(m.lo >= pa - m.base && m.hi <= bi.info_end - m.base);
		}
		for (unsigned i = 0; i < bi.nmmap; i++) {
			const char *t = mb_mem_type_name(bi.mmap[i].type);

			FZ_CHECK(t && *t);
			FZ_CHECK((strcmp(t, "type?") == 0) ==
				 (bi.mmap[i].type < MB_MEM_AVAILABLE || bi.mmap[i].type > MB_MEM_BAD));
		}
		if (!bi.has_rsdp) {
			static const u8 z[sizeof(bi.rsdp)];
			FZ_CHECK(memcmp(bi.rsdp, z, sizeof(z)) == 0);
		}
	}
	/* The reference agrees: good or not, and then on every field. */
	if (rc != MB_EMAGIC) {
		bool ok;

		memset(&ref, 0, sizeof(ref));
		rm = &m;
		ref.proto = magic == MB1_BOOT_MAGIC ? 1 : 2;
		ok = pa && (ref.proto == 1 ? ref_v1(&ref, pa) : ref_v2(&ref, pa));
		FZ_CHECK(ok == (rc == MB_OK));
		if (ok)
			FZ_CHECK(same(&bi, &ref));
	}

	/* multiboot2: nothing outside the structure is read, whatever the outcome. */
	if (magic == MB2_BOOT_MAGIC && m.reads > 0) {
		u64 total = 0, lim;

		if (pa >= m.base && pa - m.base + 4 <= m.len)
			memcpy(&total, m.bytes + (pa - m.base), 4);
		lim = total > 8 ? total : 8;
		FZ_CHECK(m.lo >= pa - m.base);
		FZ_CHECK(m.hi - (pa - m.base) <= lim);
	}

	/* No memory reader, or no information pointer: a bounds error, never a read. */
	{
		const struct mb_mem none = { NULL, NULL };
		int want = rc == MB_EMAGIC ? MB_EMAGIC : MB_EBOUNDS;

		FZ_CHECK(mb_parse(magic, pa, NULL, &bi2, err, errlen) == want);
		FZ_CHECK(mb_parse(magic, pa, &none, &bi2, err, errlen) == want);
		if (!m.base)
			FZ_CHECK(parse(&m, magic, 0, &bi2, err, errlen) == want && m.reads == 0);
	}

	/* Deterministic. */
	rc2 = parse(&m, magic, pa, &bi2, err, errlen);
	FZ_CHECK(rc2 == rc);
	FZ_CHECK(memcmp(&bi, &bi2, sizeof(bi)) == 0);
	free(err);
	return 0;
}
