/* lib/mb.c: the multiboot v1 and multiboot2 information parsers (see lib/mb.h).
 *
 * Owns turning what the boot loader left in memory into a struct bootinfo. Nothing the loader
 * wrote is trusted: each read asks mem->map for exactly the bytes it copies (so a map that
 * hands out a temporary window works too), every length and offset is checked before it is
 * used, and the first problem found ends the parse with one line in err.
 *
 * Decisions:
 * - info_start/info_end: multiboot2 gives info_pa .. info_pa + total_size (tags included).
 *   Multiboot v1 gives info_pa .. info_pa + 116, the whole fixed structure of spec section
 *   3.3 (through the framebuffer fields), even though only the fields the flags announce are
 *   read. The mmap, mods and string areas it points to are not included: they can lie
 *   anywhere, a hull over them could cover the kernel itself, and all of it is copied here.
 * - v1 strings (cmdline, boot_loader_name, module string) must end within MB1_STR_SCAN bytes;
 *   a pointer of 0 means no string (spec 3.3 allows it for the module string field).
 * - Modules past MB_MAX_MODS and mmap entries past MB_MAX_MMAP are dropped, one count in
 *   bi->truncated each; a string cut to fit its bootinfo buffer also counts one.
 * - multiboot2: the info must be 8-byte aligned (spec 3.6.1) so that tag offsets and
 *   addresses align alike; the end tag must have size 8; an mmap tag must be 16 bytes plus a
 *   whole number of entries; when both ACPI tags appear the new (type 15) copy wins.
 * - On any error bi is cleared, so no half-parsed data can be used by mistake.
 */
#include "lib/mb.h"
#include "lib/bytes.h"
#include "lib/string.h"
#include "lib/fmt.h"

#define MB_INFO_MAX (1u << 20)   /* largest total_size / mmap_length we accept */
#define MB1_MODS_LIMIT 1024      /* larger mods_count is taken as garbage, not modules */
#define MB1_STR_SCAN 4096        /* v1 strings have no stated bound; this is ours */
#define MB1_INFO_SIZE 116        /* spec 3.3 fixed structure, flags .. color_info */

#define X(v) ((unsigned long long)(v)) /* u64 for %llx/%llu, whatever u64 is */

/* One parse: where errors go and the protocol name that prefixes them. */
struct mbp {
	const struct mb_mem *mem;
	struct bootinfo *bi;
	char *err;
	size_t errlen;
	const char *name;
	bool rsdp_new; /* bi->rsdp is the ACPI 2.0+ copy (tag 15), which tag 14 must not replace */
};

static int fail(struct mbp *p, int code, const char *f, ...) __attribute__((format(printf, 3, 4)));

/* Writes "<protocol>: <message>" into err and returns code. */
static int fail(struct mbp *p, int code, const char *f, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return code;
	n = fmt(p->err, p->errlen, "%s: ", p->name);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, f);
		vfmt(p->err + n, p->errlen - n, f, ap);
		va_end(ap);
	}
	return code;
}

/* Copies len bytes at physical pa into dst; what names them in the error. */
static int rd(struct mbp *p, u64 pa, void *dst, u64 len, const char *what)
{
	const void *src = NULL;

	if (len <= ~0ULL - pa)
		src = p->mem->map(p->mem->ctx, pa, len);
	if (!src)
		return fail(p, MB_EBOUNDS, "%s at 0x%llx (%llu bytes) is not readable", what, X(pa),
			    X(len));
	memcpy(dst, src, len);
	return 0;
}

/* Copies the string at pa, which must have its NUL within max bytes, into dst (dstlen > 0).
 * Byte by byte: a string may end right where readable memory does. Too long for dst: cut,
 * and bi->truncated counts it. */
static int copy_str(struct mbp *p, u64 pa, u64 max, char *dst, size_t dstlen, const char *what)
{
	const char *c;
	u64 i;

	if (max > ~0ULL - pa)
		max = ~0ULL - pa;
	for (i = 0; i < max; i++) {
		c = p->mem->map(p->mem->ctx, pa + i, 1);
		if (!c)
			return fail(p, MB_EBOUNDS, "%s string at 0x%llx: byte %llu is not readable",
				    what, X(pa), X(i));
		if (!*c)
			break;
		if (i + 1 < dstlen)
			dst[i] = *c;
	}
	if (i == max)
		return fail(p, MB_EFORMAT, "%s string at 0x%llx has no NUL within %llu bytes", what,
			    X(pa), X(max));
	dst[MIN(i, dstlen - 1)] = '\0';
	if (i >= dstlen)
		p->bi->truncated++;
	return 0;
}

/* Reads base (u64), len (u64), type (u32) at pa: the common head of a v1 entry (after its
 * size field) and a v2 entry, and keeps it if there is room. */
static int mmap_ent(struct mbp *p, u64 pa)
{
	struct bootinfo *bi = p->bi;
	u8 raw[20];
	int rc;

	if ((rc = rd(p, pa, raw, sizeof(raw), "mmap entry")))
		return rc;
	if (bi->nmmap == MB_MAX_MMAP) {
		bi->truncated++;
		return 0;
	}
	bi->mmap[bi->nmmap].base = get64(raw);
	bi->mmap[bi->nmmap].len = get64(raw + 8);
	bi->mmap[bi->nmmap].type = get32(raw + 16);
	bi->nmmap++;
	return 0;
}

/* ---- multiboot v1 (spec 0.6.96 section 3.3, "Boot information format") ---- */

/* Byte offsets in the information structure. */
enum {
	MB1_FLAGS = 0,
	MB1_MEM_LOWER = 4,
	MB1_MEM_UPPER = 8,
	MB1_CMDLINE = 16,
	MB1_MODS_COUNT = 20,
	MB1_MODS_ADDR = 24,
	MB1_MMAP_LENGTH = 44,
	MB1_MMAP_ADDR = 48,
	MB1_LOADER_NAME = 64,
};

/* How much of the structure each flag we use needs read (its last field's end). */
static const struct {
	u32 flag;
	u32 need;
} mb1_need[] = {
	{ 1u << 0, MB1_MEM_UPPER + 4 },   /* mem_lower, mem_upper */
	{ 1u << 2, MB1_CMDLINE + 4 },     /* cmdline */
	{ 1u << 3, MB1_MODS_ADDR + 4 },   /* mods_count, mods_addr */
	{ 1u << 6, MB1_MMAP_ADDR + 4 },   /* mmap_length, mmap_addr */
	{ 1u << 9, MB1_LOADER_NAME + 4 }, /* boot_loader_name */
};

/* A v1 string pointer: 0 means none (empty). */
static int mb1_str(struct mbp *p, u32 pa, char *dst, size_t dstlen, const char *what)
{
	dst[0] = '\0';
	return pa ? copy_str(p, pa, MB1_STR_SCAN, dst, dstlen, what) : 0;
}

/* mods_addr: mods_count entries of 16 bytes: mod_start, mod_end, string, reserved. */
static int mb1_mods(struct mbp *p, u32 count, u32 addr)
{
	struct bootinfo *bi = p->bi;
	u8 raw[16];
	u32 i, start, end;
	int rc;

	if (count > MB1_MODS_LIMIT)
		return fail(p, MB_EFORMAT, "mods_count %u is more than %u", count, MB1_MODS_LIMIT);
	for (i = 0; i < count && i < MB_MAX_MODS; i++) {
		if ((rc = rd(p, (u64)addr + 16 * i, raw, sizeof(raw), "module entry")))
			return rc;
		start = get32(raw);
		end = get32(raw + 4);
		if (end < start)
			return fail(p, MB_EFORMAT, "module %u ends at 0x%x, before its start 0x%x", i,
				    end, start);
		bi->mods[i].start = start;
		bi->mods[i].end = end;
		if ((rc = mb1_str(p, get32(raw + 8), bi->mods[i].cmdline, MB_MODLINE_MAX,
				  "module")))
			return rc;
		bi->nmods++;
	}
	bi->truncated += count - bi->nmods;
	return 0;
}

/* mmap_addr: entries of u32 size (not counting itself), u64 base_addr, u64 length, u32 type;
 * the next entry starts size + 4 bytes on. */
static int mb1_mmap(struct mbp *p, u32 len, u32 addr)
{
	u64 off = 0;
	u32 size;
	u8 raw[4];
	int rc;

	if (len > MB_INFO_MAX)
		return fail(p, MB_EFORMAT, "mmap_length %u is larger than %u", len, MB_INFO_MAX);
	while (off < len) {
		if (len - off < 4)
			return fail(p, MB_EFORMAT, "mmap has %llu stray bytes at offset 0x%llx",
				    X(len - off), X(off));
		if ((rc = rd(p, addr + off, raw, 4, "mmap entry size")))
			return rc;
		size = get32(raw);
		if (size < 20)
			return fail(p, MB_EFORMAT, "mmap entry at offset 0x%llx has size %u (< 20)",
				    X(off), size);
		if (size > len - off - 4)
			return fail(p, MB_EFORMAT,
				    "mmap entry at offset 0x%llx (size %u) runs past mmap_length %u",
				    X(off), size, len);
		if ((rc = mmap_ent(p, addr + off + 4)))
			return rc;
		off += 4 + (u64)size;
	}
	return 0;
}

static int mb1_parse(struct mbp *p, u64 pa)
{
	struct bootinfo *bi = p->bi;
	u8 raw[MB1_LOADER_NAME + 4];
	u32 flags, need = 4;
	unsigned i;
	int rc;

	if ((rc = rd(p, pa, raw, 4, "info structure")))
		return rc;
	flags = get32(raw + MB1_FLAGS);
	for (i = 0; i < ARRAY_SIZE(mb1_need); i++)
		if (flags & mb1_need[i].flag)
			need = MAX(need, mb1_need[i].need);
	if ((rc = rd(p, pa, raw, need, "info structure")))
		return rc;
	bi->info_start = pa;
	bi->info_end = pa + MB1_INFO_SIZE;

	if (flags & (1u << 0)) {
		bi->mem_lower_kb = get32(raw + MB1_MEM_LOWER);
		bi->mem_upper_kb = get32(raw + MB1_MEM_UPPER);
	}
	if ((flags & (1u << 2)) &&
	    (rc = mb1_str(p, get32(raw + MB1_CMDLINE), bi->cmdline, sizeof(bi->cmdline),
			  "cmdline")))
		return rc;
	if ((flags & (1u << 9)) &&
	    (rc = mb1_str(p, get32(raw + MB1_LOADER_NAME), bi->loader, sizeof(bi->loader),
			  "boot_loader_name")))
		return rc;
	if ((flags & (1u << 3)) &&
	    (rc = mb1_mods(p, get32(raw + MB1_MODS_COUNT), get32(raw + MB1_MODS_ADDR))))
		return rc;
	if ((flags & (1u << 6)) &&
	    (rc = mb1_mmap(p, get32(raw + MB1_MMAP_LENGTH), get32(raw + MB1_MMAP_ADDR))))
		return rc;
	return 0;
}

/* ---- multiboot2 (spec 2.0 section 3.6, "Boot information format") ---- */

/* Tag types (section 3.6.2 onwards). */
enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MEMINFO = 4,
	MB2_TAG_MMAP = 6,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

/* Each handler gets the tag's address, type, size (>= the table's min, within total_size)
 * and offset in the structure (for messages). The payload starts 8 bytes in. */
typedef int (*mb2_fn)(struct mbp *p, u64 pa, u32 type, u32 size, u64 off);

static int mb2_cmdline(struct mbp *p, u64 pa, u32 type, u32 size, u64 off)
{
	(void)type, (void)off;
	return copy_str(p, pa + 8, size - 8, p->bi->cmdline, sizeof(p->bi->cmdline), "cmdline");
}

static int mb2_loader(struct mbp *p, u64 pa, u32 type, u32 size, u64 off)
{
	(void)type, (void)off;
	return copy_str(p, pa + 8, size - 8, p->bi->loader, sizeof(p->bi->loader),
			"boot loader name");
}

/* u32 mod_start, u32 mod_end, then the string up to the end of the tag. A module past
 * MB_MAX_MODS is still checked, then dropped. */
static int mb2_module(struct mbp *p, u64 pa, u32 type, u32 size, u64 off)
{
	struct bootinfo *bi = p->bi;
	struct mb_module spare, *m = bi->nmods < MB_MAX_MODS ? &bi->mods[bi->nmods] : &spare;
	unsigned cut = bi->truncated;
	u8 raw[8];
	int rc;

	(void)type;
	if ((rc = rd(p, pa + 8, raw, sizeof(raw), "module tag")))
		return rc;
	m->start = get32(raw);
	m->end = get32(raw + 4);
	if (m->end < m->start)
		return fail(p, MB_EFORMAT, "module tag at offset 0x%llx ends at 0x%llx, before its "
			    "start 0x%llx", X(off), X(m->end), X(m->start));
	if ((rc = copy_str(p, pa + 16, size - 16, m->cmdline, sizeof(m->cmdline), "module")))
		return rc;
	if (m == &spare)
		bi->truncated = cut + 1; /* dropped: one count, whether or not its string was cut */
	else
		bi->nmods++;
	return 0;
}

/* u32 mem_lower, u32 mem_upper, in KiB. */
static int mb2_meminfo(struct mbp *p, u64 pa, u32 type, u32 size, u64 off)
{
	u8 raw[8];
	int rc;

	(void)type, (void)size, (void)off;
	if ((rc = rd(p, pa + 8, raw, sizeof(raw), "basic meminfo tag")))
		return rc;
	p->bi->mem_lower_kb = get32(raw);
	p->bi->mem_upper_kb = get32(raw + 4);
	return 0;
}

/* u32 entry_size, u32 entry_version, then entries of u64 base_addr, u64 length, u32 type,
 * u32 reserved. entry_size may grow in later versions, but stays a multiple of 8. */
static int mb2_mmap(struct mbp *p, u64 pa, u32 type, u32 size, u64 off)
{
	u8 raw[4];
	u32 esz, o;
	int rc;

	(void)type;
	if ((rc = rd(p, pa + 8, raw, 4, "mmap tag")))
		return rc;
	esz = get32(raw);
	if (esz < 24 || esz % 8)
		return fail(p, MB_EFORMAT, "mmap tag at offset 0x%llx has entry_size %u (not a "
			    "multiple of 8 >= 24)", X(off), esz);
	if ((size - 16) % esz)
		return fail(p, MB_EFORMAT, "mmap tag at offset 0x%llx has size %u, not 16 + a "
			    "multiple of entry_size %u", X(off), size, esz);
	for (o = 16; o < size; o += esz)
		if ((rc = mmap_ent(p, pa + o)))
			return rc;
	return 0;
}

/* A copy of the RSDP: 20 bytes (ACPI 1.0, tag 14) or 36 (2.0+, tag 15). */
static int mb2_acpi(struct mbp *p, u64 pa, u32 type, u32 size, u64 off)
{
	struct bootinfo *bi = p->bi;
	bool isnew = type == MB2_TAG_ACPI_NEW;
	int rc;

	(void)off;
	if (p->rsdp_new && !isnew)
		return 0;
	memset(bi->rsdp, 0, sizeof(bi->rsdp));
	if ((rc = rd(p, pa + 8, bi->rsdp, MIN(size - 8, sizeof(bi->rsdp)), "ACPI tag")))
		return rc;
	bi->has_rsdp = true;
	p->rsdp_new = isnew;
	return 0;
}

/* The tags we use and the smallest size each can have; other types are skipped. String
 * tags may be 8 bytes here: copy_str then reports the missing NUL. */
static const struct {
	u32 type;
	u32 min;
	mb2_fn fn;
} mb2_tags[] = {
	{ MB2_TAG_CMDLINE, 8, mb2_cmdline },
	{ MB2_TAG_LOADER, 8, mb2_loader },
	{ MB2_TAG_MODULE, 16, mb2_module },
	{ MB2_TAG_MEMINFO, 16, mb2_meminfo },
	{ MB2_TAG_MMAP, 16, mb2_mmap },
	{ MB2_TAG_ACPI_OLD, 8 + 20, mb2_acpi },
	{ MB2_TAG_ACPI_NEW, 8 + 20, mb2_acpi },
};

static int mb2_tag(struct mbp *p, u64 pa, u32 type, u32 size, u64 off)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(mb2_tags); i++) {
		if (mb2_tags[i].type != type)
			continue;
		if (size < mb2_tags[i].min)
			return fail(p, MB_EFORMAT, "tag type %u at offset 0x%llx has size %u (< %u)",
				    type, X(off), size, mb2_tags[i].min);
		return mb2_tags[i].fn(p, pa, type, size, off);
	}
	return 0;
}

/* u32 total_size, u32 reserved, then tags (u32 type, u32 size, payload), each starting
 * 8-byte aligned, the last one the end tag (type 0, size 8). */
static int mb2_parse(struct mbp *p, u64 pa)
{
	u8 raw[8];
	u32 type, size;
	u64 total, off;
	int rc;

	if (pa % 8)
		return fail(p, MB_EFORMAT, "info at 0x%llx is not 8-byte aligned", X(pa));
	if ((rc = rd(p, pa, raw, 8, "info header")))
		return rc;
	total = get32(raw);
	if (total < 16)
		return fail(p, MB_EFORMAT, "total_size %llu is too small (< 16)", X(total));
	if (total > MB_INFO_MAX)
		return fail(p, MB_EFORMAT, "total_size %llu is larger than %u", X(total),
			    MB_INFO_MAX);
	if (total > ~0ULL - pa)
		return fail(p, MB_EBOUNDS, "info at 0x%llx with total_size %llu wraps around", X(pa),
			    X(total));
	p->bi->info_start = pa;
	p->bi->info_end = pa + total;
	for (off = 8;; off = ALIGN_UP(off + size, 8)) {
		if (off + 8 > total)
			return fail(p, MB_EFORMAT, "no end tag within total_size %llu", X(total));
		if ((rc = rd(p, pa + off, raw, 8, "tag header")))
			return rc;
		type = get32(raw);
		size = get32(raw + 4);
		if (size < 8)
			return fail(p, MB_EFORMAT, "tag type %u at offset 0x%llx has size %u (< 8)",
				    type, X(off), size);
		if (size > total - off)
			return fail(p, MB_EFORMAT, "tag type %u at offset 0x%llx (size %u) runs "
				    "past total_size %llu", type, X(off), size, X(total));
		if (type == MB2_TAG_END)
			return size == 8 ? 0 : fail(p, MB_EFORMAT, "end tag at offset 0x%llx has "
						    "size %u (!= 8)", X(off), size);
		if ((rc = mb2_tag(p, pa + off, type, size, off)))
			return rc;
	}
}

int mb_parse(u32 magic, u64 info_pa, const struct mb_mem *mem, struct bootinfo *bi,
	     char *err, size_t errlen)
{
	struct mbp p = { .mem = mem, .bi = bi, .err = err, .errlen = errlen, .name = "multiboot" };
	int rc;

	memset(bi, 0, sizeof(*bi));
	if (err && errlen)
		err[0] = '\0';
	if (magic == MB1_BOOT_MAGIC) {
		p.name = "multiboot1";
		bi->proto = 1;
	} else if (magic == MB2_BOOT_MAGIC) {
		p.name = "multiboot2";
		bi->proto = 2;
	} else {
		return fail(&p, MB_EMAGIC, "bad magic 0x%08x (want 0x%08x or 0x%08x)", magic,
			    MB1_BOOT_MAGIC, MB2_BOOT_MAGIC);
	}
	if (!mem || !mem->map)
		rc = fail(&p, MB_EBOUNDS, "no way to read memory");
	else if (!info_pa)
		rc = fail(&p, MB_EBOUNDS, "info pointer is 0");
	else
		rc = bi->proto == 1 ? mb1_parse(&p, info_pa) : mb2_parse(&p, info_pa);
	if (rc)
		memset(bi, 0, sizeof(*bi));
	return rc;
}

const char *mb_mem_type_name(u32 type)
{
	static const char *const names[] = {
		[MB_MEM_AVAILABLE] = "available",
		[MB_MEM_RESERVED] = "reserved",
		[MB_MEM_ACPI] = "acpi",
		[MB_MEM_NVS] = "nvs",
		[MB_MEM_BAD] = "bad",
	};

	if (type < ARRAY_SIZE(names) && names[type])
		return names[type];
	return "type?";
}
