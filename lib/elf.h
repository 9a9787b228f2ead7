/* lib/elf.h: the ELF parser for guest kernels (multiboot v1 kernels, ELF32 or ELF64).
 *
 * Pure: it reads a byte buffer holding the whole kernel file and says where each loadable
 * segment goes in guest-physical memory; loading it is the caller's job. Every field is
 * checked before use, so a truncated or hostile image gives an error, never a read past the
 * buffer. Only what a multiboot v1 loader needs is accepted: x86 executables whose segments
 * and entry point lie below 4 GiB, with a valid multiboot header in their first 8 KiB. */
#ifndef LIB_ELF_H
#define LIB_ELF_H
#include "lib/types.h"

#define ELF_MAX_SEGS 16

/* One PT_LOAD segment: file bytes [offset, offset+filesz) go to paddr, the rest of memsz
 * is zero. flags: p_flags (PF_X 1, PF_W 2, PF_R 4). */
struct elf_seg {
	u64 paddr, offset, filesz, memsz;
	u32 flags;
};

struct elf_image {
	bool is64;		/* ELFCLASS64 */
	u64 entry;		/* e_entry, below 4 GiB */
	unsigned nsegs;
	struct elf_seg segs[ELF_MAX_SEGS];	/* in program header order */
	u32 mb_flags;		/* the multiboot v1 header's flags */
	u64 mb_offset;		/* its file offset */
	u64 lo, hi;		/* lowest paddr, highest paddr+memsz */
};

enum elf_err {
	ELF_OK = 0,
	ELF_EFORMAT = -1,	/* not an ELF file we take: ident, type, machine, sizes */
	ELF_EBOUNDS = -2,	/* something lies past the end of the image */
	ELF_ESEG = -3,		/* segments: filesz > memsz, above 4 GiB, overlap, count */
	ELF_EENTRY = -4,	/* entry point not in a loaded segment or above 4 GiB */
	ELF_EMB = -5,		/* no valid multiboot v1 header */
};

/* Parses the size bytes at img. Returns 0, or a negative enum elf_err with one line of
 * text in err (when errlen > 0) and *out cleared. */
int elf_parse(const void *img, u64 size, struct elf_image *out, char *err, size_t errlen);

#endif
