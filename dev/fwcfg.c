/* dev/fwcfg.c: the fw_cfg selector and data ports (see dev/fwcfg.h). Each item is a
 * function from an offset to a byte, with its length: nothing is copied at selection, and a
 * byte is only ever read from inside the item it belongs to.
 *
 * Access sizes as QEMU's pc machine takes them (hw/nvram/fw_cfg.c, the combined 0x510
 * region): a word write selects, a byte read at either port reads data; a byte write (the
 * data port's old write path, gone since QEMU 2.4) does nothing; any other access reaches
 * nothing and reads all ones. */
#include "dev/fwcfg.h"
#include "lib/string.h"

void fwcfg_init(struct fwcfg *f, u64 ram, u16 ncpus, const char *cmdline)
{
	memset(f, 0, sizeof(*f));
	f->ram = ram;
	f->ncpus = ncpus;
	f->cmdline = cmdline ? cmdline : "";
	f->cmdline_len = (u32)strlen(f->cmdline);
}

/* Byte i of the little-endian value v, n bytes wide. */
static u8 le(u64 v, u32 i)
{
	return (u8)(v >> (8 * i));
}

static u8 b_sig(const struct fwcfg *f, u32 i) { (void)f; return (u8)"QEMU"[i]; }
static u8 b_id(const struct fwcfg *f, u32 i) { (void)f; return le(FWCFG_ID_TRAD, i); }
static u8 b_ram(const struct fwcfg *f, u32 i) { return le(f->ram, i); }
static u8 b_cpus(const struct fwcfg *f, u32 i) { return le(f->ncpus, i); }
static u8 b_clsize(const struct fwcfg *f, u32 i) { return le(f->cmdline_len + 1, i); }
static u8 b_zero(const struct fwcfg *f, u32 i) { (void)f, (void)i; return 0; }

/* The command line and its NUL (i < cmdline_len + 1: the caller checks). */
static u8 b_cl(const struct fwcfg *f, u32 i)
{
	return i < f->cmdline_len ? (u8)f->cmdline[i] : 0;
}

struct item {
	u32 len;		/* 0: the length is the command line's (with its NUL) */
	u8 (*byte)(const struct fwcfg *f, u32 i);
};

/* Indexed by selector (fw_cfg.rst, "Selector (Control) Register" and the item list). */
static const struct item items[] = {
	[FWCFG_SIGNATURE] = { 4, b_sig },
	[FWCFG_ID] = { 4, b_id },
	[FWCFG_RAM_SIZE] = { 8, b_ram },
	[FWCFG_NB_CPUS] = { 2, b_cpus },
	[FWCFG_MAX_CPUS] = { 2, b_cpus },
	[FWCFG_CMDLINE_SIZE] = { 4, b_clsize },
	[FWCFG_CMDLINE_DATA] = { 0, b_cl },
	[FWCFG_FILE_DIR] = { 4, b_zero },	/* count 0, big-endian */
};

/* The selected item, or NULL: an architecture-local or unknown selector, a hole. */
static const struct item *selected(const struct fwcfg *f, u32 *len)
{
	u16 key = f->sel & 0x3FFF;	/* bit 14, the write channel, names the same item */

	if ((f->sel & FWCFG_ARCH_LOCAL) || key >= ARRAY_SIZE(items) || !items[key].byte)
		return 0;
	*len = items[key].len ? items[key].len : f->cmdline_len + 1;
	return &items[key];
}

static u8 data_read(struct fwcfg *f)
{
	u32 len = 0;
	const struct item *it = selected(f, &len);

	if (!it || f->off >= len)
		return 0;
	return it->byte(f, f->off++);
}

u32 fwcfg_read(struct fwcfg *f, u16 port, unsigned size)
{
	if (size != 1 || (port != FWCFG_SEL && port != FWCFG_DATA))
		return 0xFFFFFFFF;
	return data_read(f);
}

void fwcfg_write(struct fwcfg *f, u16 port, u32 val, unsigned size)
{
	if (port == FWCFG_SEL && size == 2) {
		f->sel = (u16)val;
		f->off = 0;
	}
}
