/* lib/frames.h: the physical frame allocator's logic (no locking: the hypervisor wraps it in
 * a spinlock in host/mem.c; host tests drive it directly).
 *
 * One bit per 4 KiB frame from physical address 0 up to the highest usable address; a set
 * bit is a free frame. Everything starts used; only memory the map calls available and no
 * reserved range covers becomes free. The bitmap itself lives in available memory and is
 * reserved too. */
#ifndef LIB_FRAMES_H
#define LIB_FRAMES_H
#include "lib/types.h"
#include "lib/mb.h"

#define FRAMES_NONE (~0ULL)

struct range {
	u64 start, end; /* physical, end exclusive */
};

struct frames {
	u64 *bitmap;
	u64 nframes;   /* frames covered by the bitmap, starting at frame 0 */
	u64 nfree;
	u64 hint;      /* where the next search starts */
	u64 total;     /* frames that were free after setup */
};

/* Returns a pointer through which the allocator may write len bytes at physical pa. */
typedef void *(*frames_phys_fn)(void *ctx, u64 pa, u64 len);

/* Builds the allocator from a memory map: available regions (page-rounded inward), minus the
 * reserved ranges (page-rounded outward), minus the bitmap, which it places in the lowest
 * free spot that fits. Only memory below limit is used (0 = no limit). Returns 0, or -1 with
 * no usable memory or no room for the bitmap. */
int frames_setup(struct frames *f, const struct mb_mmap_ent *mmap, unsigned nmmap,
		 const struct range *reserved, unsigned nreserved, u64 limit,
		 frames_phys_fn phys, void *ctx);

/* n contiguous frames whose first address is a multiple of align (bytes, power of two, at
 * least PAGE_SIZE; 0 means PAGE_SIZE). Returns the physical address or FRAMES_NONE. */
u64 frames_alloc(struct frames *f, u64 n, u64 align);
/* Gives back n frames at pa. Freeing a frame that is already free, or outside the bitmap,
 * returns -1 and changes nothing (a double free is a bug worth reporting). */
int frames_free(struct frames *f, u64 pa, u64 n);
bool frames_is_free(const struct frames *f, u64 pa);

#endif
