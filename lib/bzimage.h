/* lib/bzimage.h: the Linux x86 bzImage parser (boot protocol 2.06 and later).
 *
 * Pure: it reads a byte buffer holding the whole kernel file, checks its setup header
 * (Linux Documentation/arch/x86/boot.rst, "The real-mode kernel header") and says where the
 * protected-mode kernel lies in the file and what the loader must honour. Loading it and
 * building boot_params is the caller's job (vmm/linux.c). Every field is checked before
 * use, so a truncated or hostile image gives one line of error, never a read past it. */
#ifndef LIB_BZIMAGE_H
#define LIB_BZIMAGE_H
#include "lib/types.h"

#define BZ_HDR_START	0x1F1	/* the setup header: boot_params keeps it at the same offset */
#define BZ_HDR_MAX	0x290	/* boot_params' room for it (edd_mbr_sig_buffer follows) */
#define BZ_MIN_VERSION	0x0206	/* cmdline_size, and the 32-bit entry rules we rely on */
#define BZ_LOADED_HIGH	0x01	/* loadflags bit 0: the kernel loads at 1 MiB (a bzImage) */
#define BZ_XLF_KERNEL_64 0x01	/* xloadflags bit 0: a 64-bit entry at load address + 0x200 */
#define BZ_ENTRY64_OFF	0x200	/* that entry's offset in the protected-mode kernel */

struct bzimage {
	u16 version;		/* 0x0206 = 2.06 */
	u32 setup_size;		/* (setup_sects + 1) * 512: boot sector and real-mode setup */
	u64 kernel_off;		/* the protected-mode kernel is file bytes [off, off + len) */
	u64 kernel_len;
	u32 hdr_end;		/* the setup header is file bytes [0x1F1, hdr_end) */
	u8 loadflags;
	u32 code32_start;	/* the protected-mode entry (the load address, non-relocated) */
	u32 initrd_addr_max;	/* highest address the initrd's last byte may have */
	u32 kernel_alignment;	/* a power of two; 0 when not relocatable */
	bool relocatable;
	u32 cmdline_size;	/* longest command line, without its NUL */
	u64 pref_address;	/* 2.10+: where a relocatable kernel prefers to run; else 0 */
	u64 init_size;		/* memory the kernel needs from where it runs (see below) */
	u16 xloadflags;		/* 2.12+; else 0 */
};

/* Parses the size bytes at img. Returns 0, or -1 with one line of text in err (when
 * errlen > 0) and *out cleared. init_size is the header's (2.10+), never less than
 * kernel_len; for 2.06-2.09 kernels, which do not say, 4 * kernel_len (room for the
 * compressed image to decompress beside itself). */
int bzimage_parse(const void *img, u64 size, struct bzimage *out, char *err, size_t errlen);

/* Where a kernel loaded at load starts running: a relocatable one moves itself to load
 * rounded up to kernel_alignment, but never below pref_address (its LOAD_PHYSICAL_ADDR;
 * arch/x86/boot/compressed/head_64.S does this before decompressing); a fixed one runs
 * where it was loaded. The kernel then needs [start, start + init_size). */
u64 bzimage_run_start(const struct bzimage *bz, u64 load);

/* entry= of a VM line: which boot protocol entry the loader uses (bzimage_entry_names
 * spells them, in this order, for the VM-line parser). */
enum { BZ_ENTRY_AUTO, BZ_ENTRY_64, BZ_ENTRY_32 };
extern const char *const bzimage_entry_names[];

/* The entry for want (BZ_ENTRY_*): 64 or 32. AUTO is 64 when the kernel says it has one
 * (XLF_KERNEL_64, protocol 2.12+), else 32; 64 asked of a kernel without it, or one whose
 * file ends before its 64-bit entry (load address + 0x200), is 0 with one line in err. */
int bzimage_entry(const struct bzimage *bz, unsigned want, char *err, size_t errlen);

/* Whether img means to be a bzImage (the boot flag or "HdrS" there): a cheap test to
 * choose the loader; bzimage_parse then says what is wrong with it. */
bool bzimage_is(const void *img, u64 size);

#endif
