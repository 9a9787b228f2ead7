/* host/mem.h: physical memory for the hypervisor: the frame allocator built from the boot
 * memory map, locked so every CPU may use it. */
#ifndef HOST_MEM_H
#define HOST_MEM_H
#include "lib/types.h"
#include "lib/mb.h"
#include "lib/frames.h"

/* Only memory below this is used: it is what the boot page tables identity-map. */
#define MEM_LIMIT	0x100000000ULL

void mem_init(const struct bootinfo *bi);
u64 frame_alloc(u64 n, u64 align);	/* FRAMES_NONE when out of memory */
void frame_free(u64 pa, u64 n);
void *page_alloc_zeroed(u64 n);		/* NULL when out of memory */
u64 mem_free_frames(void);

#endif
