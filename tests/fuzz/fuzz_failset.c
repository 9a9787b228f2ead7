/* tests/fuzz/fuzz_failset.c: libFuzzer harness for lib/failset.c, a VM's bounded FIFO set
 * of pages whose production failed (fed by guest-chosen fault addresses).
 *
 * Drives: an operation stream of failset_add (one page, or a run of up to 79 consecutive
 * pages, to make it evict), failset_has, failset_remove and failset_init on addresses drawn
 * from a few pages (so they collide), any offset inside them, and raw 64-bit values (up to
 * the top page, where a run wraps around to page 0).
 *
 * Invariants asserted after every operation, against a model (an array in insertion order,
 * pages aligned down, the oldest evicted when 64 are held):
 * - each call's result equals the model's (add: whether an eviction happened; has; remove);
 * - the ring read from head holds exactly the model's pages in the model's order, n <= 64,
 *   head < 64, and every stored page is page-aligned;
 * - added, evicted and removed count what the model counts (a page already present is not
 *   added again and keeps its age). */
#include "tests/fuzz/fuzz.h"
#include "lib/failset.h"

#define MAX_OPS 512

struct model {
	u64 page[FAILSET_MAX];
	unsigned n;
	u64 added, evicted, removed;
};

FZ_MODEL static int m_find(const struct model *m, u64 p)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->page[i] == p)
			return (int)i;
	return -1;
}

/* The model's add: true when the oldest page had to go. */
FZ_MODEL static bool m_add(struct model *m, u64 p)
{
	bool evict = false;

	if (m_find(m, p) >= 0)
		return false;
	if (m->n == FAILSET_MAX) {
		memmove(m->page, m->page + 1, (FAILSET_MAX - 1) * sizeof(u64));
		m->n--;
		m->evicted++;
		evict = true;
	}
	m->page[m->n++] = p;
	m->added++;
	return evict;
}

/* The set against the model: the same pages in the same order, the same counters. */
FZ_MODEL static void check(const struct failset *s, const struct model *m)
{
	FZ_CHECK(s->n == m->n && s->n <= FAILSET_MAX && s->head < FAILSET_MAX);
	FZ_CHECK(s->added == m->added && s->evicted == m->evicted && s->removed == m->removed);
	for (unsigned k = 0; k < m->n; k++) {
		u64 q = s->page[(s->head + k) % FAILSET_MAX];

		FZ_CHECK(q == m->page[k] && (q & (PAGE_SIZE - 1)) == 0);
	}
}

static u64 gen_addr(struct fz *f)
{
	u8 s = fz_u8(f);

	if (s < 200)
		return (u64)(s % 100) * PAGE_SIZE + (fz_u8(f) & 0x0f) * 0x101;
	if (s < 250)
		return ~0ULL - (u64)(s - 200) * PAGE_SIZE - fz_u8(f);
	return fz_u64(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = fz_init(data, size);
	struct failset s;
	struct model m;
	unsigned ops = 0, budget = 400;	/* adds in runs, per input: keeps it fast */

	memset(&s, 0xa5, sizeof(s));	/* init must set everything */
	failset_init(&s);
	memset(&m, 0, sizeof(m));
	while (fz_more(&f) && ops++ < MAX_OPS) {
		u8 op = fz_u8(&f);
		u64 a = gen_addr(&f), p = a & ~(PAGE_SIZE - 1);
		int i = m_find(&m, p);

		switch (op % 8) {
		case 0: case 1: case 2: case 3:
			FZ_CHECK(failset_add(&s, a) == m_add(&m, p));
			break;
		case 4: case 5:
			FZ_CHECK(failset_has(&s, a) == (i >= 0));
			break;
		case 6:
			if (i >= 0) {
				memmove(m.page + i, m.page + i + 1, (m.n - (unsigned)i - 1) * sizeof(u64));
				m.n--;
				m.removed++;
			}
			FZ_CHECK(failset_remove(&s, a) == (i >= 0));
			FZ_CHECK(!failset_has(&s, a));
			break;
		default:
			if (op & 0x80) {
				failset_init(&s);
				memset(&m, 0, sizeof(m));
			} else if (op & 0x40) {
				/* A run of consecutive pages from a: enough to make it evict. */
				unsigned n = fz_u8(&f) % 80;

				for (unsigned k = 0; k < n && budget; k++, budget--) {
					u64 b = a + k * PAGE_SIZE;

					FZ_CHECK(failset_add(&s, b) == m_add(&m, b & ~(PAGE_SIZE - 1)));
				}
			}
			break;
		}
		check(&s, &m);
	}
	return 0;
}
