/* lib/loadmap.c: a VM's memory map and free pages for the loader (see lib/loadmap.h).
 * The map is the one a PC BIOS gives (E820: low RAM up to the EBDA, the reserved area of
 * the ROMs, RAM above 1 MiB); the same three ranges go into the multiboot map and Linux's
 * boot_params, so a guest sees one machine whichever way it boots. */
#include "lib/loadmap.h"

void loadmap_e820(u64 mem, struct memrange map[LOADMAP_N])
{
	map[0] = (struct memrange){ 0, LOW_RAM_END, 1 };
	map[1] = (struct memrange){ LOW_RAM_END, 0x100000 - LOW_RAM_END, 2 };
	map[2] = (struct memrange){ 0x100000, mem - 0x100000, 1 };
}

static bool is_free(u64 mem, const struct span *busy, unsigned n, u64 lo, u64 hi)
{
	if (lo < PAGE_SIZE || hi > mem || hi < lo)
		return false;
	if (lo < 0x100000 && hi > LOW_RAM_END)
		return false;		/* not into the reserved hole */
	for (unsigned i = 0; i < n; i++)
		if (lo < busy[i].hi && busy[i].lo < hi)
			return false;
	return true;
}

u64 loadmap_place(u64 mem, const struct span *busy, unsigned n, u64 npages)
{
	u64 sz = npages * PAGE_SIZE, top = 0;

	if (!npages || npages > mem / PAGE_SIZE)
		return 0;
	if (is_free(mem, busy, n, LOADMAP_PREF, LOADMAP_PREF + sz))
		return LOADMAP_PREF;
	for (u64 a = PAGE_SIZE; a + sz <= LOW_RAM_END; a += PAGE_SIZE)
		if (is_free(mem, busy, n, a, a + sz))
			return a;
	for (unsigned i = 0; i < n; i++)
		top = MAX(top, busy[i].hi);
	top = MAX(ALIGN_UP(top, PAGE_SIZE), 0x100000);
	return is_free(mem, busy, n, top, top + sz) ? top : 0;
}
