/* lib/elf.c: the guest-kernel ELF parser (see lib/elf.h).
 *
 * Owns deciding whether a kernel file can be loaded the way a multiboot v1 loader loads an
 * ELF kernel (multiboot spec 0.6.96 section 3.1), and where. References: the System V ABI
 * "ELF header" and "Program header" chapters (generic ELF, 32 and 64-bit layouts) and the
 * multiboot spec section 3.1.1 (header location) and 3.1.2 (magic, flags, checksum).
 *
 * Decisions:
 * - Fields are read with memcpy at offsets checked against size first, so the image may be
 *   unaligned and any length; nothing past img + size is touched.
 * - Segments are placed by p_paddr (what a multiboot loader uses), not p_vaddr; the entry
 *   point must lie inside some segment's [paddr, paddr + memsz), i.e. the kernel is linked
 *   so that its entry runs at its load address (as the hypervisor's own image is: an ELF64
 *   file with a 32-bit entry point).
 * - PT_LOAD segments with memsz 0 occupy nothing and are skipped, like every other type.
 *   A segment with filesz 0 reads nothing, so its p_offset is not checked.
 * - "Below 4 GiB" means paddr + memsz <= 4 GiB: the last byte is below it.
 * - A multiboot header with flag 16 (the a.out kludge, spec 3.1.3) is accepted, but its
 *   address fields are ignored: the ELF headers say where things go. Which required flags
 *   (bits 0-15) the loader honours is the caller's decision; mb_flags has them.
 * - On error *out is cleared so nothing half-parsed can be loaded by mistake.
 */
#include "lib/elf.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "lib/fmt.h"

#define X(v) ((unsigned long long)(v))	/* u64 for %llx, whatever u64 is */

#define FOUR_G		(1ULL << 32)
#define EI_NIDENT	16
#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ET_EXEC		2
#define EM_386		3
#define EM_X86_64	62
#define PT_LOAD		1

#define MB1_MAGIC	0x1BADB002u
#define MB1_SEARCH	8192		/* the header lies in the first 8 KiB (spec 3.1.1) */
#define MB1_HDR_SIZE	12		/* magic, flags, checksum */

/* The fields used, of either class. */
struct ehdr {
	u16 type, machine, phentsize, phnum;
	u64 entry, phoff;
};

struct phdr {
	u32 type, flags;
	u64 offset, paddr, filesz, memsz;
};

struct parse {
	const u8 *b;
	u64 size;
	char *err;
	size_t errlen;
};

static int fail(struct parse *p, int code, const char *f, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes "elf: <message>" into err and returns code. */
static int fail(struct parse *p, int code, const char *f, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return code;
	n = fmt(p->err, p->errlen, "elf: ");
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, f);
		vfmt(p->err + n, p->errlen - n, f, ap);
		va_end(ap);
	}
	return code;
}

/* Is [off, off + len) inside the image? */
static bool inside(const struct parse *p, u64 off, u64 len)
{
	return len <= p->size && off <= p->size - len;
}

/* e_ident, then the header of its class (52 or 64 bytes). */
static int read_ehdr(struct parse *p, struct elf_image *im, struct ehdr *h)
{
	static const u8 magic[4] = { 0x7f, 'E', 'L', 'F' };
	const u8 *b = p->b;
	u64 need;

	if (p->size < EI_NIDENT)
		return fail(p, ELF_EBOUNDS, "image of 0x%llx bytes is too small for an ELF header",
			    X(p->size));
	if (memcmp(b, magic, 4))
		return fail(p, ELF_EFORMAT, "bad magic %02x %02x %02x %02x (not an ELF file)",
			    b[0], b[1], b[2], b[3]);
	if (b[4] != ELFCLASS32 && b[4] != ELFCLASS64)
		return fail(p, ELF_EFORMAT, "class %u is neither 1 (ELF32) nor 2 (ELF64)", b[4]);
	if (b[5] != ELFDATA2LSB)
		return fail(p, ELF_EFORMAT, "data encoding %u is not 1 (little-endian)", b[5]);
	if (b[6] != EV_CURRENT)
		return fail(p, ELF_EFORMAT, "ident version %u is not 1", b[6]);
	im->is64 = b[4] == ELFCLASS64;
	need = im->is64 ? 64 : 52;
	if (p->size < need)
		return fail(p, ELF_EBOUNDS,
			    "image of 0x%llx bytes is too small for an ELF%d header (0x%llx)",
			    X(p->size), im->is64 ? 64 : 32, X(need));
	h->type = get16(b + 16);
	h->machine = get16(b + 18);
	if (im->is64) {
		h->entry = get64(b + 24);
		h->phoff = get64(b + 32);
		h->phentsize = get16(b + 54);
		h->phnum = get16(b + 56);
	} else {
		h->entry = get32(b + 24);
		h->phoff = get32(b + 28);
		h->phentsize = get16(b + 42);
		h->phnum = get16(b + 44);
	}
	return 0;
}

/* e_type, e_machine, e_phentsize and where the program header table lies. */
static int check_ehdr(struct parse *p, const struct elf_image *im, const struct ehdr *h)
{
	u16 machine = im->is64 ? EM_X86_64 : EM_386;
	u16 phentsize = im->is64 ? 56 : 32;
	u64 tsize = (u64)h->phnum * h->phentsize;

	if (h->type != ET_EXEC)
		return fail(p, ELF_EFORMAT, "type %u is not ET_EXEC (2)", h->type);
	if (h->machine != machine)
		return fail(p, ELF_EFORMAT, "machine %u is not %s for ELF%d", h->machine,
			    im->is64 ? "EM_X86_64 (62)" : "EM_386 (3)", im->is64 ? 64 : 32);
	if (h->phentsize != phentsize)
		return fail(p, ELF_EFORMAT, "program header size %u, ELF%d needs %u", h->phentsize,
			    im->is64 ? 64 : 32, phentsize);
	if (!inside(p, h->phoff, tsize))
		return fail(p, ELF_EBOUNDS,
			    "program header table [0x%llx+0x%llx) past end of image (size 0x%llx)",
			    X(h->phoff), X(tsize), X(p->size));
	return 0;
}

static void read_phdr(const struct parse *p, const struct elf_image *im, u64 off,
		      struct phdr *ph)
{
	const u8 *b = p->b + off;

	ph->type = get32(b);
	if (im->is64) {
		ph->flags = get32(b + 4);
		ph->offset = get64(b + 8);
		ph->paddr = get64(b + 24);
		ph->filesz = get64(b + 32);
		ph->memsz = get64(b + 40);
	} else {
		ph->offset = get32(b + 4);
		ph->paddr = get32(b + 12);
		ph->filesz = get32(b + 16);
		ph->memsz = get32(b + 20);
		ph->flags = get32(b + 24);
	}
}

/* Program header i, a PT_LOAD with memsz > 0: its own ranges, then overlap with the
 * segments kept so far (whose program header numbers are in idx). */
static int check_seg(struct parse *p, const struct elf_image *im, const unsigned *idx,
		     unsigned i, const struct phdr *ph)
{
	u64 end = ph->paddr + ph->memsz;

	if (ph->filesz > ph->memsz)
		return fail(p, ELF_ESEG,
			    "program header %u: filesz 0x%llx is larger than memsz 0x%llx",
			    i, X(ph->filesz), X(ph->memsz));
	if (ph->filesz && !inside(p, ph->offset, ph->filesz))
		return fail(p, ELF_EBOUNDS,
			    "program header %u: file range [0x%llx+0x%llx) past end of image (size 0x%llx)",
			    i, X(ph->offset), X(ph->filesz), X(p->size));
	if (ph->memsz > FOUR_G || ph->paddr > FOUR_G - ph->memsz)
		return fail(p, ELF_ESEG,
			    "program header %u: memory range [0x%llx+0x%llx) is not below 4 GiB",
			    i, X(ph->paddr), X(ph->memsz));
	for (unsigned j = 0; j < im->nsegs; j++) {
		const struct elf_seg *s = &im->segs[j];

		if (ph->paddr < s->paddr + s->memsz && s->paddr < end)
			return fail(p, ELF_ESEG,
				    "program header %u: memory [0x%llx+0x%llx) overlaps program header %u's [0x%llx+0x%llx)",
				    i, X(ph->paddr), X(ph->memsz), idx[j], X(s->paddr),
				    X(s->memsz));
	}
	return 0;
}

static int read_segs(struct parse *p, struct elf_image *im, const struct ehdr *h)
{
	unsigned idx[ELF_MAX_SEGS];
	struct phdr ph;
	struct elf_seg *s;
	int rc;

	for (unsigned i = 0; i < h->phnum; i++) {
		read_phdr(p, im, h->phoff + (u64)i * h->phentsize, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		if (im->nsegs == ELF_MAX_SEGS)
			return fail(p, ELF_ESEG, "more than %d PT_LOAD segments", ELF_MAX_SEGS);
		if ((rc = check_seg(p, im, idx, i, &ph)))
			return rc;
		idx[im->nsegs] = i;
		s = &im->segs[im->nsegs++];
		s->paddr = ph.paddr;
		s->offset = ph.offset;
		s->filesz = ph.filesz;
		s->memsz = ph.memsz;
		s->flags = ph.flags;
		if (im->nsegs == 1 || s->paddr < im->lo)
			im->lo = s->paddr;
		im->hi = MAX(im->hi, s->paddr + s->memsz);
	}
	if (!im->nsegs)
		return fail(p, ELF_ESEG, "no PT_LOAD segment with memsz > 0");
	return 0;
}

static int check_entry(struct parse *p, struct elf_image *im, u64 entry)
{
	im->entry = entry;
	if (entry >= FOUR_G)
		return fail(p, ELF_EENTRY, "entry point 0x%llx is not below 4 GiB", X(entry));
	for (unsigned i = 0; i < im->nsegs; i++)
		if (entry >= im->segs[i].paddr && entry - im->segs[i].paddr < im->segs[i].memsz)
			return 0;
	return fail(p, ELF_EENTRY, "entry point 0x%llx is in no loaded segment", X(entry));
}

/* The multiboot v1 header: magic, flags, checksum, 4-byte aligned, entirely within the
 * first 8 KiB; magic + flags + checksum == 0 mod 2^32 (spec 3.1.2). The first valid one
 * counts. */
static int find_mb(struct parse *p, struct elf_image *im)
{
	u64 lim = MIN(p->size, (u64)MB1_SEARCH);
	u64 bad = ~0ULL;
	u32 flags, sum;

	for (u64 off = 0; off + MB1_HDR_SIZE <= lim; off += 4) {
		if (get32(p->b + off) != MB1_MAGIC)
			continue;
		flags = get32(p->b + off + 4);
		sum = get32(p->b + off + 8);
		if ((u32)(MB1_MAGIC + flags + sum) != 0) {
			if (bad == ~0ULL)
				bad = off;
			continue;
		}
		im->mb_flags = flags;
		im->mb_offset = off;
		return 0;
	}
	if (bad != ~0ULL)
		return fail(p, ELF_EMB, "multiboot v1 magic at offset 0x%llx has a bad checksum",
			    X(bad));
	return fail(p, ELF_EMB, "no multiboot v1 header in the first 8 KiB");
}

static int parse(struct parse *p, struct elf_image *im)
{
	struct ehdr h = { 0 };
	int rc;

	if ((rc = read_ehdr(p, im, &h)) || (rc = check_ehdr(p, im, &h)) ||
	    (rc = read_segs(p, im, &h)) || (rc = check_entry(p, im, h.entry)))
		return rc;
	return find_mb(p, im);
}

int elf_parse(const void *img, u64 size, struct elf_image *out, char *err, size_t errlen)
{
	struct parse p = { img, size, err, errlen };
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	if (!img)
		p.size = 0;
	rc = parse(&p, out);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}
