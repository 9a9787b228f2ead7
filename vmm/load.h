/* vmm/load.h: putting a guest kernel into its VM's RAM. vmm/load.c chooses the loader by
 * the image (a multiboot ELF, or a Linux bzImage: vmm/linux.c); both take the memory map
 * and the free pages for their own structures from lib/loadmap.c (pure). */
#ifndef VMM_LOAD_H
#define VMM_LOAD_H
#include "lib/types.h"
#include "lib/loadmap.h"

struct vm;

/* Loads the kernel image [img, img + size) into vm (a multiboot ELF or a bzImage), with
 * the initrd [rd, rd + rd_len) for a bzImage (rd NULL: none). Sets vm->entry and vCPU 0's
 * registers. Returns 0, or -1 with one line in err. */
int vm_load(struct vm *vm, const void *img, u64 size, const void *rd, u64 rd_len, char *err,
	    size_t len);

/* vmm/linux.c: the Linux 32-bit boot protocol, same contract as vm_load. */
int linux_load(struct vm *vm, const void *img, u64 size, const void *rd, u64 rd_len,
	       char *err, size_t len);

#endif
