/* tests/fuzz/fuzz_elf.c: libFuzzer harness for lib/elf.c, the guest-kernel ELF parser (the
 * image comes from a GRUB module: boot input).
 *
 * Drives: elf_parse on the input minus its first byte (which picks the size of err, 0:
 * NULL), copied into a malloc of exactly its size so ASan reports any read past the image;
 * err is a malloc of exactly errlen bytes.
 *
 * Invariants asserted:
 * - the return value is 0 or one of enum elf_err; on failure *out is all zero and err holds
 *   one non-empty line (when there is room); on success err is empty;
 * - success: the ident, type and machine are the accepted ones; 1 <= nsegs <= ELF_MAX_SEGS
 *   and nsegs equals the number of PT_LOAD headers with memsz > 0 (recounted here from the
 *   program header table, which must lie inside the image); each segment has
 *   filesz <= memsz, its file bytes inside the image (when filesz > 0), paddr + memsz <= 4 GiB
 *   and no overlap with another; lo and hi are the lowest paddr and the highest
 *   paddr + memsz; the entry point lies inside a segment; the multiboot header is 4-byte
 *   aligned, inside the first 8 KiB and the image, with the magic and a zero checksum, and
 *   it is the first such header;
 * - a NULL image is an empty one (EBOUNDS, *out cleared), whatever the size says;
 * - parsing is deterministic and does not write the image. */
#include "tests/fuzz/fuzz.h"
#include "lib/elf.h"

#define FOUR_G (1ULL << 32)

static u16 g16(const u8 *b) { u16 v; memcpy(&v, b, 2); return v; }
static u32 g32(const u8 *b) { u32 v; memcpy(&v, b, 4); return v; }
static u64 g64(const u8 *b) { u64 v; memcpy(&v, b, 8); return v; }

static bool mb_at(const u8 *img, u64 off)
{
	return g32(img + off) == 0x1BADB002u &&
	       (u32)(g32(img + off) + g32(img + off + 4) + g32(img + off + 8)) == 0;
}

static void check_ok(const u8 *img, u64 size, const struct elf_image *im)
{
	bool w = img[4] == 2;
	u64 phoff = w ? g64(img + 32) : g32(img + 28);
	u16 phentsize = g16(img + (w ? 54 : 42)), phnum = g16(img + (w ? 56 : 44));
	u64 lo = ~0ULL, hi = 0;
	unsigned loads = 0;
	bool entry_in = false;

	FZ_CHECK(size >= (w ? 64u : 52u));
	FZ_CHECK(memcmp(img, "\x7f" "ELF", 4) == 0 && (img[4] == 1 || img[4] == 2));
	FZ_CHECK(img[5] == 1 && img[6] == 1);
	FZ_CHECK(im->is64 == w);
	FZ_CHECK(g16(img + 16) == 2 && g16(img + 18) == (w ? 62 : 3));
	FZ_CHECK(phentsize == (w ? 56 : 32));
	FZ_CHECK(phoff <= size && (u64)phnum * phentsize <= size - phoff);
	for (unsigned i = 0; i < phnum; i++) {
		const u8 *ph = img + phoff + (u64)i * phentsize;
		u64 memsz = w ? g64(ph + 40) : g32(ph + 20);

		if (g32(ph) == 1 && memsz)
			loads++;
	}
	FZ_CHECK(im->nsegs >= 1 && im->nsegs <= ELF_MAX_SEGS);
	FZ_CHECK(im->nsegs == loads);
	for (unsigned i = 0; i < im->nsegs; i++) {
		const struct elf_seg *s = &im->segs[i];

		FZ_CHECK(s->memsz > 0 && s->filesz <= s->memsz);
		if (s->filesz)
			FZ_CHECK(s->offset <= size && s->filesz <= size - s->offset);
		FZ_CHECK(s->memsz <= FOUR_G && s->paddr <= FOUR_G - s->memsz);
		for (unsigned j = 0; j < i; j++) {
			const struct elf_seg *t = &im->segs[j];
			FZ_CHECK(s->paddr + s->memsz <= t->paddr || t->paddr + t->memsz <= s->paddr);
		}
		lo = s->paddr < lo ? s->paddr : lo;
		hi = s->paddr + s->memsz > hi ? s->paddr + s->memsz : hi;
		if (im->entry >= s->paddr && im->entry < s->paddr + s->memsz)
			entry_in = true;
	}
	FZ_CHECK(im->lo == lo && im->hi == hi);
	FZ_CHECK(im->entry < FOUR_G && entry_in);
	FZ_CHECK(im->entry == (w ? g64(img + 24) : g32(img + 24)));
	FZ_CHECK(im->mb_offset % 4 == 0 && im->mb_offset + 12 <= 8192 &&
		 im->mb_offset + 12 <= size);
	FZ_CHECK(mb_at(img, im->mb_offset));
	FZ_CHECK(im->mb_flags == g32(img + im->mb_offset + 4));
	for (u64 o = 0; o < im->mb_offset; o += 4)
		FZ_CHECK(!mb_at(img, o));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct elf_image zero;
	struct fz_parse p = fz_parse_in(data, size);
	struct elf_image im, im2;
	int rc, rc2;

	memset(&im, 0xa5, sizeof(im));
	rc = elf_parse(p.img, p.n, &im, p.err, p.errlen);

	FZ_CHECK(rc == ELF_OK || rc == ELF_EFORMAT || rc == ELF_EBOUNDS || rc == ELF_ESEG ||
		 rc == ELF_EENTRY || rc == ELF_EMB);
	fz_parse_check(&p, data, rc != ELF_OK, &im, sizeof(im));
	if (rc == ELF_OK)
		check_ok(p.img, p.n, &im);

	/* No image at all is an empty one. */
	FZ_CHECK(elf_parse(NULL, p.n, &im2, NULL, 0) == ELF_EBOUNDS);
	FZ_CHECK(memcmp(&im2, &zero, sizeof(im2)) == 0);

	memset(&im2, 0x5a, sizeof(im2));
	rc2 = elf_parse(p.img, p.n, &im2, NULL, 0);
	FZ_CHECK(rc2 == rc && memcmp(&im, &im2, sizeof(im)) == 0);
	fz_parse_free(&p);
	return 0;
}
