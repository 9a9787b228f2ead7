/* tests/unit/test_mb.c: host tests of lib/mb.c, the multiboot v1/v2 information parsers.
 *
 * Fake physical memory is a 1 MiB host array standing for physical 0 .. 1 MiB; real v1 and
 * v2 structures are written into it. The map() handed to the parser copies each request into
 * a fresh malloc'd block of exactly the asked length and frees the previous one, so ASan
 * catches any read past what was asked for and any pointer kept across map() calls. It also
 * records the lowest and highest byte ever asked for, to show that v2 parsing stays inside
 * info_pa .. info_pa + total_size. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/mb.h"

#define MEMSZ (1u << 20)
#define V1 0x1000ULL  /* where v1 tests put the info structure */
#define V2 0x8000ULL  /* and v2 tests, unless they say otherwise */

static unsigned char pmem[MEMSZ];
static void *win;                 /* the last block map() handed out */
static unsigned long long lo, hi; /* extent of all reads since reset() */

static const void *map(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	if (pa >= MEMSZ || len > MEMSZ - pa || !len)
		return NULL;
	lo = pa < lo ? pa : lo;
	hi = pa + len > hi ? pa + len : hi;
	free(win);
	win = malloc(len);
	memcpy(win, pmem + pa, len);
	return win;
}

static const struct mb_mem mem = { map, NULL };
static struct bootinfo bi;
static const struct bootinfo zero;
static char err[160];

static void reset(void)
{
	memset(pmem, 0, sizeof(pmem));
	lo = ~0ULL;
	hi = 0;
}

static int parse(u32 magic, u64 pa)
{
	int rc;

	memset(&bi, 0xa5, sizeof(bi)); /* the parser must set every field */
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	rc = mb_parse(magic, pa, &mem, &bi, err, sizeof(err));
	free(win);
	win = NULL;
	return rc;
}

#define P1(pa) parse(MB1_BOOT_MAGIC, (pa))
#define P2(pa) parse(MB2_BOOT_MAGIC, (pa))

static void put32(u64 pa, u32 v) { memcpy(pmem + pa, &v, 4); }
static void put64(u64 pa, u64 v) { memcpy(pmem + pa, &v, 8); }
static void putstr(u64 pa, const char *s) { memcpy(pmem + pa, s, strlen(s) + 1); }

/* A failed parse: the expected code, one line naming the problem, bi wiped. */
#define EXPECT_ERR(rc, want, what)                                                     \
	do {                                                                           \
		CHECK_EQ((rc), (want));                                                \
		CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);                    \
		if (!strstr(err, (what))) {                                            \
			printf("  err: %s\n  want: %s\n", err, (what));               \
			CHECK(!"err has the expected text");                           \
		}                                                                      \
		CHECK(memcmp(&bi, &zero, sizeof(bi)) == 0);                            \
	} while (0)

/* ---- multiboot2 builder: b2_begin, tags, b2_end (which sets total_size) ---- */

static u64 b2_base, b2_off;

static void b2_begin(u64 base)
{
	b2_base = base;
	b2_off = 8;
}

/* Appends a tag of 8 + len bytes; returns its offset. */
static u64 b2_tag(u32 type, const void *payload, u32 len)
{
	u64 off = b2_off;

	put32(b2_base + off, type);
	put32(b2_base + off + 4, 8 + len);
	if (len)
		memcpy(pmem + b2_base + off + 8, payload, len);
	b2_off = (off + 8 + len + 7) & ~7ULL;
	return off;
}

static u64 b2_str(u32 type, const char *s) { return b2_tag(type, s, strlen(s) + 1); }

static u64 b2_module(u32 start, u32 end, const char *s)
{
	unsigned char p[16 + 300];
	size_t n = strlen(s) + 1;

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, s, n);
	return b2_tag(3, p, 8 + n);
}

struct ent { u64 base, len; u32 type; };

static u64 b2_mmap(const struct ent *e, unsigned n, u32 esz)
{
	static unsigned char p[8 + 128 * 32];
	unsigned i;

	memset(p, 0, sizeof(p));
	memcpy(p, &esz, 4); /* entry_version stays 0 */
	for (i = 0; i < n; i++) {
		memcpy(p + 8 + i * esz, &e[i].base, 8);
		memcpy(p + 8 + i * esz + 8, &e[i].len, 8);
		memcpy(p + 8 + i * esz + 16, &e[i].type, 4);
	}
	return b2_tag(6, p, 8 + n * esz);
}

static u32 b2_end(void)
{
	b2_tag(0, NULL, 0);
	put32(b2_base, (u32)b2_off);
	return (u32)b2_off;
}

static const struct ent ents[3] = {
	{ 0, 0x9fc00, 1 }, { 0xf0000, 0x10000, 2 }, { 0x100000, 0x7ef0000, 1 },
};

/* ---- multiboot v1 builder: info at V1, field at byte offset off ---- */

static void v1(u32 flags)
{
	reset();
	put32(V1, flags);
}

#define F(off, v) put32(V1 + (off), (v))

/* One mmap entry with the given size field; returns where the next one goes. */
static u64 v1_ent(u64 at, u32 size, u64 base, u64 len, u32 type)
{
	put32(at, size);
	put64(at + 4, base);
	put64(at + 12, len);
	put32(at + 20, type);
	return at + 4 + size;
}

static void v1_module(u64 mods, unsigned i, u32 start, u32 end, u32 str)
{
	put32(mods + 16 * i, start);
	put32(mods + 16 * i + 4, end);
	put32(mods + 16 * i + 8, str);
}

/* ---- good cases ---- */

TEST(v2_full)
{
	static struct bootinfo want = {
		.proto = 2, .info_start = 0x10000,
		.cmdline = "console=com1 mem=64M", .loader = "GRUB 2.06",
		.mem_lower_kb = 639, .mem_upper_kb = 130048,
		.nmmap = 3,
		.mmap = { { 0, 0x9fc00, 1 }, { 0xf0000, 0x10000, 2 }, { 0x100000, 0x7ef0000, 1 } },
		.nmods = 2,
		.mods = { { 0x200000, 0x280000, "guest0 kernel" }, { 0x300000, 0x300123, "initrd" } },
		.has_rsdp = true,
	};
	unsigned char rsdp1[20], odd[5] = { 1, 2, 3, 4, 5 };
	u32 ml[2] = { 639, 130048 }, total;
	int i;

	reset();
	for (i = 0; i < 36; i++)
		want.rsdp[i] = 0x80 + i;
	memset(rsdp1, 0x10, sizeof(rsdp1));
	b2_begin(0x10000);
	b2_str(1, "console=com1 mem=64M");
	b2_str(2, "GRUB 2.06");
	b2_tag(21, odd, sizeof(odd)); /* unknown, odd size: padding to 8 must follow */
	b2_tag(4, ml, sizeof(ml));
	b2_mmap(ents, 3, 24);
	b2_module(0x200000, 0x280000, "guest0 kernel");
	b2_module(0x300000, 0x300123, "initrd");
	b2_tag(14, rsdp1, sizeof(rsdp1));
	b2_tag(15, want.rsdp, sizeof(want.rsdp));
	total = b2_end();
	put32(0x10000 + total, 1); /* junk right after: must not be read */
	want.info_end = 0x10000 + total;

	CHECK_EQ(P2(0x10000), MB_OK);
	CHECK_STR(err, "");
	CHECK_STR(bi.cmdline, want.cmdline);
	CHECK_STR(bi.mods[1].cmdline, "initrd");
	CHECK_EQ(bi.mmap[2].len, 0x7ef0000);
	CHECK(memcmp(&bi, &want, sizeof(bi)) == 0); /* every field, the above for messages */
	CHECK(lo == 0x10000 && hi == 0x10000 + total);
}

/* Tag 14 alone gives its 20 bytes; after tag 15 it must not replace the newer copy. */
TEST(v2_small)
{
	unsigned char r1[20], r2[36];

	memset(r1, 0x11, sizeof(r1));
	memset(r2, 0x22, sizeof(r2));
	reset();
	b2_begin(V2);
	b2_tag(14, r1, sizeof(r1));
	b2_end();
	CHECK_EQ(P2(V2), MB_OK);
	CHECK(bi.has_rsdp);
	CHECK(memcmp(bi.rsdp, r1, 20) == 0 && memcmp(bi.rsdp + 20, zero.rsdp, 16) == 0);
	CHECK(bi.nmmap == 0 && bi.nmods == 0 && !bi.cmdline[0] && !bi.loader[0]);

	reset();
	b2_begin(V2);
	b2_tag(15, r2, sizeof(r2));
	b2_tag(14, r1, sizeof(r1));
	b2_end();
	CHECK_EQ(P2(V2), MB_OK);
	CHECK(memcmp(bi.rsdp, r2, 36) == 0);

	/* the smallest legal structure: header and end tag */
	reset();
	b2_begin(V2);
	b2_end();
	CHECK_EQ(P2(V2), MB_OK);
	CHECK(!bi.has_rsdp);
	CHECK_EQ(bi.info_end - bi.info_start, 16);

	/* larger entry_size (a later version): only the first 20 bytes of each entry matter */
	reset();
	b2_begin(V2);
	b2_mmap(ents, 3, 32);
	b2_end();
	CHECK_EQ(P2(V2), MB_OK);
	CHECK_EQ(bi.nmmap, 3);
	CHECK(bi.mmap[2].base == 0x100000 && bi.mmap[2].len == 0x7ef0000);
	CHECK_EQ(bi.mmap[1].type, 2);
}

/* Each string cut and each entry dropped counts once in truncated. */
TEST(v2_truncation)
{
	static struct ent many[70];
	char big[1500], name[100];
	const char *ml;
	unsigned i;

	reset();
	for (i = 0; i < 70; i++)
		many[i] = (struct ent){ i * 0x1000ULL, 0x1000, 1 + i % 5 };
	memset(big, 'c', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	b2_begin(0x20000);
	b2_str(1, big);                       /* 1499 chars into 1024: cut, 1 */
	b2_str(2, name);                      /* 99 chars into 64: cut, 1 */
	b2_mmap(many, 70, 24);                /* 6 dropped */
	for (i = 0; i < MB_MAX_MODS + 2; i++) {
		/* 255 characters fit, 256 are cut; 2 dropped, one with a long string: 3 */
		ml = i == 0 ? big + 1499 - 255 : i == 1 ? big + 1499 - 256 : "";
		ml = i == 17 ? big + 1200 : ml;
		b2_module(i * 0x1000, i * 0x1000 + 0x800, ml);
	}
	b2_end();
	CHECK_EQ(P2(0x20000), MB_OK);
	CHECK_EQ(strlen(bi.cmdline), MB_CMDLINE_MAX - 1);
	CHECK(bi.cmdline[0] == 'c' && bi.cmdline[MB_CMDLINE_MAX - 2] == 'c');
	CHECK_EQ(strlen(bi.loader), sizeof(bi.loader) - 1);
	CHECK_EQ(bi.nmmap, MB_MAX_MMAP);
	CHECK_EQ(bi.mmap[63].base, 63 * 0x1000);
	CHECK_EQ(bi.nmods, MB_MAX_MODS);
	CHECK_EQ(bi.mods[15].start, 15 * 0x1000);
	CHECK_EQ(strlen(bi.mods[0].cmdline), MB_MODLINE_MAX - 1);
	CHECK_EQ(strlen(bi.mods[1].cmdline), MB_MODLINE_MAX - 1);
	CHECK_STR(bi.mods[2].cmdline, "");
	CHECK_EQ(bi.truncated, 1 + 1 + 6 + 1 + 2);
}

TEST(v1_full)
{
	static const struct bootinfo want = {
		.proto = 1, .info_start = V1, .info_end = V1 + 116,
		.cmdline = "hv.debug=1 -- guest stuff", .loader = "GNU GRUB 0.97",
		.mem_lower_kb = 639, .mem_upper_kb = 64512,
		.nmmap = 3,
		.mmap = { { 0, 0x9f000, 1 }, { 0xe0000, 0x20000, 2 }, { 0x100000, 0x3f00000, 3 } },
		.nmods = 2,
		.mods = { { 0x400000, 0x401000, "vm0.elf root=/dev/vda" },
			  { 0x500000, 0x5a0000, "vm1.elf" } },
	};
	u64 at;

	v1(1 << 0 | 1 << 2 | 1 << 3 | 1 << 6 | 1 << 9);
	F(4, 639);
	F(8, 64512);
	F(16, 0x2000);
	putstr(0x2000, "hv.debug=1 -- guest stuff");
	F(20, 2);
	F(24, 0x3000);
	v1_module(0x3000, 0, 0x400000, 0x401000, 0x3100);
	v1_module(0x3000, 1, 0x500000, 0x5a0000, 0x3200);
	putstr(0x3100, "vm0.elf root=/dev/vda");
	putstr(0x3200, "vm1.elf");
	/* a plain 20-byte entry, a 28-byte one (the extra is skipped), a plain one */
	at = v1_ent(0x4000, 20, 0, 0x9f000, 1);
	at = v1_ent(at, 28, 0xe0000, 0x20000, 2);
	put64(at - 8, 0xdeadbeefdeadbeefULL);
	at = v1_ent(at, 20, 0x100000, 0x3f00000, 3);
	F(44, (u32)(at - 0x4000));
	F(48, 0x4000);
	F(64, 0x5000);
	putstr(0x5000, "GNU GRUB 0.97");

	CHECK_EQ(P1(V1), MB_OK);
	CHECK_STR(err, "");
	CHECK_STR(bi.cmdline, want.cmdline);
	CHECK_STR(bi.mods[0].cmdline, "vm0.elf root=/dev/vda");
	CHECK_EQ(bi.mmap[1].base, 0xe0000);
	CHECK(memcmp(&bi, &want, sizeof(bi)) == 0);
}

/* Fields whose flag is clear are neither read nor reported: with flags 0 only the flags
 * word is read, so the structure may sit in the last 4 bytes of memory. */
TEST(v1_flags)
{
	reset();
	CHECK_EQ(P1(MEMSZ - 4), MB_OK);
	CHECK(lo == MEMSZ - 4 && hi == MEMSZ);
	CHECK(bi.nmmap == 0 && !bi.cmdline[0]);

	/* only bit 0: 12 bytes read; garbage pointers in unannounced fields are ignored */
	v1(1 << 0);
	F(4, 1);
	F(8, 2);
	F(16, 0xfffffff0);
	F(48, 0xfffffff0);
	CHECK_EQ(P1(V1), MB_OK);
	CHECK_EQ(hi, V1 + 12);
	CHECK_EQ(bi.mem_upper_kb, 2);
	CHECK_STR(bi.cmdline, "");

	/* a string pointer of 0 means no string (not whatever lies at address 0) */
	v1(1 << 2 | 1 << 3);
	putstr(0, "junk");
	F(20, 1);
	F(24, 0x3000);
	v1_module(0x3000, 0, 0x100000, 0x200000, 0);
	CHECK_EQ(P1(V1), MB_OK);
	CHECK_EQ(bi.nmods, 1);
	CHECK(!bi.cmdline[0] && !bi.mods[0].cmdline[0]);
}

TEST(v1_truncation)
{
	char big[2000];
	u64 at = 0x10000;
	unsigned i;

	v1(1 << 2 | 1 << 3 | 1 << 6);
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	F(16, 0x2000);
	putstr(0x2000, big);
	F(20, 20);
	F(24, 0x3000);
	for (i = 0; i < 20; i++)
		v1_module(0x3000, i, i << 12, (i << 12) + 1, 0x3800);
	putstr(0x3800, "m");
	for (i = 0; i < 66; i++)
		at = v1_ent(at, 20, (u64)i << 20, 1 << 20, 1);
	F(44, 66 * 24);
	F(48, 0x10000);
	CHECK_EQ(P1(V1), MB_OK);
	CHECK_EQ(strlen(bi.cmdline), MB_CMDLINE_MAX - 1);
	CHECK_EQ(bi.nmods, MB_MAX_MODS);
	CHECK_EQ(bi.mods[15].start, 15 << 12);
	CHECK_EQ(bi.nmmap, MB_MAX_MMAP);
	CHECK_EQ(bi.mmap[63].base, 63ULL << 20);
	CHECK_EQ(bi.truncated, 1 + 4 + 2);
}

/* ---- malformed and hostile input ---- */

TEST(bad_entry)
{
	reset();
	b2_begin(V2);
	b2_end();
	hi = 0;
	EXPECT_ERR(parse(0x1badb002, V2), MB_EMAGIC, "multiboot: bad magic 0x1badb002");
	EXPECT_ERR(parse(0, V2), MB_EMAGIC, "bad magic");
	CHECK_EQ(hi, 0); /* nothing read */

	EXPECT_ERR(P2(0), MB_EBOUNDS, "info pointer is 0");
	EXPECT_ERR(P1(0), MB_EBOUNDS, "info pointer is 0");
	EXPECT_ERR(P2(0x40000000), MB_EBOUNDS, "info header at 0x40000000 (8 bytes) is not readable");
	EXPECT_ERR(P1(0xfffffffc), MB_EBOUNDS, "not readable");
	EXPECT_ERR(P2(~0ULL - 7), MB_EBOUNDS, "not readable");
	EXPECT_ERR(P2(0x8004), MB_EFORMAT, "not 8-byte aligned");

	/* v1: flags say mmap is present, but the structure ends at the end of memory */
	put32(MEMSZ - 16, 1 << 6);
	EXPECT_ERR(P1(MEMSZ - 16), MB_EBOUNDS, "info structure");

	/* v2: header readable, total_size runs out of memory before the end tag */
	reset();
	put32(MEMSZ - 16, 64);
	put32(MEMSZ - 8, 21);
	put32(MEMSZ - 4, 8);
	EXPECT_ERR(P2(MEMSZ - 16), MB_EBOUNDS, "tag header at 0x100000");
}

/* Malformed multiboot2 structures, as u32 words written at V2 from total_size on. */
static const struct {
	u32 w[16];
	int rc;
	const char *msg;
} bad2[] = {
	{ { 8 }, MB_EFORMAT, "multiboot2: total_size 8 is too small (< 16)" },
	{ { 0 }, MB_EFORMAT, "total_size 0 is too small" },
	{ { (1 << 20) + 8 }, MB_EFORMAT, "total_size 1048584 is larger than 1048576" },
	{ { 0xffffffff }, MB_EFORMAT, "larger than" },
	/* a tag after a cmdline "x": size 4, 0 (would loop forever), huge (must not wrap) */
	{ { 40, 0, 1, 10, 'x', 0, 21, 4, 0, 8 }, MB_EFORMAT,
	  "multiboot2: tag type 21 at offset 0x18 has size 4 (< 8)" },
	{ { 40, 0, 1, 10, 'x', 0, 21, 0, 0, 8 }, MB_EFORMAT, "has size 0 (< 8)" },
	{ { 40, 0, 1, 10, 'x', 0, 21, 0xfffffff8, 0, 8 }, MB_EFORMAT,
	  "tag type 21 at offset 0x18 (size 4294967288) runs past total_size 40" },
	/* total_size cut short: through a tag, before the end tag, no end tag, stray bytes */
	{ { 24, 0, 1, 20, 'a', 0, 0, 0, 0, 8 }, MB_EFORMAT,
	  "tag type 1 at offset 0x8 (size 20) runs past total_size 24" },
	{ { 24, 0, 1, 12, 'a', 0, 0, 8 }, MB_EFORMAT, "no end tag within total_size 24" },
	{ { 24, 0, 21, 8, 21, 8 }, MB_EFORMAT, "no end tag within total_size 24" },
	{ { 28, 0, 21, 8, 21, 8, 0 }, MB_EFORMAT, "no end tag within total_size 28" },
	{ { 24, 0, 0, 16, 0, 0, 0, 8 }, MB_EFORMAT, "end tag at offset 0x8 has size 16 (!= 8)" },
	/* known tags too small for their fixed fields */
	{ { 32, 0, 4, 12, 0, 0, 0, 8 }, MB_EFORMAT, "tag type 4 at offset 0x8 has size 12 (< 16)" },
	{ { 32, 0, 6, 12, 24, 0, 0, 8 }, MB_EFORMAT, "tag type 6 at offset 0x8 has size 12 (< 16)" },
	{ { 32, 0, 3, 12, 0, 0, 0, 8 }, MB_EFORMAT, "tag type 3 at offset 0x8 has size 12 (< 16)" },
	{ { 40, 0, 14, 24, 0, 0, 0, 0, 0, 8 }, MB_EFORMAT, "type 14 at offset 0x8 has size 24 (< 28)" },
	/* strings: empty tag; "abcd" with its NUL only in the padding after the tag */
	{ { 24, 0, 2, 8, 0, 8 }, MB_EFORMAT,
	  "boot loader name string at 0x8010 has no NUL within 0 bytes" },
	{ { 32, 0, 1, 12, 0x64636261, 0, 0, 8 }, MB_EFORMAT,
	  "cmdline string at 0x8010 has no NUL within 4 bytes" },
	{ { 32, 0, 3, 16, 0x100000, 0x200000, 0, 8 }, MB_EFORMAT,
	  "module string at 0x8018 has no NUL within 0 bytes" },
	{ { 40, 0, 3, 20, 0x100000, 0x200000, 0x21636261, 0, 0, 8 }, MB_EFORMAT,
	  "module string at 0x8018 has no NUL within 4 bytes" },
	{ { 40, 0, 3, 18, 0x200000, 0x100000, 'm', 0, 0, 8 }, MB_EFORMAT,
	  "module tag at offset 0x8 ends at 0x100000, before its start 0x200000" },
	/* mmap with one entry: entry_size 20, 28, 0; 32 does not divide the 24 bytes there */
	{ { 56, 0, 6, 40, 20, 0, 0, 0, 4096, 0, 1, 0, 0, 8 }, MB_EFORMAT,
	  "mmap tag at offset 0x8 has entry_size 20 (not a multiple of 8 >= 24)" },
	{ { 56, 0, 6, 40, 28, 0, 0, 0, 4096, 0, 1, 0, 0, 8 }, MB_EFORMAT, "has entry_size 28" },
	{ { 56, 0, 6, 40, 0, 0, 0, 0, 4096, 0, 1, 0, 0, 8 }, MB_EFORMAT, "has entry_size 0" },
	{ { 56, 0, 6, 40, 32, 0, 0, 0, 4096, 0, 1, 0, 0, 8 }, MB_EFORMAT,
	  "mmap tag at offset 0x8 has size 40, not 16 + a multiple of entry_size 32" },
};

/* Each case fails as it should, and no read goes past total_size. */
TEST(v2_malformed)
{
	unsigned i, j;
	u32 total;

	for (i = 0; i < ARRAY_SIZE(bad2); i++) {
		reset();
		for (j = 0; j < 16; j++)
			put32(V2 + 4 * j, bad2[i].w[j]);
		EXPECT_ERR(P2(V2), bad2[i].rc, bad2[i].msg);
		total = bad2[i].w[0];
		CHECK(hi <= V2 + (total >= 16 && total <= MEMSZ ? total : 8));
	}
}

/* A dropped (17th) module is still checked; bi is wiped even though tags before were good. */
TEST(v2_malformed_late)
{
	u64 off;
	int i;

	reset();
	b2_begin(V2);
	b2_str(1, "good");
	b2_mmap(ents, 3, 24);
	for (i = 0; i < MB_MAX_MODS; i++)
		b2_module(0, 0, "ok");
	off = b2_module(0, 0, "bad");
	b2_end();
	pmem[V2 + off + 16 + 3] = 'x';
	EXPECT_ERR(P2(V2), MB_EFORMAT, "module string at 0x");
	CHECK(bi.nmmap == 0 && bi.nmods == 0 && !bi.cmdline[0]);
}

/* Malformed multiboot v1 structures (info at V1), as words poked at addresses. */
#define MODS(n, a) { V1, 1 << 3 }, { V1 + 20, n }, { V1 + 24, a }
#define MMAP(n, a) { V1, 1 << 6 }, { V1 + 44, n }, { V1 + 48, a }
static const struct {
	struct { u32 pa, v; } p[5];
	int rc;
	const char *msg;
} bad1[] = {
	{ { { V1, 1 << 2 }, { V1 + 16, MEMSZ + 0x1000 } }, MB_EBOUNDS,
	  "multiboot1: cmdline string at 0x101000: byte 0 is not readable" },
	{ { { V1, 1 << 9 }, { V1 + 64, 0xffffffff } }, MB_EBOUNDS,
	  "boot_loader_name string at 0xffffffff: byte 0 is not readable" },
	/* mods: array outside memory, running out of it, a string outside it, bad values */
	{ { MODS(2, 0xfffffff0) }, MB_EBOUNDS, "module entry at 0xfffffff0 (16 bytes) is not" },
	{ { MODS(2, MEMSZ - 16) }, MB_EBOUNDS, "module entry at 0x100000 (16 bytes) is not" },
	{ { MODS(1, 0x3000), { 0x3008, 0x80000000 } }, MB_EBOUNDS,
	  "module string at 0x80000000: byte 0 is not readable" },
	{ { MODS(100000, 0x3000) }, MB_EFORMAT, "mods_count 100000 is more than 1024" },
	{ { MODS(1, 0x3000), { 0x3000, 0x2000 }, { 0x3004, 0x1000 } }, MB_EFORMAT,
	  "module 0 ends at 0x1000, before its start 0x2000" },
	/* mmap: outside memory, running out of it */
	{ { MMAP(48, 0xffffff00) }, MB_EBOUNDS, "mmap entry size at 0xffffff00 (4 bytes)" },
	{ { MMAP(24, MEMSZ - 8), { MEMSZ - 8, 20 } }, MB_EBOUNDS,
	  "mmap entry at 0xffffc (20 bytes) is not readable" },
	/* mmap: entry size < 20 (0 would step through garbage), past mmap_length, stray bytes */
	{ { MMAP(48, 0x4000), { 0x4000, 16 } }, MB_EFORMAT, "entry at offset 0x0 has size 16 (< 20)" },
	{ { MMAP(48, 0x4000), { 0x4018, 20 } }, MB_EFORMAT, "entry at offset 0x0 has size 0 (< 20)" },
	{ { MMAP(22, 0x4000), { 0x4000, 20 } }, MB_EFORMAT,
	  "mmap entry at offset 0x0 (size 20) runs past mmap_length 22" },
	{ { MMAP(26, 0x4000), { 0x4000, 20 } }, MB_EFORMAT, "mmap has 2 stray bytes at offset 0x18" },
	{ { MMAP(48, 0x4000), { 0x4000, 0xfffffffc } }, MB_EFORMAT,
	  "(size 4294967292) runs past mmap_length 48" },
	{ { MMAP(0x7fffffff, 0x4000) }, MB_EFORMAT, "mmap_length 2147483647 is larger than 1048576" },
};

TEST(v1_malformed)
{
	unsigned i, j;

	for (i = 0; i < ARRAY_SIZE(bad1); i++) {
		reset();
		for (j = 0; j < 5 && bad1[i].p[j].pa; j++)
			put32(bad1[i].p[j].pa, bad1[i].p[j].v);
		EXPECT_ERR(P1(V1), bad1[i].rc, bad1[i].msg);
	}

	/* a cmdline running off the end of memory with no NUL */
	v1(1 << 2);
	F(16, MEMSZ - 10);
	memset(pmem + MEMSZ - 10, 'z', 10);
	EXPECT_ERR(P1(V1), MB_EBOUNDS, "cmdline string at 0xffff6: byte 10 is not readable");

	/* no NUL within the scan bound */
	v1(1 << 9);
	F(64, 0x10000);
	memset(pmem + 0x10000, 'z', 0x2000);
	EXPECT_ERR(P1(V1), MB_EFORMAT,
		   "boot_loader_name string at 0x10000 has no NUL within 4096 bytes");
}

/* A careless map() that checks pa + len without minding wrap-around: the parser must not
 * hand it a range that wraps. */
static const void *naive_map(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	if (pa + len > MEMSZ)
		return NULL;
	return pmem + pa;
}

TEST(wrapping_ranges)
{
	struct mb_mem nm = { naive_map, NULL };

	reset();
	CHECK_EQ(mb_parse(MB2_BOOT_MAGIC, ~0ULL - 7, &nm, &bi, err, sizeof(err)), MB_EBOUNDS);
	CHECK(strstr(err, "info header at 0xfffffffffffffff8 (8 bytes) is not readable") != NULL);
	CHECK_EQ(mb_parse(MB1_BOOT_MAGIC, ~0ULL - 3, &nm, &bi, err, sizeof(err)), MB_EBOUNDS);
	CHECK(strstr(err, "not readable") != NULL);
}

/* Small or absent err buffers: still one terminated line, nothing written past errlen. */
TEST(err_buffers)
{
	struct mb_mem none = { NULL, NULL };
	struct bootinfo b;
	char *small = malloc(8);

	CHECK_EQ(mb_parse(0x12345678, V2, &mem, &b, small, 8), MB_EMAGIC);
	CHECK_STR(small, "multibo");
	CHECK_EQ(mb_parse(0x12345678, V2, &mem, &b, small, 1), MB_EMAGIC);
	CHECK_STR(small, "");
	CHECK_EQ(mb_parse(MB2_BOOT_MAGIC, 0, &mem, &b, NULL, 0), MB_EBOUNDS);
	CHECK_EQ(mb_parse(MB2_BOOT_MAGIC, V2, &none, &b, NULL, 0), MB_EBOUNDS);
	CHECK_EQ(mb_parse(MB2_BOOT_MAGIC, V2, NULL, &b, NULL, 0), MB_EBOUNDS);
	free(small);
}

TEST(mem_type_names)
{
	static const char *const want[] = { "type?", "available", "reserved", "acpi", "nvs", "bad",
					    "type?" };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(want); i++)
		CHECK_STR(mb_mem_type_name(i), want[i]);
	CHECK_STR(mb_mem_type_name(0xffffffff), "type?");
}

int main(void)
{
	RUN(v2_full);
	RUN(v2_small);
	RUN(v2_truncation);
	RUN(v1_full);
	RUN(v1_flags);
	RUN(v1_truncation);
	RUN(bad_entry);
	RUN(v2_malformed);
	RUN(v2_malformed_late);
	RUN(v1_malformed);
	RUN(wrapping_ranges);
	RUN(err_buffers);
	RUN(mem_type_names);
	return DONE();
}
