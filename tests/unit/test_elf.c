/* tests/unit/test_elf.c: host tests of lib/elf.c, the guest-kernel ELF parser.
 *
 * Images are built here from a description (struct spec): an ELF32 or ELF64 header, the
 * program headers, file contents and a multiboot v1 header, in a malloc'd buffer of exactly
 * the image's size, so ASan reports any read past it. A good image of each class is then
 * broken one field at a time; each case must give its code and its exact message, and
 * leave the output cleared. Every truncation of a good image and random corruptions must
 * fail or pass cleanly, never read out of bounds. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/elf.h"

#define NOMB (~0ULL)
#define MB_MAGIC 0x1BADB002u

struct ph {
	u32 type, flags;
	u64 off, paddr, filesz, memsz;
};

struct spec {
	int cls;		/* 1 or 2 */
	u64 entry;
	unsigned n;
	struct ph ph[20];
	u64 mb_off;		/* NOMB: none */
	u32 mb_flags;
	u32 mb_sum_delta;	/* added to the right checksum */
	u64 size;
};

static void put16(u8 *b, u64 off, u16 v) { memcpy(b + off, &v, 2); }
static void put32(u8 *b, u64 off, u32 v) { memcpy(b + off, &v, 4); }
static void put64(u8 *b, u64 off, u64 v) { memcpy(b + off, &v, 8); }

/* ELF32: e_phoff 52, 32-byte program headers. ELF64: e_phoff 64, 56-byte ones. Written
 * into a large scratch buffer, of which the first s->size bytes are returned. */
static u8 *build(const struct spec *s)
{
	static u8 b[0x10000];
	u8 *img = malloc(s->size ? s->size : 1);
	bool w = s->cls == 2;
	u64 phoff = w ? 64 : 52, o;

	memset(b, 0xcc, sizeof(b));	/* code-ish filler, no stray magic */
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = s->cls;
	b[5] = 1;
	b[6] = 1;
	memset(b + 7, 0, 9);
	put16(b, 16, 2);
	put16(b, 18, w ? 62 : 3);
	put32(b, 20, 1);
	if (w) {
		put64(b, 24, s->entry);
		put64(b, 32, phoff);
		put64(b, 40, 0);
		put32(b, 48, 0);
		put16(b, 52, 64);
		put16(b, 54, 56);
		put16(b, 56, s->n);
		put16(b, 58, 64);
		put16(b, 60, 0);
		put16(b, 62, 0);
	} else {
		put32(b, 24, s->entry);
		put32(b, 28, phoff);
		put32(b, 32, 0);
		put32(b, 36, 0);
		put16(b, 40, 52);
		put16(b, 42, 32);
		put16(b, 44, s->n);
		put16(b, 46, 40);
		put16(b, 48, 0);
		put16(b, 50, 0);
	}
	for (unsigned i = 0; i < s->n; i++) {
		const struct ph *p = &s->ph[i];

		o = phoff + i * (w ? 56 : 32);
		put32(b, o, p->type);
		if (w) {
			put32(b, o + 4, p->flags);
			put64(b, o + 8, p->off);
			put64(b, o + 16, p->paddr + 0xffffffff80000000ULL); /* vaddr */
			put64(b, o + 24, p->paddr);
			put64(b, o + 32, p->filesz);
			put64(b, o + 40, p->memsz);
			put64(b, o + 48, 0x1000);
		} else {
			put32(b, o + 4, p->off);
			put32(b, o + 8, p->paddr + 0xc0000000u);
			put32(b, o + 12, p->paddr);
			put32(b, o + 16, p->filesz);
			put32(b, o + 20, p->memsz);
			put32(b, o + 24, p->flags);
			put32(b, o + 28, 0x1000);
		}
	}
	if (s->mb_off != NOMB) {
		put32(b, s->mb_off, MB_MAGIC);
		put32(b, s->mb_off + 4, s->mb_flags);
		put32(b, s->mb_off + 8, -(MB_MAGIC + s->mb_flags) + s->mb_sum_delta);
	}
	memcpy(img, b, s->size);
	return img;
}

/* text at 1M (file 0x1000, 4 KiB of file, 8 KiB in memory), a PT_NOTE, data at 2M
 * (file 0x2000, 2 KiB), an empty PT_LOAD; the multiboot header opens the text. */
static struct spec good(int cls)
{
	struct spec s = {
		.cls = cls, .entry = 0x10000C, .n = 4,
		.ph = {
			{ 1, 5, 0x1000, 0x100000, 0x1000, 0x2000 },
			{ 4, 4, 0x200, 0x0, 0x20, 0x20 },
			{ 1, 6, 0x2000, 0x200000, 0x800, 0x800 },
			{ 1, 6, 0x2800, 0x300000, 0, 0 },
		},
		.mb_off = 0x1000, .mb_flags = 3, .size = 0x2800,
	};
	return s;
}

static int parse_spec(const struct spec *s, struct elf_image *im, char *err, size_t len)
{
	u8 *b = build(s);
	int rc = elf_parse(b, s->size, im, err, len);

	free(b);
	return rc;
}

static bool cleared(const struct elf_image *im)
{
	static const struct elf_image zero;

	return !memcmp(im, &zero, sizeof(zero));
}

/* The spec must fail with code and exactly message. */
#define BAD(s, code, msg)                                                              \
	do {                                                                           \
		struct elf_image im_;                                                  \
		char e_[200];                                                          \
		memset(&im_, 0x5a, sizeof(im_));                                       \
		CHECK_EQ(parse_spec(&(s), &im_, e_, sizeof(e_)), code);                \
		CHECK_STR(e_, msg);                                                    \
		CHECK(cleared(&im_));                                                  \
	} while (0)

#define GOOD(s, im)                                                                    \
	do {                                                                           \
		char e_[200];                                                          \
		CHECK_EQ(parse_spec(&(s), &(im), e_, sizeof(e_)), 0);                  \
		CHECK_STR(e_, "");                                                     \
	} while (0)

static void check_good(int cls)
{
	struct spec s = good(cls);
	struct elf_image im;

	GOOD(s, im);
	CHECK_EQ(im.is64, cls == 2);
	CHECK_EQ(im.entry, 0x10000C);
	CHECK_EQ(im.nsegs, 2);
	CHECK_EQ(im.segs[0].paddr, 0x100000);
	CHECK_EQ(im.segs[0].offset, 0x1000);
	CHECK_EQ(im.segs[0].filesz, 0x1000);
	CHECK_EQ(im.segs[0].memsz, 0x2000);
	CHECK_EQ(im.segs[0].flags, 5);
	CHECK_EQ(im.segs[1].paddr, 0x200000);
	CHECK_EQ(im.segs[1].offset, 0x2000);
	CHECK_EQ(im.segs[1].filesz, 0x800);
	CHECK_EQ(im.segs[1].memsz, 0x800);
	CHECK_EQ(im.segs[1].flags, 6);
	CHECK_EQ(im.mb_flags, 3);
	CHECK_EQ(im.mb_offset, 0x1000);
	CHECK_EQ(im.lo, 0x100000);
	CHECK_EQ(im.hi, 0x200800);
}

TEST(good32) { check_good(1); }
TEST(good64) { check_good(2); }

TEST(good_edges)
{
	struct spec s;
	struct elf_image im;

	/* lo/hi with segments out of address order; entry in the bss part. */
	s = good(2);
	s.ph[0].paddr = 0x400000;
	s.entry = 0x401ffc;
	GOOD(s, im);
	CHECK_EQ(im.lo, 0x200000);
	CHECK_EQ(im.hi, 0x402000);
	/* Touching segments do not overlap; a segment may end at exactly 4 GiB. */
	s = good(1);
	s.ph[2].paddr = 0x102000;
	s.ph[3] = (struct ph){ 1, 6, 0, 0xFFFFF000, 0, 0x1000 };
	s.ph[4] = (struct ph){ 1, 6, 0, 0xFF000, 0, 0x1000 };
	s.n = 5;
	GOOD(s, im);
	CHECK_EQ(im.nsegs, 4);
	CHECK_EQ(im.lo, 0xFF000);
	CHECK_EQ(im.hi, 1ULL << 32);
	/* Exactly 16 PT_LOAD segments; offsets past the file are fine when filesz is 0. */
	s = good(2);
	s.n = 17;
	for (unsigned i = 1; i < 17; i++)
		s.ph[i] = (struct ph){ 1, 6, ~0xFFFFULL, 0x1000000 + i * 0x1000, 0, 0x1000 };
	s.ph[16].type = 0x6474e551;	/* PT_GNU_STACK */
	GOOD(s, im);
	CHECK_EQ(im.nsegs, 16);
	/* The a.out kludge flag is accepted; a bad-checksum magic before a good header is
	 * skipped; the header may end exactly at 8 KiB. */
	s = good(1);
	s.mb_flags = 0x10003;
	GOOD(s, im);
	CHECK_EQ(im.mb_flags, 0x10003);
	s = good(1);
	s.mb_off = 0x1FF4;
	GOOD(s, im);
	CHECK_EQ(im.mb_offset, 0x1FF4);
	s = good(1);
	{
		u8 *b = build(&s);
		char e[100];

		put32(b, 0x800, MB_MAGIC);
		put32(b, 0x804, 0);
		put32(b, 0x808, 0);
		CHECK_EQ(elf_parse(b, 0x2800, &im, e, sizeof(e)), 0);
		CHECK_EQ(im.mb_offset, 0x1000);
		free(b);
	}
	/* A header in the last 12 bytes of a file shorter than 8 KiB. */
	s = good(1);
	s.ph[0].filesz = 0x800;
	s.ph[2].filesz = 0;
	s.size = 0x1800;
	s.mb_off = 0x1800 - 12;
	GOOD(s, im);
	CHECK_EQ(im.mb_offset, 0x17F4);
	/* A 64-bit kernel like the hypervisor: entry and segments low. */
	s = good(2);
	s.entry = 0x100000;
	GOOD(s, im);
	CHECK(im.is64);
}

TEST(bad_ident)
{
	struct spec s = good(1);
	u8 *b = build(&s);
	struct elf_image im;
	char e[200];
	static const struct {
		unsigned off;
		u8 val;
		int code;
		const char *msg;
	} c[] = {
		{ 3, 'G', ELF_EFORMAT, "elf: bad magic 7f 45 4c 47 (not an ELF file)" },
		{ 0, 0, ELF_EFORMAT, "elf: bad magic 00 45 4c 46 (not an ELF file)" },
		{ 4, 0, ELF_EFORMAT, "elf: class 0 is neither 1 (ELF32) nor 2 (ELF64)" },
		{ 4, 3, ELF_EFORMAT, "elf: class 3 is neither 1 (ELF32) nor 2 (ELF64)" },
		{ 5, 2, ELF_EFORMAT, "elf: data encoding 2 is not 1 (little-endian)" },
		{ 6, 0, ELF_EFORMAT, "elf: ident version 0 is not 1" },
		{ 16, 3, ELF_EFORMAT, "elf: type 3 is not ET_EXEC (2)" },
		{ 18, 62, ELF_EFORMAT, "elf: machine 62 is not EM_386 (3) for ELF32" },
		{ 42, 56, ELF_EFORMAT, "elf: program header size 56, ELF32 needs 32" },
		{ 29, 0xff, ELF_EBOUNDS,
		  "elf: program header table [0xff34+0x80) past end of image (size 0x2800)" },
		{ 45, 0xff, ELF_EBOUNDS,
		  "elf: program header table [0x34+0x1fe080) past end of image (size 0x2800)" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		u8 old = b[c[i].off];

		b[c[i].off] = c[i].val;
		memset(&im, 0x5a, sizeof(im));
		CHECK_EQ(elf_parse(b, s.size, &im, e, sizeof(e)), c[i].code);
		CHECK_STR(e, c[i].msg);
		CHECK(cleared(&im));
		b[c[i].off] = old;
	}
	CHECK_EQ(elf_parse(b, s.size, &im, e, sizeof(e)), 0);
	free(b);

	/* ELF64 specifics: machine, phentsize, a phoff that wraps. */
	s = good(2);
	b = build(&s);
	put16(b, 18, 3);
	CHECK_EQ(elf_parse(b, s.size, &im, e, sizeof(e)), ELF_EFORMAT);
	CHECK_STR(e, "elf: machine 3 is not EM_X86_64 (62) for ELF64");
	put16(b, 18, 62);
	put16(b, 54, 32);
	CHECK_EQ(elf_parse(b, s.size, &im, e, sizeof(e)), ELF_EFORMAT);
	CHECK_STR(e, "elf: program header size 32, ELF64 needs 56");
	put16(b, 54, 56);
	put64(b, 32, 0xFFFFFFFFFFFFFFF0ULL);
	CHECK_EQ(elf_parse(b, s.size, &im, e, sizeof(e)), ELF_EBOUNDS);
	CHECK_STR(e, "elf: program header table [0xfffffffffffffff0+0xe0) past end of image (size 0x2800)");
	free(b);
}

TEST(truncated)
{
	struct spec s = good(1);
	struct elf_image im;
	char e[200];

	s.size = 10;
	BAD(s, ELF_EBOUNDS, "elf: image of 0xa bytes is too small for an ELF header");
	s.size = 0;
	BAD(s, ELF_EBOUNDS, "elf: image of 0x0 bytes is too small for an ELF header");
	s.size = 40;
	BAD(s, ELF_EBOUNDS, "elf: image of 0x28 bytes is too small for an ELF32 header (0x34)");
	s = good(2);
	s.size = 60;
	BAD(s, ELF_EBOUNDS, "elf: image of 0x3c bytes is too small for an ELF64 header (0x40)");
	CHECK_EQ(elf_parse(NULL, 100, &im, e, sizeof(e)), ELF_EBOUNDS);
	/* Every prefix of a good image fails (its last segment ends at the end of the file),
	 * each in a buffer of exactly that size. */
	for (int cls = 1; cls <= 2; cls++) {
		u8 *full;
		unsigned bad = 0;

		s = good(cls);
		full = build(&s);
		for (u64 n = 0; n < s.size; n++) {
			u8 *b = malloc(n ? n : 1);

			memcpy(b, full, n);
			if (elf_parse(b, n, &im, e, sizeof(e)) >= 0 || !cleared(&im) || !e[0])
				bad++;
			free(b);
		}
		CHECK_EQ(bad, 0);
		free(full);
	}
}

TEST(bad_segments)
{
	struct spec s;

	s = good(1);
	s.ph[2].filesz = 0x1000;
	s.ph[2].memsz = 0x1000;
	BAD(s, ELF_EBOUNDS,
	    "elf: program header 2: file range [0x2000+0x1000) past end of image (size 0x2800)");
	s = good(2);
	s.ph[2].off = 0xFFFFFFFFFFFFF000ULL;
	s.ph[2].filesz = 0x2000;
	s.ph[2].memsz = 0x2000;
	BAD(s, ELF_EBOUNDS,
	    "elf: program header 2: file range [0xfffffffffffff000+0x2000) past end of image (size 0x2800)");
	s = good(1);
	s.ph[0].filesz = 0x3000;
	BAD(s, ELF_ESEG, "elf: program header 0: filesz 0x3000 is larger than memsz 0x2000");
	s = good(1);
	s.ph[2].paddr = 0xFFFFF800;
	s.ph[2].memsz = 0x1000;
	BAD(s, ELF_ESEG, "elf: program header 2: memory range [0xfffff800+0x1000) is not below 4 GiB");
	s = good(2);
	s.ph[2].paddr = 0xFFFFFFFFFFFFF000ULL;
	s.ph[2].memsz = 0x2000;
	BAD(s, ELF_ESEG,
	    "elf: program header 2: memory range [0xfffffffffffff000+0x2000) is not below 4 GiB");
	s = good(2);
	s.ph[2].paddr = 1ULL << 32;
	BAD(s, ELF_ESEG, "elf: program header 2: memory range [0x100000000+0x800) is not below 4 GiB");
	s = good(2);
	s.ph[2].memsz = 1ULL << 40;
	BAD(s, ELF_ESEG,
	    "elf: program header 2: memory range [0x200000+0x10000000000) is not below 4 GiB");
	/* Overlaps: inside, straddling the start, covering. */
	s = good(1);
	s.ph[2].paddr = 0x101000;
	BAD(s, ELF_ESEG,
	    "elf: program header 2: memory [0x101000+0x800) overlaps program header 0's [0x100000+0x2000)");
	s = good(2);
	s.ph[2].paddr = 0xFFC00;
	BAD(s, ELF_ESEG,
	    "elf: program header 2: memory [0xffc00+0x800) overlaps program header 0's [0x100000+0x2000)");
	s = good(2);
	s.ph[3] = (struct ph){ 1, 6, 0, 0, 0, 0x300000 };
	BAD(s, ELF_ESEG,
	    "elf: program header 3: memory [0x0+0x300000) overlaps program header 0's [0x100000+0x2000)");
	/* Too many, none. */
	s = good(1);
	s.n = 18;
	for (unsigned i = 1; i < 18; i++)
		s.ph[i] = (struct ph){ 1, 6, 0, 0x1000000 + i * 0x1000, 0, 0x1000 };
	BAD(s, ELF_ESEG, "elf: more than 16 PT_LOAD segments");
	s = good(1);
	s.ph[0].type = 4;
	s.ph[2].memsz = 0;
	s.ph[2].filesz = 0;
	BAD(s, ELF_ESEG, "elf: no PT_LOAD segment with memsz > 0");
	s.n = 0;
	BAD(s, ELF_ESEG, "elf: no PT_LOAD segment with memsz > 0");
}

TEST(bad_entry)
{
	struct spec s;

	s = good(1);
	s.entry = 0x300000;
	BAD(s, ELF_EENTRY, "elf: entry point 0x300000 is in no loaded segment");
	s.entry = 0x102000;	/* one past the text */
	BAD(s, ELF_EENTRY, "elf: entry point 0x102000 is in no loaded segment");
	s.entry = 0xFFFFF;
	BAD(s, ELF_EENTRY, "elf: entry point 0xfffff is in no loaded segment");
	s.entry = 0x10;	/* inside the PT_NOTE's "paddr" range: not loaded */
	BAD(s, ELF_EENTRY, "elf: entry point 0x10 is in no loaded segment");
	s = good(2);
	s.entry = 0x10010000C;
	BAD(s, ELF_EENTRY, "elf: entry point 0x10010000c is not below 4 GiB");
	s.entry = 0xffffffff8010000cULL;	/* a higher-half virtual entry */
	BAD(s, ELF_EENTRY, "elf: entry point 0xffffffff8010000c is not below 4 GiB");
}

TEST(bad_multiboot)
{
	struct spec s;

	s = good(1);
	s.mb_off = NOMB;
	BAD(s, ELF_EMB, "elf: no multiboot v1 header in the first 8 KiB");
	s = good(2);
	s.mb_sum_delta = 1;
	BAD(s, ELF_EMB, "elf: multiboot v1 magic at offset 0x1000 has a bad checksum");
	s = good(1);
	s.mb_off = 0x2000;	/* in the data, past 8 KiB */
	BAD(s, ELF_EMB, "elf: no multiboot v1 header in the first 8 KiB");
	s.mb_off = 0x1FF8;	/* straddles 8 KiB */
	BAD(s, ELF_EMB, "elf: no multiboot v1 header in the first 8 KiB");
	s.mb_off = 0x1002;	/* not 4-byte aligned */
	BAD(s, ELF_EMB, "elf: no multiboot v1 header in the first 8 KiB");
	/* Magic in the last 8 bytes of a short file: no room for the checksum. */
	s = good(1);
	s.ph[0].filesz = 0x800;
	s.ph[2].filesz = 0;
	s.size = 0x1800;
	s.mb_off = NOMB;
	{
		u8 *b = build(&s);
		struct elf_image im;
		char e[100];

		put32(b, 0x1800 - 8, MB_MAGIC);
		put32(b, 0x1800 - 4, -MB_MAGIC);
		CHECK_EQ(elf_parse(b, s.size, &im, e, sizeof(e)), ELF_EMB);
		CHECK_STR(e, "elf: no multiboot v1 header in the first 8 KiB");
		free(b);
	}
}

TEST(err_buffer)
{
	struct spec s = good(1);
	struct elf_image im;
	char e[12];

	s.entry = 0x300000;
	memset(e, 'x', sizeof(e));
	CHECK_EQ(parse_spec(&s, &im, e, sizeof(e)), ELF_EENTRY);
	CHECK_STR(e, "elf: entry ");
	CHECK_EQ(parse_spec(&s, &im, NULL, 0), ELF_EENTRY);
	e[0] = 'q';
	CHECK_EQ(parse_spec(&s, &im, e, 0), ELF_EENTRY);
	CHECK_EQ(e[0], 'q');
	e[0] = 'q';
	CHECK_EQ(parse_spec(&s, &im, e, 3), ELF_EENTRY);
	CHECK_STR(e, "el");
}

/* Random corruption of the headers: any result, but ASan must stay quiet and the result
 * must be consistent (cleared on error, a message only on error). */
TEST(fuzz)
{
	u32 x = 12345;
	struct elf_image im;
	char e[200];
	unsigned ok = 0, bad = 0;

	for (int cls = 1; cls <= 2; cls++) {
		struct spec s = good(cls);
		u8 *b = build(&s);
		u8 *c = malloc(s.size);

		for (int it = 0; it < 20000; it++) {
			memcpy(c, b, s.size);
			for (int k = 0; k < 1 + it % 4; k++) {
				x = x * 1103515245 + 12345;
				c[(x >> 8) % 0x200] ^= 1u << ((x >> 4) & 7);
			}
			x = x * 1103515245 + 12345;
			u64 n = (x >> 8) % 8 ? s.size : (x >> 8) % s.size;
			int rc = elf_parse(c, n, &im, e, sizeof(e));

			if (rc == 0) {
				ok++;
				if (e[0] || !im.nsegs || im.nsegs > ELF_MAX_SEGS ||
				    im.hi > (1ULL << 32))
					bad++;
			} else if (!cleared(&im) || !e[0]) {
				bad++;
			}
		}
		free(c);
		free(b);
	}
	CHECK_EQ(bad, 0);
	CHECK(ok > 0);
}

int main(void)
{
	RUN(good32);
	RUN(good64);
	RUN(good_edges);
	RUN(bad_ident);
	RUN(truncated);
	RUN(bad_segments);
	RUN(bad_entry);
	RUN(bad_multiboot);
	RUN(err_buffer);
	RUN(fuzz);
	return DONE();
}
