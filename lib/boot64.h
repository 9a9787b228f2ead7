/* lib/boot64.h: the memory a kernel entered in 64-bit mode needs from its loader, pure: the
 * identity page tables and the boot GDT of Linux's "64-bit Boot Protocol"
 * (Documentation/arch/x86/boot.rst): paging on, an identity map covering at least the
 * kernel, boot_params, the command line and the initrd, and a GDT whose __BOOT_CS (0x10)
 * is a flat execute/read code segment and __BOOT_DS (0x18) a flat read/write data segment.
 * vmm/linux.c places these pages (lib/loadmap.c), loads them into guest RAM and sets the
 * vCPU's registers; unit-tested in tests/unit/test_boot64.c. */
#ifndef LIB_BOOT64_H
#define LIB_BOOT64_H
#include "lib/types.h"

#define BOOT64_CS	0x10	/* __BOOT_CS */
#define BOOT64_DS	0x18	/* __BOOT_DS */
#define BOOT64_GDT_N	4	/* null, unused 0x08, CS, DS */

/* The descriptors, as Linux's own boot GDT has them (arch/x86/boot/compressed/head_64.S:
 * __KERNEL_CS 0x00af9a000000ffff, __KERNEL_DS 0x00cf92000000ffff), with the accessed bit
 * already set: a CPU loading a descriptor without it writes it into the GDT, and VMX wants
 * CS's and a usable data segment's type accessed (SDM Vol. 3C 27.3.1.2).
 * CS: base 0, limit 0xFFFFF pages, G, L (64-bit code: D must then be 0), P, DPL 0, S,
 * type 0xB (execute/read, accessed). DS: the same limit and G, D/B (32-bit stack), P, S,
 * type 3 (read/write, accessed). In 64-bit mode base and limit are ignored but flat. */
#define BOOT64_CS_DESC	0x00AF9B000000FFFFULL
#define BOOT64_DS_DESC	0x00CF93000000FFFFULL

/* A descriptor's attributes in the VMCS's access-rights layout (SDM Vol. 3C 25.4.1,
 * Table 25-2: descriptor bits 40-47 at 0-7, bits 52-55 at 12-15), so the VMCS and the GDT
 * say the same thing. */
static inline u32 boot64_ar(u64 desc)
{
	return (u32)(desc >> 40) & 0xF0FF;
}

/* The GDT: entries 0 and 1 null (0x08 is not part of the protocol: a kernel that loads it
 * faults visibly), 2 the code and 3 the data descriptor above. */
void boot64_gdt(u64 gdt[BOOT64_GDT_N]);

/* Page-table pages needed to identity-map [0, mem) with 2 MiB pages: the PML4, one PDPT
 * and a page directory per started GiB. 0 when mem is 0 or beyond one PML4 entry
 * (512 GiB), which no VM has. */
u64 boot64_pt_pages(u64 mem);

/* Fills page i (0 .. boot64_pt_pages(mem) - 1) of the tables that will lie at guest
 * address at, one after the other: 0 the PML4 (CR3 = at), 1 the PDPT, then the page
 * directories. Every 2 MiB page below ALIGN_UP(mem, 2 MiB) is present, writable,
 * supervisor and write-back (PAT entry 0); nothing above it is mapped, so a stray access
 * past RAM faults in the guest instead of reaching an EPT hole. */
void boot64_pt_page(u64 page[512], u64 at, u64 mem, u64 i);

#endif
