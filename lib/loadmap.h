/* lib/loadmap.h: what a guest loader knows of a VM's low memory, pure: the PC memory map
 * of its RAM, and the choice of free pages for the loader's own structures (the multiboot
 * information, Linux's boot_params), which go where the kernel image is not. Used by
 * vmm/load.c and vmm/linux.c; unit-tested in tests/unit/test_loadmap.c. */
#ifndef LIB_LOADMAP_H
#define LIB_LOADMAP_H
#include "lib/types.h"

#define LOW_RAM_END	0x9F000ULL	/* as a PC: [0x9F000, 1 MiB) is reserved (EBDA, ROMs) */
#define LOADMAP_PREF	0x9000ULL	/* one page below the EBDA area: rarely in an image */
#define LOADMAP_N	3

/* [lo, hi) of guest-physical memory the image occupies. */
struct span {
	u64 lo, hi;
};

/* One memory-map entry, E820 numbering (1 usable, 2 reserved). */
struct memrange {
	u64 base, len;
	u32 type;
};

/* RAM of mem bytes (at least 1 MiB) as a PC's firmware would describe it: usable
 * [0, 0x9F000), reserved [0x9F000, 1 MiB), usable [1 MiB, mem). */
void loadmap_e820(u64 mem, struct memrange map[LOADMAP_N]);

/* npages free pages in RAM of mem bytes: clear of every busy span, of page 0 (the
 * real-mode IVT a guest may keep) and of the reserved hole; at LOADMAP_PREF when free
 * (where they always were), else the lowest below 0x9F000, else right after the highest
 * span (and at least at 1 MiB). 0: none. */
u64 loadmap_place(u64 mem, const struct span *busy, unsigned nbusy, u64 npages);

#endif
