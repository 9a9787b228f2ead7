/* lib/queue.h: a bounded multi-producer, multi-consumer FIFO of u64 values, lock-free (a
 * ring of cells with sequence numbers: a producer claims a slot by advancing the tail with
 * compare-and-swap, a consumer the head). Push fails when full and pop when empty, so the
 * caller decides what "full" means (faultline falls back to a synchronous fault: nothing
 * is ever lost or retried forever). Pure: the hypervisor's worker pool and host tests with
 * threads use the same code. */
#ifndef LIB_QUEUE_H
#define LIB_QUEUE_H
#include "lib/types.h"

struct queue_cell {
	volatile u64 seq;
	u64 val;
};

struct queue {
	struct queue_cell *cells;
	u64 mask;		/* capacity - 1; capacity is a power of two >= 2 */
	volatile u64 head;	/* next to pop */
	volatile u64 tail;	/* next to push */
};

/* cells: capacity entries owned by the caller. Returns 0, or -1 if capacity is not a power
 * of two >= 2. */
int queue_init(struct queue *q, struct queue_cell *cells, u64 capacity);
bool queue_push(struct queue *q, u64 val);	/* false: full, nothing changed */
bool queue_pop(struct queue *q, u64 *val);	/* false: empty */
u64 queue_depth(const struct queue *q);		/* approximate under concurrency */

#endif
