/* lib/queue.c: the bounded lock-free MPMC queue (see lib/queue.h).
 *
 * Owns Dmitry Vyukov's bounded MPMC design ("Bounded MPMC queue", 1024cores.net): a ring of
 * cells, each with a sequence number that says whose turn the cell is.
 *
 *   seq == pos          the cell is free for the producer that claims position pos;
 *   seq == pos + 1      it holds the value pushed at pos, for the consumer of pos;
 *   seq == pos + cap    the consumer of pos is done: free for the producer of pos + cap.
 *
 * A producer claims pos by moving tail from pos to pos + 1 with compare-and-swap, writes the
 * value, then publishes it by storing seq = pos + 1 with release order; a consumer does the
 * mirror image on head and hands the cell on with seq = pos + cap. The CAS only decides who
 * owns a position; the cell's seq (acquire/release) is what orders the value's write before
 * its read, so the CASes can be relaxed.
 *
 * Decisions:
 * - Positions are free-running u64 counters, compared through a signed difference: they
 *   never wrap in practice (2^64 operations), and the difference stays correct if they did.
 * - Only 8-byte __atomic operations: x86-64 does them inline, so the hypervisor needs no
 *   libatomic. Fields are volatile in the header; the builtins accept that.
 * - A failed push or pop writes nothing (not even *val).
 */
#include "lib/queue.h"

int queue_init(struct queue *q, struct queue_cell *cells, u64 capacity)
{
	u64 i;

	if (capacity < 2 || (capacity & (capacity - 1)))
		return -1;
	for (i = 0; i < capacity; i++) {
		cells[i].seq = i;
		cells[i].val = 0;
	}
	q->cells = cells;
	q->mask = capacity - 1;
	q->head = 0;
	q->tail = 0;
	return 0;	/* the caller publishes q to other threads (thread start, a lock) */
}

bool queue_push(struct queue *q, u64 val)
{
	struct queue_cell *c;
	u64 pos, seq;
	s64 dif;

	pos = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);
	for (;;) {
		c = &q->cells[pos & q->mask];
		seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		dif = (s64)(seq - pos);
		if (dif == 0) {
			/* Free for pos: claim it. On failure pos is reloaded by the CAS. */
			if (__atomic_compare_exchange_n(&q->tail, &pos, pos + 1, true,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		} else if (dif < 0) {
			/* Still holds the value pushed one lap ago: full. */
			return false;
		} else {
			/* Another producer took pos already: catch up. */
			pos = __atomic_load_n(&q->tail, __ATOMIC_RELAXED);
		}
	}
	c->val = val;
	__atomic_store_n(&c->seq, pos + 1, __ATOMIC_RELEASE);
	return true;
}

bool queue_pop(struct queue *q, u64 *val)
{
	struct queue_cell *c;
	u64 pos, seq;
	s64 dif;

	pos = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
	for (;;) {
		c = &q->cells[pos & q->mask];
		seq = __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE);
		dif = (s64)(seq - (pos + 1));
		if (dif == 0) {
			if (__atomic_compare_exchange_n(&q->head, &pos, pos + 1, true,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				break;
		} else if (dif < 0) {
			/* Not yet pushed at pos: empty (or a producer is mid-push). */
			return false;
		} else {
			pos = __atomic_load_n(&q->head, __ATOMIC_RELAXED);
		}
	}
	*val = c->val;
	/* Hand the cell to the producer one lap ahead: pos + capacity. */
	__atomic_store_n(&c->seq, pos + q->mask + 1, __ATOMIC_RELEASE);
	return true;
}

/* head first: tail only grows, and head never passes the tail of the same instant, so the
 * later tail is >= head. The result can still exceed the capacity when pops and pushes run
 * between the two loads; it is clamped, being a hint only. */
u64 queue_depth(const struct queue *q)
{
	u64 head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	u64 tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	u64 d;

	if ((s64)(tail - head) <= 0)
		return 0;
	d = tail - head;
	return d > q->mask + 1 ? q->mask + 1 : d;
}
