/* lib/mb.h: multiboot v1 and multiboot2 information parsers.
 *
 * Both protocols are reduced to one struct bootinfo. The parser never trusts the loader:
 * every read of the information goes through struct mb_mem, which refuses addresses outside
 * what the caller can read, and every length is checked. A malformed structure gives a
 * negative return value and one line of text in err saying what is wrong; nothing is read
 * out of bounds. Strings are copied into bootinfo (NUL-terminated, truncation flagged). */
#ifndef LIB_MB_H
#define LIB_MB_H
#include "lib/types.h"

#define MB1_BOOT_MAGIC 0x2BADB002u   /* EAX on entry, multiboot v1 */
#define MB2_BOOT_MAGIC 0x36d76289u   /* EAX on entry, multiboot2 */

#define MB_MAX_MMAP 64
#define MB_MAX_MODS 16
#define MB_CMDLINE_MAX 1024
#define MB_MODLINE_MAX 256

enum mb_mem_type { MB_MEM_AVAILABLE = 1, MB_MEM_RESERVED = 2, MB_MEM_ACPI = 3, MB_MEM_NVS = 4, MB_MEM_BAD = 5 };

struct mb_mmap_ent {
	u64 base, len;
	u32 type; /* enum mb_mem_type (E820 numbering); other values are kept as-is */
};

struct mb_module {
	u64 start, end; /* physical, end exclusive */
	char cmdline[MB_MODLINE_MAX];
};

struct bootinfo {
	int proto;                 /* 1 or 2 */
	u64 info_start, info_end;  /* extent of the information structure itself (to reserve) */
	char cmdline[MB_CMDLINE_MAX];
	char loader[64];
	u64 mem_lower_kb, mem_upper_kb;   /* 0 when not given */
	unsigned nmmap;
	struct mb_mmap_ent mmap[MB_MAX_MMAP];
	unsigned nmods;
	struct mb_module mods[MB_MAX_MODS];
	bool has_rsdp;             /* multiboot2 ACPI tag (14 or 15) present */
	u8 rsdp[36];               /* copy of the RSDP from that tag (20 bytes for v1 RSDP) */
	unsigned truncated;        /* how many strings/entries were cut or dropped to fit */
};

/* Reads of loader-provided memory: returns a pointer to len readable bytes at physical
 * address pa, or NULL when any of them is out of bounds. */
struct mb_mem {
	const void *(*map)(void *ctx, u64 pa, u64 len);
	void *ctx;
};

enum mb_err { MB_OK = 0, MB_EMAGIC = -1, MB_EBOUNDS = -2, MB_EFORMAT = -3 };

/* magic: EAX at entry; info_pa: EBX at entry. */
int mb_parse(u32 magic, u64 info_pa, const struct mb_mem *mem, struct bootinfo *bi,
	     char *err, size_t errlen);

const char *mb_mem_type_name(u32 type);

#endif
