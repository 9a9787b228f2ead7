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

/* vmm/linux.c: the Linux boot protocol, 64-bit or 32-bit entry (vm->entry_want), same
 * contract as vm_load. For the 64-bit entry it sets vm->boot64_cr3 and boot64_gdt. */
int linux_load(struct vm *vm, const void *img, u64 size, const void *rd, u64 rd_len,
	       char *err, size_t len);

/* vmm/linux.c: the 64-bit entry's register state, written into the current VMCS of vCPU 0
 * of a VM with boot64_cr3 set, over the multiboot state vmm/vmcs.c builds first. */
struct vcpu;
void linux_vcpu_start64(struct vcpu *v);

#endif
