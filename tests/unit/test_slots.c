/* tests/unit/test_slots.c: host tests of lib/slots.c, the swap area's slot bitmap.
 * Directed tests: sizes that are and are not a multiple of 64, full, double free, the
 * next-fit order; then a randomized run against a plain bool array. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/slots.h"

static u64 bits[64];

TEST(fills_exactly_n)
{
	for (u64 n = 1; n <= 200; n += 13) {
		struct slots s;
		memset(bits, 0, sizeof(bits));
		slots_init(&s, bits, n);
		for (u64 i = 0; i < n; i++)
			CHECK_EQ(slots_alloc(&s), i);	/* next-fit from 0: in order */
		CHECK_EQ(slots_alloc(&s), SLOTS_NONE);
		CHECK_EQ(s.used, n);
		CHECK(!slots_used(&s, n));	/* past the end is never a slot */
	}
}

TEST(free_and_reuse)
{
	struct slots s;
	memset(bits, 0, sizeof(bits));
	slots_init(&s, bits, 100);
	for (int i = 0; i < 100; i++)
		slots_alloc(&s);
	CHECK_EQ(slots_free(&s, 42), 0);
	CHECK_EQ(slots_free(&s, 42), -1);	/* double free refused */
	CHECK_EQ(slots_free(&s, 100), -1);	/* out of range refused */
	CHECK_EQ(s.used, 99);
	CHECK_EQ(slots_alloc(&s), 42);		/* the only free one, after wrapping */
	CHECK_EQ(slots_alloc(&s), SLOTS_NONE);
}

TEST(next_fit)
{
	struct slots s;
	memset(bits, 0, sizeof(bits));
	slots_init(&s, bits, 300);
	for (int i = 0; i < 10; i++)
		slots_alloc(&s);
	slots_free(&s, 3);
	CHECK_EQ(slots_alloc(&s), 10);		/* goes on from the hint, not back to 3 */
}

TEST(random_vs_model)
{
	static bool model[1000];
	struct slots s;
	u64 used = 0;
	srand(7);
	memset(bits, 0, sizeof(bits));
	slots_init(&s, bits, 1000);
	for (int step = 0; step < 200000; step++) {
		if (rand() % 3) {
			u64 k = slots_alloc(&s);
			if (used == 1000) {
				CHECK_EQ(k, SLOTS_NONE);
				continue;
			}
			CHECK(k < 1000 && !model[k]);
			if (k < 1000) {
				model[k] = true;
				used++;
			}
		} else {
			u64 k = (u64)(rand() % 1000);
			CHECK_EQ(slots_free(&s, k), model[k] ? 0 : -1);
			if (model[k])
				used--;
			model[k] = false;
		}
		CHECK_EQ(s.used, used);
	}
}

int main(void)
{
	RUN(fills_exactly_n);
	RUN(free_and_reuse);
	RUN(next_fit);
	RUN(random_vs_model);
	return DONE();
}
