/* lib/boot64.c: the identity page tables and the boot GDT of a 64-bit kernel entry (see
 * lib/boot64.h). 4-level paging with 2 MiB pages (SDM Vol. 3A 5.5: PML4E -> PDPTE -> PDE
 * with PS): the fewest pages that map all of a VM's RAM, three for up to 1 GiB. 4-level and
 * not 5-level because CR4.LA57 is not what the protocol asks for (a kernel that wants
 * 5-level paging switches itself, arch/x86/boot/compressed/pgtable_64.c). */
#include "lib/boot64.h"
#include "lib/string.h"

#define PTE_P	0x001ULL
#define PTE_RW	0x002ULL
#define PTE_PS	0x080ULL	/* in a PDE: a 2 MiB page */
#define SZ_2M	(2ULL << 20)
#define SZ_1G	(1ULL << 30)
#define PML4_SPAN (512 * SZ_1G)	/* what one PML4 entry maps */

void boot64_gdt(u64 gdt[BOOT64_GDT_N])
{
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[BOOT64_CS / 8] = BOOT64_CS_DESC;
	gdt[BOOT64_DS / 8] = BOOT64_DS_DESC;
}

u64 boot64_pt_pages(u64 mem)
{
	if (!mem || mem > PML4_SPAN)
		return 0;
	return 2 + (mem + SZ_1G - 1) / SZ_1G;
}

void boot64_pt_page(u64 page[512], u64 at, u64 mem, u64 i)
{
	u64 n = boot64_pt_pages(mem);

	memset(page, 0, 512 * sizeof(u64));
	if (i >= n)
		return;
	if (i == 0) {		/* PML4: entry 0 covers [0, 512 GiB) */
		page[0] = (at + PAGE_SIZE) | PTE_P | PTE_RW;
		return;
	}
	if (i == 1) {		/* PDPT: entry j, GiB j, is the directory j */
		for (u64 j = 0; j < n - 2; j++)
			page[j] = (at + (2 + j) * PAGE_SIZE) | PTE_P | PTE_RW;
		return;
	}
	for (u64 k = 0; k < 512; k++) {	/* directory i - 2: GiB i - 2, 2 MiB a step */
		u64 pa = (i - 2) * SZ_1G + k * SZ_2M;
		if (pa >= mem)
			break;
		page[k] = pa | PTE_P | PTE_RW | PTE_PS;
	}
}
