/* tests/unit/test_bzimage.c: host tests of lib/bzimage.c, the bzImage parser.
 *
 * Images are built here: a boot sector and setup header with the fields of a Debian 12
 * x86_64 kernel (protocol 2.15, 39 setup sectors, relocatable, 2 MiB aligned), then a
 * protected-mode part, in a malloc of exactly the image's size so ASan reports any read
 * past it. The good image is broken one field at a time; each refusal must give its exact
 * line and leave the output cleared. Every truncation, and random corruptions, must fail
 * or pass cleanly. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/bzimage.h"

struct spec {
	u8 setup_sects;
	u16 boot_flag, version;
	char magic[5];
	u8 hdr_len;		/* the byte at 0x201 */
	u8 loadflags, relocatable;
	u32 syssize, code32, initrd_max, align, cmdline_size, init_size;
	u64 pref;
	u16 xlf;
	u64 kernel_len;		/* bytes after the setup */
	u64 size;		/* 0: setup + kernel_len; else cut (or extended) to this */
};

static const struct spec good = {
	.setup_sects = 39, .boot_flag = 0xAA55, .version = 0x020F, .magic = "HdrS",
	.hdr_len = 0x6A, .loadflags = 1, .relocatable = 1, .syssize = 0x10000 / 16,
	.code32 = 0x100000, .initrd_max = 0x7FFFFFFF, .align = 0x200000, .cmdline_size = 2047,
	.init_size = 0x400000, .pref = 0x1000000, .xlf = 0x7F, .kernel_len = 0x10000,
};

static void put16(u8 *b, u64 off, u16 v) { memcpy(b + off, &v, 2); }
static void put32(u8 *b, u64 off, u32 v) { memcpy(b + off, &v, 4); }
static void put64(u8 *b, u64 off, u64 v) { memcpy(b + off, &v, 8); }

static u64 img_size(const struct spec *s)
{
	unsigned sects = s->setup_sects ? s->setup_sects : 4;
	return s->size ? s->size : (sects + 1) * 512ULL + s->kernel_len;
}

static u8 *build(const struct spec *s)
{
	static u8 b[0x40000];
	u64 n = img_size(s);
	u8 *img = malloc(n ? n : 1);

	memset(b, 0x90, sizeof(b));
	b[0x1F1] = s->setup_sects;
	put32(b, 0x1F4, s->syssize);
	put16(b, 0x1FE, s->boot_flag);
	b[0x200] = 0xEB;
	b[0x201] = s->hdr_len;
	memcpy(b + 0x202, s->magic, 4);
	put16(b, 0x206, s->version);
	b[0x211] = s->loadflags;
	put32(b, 0x214, s->code32);
	put32(b, 0x22C, s->initrd_max);
	put32(b, 0x230, s->align);
	b[0x234] = s->relocatable;
	put16(b, 0x236, s->xlf);
	put32(b, 0x238, s->cmdline_size);
	put64(b, 0x258, s->pref);
	put32(b, 0x260, s->init_size);
	memcpy(img, b, n < sizeof(b) ? n : sizeof(b));
	return img;
}

static bool cleared(const struct bzimage *bz)
{
	static const struct bzimage zero;
	return !memcmp(bz, &zero, sizeof(zero));
}

static int parse(const struct spec *s, struct bzimage *bz, char *err, size_t len)
{
	u8 *img = build(s);
	int rc = bzimage_parse(img, img_size(s), bz, err, len);
	free(img);
	return rc;
}

/* A refusal: rc -1, the exact line, nothing left in the output. */
static void refused(const struct spec *s, const char *line)
{
	struct bzimage bz;
	char err[200];

	memset(&bz, 0xA5, sizeof(bz));
	CHECK_EQ(parse(s, &bz, err, sizeof(err)), -1);
	CHECK_STR(err, line);
	CHECK(cleared(&bz));
}

TEST(good_debian)
{
	struct bzimage bz;
	char err[200] = "x";

	CHECK_EQ(parse(&good, &bz, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_EQ(bz.version, 0x020F);
	CHECK_EQ(bz.setup_size, 40 * 512);
	CHECK_EQ(bz.kernel_off, 40 * 512);
	CHECK_EQ(bz.kernel_len, 0x10000);
	CHECK_EQ(bz.hdr_end, 0x26C);
	CHECK_EQ(bz.loadflags, 1);
	CHECK_EQ(bz.code32_start, 0x100000);
	CHECK_EQ(bz.initrd_addr_max, 0x7FFFFFFF);
	CHECK_EQ(bz.kernel_alignment, 0x200000);
	CHECK(bz.relocatable);
	CHECK_EQ(bz.cmdline_size, 2047);
	CHECK_EQ(bz.pref_address, 0x1000000);
	CHECK_EQ(bz.init_size, 0x400000);
	CHECK_EQ(bz.xloadflags, 0x7F);
	u8 *img = build(&good);
	CHECK(bzimage_is(img, img_size(&good)));
	CHECK(!bzimage_is(img, 0x100));
	CHECK(bzimage_is(img, 0x206));
	img[0x1FE] = 0;		/* one of the two marks is enough */
	CHECK(bzimage_is(img, img_size(&good)));
	img[0x202] = 0;
	CHECK(!bzimage_is(img, img_size(&good)));
	CHECK(!bzimage_is(NULL, img_size(&good)));
	free(img);
}

/* 2.06: no pref_address, init_size or xloadflags in its header (their bytes are not
 * read), so init_size is the 4x guess; setup_sects 0 means 4. */
TEST(good_old)
{
	struct spec s = good;
	struct bzimage bz;
	char err[200];

	s.version = 0x0206;
	s.setup_sects = 0;
	s.hdr_len = 0x3A;
	s.relocatable = 0;
	CHECK_EQ(parse(&s, &bz, err, sizeof(err)), 0);
	CHECK_EQ(bz.setup_size, 5 * 512);
	CHECK_EQ(bz.kernel_len, 0x10000);
	CHECK_EQ(bz.pref_address, 0);
	CHECK_EQ(bz.xloadflags, 0);
	CHECK_EQ(bz.init_size, 4 * 0x10000);
	CHECK(!bz.relocatable);
	CHECK_EQ(bz.kernel_alignment, 0);
	CHECK_EQ(bzimage_run_start(&bz, 0x100000), 0x100000);
}

TEST(run_start)
{
	struct bzimage bz;
	char err[200];

	CHECK_EQ(parse(&good, &bz, err, sizeof(err)), 0);
	CHECK_EQ(bzimage_run_start(&bz, 0x100000), 0x1000000);	/* up to pref_address */
	CHECK_EQ(bzimage_run_start(&bz, 0x1000000), 0x1000000);
	CHECK_EQ(bzimage_run_start(&bz, 0x1000001), 0x1200000);	/* rounded up */
	CHECK_EQ(bzimage_run_start(&bz, 0x3000000), 0x3000000);
}

TEST(refusals)
{
	struct spec s;

	s = good; s.size = 0x200;
	refused(&s, "truncated bzImage: 512 bytes, shorter than its setup header (0x264)");
	s = good; s.boot_flag = 0x1234;
	refused(&s, "not a bzImage: boot flag 0x1234 at 0x1FE, not 0xAA55");
	s = good; memcpy(s.magic, "HdrX", 4);
	refused(&s, "not a bzImage: no \"HdrS\" at 0x202 (a kernel older than boot protocol "
		    "2.00?)");
	s = good; s.version = 0x0200;
	refused(&s, "boot protocol 2.00 is too old: faultline needs 2.06 or later");
	s = good; s.version = 0x0205;
	refused(&s, "boot protocol 2.05 is too old: faultline needs 2.06 or later");
	s = good; s.hdr_len = 0x20;
	refused(&s, "bad setup header: it ends at 0x222 (0x202 + the byte at 0x201), outside "
		    "[0x23c, 0x290]");
	s = good; s.hdr_len = 0x90;
	refused(&s, "bad setup header: it ends at 0x292 (0x202 + the byte at 0x201), outside "
		    "[0x23c, 0x290]");
	s = good; s.loadflags = 0x80;
	refused(&s, "not a bzImage: loadflags 0x80 has LOADED_HIGH clear (a zImage, loaded at "
		    "0x10000)");
	s = good; s.size = 40 * 512;
	refused(&s, "truncated bzImage: its setup is 20480 bytes but the file has 20480");
	s = good; s.size = 40 * 512 + 0x8000;
	refused(&s, "truncated bzImage: the kernel is 65536 bytes (syssize) but the file holds "
		    "32768 after the setup");
	s = good; s.init_size = 0x8000;
	refused(&s, "bad bzImage: init_size 0x8000 is smaller than the kernel's 0x10000 bytes");
	s = good; s.code32 = 0x10000;
	refused(&s, "bad bzImage: code32_start 0x10000 is below 1 MiB");
	s = good; s.align = 0x300000;
	refused(&s, "bad bzImage: kernel_alignment 0x300000 is not a power of two of at least "
		    "4 KiB");
	s = good; s.align = 0;
	refused(&s, "bad bzImage: kernel_alignment 0x0 is not a power of two of at least 4 KiB");
	s = good; s.pref = 0x1100000;
	refused(&s, "bad bzImage: pref_address 0x1100000 is not a multiple of kernel_alignment "
		    "0x200000");
	s = good; s.initrd_max = 0xFFFF;
	refused(&s, "bad bzImage: initrd_addr_max 0xffff is below 1 MiB");
	/* Not relocatable: the alignment is not looked at. */
	s = good; s.relocatable = 0; s.align = 3;
	struct bzimage bz;
	char err[200];
	CHECK_EQ(parse(&s, &bz, err, sizeof(err)), 0);
}

/* entry=: auto takes the 64-bit entry exactly when XLF_KERNEL_64 is there (and read: from
 * protocol 2.12 on); 64 without it is refused in one line; 32 is always possible. */
static int entry(const struct spec *s, unsigned want, char *err, size_t len)
{
	struct bzimage bz;

	CHECK_EQ(parse(s, &bz, err, len), 0);
	return bzimage_entry(&bz, want, err, len);
}

TEST(entry_mode)
{
	struct spec s = good;
	char err[200];

	CHECK_EQ(entry(&s, BZ_ENTRY_AUTO, err, sizeof(err)), 64);	/* Debian's kernel */
	CHECK_STR(err, "");
	CHECK_EQ(entry(&s, BZ_ENTRY_64, err, sizeof(err)), 64);
	CHECK_EQ(entry(&s, BZ_ENTRY_32, err, sizeof(err)), 32);
	s.xlf = 0x7E;		/* every other flag, not KERNEL_64: a 32-bit kernel */
	CHECK_EQ(entry(&s, BZ_ENTRY_AUTO, err, sizeof(err)), 32);
	CHECK_STR(err, "");
	CHECK_EQ(entry(&s, BZ_ENTRY_32, err, sizeof(err)), 32);
	CHECK_EQ(entry(&s, BZ_ENTRY_64, err, sizeof(err)), 0);
	CHECK_STR(err, "entry=64, but the kernel has no 64-bit entry (boot protocol 2.15, "
		  "xloadflags 0x7e without XLF_KERNEL_64)");
	s = good; s.version = 0x020B;	/* 2.11: the byte at 0x236 is not xloadflags yet */
	CHECK_EQ(entry(&s, BZ_ENTRY_AUTO, err, sizeof(err)), 32);
	CHECK_EQ(entry(&s, BZ_ENTRY_64, err, sizeof(err)), 0);
	CHECK_STR(err, "entry=64, but the kernel has no 64-bit entry (boot protocol 2.11, "
		  "xloadflags 0x0 without XLF_KERNEL_64)");
	s = good; s.version = 0x020C;
	CHECK_EQ(entry(&s, BZ_ENTRY_AUTO, err, sizeof(err)), 64);
	/* The entry at load address + 0x200 must lie inside the kernel. */
	s = good; s.kernel_len = 0x200; s.syssize = 1;
	CHECK_EQ(entry(&s, BZ_ENTRY_AUTO, err, sizeof(err)), 0);
	CHECK_STR(err, "bad bzImage: XLF_KERNEL_64, but the kernel is 512 bytes and its 64-bit "
		  "entry would be at offset 0x200");
	CHECK_EQ(entry(&s, BZ_ENTRY_32, err, sizeof(err)), 32);
	s.kernel_len = 0x201;
	CHECK_EQ(entry(&s, BZ_ENTRY_64, NULL, 0), 64);
	s.kernel_len = 0x200;
	CHECK_EQ(entry(&s, BZ_ENTRY_64, NULL, 0), 0);	/* no error buffer: still refused */
	CHECK_STR(bzimage_entry_names[BZ_ENTRY_AUTO], "auto");
	CHECK_STR(bzimage_entry_names[BZ_ENTRY_64], "64");
	CHECK_STR(bzimage_entry_names[BZ_ENTRY_32], "32");
	CHECK(bzimage_entry_names[3] == NULL);
}

/* err: NULL, 0 or tiny buffers are fine; a NULL image is an empty one. */
TEST(err_buffer)
{
	struct spec s = good;
	struct bzimage bz;
	char tiny[8];

	s.boot_flag = 0;
	CHECK_EQ(parse(&s, &bz, NULL, 0), -1);
	CHECK_EQ(parse(&s, &bz, tiny, sizeof(tiny)), -1);
	CHECK_STR(tiny, "not a b");
	CHECK_EQ(bzimage_parse(NULL, 1 << 20, &bz, tiny, sizeof(tiny)), -1);
	CHECK(cleared(&bz));
}

/* Every truncation of the good image and random byte corruptions of its first 1 KiB: a
 * clean answer each time (ASan watches the reads), and a success only with a consistent
 * result. */
TEST(fuzz)
{
	u64 n = img_size(&good);
	u8 *g = build(&good);
	unsigned bad = 0, ok = 0;

	for (u64 cut = 0; cut <= n; cut += cut < 0x300 ? 1 : 0x101) {
		u8 *c = malloc(cut ? cut : 1);
		struct bzimage bz;
		char e[160];

		memcpy(c, g, cut);
		int rc = bzimage_parse(c, cut, &bz, e, sizeof(e));
		if (rc == 0 ? cut != n : (!cleared(&bz) || !e[0]))
			bad++;
		free(c);
	}
	srand(13);
	for (int i = 0; i < 20000; i++) {
		u8 *c = malloc(n);
		struct bzimage bz;
		char e[160];

		memcpy(c, g, n);
		for (int k = 0; k < 1 + rand() % 4; k++)
			c[0x1F0 + rand() % 0x80] = (u8)rand();
		int rc = bzimage_parse(c, n, &bz, e, sizeof(e));
		if (rc == 0) {
			ok++;
			if (e[0] || bz.kernel_off + bz.kernel_len != n || bz.init_size < bz.kernel_len ||
			    bz.version < 0x206 || bz.hdr_end > BZ_HDR_MAX || bz.code32_start < 0x100000)
				bad++;
		} else if (!cleared(&bz) || !e[0] || strchr(e, '\n')) {
			bad++;
		}
		free(c);
	}
	free(g);
	CHECK_EQ(bad, 0);
	CHECK(ok > 0);
}

int main(void)
{
	RUN(good_debian);
	RUN(good_old);
	RUN(run_start);
	RUN(refusals);
	RUN(entry_mode);
	RUN(err_buffer);
	RUN(fuzz);
	return DONE();
}
