/* tests/unit/test_queue.c: host tests of lib/queue.c, the bounded lock-free MPMC queue.
 *
 * Single-threaded: FIFO order, full and empty, capacity validation, many laps around the
 * ring, depth. With threads: P producers push unique values (retrying while full) and C
 * consumers pop until every value is in; a per-value counter proves each value arrived
 * exactly once, and each consumer checks that it sees every producer's values in
 * increasing order (a consumer's positions increase, and so do a producer's). Small
 * capacities make "full" and "empty" common, which is where the races are. */
#include <stdlib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <time.h>
#include "tests/unit/check.h"
#include "lib/queue.h"

TEST(capacity)
{
	struct queue_cell cells[8];
	struct queue q;
	u64 bad[] = { 0, 1, 3, 5, 6, 7 };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK_EQ(queue_init(&q, cells, bad[i]), -1);
	CHECK_EQ(queue_init(&q, cells, 2), 0);
	CHECK_EQ(q.mask, 1);
	CHECK_EQ(queue_init(&q, cells, 8), 0);
	CHECK_EQ(q.mask, 7);
	CHECK_EQ(queue_depth(&q), 0);
	for (i = 0; i < 8; i++)
		CHECK_EQ(cells[i].seq, i);
}

static void fifo_full_empty_cap(u64 cap)
{
	struct queue_cell cells[8];
	struct queue q;
	u64 v, i;

	CHECK_EQ(queue_init(&q, cells, cap), 0);
	v = 0x1234;
	CHECK(!queue_pop(&q, &v));
	CHECK_EQ(v, 0x1234);		/* a failed pop writes nothing */
	for (i = 0; i < cap; i++) {
		CHECK(queue_push(&q, 100 + i));
		CHECK_EQ(queue_depth(&q), i + 1);
	}
	CHECK(!queue_push(&q, 999));	/* full */
	CHECK(!queue_push(&q, 998));
	CHECK_EQ(queue_depth(&q), cap);
	for (i = 0; i < cap; i++) {
		CHECK(queue_pop(&q, &v));
		CHECK_EQ(v, 100 + i);	/* the refused pushes left no trace */
		CHECK_EQ(queue_depth(&q), cap - 1 - i);
	}
	CHECK(!queue_pop(&q, &v));
	CHECK_EQ(v, 100 + cap - 1);
	/* Full again after emptying: the cells were handed on to the next lap. */
	for (i = 0; i < cap; i++)
		CHECK(queue_push(&q, i));
	CHECK(!queue_push(&q, cap));
	CHECK(queue_pop(&q, &v));
	CHECK_EQ(v, 0);
	CHECK(queue_push(&q, cap));	/* one free cell again */
	CHECK(!queue_push(&q, cap + 1));
}

TEST(fifo_full_empty)
{
	fifo_full_empty_cap(2);
	fifo_full_empty_cap(8);
}

/* Many laps with a varying fill level, against a model ring of the same values. */
TEST(wraparound)
{
	struct queue_cell cells[4];
	struct queue q;
	u64 next = 0, expect = 0, v, n, i, round;
	unsigned seed = 12345;

	CHECK_EQ(queue_init(&q, cells, 4), 0);
	for (round = 0; round < 100000; round++) {
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 5;	/* 0..4 pushes, up to the capacity */
		for (i = 0; i < n; i++) {
			bool ok = queue_push(&q, next);

			CHECK_EQ(ok, next - expect < 4);
			if (ok)
				next++;
		}
		CHECK_EQ(queue_depth(&q), next - expect);
		n = (seed >> 20) % 5;
		for (i = 0; i < n; i++) {
			bool ok = queue_pop(&q, &v);

			CHECK_EQ(ok, expect < next);
			if (ok) {
				CHECK_EQ(v, expect);
				expect++;
			}
		}
	}
	CHECK(next > 100000);		/* it really went around many times */
	CHECK_EQ(q.tail, next);
	CHECK_EQ(q.head, expect);
}

/* Positions far from 0: the signed differences must not care. */
TEST(high_positions)
{
	struct queue_cell cells[4];
	struct queue q;
	u64 base = ~0ULL - 5, i, v;

	CHECK_EQ(queue_init(&q, cells, 4), 0);
	q.head = q.tail = base;
	for (i = 0; i < 4; i++)
		cells[(base + i) & 3].seq = base + i;
	for (i = 0; i < 20; i++) {
		CHECK(queue_push(&q, i));
		CHECK(queue_push(&q, i + 100));
		CHECK_EQ(queue_depth(&q), 2);
		CHECK(queue_pop(&q, &v));
		CHECK_EQ(v, i);
		CHECK(queue_pop(&q, &v));
		CHECK_EQ(v, i + 100);
		CHECK(!queue_pop(&q, &v));
	}
	/* depth is a hint under concurrency: never negative, never above the capacity. */
	q.head = base + 10;
	q.tail = base + 9;
	CHECK_EQ(queue_depth(&q), 0);
	q.tail = base + 100;
	CHECK_EQ(queue_depth(&q), 4);
}

/* ---- threads ---- */

#define NPROD 4
#define NCONS 4
#define PER_PROD 20000ULL
#define TOTAL (NPROD * PER_PROD)

struct mt {
	struct queue q;
	unsigned char seen[TOTAL];	/* how often each value was popped */
	u64 popped;			/* atomic: values popped so far, all consumers */
	int order_bad;			/* atomic: a consumer saw a producer go backwards */
	int start;			/* atomic: go */
	int stuck;			/* atomic: someone gave up (a lost value) */
	u64 progress_popped;		/* atomic: popped when progress was last seen ... */
	long progress_sec;		/* atomic: ... and when (CLOCK_MONOTONIC) */
};

struct arg {
	struct mt *mt;
	u64 id;
};

/* A lost value would leave the consumers waiting forever: give up, and fail instead of
 * hanging the test run, once nothing was popped for NO_PROGRESS_S seconds. Progress, not a
 * deadline: on a loaded machine (ASan, two cores, emulators beside) the run may be slow,
 * but a lost value stops every consumer. */
#define NO_PROGRESS_S 30
static bool late(struct mt *mt)
{
	struct timespec now;
	u64 p = __atomic_load_n(&mt->popped, __ATOMIC_RELAXED);

	sched_yield();
	if (__atomic_load_n(&mt->stuck, __ATOMIC_RELAXED))
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p != __atomic_load_n(&mt->progress_popped, __ATOMIC_RELAXED)) {
		__atomic_store_n(&mt->progress_popped, p, __ATOMIC_RELAXED);
		__atomic_store_n(&mt->progress_sec, now.tv_sec, __ATOMIC_RELAXED);
		return false;
	}
	if (now.tv_sec - __atomic_load_n(&mt->progress_sec, __ATOMIC_RELAXED) < NO_PROGRESS_S)
		return false;
	__atomic_store_n(&mt->stuck, 1, __ATOMIC_RELAXED);
	return true;
}

static void wait_start(struct mt *mt)
{
	while (!__atomic_load_n(&mt->start, __ATOMIC_ACQUIRE))
		;
}

static void *producer(void *p)
{
	struct arg *a = p;
	u64 i;

	wait_start(a->mt);
	for (i = 0; i < PER_PROD; i++)
		while (!queue_push(&a->mt->q, a->id * PER_PROD + i))
			if (late(a->mt))
				return NULL;
	return NULL;
}

static void *consumer(void *p)
{
	struct arg *a = p;
	struct mt *mt = a->mt;
	u64 last[NPROD], v, i;

	for (i = 0; i < NPROD; i++)
		last[i] = ~0ULL;
	wait_start(mt);
	while (__atomic_load_n(&mt->popped, __ATOMIC_RELAXED) < TOTAL) {
		if (!queue_pop(&mt->q, &v)) {
			if (late(mt))
				return NULL;
			continue;
		}
		if (v >= TOTAL) {
			__atomic_store_n(&mt->order_bad, 1, __ATOMIC_RELAXED);
			continue;
		}
		__atomic_fetch_add(&mt->seen[v], 1, __ATOMIC_RELAXED);
		if (last[v / PER_PROD] != ~0ULL && v % PER_PROD <= last[v / PER_PROD])
			__atomic_store_n(&mt->order_bad, 1, __ATOMIC_RELAXED);
		last[v / PER_PROD] = v % PER_PROD;
		__atomic_fetch_add(&mt->popped, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* One run with the given capacity; returns the number of values not seen exactly once. */
static u64 run_mt(struct mt *mt, u64 capacity)
{
	struct queue_cell *cells = calloc(capacity, sizeof(*cells));
	pthread_t pt[NPROD], ct[NCONS];
	struct arg pa[NPROD], ca[NCONS];
	u64 i, bad = 0, v;

	struct timespec t0;

	memset(mt, 0, sizeof(*mt));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mt->progress_sec = t0.tv_sec;
	CHECK_EQ(queue_init(&mt->q, cells, capacity), 0);
	for (i = 0; i < NPROD; i++) {
		pa[i] = (struct arg){ mt, i };
		CHECK_EQ(pthread_create(&pt[i], NULL, producer, &pa[i]), 0);
	}
	for (i = 0; i < NCONS; i++) {
		ca[i] = (struct arg){ mt, i };
		CHECK_EQ(pthread_create(&ct[i], NULL, consumer, &ca[i]), 0);
	}
	__atomic_store_n(&mt->start, 1, __ATOMIC_RELEASE);
	for (i = 0; i < NPROD; i++)
		pthread_join(pt[i], NULL);
	for (i = 0; i < NCONS; i++)
		pthread_join(ct[i], NULL);
	for (i = 0; i < TOTAL; i++)
		bad += mt->seen[i] != 1;
	CHECK_EQ(mt->stuck, 0);
	CHECK_EQ(mt->popped, TOTAL);
	CHECK_EQ(mt->order_bad, 0);
	CHECK(!queue_pop(&mt->q, &v));
	CHECK_EQ(queue_depth(&mt->q), 0);
	CHECK_EQ(mt->q.head, TOTAL);
	CHECK_EQ(mt->q.tail, TOTAL);
	free(cells);
	return bad;
}

TEST(mpmc_exactly_once)
{
	static struct mt mt;
	u64 caps[] = { 2, 4, 16, 256, 4096 };
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(caps); i++)
		CHECK_EQ(run_mt(&mt, caps[i]), 0);
}

/* A lost value in the threaded test would hang the run instead of failing it: the
 * watchdog turns that into a failure (tests/unit/run.sh reports the missing summary). */
static void watchdog(int sig)
{
	static const char m[] = "  FAIL watchdog: a queue operation never returned after 600 s\n";

	(void)sig;
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(void)
{
	signal(SIGALRM, watchdog);
	alarm(600);	/* a hang, not slowness: generous on a loaded machine */
	RUN(capacity);
	RUN(fifo_full_empty);
	RUN(wraparound);
	RUN(high_positions);
	RUN(mpmc_exactly_once);
	return DONE();
}
