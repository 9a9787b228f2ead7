/* tests/unit/test_failset.c: host tests of lib/failset.c, a VM's bounded FIFO set of pages
 * whose production failed.
 *
 * Directed tests pin down page alignment, duplicates, eviction order and its return value,
 * removal from the middle (and across the ring's wrap) and the counters. A randomized test
 * then runs long operation sequences against a plain array kept in insertion order, and
 * compares every return value, the whole order and the counters after each step. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/failset.h"

/* The page of entry i, oldest first, read straight from the ring. */
static u64 at(const struct failset *s, u32 i)
{
	return s->page[(s->head + i) % FAILSET_MAX];
}

/* The set holds exactly want[0..n), oldest first. */
static bool holds(const struct failset *s, const u64 *want, u32 n)
{
	u32 i;

	if (s->n != n) {
		printf("    n %u, want %u\n", s->n, n);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (at(s, i) != want[i]) {
			printf("    entry %u is 0x%llx, want 0x%llx\n", i,
			       (unsigned long long)at(s, i), (unsigned long long)want[i]);
			return false;
		}
	}
	return true;
}

/* Page number i as a gpa, with an offset inside the page that must not matter. */
static u64 pg(u64 i)
{
	return (i << 12) | ((i * 0x123) & 0xfff);
}

TEST(init)
{
	struct failset s;

	memset(&s, 0x5a, sizeof(s));
	failset_init(&s);
	CHECK_EQ(s.n, 0);
	CHECK_EQ(s.head, 0);
	CHECK_EQ(s.added, 0);
	CHECK_EQ(s.evicted, 0);
	CHECK_EQ(s.removed, 0);
	CHECK(!failset_has(&s, 0));
	CHECK(!failset_has(&s, 0x5a5a5a5a5a5a5000ULL));
	CHECK(!failset_remove(&s, 0));
	CHECK_EQ(s.removed, 0);
}

TEST(basic)
{
	struct failset s;
	u64 a[] = { 0x1000, 0x7000 };
	u64 b[] = { 0x7000 };

	failset_init(&s);
	CHECK(!failset_add(&s, 0x1234));
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.page[s.head], 0x1000);	/* stored page-aligned */
	CHECK(failset_has(&s, 0x1000));
	CHECK(failset_has(&s, 0x1fff));
	CHECK(failset_has(&s, 0x1234));
	CHECK(!failset_has(&s, 0x2000));
	CHECK(!failset_has(&s, 0xfff));
	CHECK(!failset_add(&s, 0x7ff8));
	CHECK(holds(&s, a, 2));
	CHECK(!failset_remove(&s, 0x2000));
	CHECK(failset_remove(&s, 0x1ff0));	/* any address in the page */
	CHECK(!failset_has(&s, 0x1000));
	CHECK(holds(&s, b, 1));
	CHECK(!failset_remove(&s, 0x1000));	/* already gone */
	CHECK_EQ(s.added, 2);
	CHECK_EQ(s.removed, 1);
	CHECK_EQ(s.evicted, 0);
	CHECK(failset_remove(&s, 0x7000));
	CHECK_EQ(s.n, 0);
	/* Page 0 and the top page are ordinary pages. */
	CHECK(!failset_add(&s, 0));
	CHECK(!failset_add(&s, ~0ULL));
	CHECK(failset_has(&s, 0xfff));
	CHECK(failset_has(&s, 0xfffffffffffff000ULL));
	CHECK(!failset_has(&s, 0xffffffffffffe000ULL));
	CHECK_EQ(at(&s, 1), 0xfffffffffffff000ULL);
}

TEST(duplicates)
{
	struct failset s;
	u64 a[] = { 0x3000, 0x5000 };
	u32 i;

	failset_init(&s);
	CHECK(!failset_add(&s, 0x3000));
	CHECK(!failset_add(&s, 0x5000));
	CHECK(!failset_add(&s, 0x3fff));	/* same page: no-op, order unchanged */
	CHECK(!failset_add(&s, 0x3000));
	CHECK(holds(&s, a, 2));
	CHECK_EQ(s.added, 2);
	/* A full set does not evict for a page it already holds. */
	for (i = 0; s.n < FAILSET_MAX; i++)
		failset_add(&s, pg(100 + i));
	CHECK_EQ(s.n, FAILSET_MAX);
	CHECK(!failset_add(&s, 0x3123));
	CHECK(!failset_add(&s, pg(100)));
	CHECK_EQ(s.evicted, 0);
	CHECK_EQ(s.added, FAILSET_MAX);
	CHECK_EQ(at(&s, 0), 0x3000);
}

TEST(eviction)
{
	struct failset s;
	u32 i;

	failset_init(&s);
	for (i = 0; i < FAILSET_MAX; i++)
		CHECK(!failset_add(&s, pg(i)));
	CHECK_EQ(s.n, FAILSET_MAX);
	CHECK_EQ(s.evicted, 0);
	/* Each further add evicts the oldest page, in insertion order, several laps. */
	for (i = 0; i < 3 * FAILSET_MAX + 5; i++) {
		CHECK(failset_has(&s, pg(i)));
		CHECK(failset_add(&s, pg(FAILSET_MAX + i)));
		CHECK(!failset_has(&s, pg(i)));
		CHECK(failset_has(&s, pg(i + 1)));
		CHECK(failset_has(&s, pg(FAILSET_MAX + i)));
		CHECK_EQ(s.n, FAILSET_MAX);
		CHECK_EQ(at(&s, 0), pg(i + 1) & ~0xfffULL);
		CHECK_EQ(at(&s, FAILSET_MAX - 1), pg(FAILSET_MAX + i) & ~0xfffULL);
	}
	CHECK_EQ(s.evicted, 3 * FAILSET_MAX + 5);
	CHECK_EQ(s.added, 4 * FAILSET_MAX + 5);
	CHECK_EQ(s.removed, 0);
}

TEST(remove_middle)
{
	struct failset s;
	u32 i;

	failset_init(&s);
	for (i = 0; i < FAILSET_MAX; i++)
		failset_add(&s, pg(i));
	CHECK(failset_remove(&s, pg(10)));
	CHECK_EQ(s.n, FAILSET_MAX - 1);
	/* Room for one: no eviction. */
	CHECK(!failset_add(&s, pg(1000)));
	CHECK_EQ(s.evicted, 0);
	/* Then evictions go 0..9, skip 10, 11..63, and then the new page. */
	for (i = 0; i < FAILSET_MAX; i++) {
		u64 old = i < 10 ? pg(i) : i < FAILSET_MAX - 1 ? pg(i + 1) : pg(1000);

		CHECK(failset_has(&s, old));
		CHECK(failset_add(&s, pg(2000 + i)));
		CHECK(!failset_has(&s, old));
	}
	CHECK_EQ(s.evicted, FAILSET_MAX);
	CHECK_EQ(s.removed, 1);
	CHECK_EQ(s.added, 2 * FAILSET_MAX + 1);
	for (i = 0; i < FAILSET_MAX; i++)
		CHECK_EQ(at(&s, i), pg(2000 + i) & ~0xfffULL);
}

TEST(remove_ends)
{
	struct failset s;
	u64 a[] = { 0x2000, 0x3000, 0x4000 };
	u64 b[] = { 0x2000, 0x3000 };

	failset_init(&s);
	failset_add(&s, 0x1000);
	failset_add(&s, 0x2000);
	failset_add(&s, 0x3000);
	failset_add(&s, 0x4000);
	CHECK(failset_remove(&s, 0x1000));	/* oldest */
	CHECK(holds(&s, a, 3));
	CHECK(failset_remove(&s, 0x4000));	/* youngest */
	CHECK(holds(&s, b, 2));
	CHECK(!failset_add(&s, 0x1000));	/* back in, now the youngest */
	CHECK_EQ(at(&s, 2), 0x1000);
	CHECK_EQ(s.added, 5);
	CHECK_EQ(s.removed, 2);
}

/* Removal while the ring has wrapped: the shift must cross the end of page[]. */
TEST(remove_wrapped)
{
	struct failset s;
	u64 want[FAILSET_MAX];
	u32 i, k;

	failset_init(&s);
	for (i = 0; i < FAILSET_MAX + 40; i++)
		failset_add(&s, pg(i));
	CHECK_EQ(s.head, 40);
	/* Entries 40..103; the ring wraps between age 23 (slot 63) and 24 (slot 0). */
	CHECK(failset_remove(&s, pg(50)));
	CHECK(failset_remove(&s, pg(40 + 23)));
	CHECK(failset_remove(&s, pg(40 + 24)));
	CHECK(!failset_remove(&s, pg(39)));
	for (i = 40, k = 0; i < FAILSET_MAX + 40; i++)
		if (i != 50 && i != 63 && i != 64)
			want[k++] = pg(i) & ~0xfffULL;
	CHECK(holds(&s, want, k));
	CHECK_EQ(s.removed, 3);
	CHECK_EQ(s.evicted, 40);
}

/* The reference: an array in insertion order, searched and shifted the obvious way. */
struct model {
	u64 page[FAILSET_MAX];
	u32 n;
	u64 added, evicted, removed;
};

static int model_find(const struct model *m, u64 gpa)
{
	u32 i;

	for (i = 0; i < m->n; i++)
		if (m->page[i] == (gpa & ~0xfffULL))
			return (int)i;
	return -1;
}

static void model_drop(struct model *m, u32 i)
{
	memmove(&m->page[i], &m->page[i + 1], (m->n - i - 1) * sizeof(m->page[0]));
	m->n--;
}

static bool model_add(struct model *m, u64 gpa)
{
	bool ev = false;

	if (model_find(m, gpa) >= 0)
		return false;
	if (m->n == FAILSET_MAX) {
		model_drop(m, 0);
		m->evicted++;
		ev = true;
	}
	m->page[m->n++] = gpa & ~0xfffULL;
	m->added++;
	return ev;
}

static bool model_remove(struct model *m, u64 gpa)
{
	int i = model_find(m, gpa);

	if (i < 0)
		return false;
	model_drop(m, (u32)i);
	m->removed++;
	return true;
}

static u64 rnd_state;

static u64 rnd(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static bool same(const struct failset *s, const struct model *m)
{
	return holds(s, m->page, m->n) && s->added == m->added &&
	       s->evicted == m->evicted && s->removed == m->removed;
}

/* How a randomized run draws its operations. */
struct mix {
	u64 universe;		/* pages drawn from */
	unsigned fill, drain;	/* percent of adds in the filling and the draining phases */
};

/* ops random operations, alternating every 1000 between a phase that mostly adds (the set
 * fills and evicts) and one that mostly removes (it drains, leaving holes in the ring).
 * Returns -1 on divergence, 1 if the run never evicted or removed (it tested too little). */
static int run_model(u64 seed, const struct mix *x, unsigned ops)
{
	struct failset s;
	struct model m = { .n = 0 };
	unsigned i;

	rnd_state = seed;
	failset_init(&s);
	for (i = 0; i < ops; i++) {
		unsigned add_pct = (i / 1000) % 2 ? x->drain : x->fill;
		/* A page far up the space with a random offset: only the page number counts. */
		u64 gpa = ((rnd() % x->universe) << 12) + (0x7ULL << 48) + (rnd() & 0xfff);
		unsigned op = (unsigned)(rnd() % 100);
		bool a, b;

		if (op < add_pct) {
			a = failset_add(&s, gpa);
			b = model_add(&m, gpa);
		} else if (op < add_pct + (100 - add_pct) / 2) {
			a = failset_remove(&s, gpa);
			b = model_remove(&m, gpa);
		} else {
			a = failset_has(&s, gpa);
			b = model_find(&m, gpa) >= 0;
		}
		if (a != b || !same(&s, &m)) {
			printf("    seed 0x%llx op %u (kind %u, gpa 0x%llx): diverged\n",
			       (unsigned long long)seed, i, op, (unsigned long long)gpa);
			return -1;
		}
	}
	if (!m.evicted || !m.removed) {
		printf("    seed 0x%llx universe %llu: evicted %llu removed %llu\n",
		       (unsigned long long)seed, (unsigned long long)x->universe,
		       (unsigned long long)m.evicted, (unsigned long long)m.removed);
		return 1;
	}
	return 0;
}

TEST(model)
{
	static const struct mix mix[] = {
		{ 70, 90, 20 },		/* just above the capacity: many hits */
		{ 100, 80, 30 },
		{ 200, 90, 50 },	/* eviction-heavy */
		{ 80, 95, 10 },		/* deep drains: the ring runs nearly empty */
		{ 1000, 95, 60 },	/* almost always a new page */
	};
	unsigned i, seed;

	for (i = 0; i < ARRAY_SIZE(mix); i++)
		for (seed = 1; seed <= 8; seed++)
			CHECK_EQ(run_model(seed * 0x9e3779b97f4a7c15ULL + i, &mix[i], 20000), 0);
}

int main(void)
{
	RUN(init);
	RUN(basic);
	RUN(duplicates);
	RUN(eviction);
	RUN(remove_middle);
	RUN(remove_ends);
	RUN(remove_wrapped);
	RUN(model);
	return DONE();
}
