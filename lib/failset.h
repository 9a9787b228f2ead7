/* lib/failset.h: a VM's bounded set of guest pages whose last production failed (issue 6,
 * seed 000's lesson: a failed page must not go back to the asynchronous path, or a guest
 * that retries the access loops forever). A fault on a page in the set is retried once,
 * synchronously; if that fails too the VM stops. A page whose retry succeeds leaves the set.
 * When the set is full the oldest entry is evicted and counted; the caller bounds what an
 * eviction could cost with a per-VM failure budget. Pure: host-tested. No locking. */
#ifndef LIB_FAILSET_H
#define LIB_FAILSET_H
#include "lib/types.h"

#define FAILSET_MAX	64

struct failset {
	u64 page[FAILSET_MAX];	/* page-aligned gpa, in insertion order (ring) */
	u32 head, n;		/* oldest at head; n entries */
	u64 added, evicted, removed;
};

void failset_init(struct failset *s);
/* Adds gpa's page (no-op if present). Returns true when an older page had to be evicted. */
bool failset_add(struct failset *s, u64 gpa);
bool failset_has(const struct failset *s, u64 gpa);
/* Removes gpa's page; returns whether it was there. Keeps insertion order of the rest. */
bool failset_remove(struct failset *s, u64 gpa);
/* The i-th page, oldest first (i < s->n): the one place that knows the ring's order. */
static inline u64 failset_at(const struct failset *s, u32 i)
{
	return s->page[(s->head + i) % FAILSET_MAX];
}

#endif
