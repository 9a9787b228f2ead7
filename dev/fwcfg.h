/* dev/fwcfg.h: QEMU's firmware configuration interface (fw_cfg), the traditional I/O
 * interface of QEMU's docs/specs/fw_cfg.rst as its pc machine offers it: a 16-bit selector
 * register at port 0x510 and an 8-bit data register at 0x511. Writing the selector picks an
 * item and rewinds its offset to 0; each byte read from the data port is the item's byte at
 * the offset, which then advances; past the item's end (or for an item that does not exist)
 * the data port reads 0. No DMA interface (the ID item says so), no writable items, no
 * files (the directory's count is 0).
 *
 * The items: the signature "QEMU" (0x0000), the interface ID (0x0001, bit 0: traditional
 * interface), the RAM size (0x0003, u64 little-endian), the CPU count (0x0005, u16), the
 * maximum CPU count (0x000f, u16), the command line's size with its NUL (0x0014, u32) and
 * bytes (0x0015), the file directory (0x0019, a big-endian u32 count of 0). Bits 14 (write
 * channel) and 15 (architecture-local items, none here) of the selector are kept: an
 * architecture-local selector names nothing and reads 0.
 *
 * Pure logic; the caller holds the VM's lock. The offset stops at the item's length, so a
 * guest that reads for ever neither wraps it nor indexes past the item. */
#ifndef DEV_FWCFG_H
#define DEV_FWCFG_H
#include "lib/types.h"

#define FWCFG_SEL	0x510
#define FWCFG_DATA	0x511

#define FWCFG_SIGNATURE	0x0000
#define FWCFG_ID	0x0001
#define FWCFG_RAM_SIZE	0x0003
#define FWCFG_NB_CPUS	0x0005
#define FWCFG_MAX_CPUS	0x000f
#define FWCFG_CMDLINE_SIZE 0x0014
#define FWCFG_CMDLINE_DATA 0x0015
#define FWCFG_FILE_DIR	0x0019
#define FWCFG_ARCH_LOCAL 0x8000

#define FWCFG_ID_TRAD	0x1	/* the ID item's bit: the I/O port interface */

struct fwcfg {
	u16 sel;		/* as written */
	u32 off;		/* in the selected item; at most its length */
	u64 ram;		/* bytes */
	u16 ncpus;
	const char *cmdline;	/* the caller's string, which outlives the model */
	u32 cmdline_len;	/* strlen, without the NUL */
};

/* cmdline: NUL-terminated, kept by the caller (NULL: empty). */
void fwcfg_init(struct fwcfg *f, u64 ram, u16 ncpus, const char *cmdline);
/* A guest access of size bytes at port (FWCFG_SEL or FWCFG_DATA). */
u32 fwcfg_read(struct fwcfg *f, u16 port, unsigned size);
void fwcfg_write(struct fwcfg *f, u16 port, u32 val, unsigned size);

#endif
