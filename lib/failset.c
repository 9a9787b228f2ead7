/* lib/failset.c: a VM's bounded FIFO set of pages whose production failed (see
 * lib/failset.h).
 *
 * Owns the ring: page[] holds n page-aligned gpas starting at head, oldest first.
 *
 * Decisions:
 * - Linear search: the set is small (FAILSET_MAX) and only touched on failures and on
 *   faults that hit it, so a hash would buy nothing but code.
 * - Removal from the middle shifts the younger entries down one slot, so the ring stays
 *   dense and in insertion order; eviction then always takes the genuinely oldest page.
 * - Adding a page already present changes nothing (not its age, not the counters): the
 *   page is still "failed once", and refreshing it would let a hot page dodge eviction
 *   forever while older, colder ones are pushed out.
 */
#include "lib/failset.h"

static u64 page_of(u64 gpa)
{
	return gpa & ~(PAGE_SIZE - 1);
}

/* The ring slot of the i-th oldest entry. */
static u32 slot(const struct failset *s, u32 i)
{
	return (s->head + i) % FAILSET_MAX;
}

/* The age index (0 = oldest) of gpa's page, or s->n when it is absent. */
static u32 find(const struct failset *s, u64 gpa)
{
	u64 p = page_of(gpa);
	u32 i;

	for (i = 0; i < s->n; i++)
		if (s->page[slot(s, i)] == p)
			break;
	return i;
}

void failset_init(struct failset *s)
{
	u32 i;

	for (i = 0; i < FAILSET_MAX; i++)
		s->page[i] = 0;
	s->head = s->n = 0;
	s->added = s->evicted = s->removed = 0;
}

bool failset_add(struct failset *s, u64 gpa)
{
	bool evict = false;

	if (find(s, gpa) < s->n)
		return false;
	if (s->n == FAILSET_MAX) {
		s->head = slot(s, 1);
		s->n--;
		s->evicted++;
		evict = true;
	}
	s->page[slot(s, s->n)] = page_of(gpa);
	s->n++;
	s->added++;
	return evict;
}

bool failset_has(const struct failset *s, u64 gpa)
{
	return find(s, gpa) < s->n;
}

bool failset_remove(struct failset *s, u64 gpa)
{
	u32 i = find(s, gpa);

	if (i == s->n)
		return false;
	for (; i + 1 < s->n; i++)
		s->page[slot(s, i)] = s->page[slot(s, i + 1)];
	s->n--;
	s->removed++;
	return true;
}
