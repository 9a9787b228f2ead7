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

static struct bootinfo bi, bi2;
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
		if (!bi.has_rsdp) {
			static const u8 z[sizeof(bi.rsdp)];
			FZ_CHECK(memcmp(bi.rsdp, z, sizeof(z)) == 0);
		}
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

	/* Deterministic. */
	rc2 = parse(&m, magic, pa, &bi2, err, errlen);
	FZ_CHECK(rc2 == rc);
	FZ_CHECK(memcmp(&bi, &bi2, sizeof(bi)) == 0);
	free(err);
	return 0;
}
