/* vmm/load.h: putting a guest kernel into its VM's RAM. vmm/load.c chooses the loader by
 * the image (a multiboot ELF, or a Linux bzImage: vmm/linux.c) and owns what both share:
 * the PC memory map of a VM's RAM and the choice of free pages for the loader's own
 * structures (the multiboot information, boot_params), which go where the image is not. */
#ifndef VMM_LOAD_H
#define VMM_LOAD_H
#include "lib/types.h"

struct vm;

#define LOW_RAM_END	0x9F000ULL	/* as a PC: [0x9F000, 1 MiB) is reserved (EBDA, ROMs) */
#define LOAD_MAP_N	3

/* [lo, hi) of guest-physical memory the image occupies. */
struct span {
	u64 lo, hi;
};

/* One memory-map entry, E820 numbering (1 usable, 2 reserved). */
struct memrange {
	u64 base, len;
	u32 type;
};

/* The VM's RAM as a PC's firmware would describe it: usable [0, 0x9F000), reserved
 * [0x9F000, 1 MiB), usable [1 MiB, mem). */
void load_memmap(const struct vm *vm, struct memrange map[LOAD_MAP_N]);

/* npages free pages for the loader: clear of every busy span and of page 0 (the real-mode
 * IVT a guest may keep), preferably at 0x9000 (where they always were), else the lowest
 * below 0x9F000, else right after the highest span, inside RAM. 0: none. */
u64 load_place(const struct vm *vm, const struct span *busy, unsigned nbusy, u64 npages);

/* Loads the kernel image [img, img + size) into vm (a multiboot ELF or a bzImage), with
 * the initrd [rd, rd + rd_len) for a bzImage (rd NULL: none). Sets vm->entry and vCPU 0's
 * registers. Returns 0, or -1 with one line in err. */
int vm_load(struct vm *vm, const void *img, u64 size, const void *rd, u64 rd_len, char *err,
	    size_t len);

/* vmm/linux.c: the Linux 32-bit boot protocol, same contract as vm_load. */
int linux_load(struct vm *vm, const void *img, u64 size, const void *rd, u64 rd_len,
	       char *err, size_t len);

#endif
