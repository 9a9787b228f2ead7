/* lib/slots.h: a bitmap allocator of numbered slots (the swap area's 4 KiB slots). No
 * locking (apf/swap.c holds its lock around it); pure, host-tested.
 *
 * A set bit is a slot in use. alloc is next-fit from where the last one was found, so
 * consecutive evictions land in consecutive slots (sequential disk writes) until the area
 * wraps. */
#ifndef LIB_SLOTS_H
#define LIB_SLOTS_H
#include "lib/types.h"

#define SLOTS_NONE (~0ULL)

struct slots {
	u64 *bits;	/* (n + 63) / 64 words, zeroed by the caller */
	u64 n, used, hint;
};

/* Bytes of bitmap for n slots. */
static inline u64 slots_bytes(u64 n)
{
	return (n + 63) / 64 * 8;
}

void slots_init(struct slots *s, u64 *bits, u64 n);
u64 slots_alloc(struct slots *s);		/* a free slot, now used; SLOTS_NONE when full */
int slots_free(struct slots *s, u64 slot);	/* 0, or -1 (not in use or out of range) */
bool slots_used(const struct slots *s, u64 slot);

#endif
