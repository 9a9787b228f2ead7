/* lib/bzimage.c: the bzImage parser (see lib/bzimage.h).
 *
 * Owns deciding whether a kernel file is a bzImage faultline can boot, through which of the
 * boot protocol's entries (64-bit or 32-bit), and what of its setup header the loader
 * needs. Facts from Linux
 * Documentation/arch/x86/boot.rst: the header's offsets ("The real-mode kernel header"),
 * which protocol version added which field ("Details of header fields"), setup_sects 0
 * meaning 4, the header's end at 0x202 + the byte at 0x201, syssize in 16-byte units.
 *
 * Decisions:
 * - 2.06 is the oldest protocol taken: from it on cmdline_size exists, initrd_addr_max and
 *   the relocation fields (2.03, 2.05) are present, and the 32-bit entry is documented.
 * - Fields added after the kernel's version are not read: their bytes are code there.
 * - The protected-mode kernel is everything after the setup (what GRUB and QEMU load);
 *   syssize may not claim more than that (a truncated file), and init_size (2.10+) may not
 *   claim less (no kernel decompresses into less room than its compressed image).
 * - On error *out is cleared so nothing half-parsed can be loaded by mistake.
 */
#include "lib/bzimage.h"
#include "lib/bytes.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define X(v) ((unsigned long long)(v))

/* Offsets in the file (and in boot_params, where the header is copied to the same place). */
#define OFF_SETUP_SECTS		0x1F1
#define OFF_SYSSIZE		0x1F4
#define OFF_BOOT_FLAG		0x1FE
#define OFF_JUMP		0x200
#define OFF_HEADER		0x202
#define OFF_VERSION		0x206
#define OFF_LOADFLAGS		0x211
#define OFF_CODE32_START	0x214
#define OFF_INITRD_ADDR_MAX	0x22C
#define OFF_KERNEL_ALIGNMENT	0x230
#define OFF_RELOCATABLE		0x234
#define OFF_XLOADFLAGS		0x236
#define OFF_CMDLINE_SIZE	0x238
#define OFF_PREF_ADDRESS	0x258
#define OFF_INIT_SIZE		0x260
#define HDR_206_END		0x23C	/* cmdline_size's last byte + 1 */
#define READ_END		0x264	/* the last field read (init_size) ends here */

struct parse {
	const u8 *b;
	u64 size;
	char *err;
	size_t errlen;
	struct bzimage *o;
};

static int __attribute__((format(printf, 2, 3))) fail(struct parse *p, const char *f, ...)
{
	va_list ap;

	if (p->err && p->errlen) {
		va_start(ap, f);
		vfmt(p->err, p->errlen, f, ap);
		va_end(ap);
	}
	memset(p->o, 0, sizeof(*p->o));
	return -1;
}

bool bzimage_is(const void *img, u64 size)
{
	const u8 *b = img;

	return b && size >= OFF_HEADER + 4 && (get16(b + OFF_BOOT_FLAG) == 0xAA55 ||
						!memcmp(b + OFF_HEADER, "HdrS", 4));
}

/* The boot sector's identity: size, boot flag, "HdrS", the version, the header's extent. */
static int check_magic(struct parse *p)
{
	const u8 *b = p->b;
	u16 v;

	if (p->size < READ_END)
		return fail(p, "truncated bzImage: %llu bytes, shorter than its setup header "
			    "(0x%x)", X(p->size), READ_END);
	if (get16(b + OFF_BOOT_FLAG) != 0xAA55)
		return fail(p, "not a bzImage: boot flag 0x%04x at 0x1FE, not 0xAA55",
			    get16(b + OFF_BOOT_FLAG));
	if (memcmp(b + OFF_HEADER, "HdrS", 4))
		return fail(p, "not a bzImage: no \"HdrS\" at 0x202 (a kernel older than boot "
			    "protocol 2.00?)");
	v = get16(b + OFF_VERSION);
	p->o->version = v;
	if (v < BZ_MIN_VERSION)
		return fail(p, "boot protocol %u.%02u is too old: faultline needs 2.06 or later",
			    v >> 8, v & 0xFF);
	p->o->hdr_end = OFF_HEADER + b[OFF_JUMP + 1];
	if (p->o->hdr_end < HDR_206_END || p->o->hdr_end > BZ_HDR_MAX)
		return fail(p, "bad setup header: it ends at 0x%x (0x202 + the byte at 0x201), "
			    "outside [0x23c, 0x290]", p->o->hdr_end);
	return 0;
}

/* The header's fields, each only from the version that has it. */
static void read_fields(struct parse *p)
{
	const u8 *b = p->b;
	struct bzimage *o = p->o;

	o->loadflags = b[OFF_LOADFLAGS];
	o->code32_start = get32(b + OFF_CODE32_START);
	o->initrd_addr_max = get32(b + OFF_INITRD_ADDR_MAX);
	o->relocatable = b[OFF_RELOCATABLE] != 0;
	o->kernel_alignment = o->relocatable ? get32(b + OFF_KERNEL_ALIGNMENT) : 0;
	o->cmdline_size = get32(b + OFF_CMDLINE_SIZE);
	if (o->version >= 0x020A) {
		o->pref_address = get64(b + OFF_PREF_ADDRESS);
		o->init_size = get32(b + OFF_INIT_SIZE);
	}
	if (o->version >= 0x020C)
		o->xloadflags = get16(b + OFF_XLOADFLAGS);
}

/* Where the protected-mode kernel is, and that the file holds all of it. */
static int check_layout(struct parse *p)
{
	struct bzimage *o = p->o;
	u32 sects = p->b[OFF_SETUP_SECTS] ? p->b[OFF_SETUP_SECTS] : 4;
	u64 syssize = (u64)get32(p->b + OFF_SYSSIZE) * 16;

	if (!(o->loadflags & BZ_LOADED_HIGH))
		return fail(p, "not a bzImage: loadflags 0x%02x has LOADED_HIGH clear (a zImage, "
			    "loaded at 0x10000)", o->loadflags);
	o->setup_size = (sects + 1) * 512;
	if (o->setup_size >= p->size)
		return fail(p, "truncated bzImage: its setup is %u bytes but the file has %llu",
			    o->setup_size, X(p->size));
	o->kernel_off = o->setup_size;
	o->kernel_len = p->size - o->setup_size;
	if (syssize > o->kernel_len)
		return fail(p, "truncated bzImage: the kernel is %llu bytes (syssize) but the file "
			    "holds %llu after the setup", X(syssize), X(o->kernel_len));
	if (o->version >= 0x020A && o->init_size < o->kernel_len)
		return fail(p, "bad bzImage: init_size 0x%llx is smaller than the kernel's 0x%llx "
			    "bytes", X(o->init_size), X(o->kernel_len));
	if (!o->init_size)
		o->init_size = 4 * o->kernel_len;
	return 0;
}

/* What a loader must obey: a 1 MiB-or-higher entry, an alignment it can round to. */
static int check_rules(struct parse *p)
{
	struct bzimage *o = p->o;
	u32 a = o->kernel_alignment;

	if (o->code32_start < 0x100000)
		return fail(p, "bad bzImage: code32_start 0x%x is below 1 MiB",
			    o->code32_start);
	if (o->relocatable && (a < 4096 || (a & (a - 1))))
		return fail(p, "bad bzImage: kernel_alignment 0x%x is not a power of two of at "
			    "least 4 KiB", a);
	if (o->relocatable && o->pref_address % a)
		return fail(p, "bad bzImage: pref_address 0x%llx is not a multiple of "
			    "kernel_alignment 0x%x", X(o->pref_address), a);
	if (o->initrd_addr_max < 0x100000)
		return fail(p, "bad bzImage: initrd_addr_max 0x%x is below 1 MiB",
			    o->initrd_addr_max);
	return 0;
}

int bzimage_parse(const void *img, u64 size, struct bzimage *out, char *err, size_t errlen)
{
	struct parse p = { img, img ? size : 0, err, errlen, out };

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = 0;
	if (check_magic(&p))
		return -1;
	read_fields(&p);
	if (check_layout(&p) || check_rules(&p))
		return -1;
	return 0;
}

const char *const bzimage_entry_names[] = { "auto", "64", "32", 0 };

/* Decisions: the 64-bit entry is the default whenever the kernel has one: it is what a
 * 64-bit kernel is built around (its 32-bit entry only builds page tables and switches to
 * the 64-bit one, arch/x86/boot/compressed/head_64.S), and it is what 64-bit firmware
 * loaders use. The 32-bit entry stays for 32-bit kernels and for entry=32. */
int bzimage_entry(const struct bzimage *bz, unsigned want, char *err, size_t errlen)
{
	bool has64 = (bz->xloadflags & BZ_XLF_KERNEL_64) != 0;

	if (err && errlen)
		err[0] = 0;
	if (want == BZ_ENTRY_32 || (want == BZ_ENTRY_AUTO && !has64))
		return 32;
	if (!has64) {
		if (err && errlen)
			fmt(err, errlen, "entry=64, but the kernel has no 64-bit entry (boot "
			    "protocol %u.%02u, xloadflags 0x%x without XLF_KERNEL_64)",
			    bz->version >> 8, bz->version & 0xFF, bz->xloadflags);
		return 0;
	}
	if (bz->kernel_len <= BZ_ENTRY64_OFF) {
		if (err && errlen)
			fmt(err, errlen, "bad bzImage: XLF_KERNEL_64, but the kernel is %llu bytes and "
			    "its 64-bit entry would be at offset 0x%x", X(bz->kernel_len),
			    BZ_ENTRY64_OFF);
		return 0;
	}
	return 64;
}

u64 bzimage_run_start(const struct bzimage *bz, u64 load)
{
	u64 a = bz->kernel_alignment, s;

	if (!bz->relocatable)
		return load;
	s = (load + a - 1) & ~(a - 1);
	return s < bz->pref_address ? bz->pref_address : s;
}
