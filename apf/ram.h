/* apf/ram.h: guest RAM: where each guest-physical page lives, and the one lookup every
 * host access to guest memory goes through (the loader, hypercall buffers, the PV page and
 * VE information, the monitor's `mem`).
 *
 * A VM that is not lazily backed has one block of host frames, taken and zeroed at build
 * (struct vm's ram_hpa). A lazily backed VM has none: a host frame comes from the pool
 * when a page is first produced (apf/worker.c), up to the VM's cap (resident=) and the
 * pool's (host_mem=). At a cap, a clock over the EPT accessed bits picks a cold page of the
 * VM (or, when the pool is what is empty, of the VM holding the most frames); it leaves
 * the EPT, every vCPU of its VM flushes, it is written to the swap area if dirty, and its
 * frame goes back to the pool. It comes back like any missing page: a #VE or a
 * synchronous fault, a worker, and the read from its swap slot (docs/architecture.md
 * traces both). Pinned pages (registered VE information and PV pages) and pages being
 * produced are never chosen. */
#ifndef APF_RAM_H
#define APF_RAM_H
#include "lib/types.h"
#include "vmm/hooks.h"

struct vm;

void ram_init(void);		/* at boot, after the disk: the pool's cap, the swap area */

/* Building a VM (vmm/vm.c through apf_vm_alloc / apf_vm_release). */
int ram_alloc(struct vm *vm, char *err, size_t len);
void ram_release(struct vm *vm);
/* The lookup itself (ram_ptr, ram_copy, ram_load) is declared in vmm/hooks.h: the VMX
 * core calls it. */

/* Producing a page (apf/worker.c): a frame for it, evicting as needed; 0 when none can
 * be had (the VM was stopped, with a line saying why). put: give a frame back. */
u64 ram_frame_take(struct vm *vm, u64 gpa);
void ram_frame_put(struct vm *vm, u64 hpa);
/* The page's swap slot + 1 (0: none): stable while the caller produces the page. */
u32 ram_slot(struct vm *vm, u64 gpa);
/* Pinning (REGISTER's areas): 0, or -1 when the page is not present (make it present and
 * ask again). Unpinning a page that is not pinned does nothing. */
int ram_pin(struct vm *vm, u64 gpa, bool on);
/* The PV area is two pages the host reads as one structure: their frames are made to
 * follow each other (moved to a fresh pair when they do not). Both pages present and
 * pinned by the caller; n is 2 (or 1: nothing to do). 0; -1 when they cannot move (no
 * pair of frames, or another registration pins one of them: its VMCS or its host
 * pointers hold the old frame); -2 when an evictor is writing one out: ask again. */
int ram_join(struct vm *vm, u64 gpa, u64 n);

void ram_summary(struct vm *vm);
void ram_print(struct vm *vm, void (*out)(const char *fmt, ...));
void ram_pool_print(void (*out)(const char *fmt, ...));
void ram_pool_summary(void);

#endif
