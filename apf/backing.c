/* apf/backing.c: the backing stores (see apf/backing.h). */
#include "apf/backing.h"
#include "lib/string.h"

static int pattern_fill(const struct backing *b, u64 gpa, void *dst, u32 *code)
{
	/* The seed's part is computed once: read through b, the compiler must assume each store to
	 * dst may change the seed, and recomputes it for every word. Four words per pass halve the
	 * loop's own cost. The fill is most of a page's production time (a CPU under Bochs pays
	 * per instruction), so it shows in every fault's latency. */
	const u64 key = fl_pattern_key(b->seed);
	u64 *w = dst;
	(void)code;
	for (u64 i = 0; i < PAGE_SIZE / 8; i += 4, gpa += 32) {
		w[i] = fl_pattern_mix(gpa ^ key);
		w[i + 1] = fl_pattern_mix((gpa + 8) ^ key);
		w[i + 2] = fl_pattern_mix((gpa + 16) ^ key);
		w[i + 3] = fl_pattern_mix((gpa + 24) ^ key);
	}
	return 0;
}

static int zero_fill(const struct backing *b, u64 gpa, void *dst, u32 *code)
{
	(void)b, (void)gpa, (void)code;
	memset(dst, 0, PAGE_SIZE);
	return 0;
}

static int image_fill(const struct backing *b, u64 gpa, void *dst, u32 *code)
{
	u64 n = gpa < b->image_len ? MIN(b->image_len - gpa, PAGE_SIZE) : 0;
	(void)code;
	if (n)
		memcpy(dst, b->image + gpa, n);
	memset((u8 *)dst + n, 0, PAGE_SIZE - n);
	return 0;
}

const struct backing_ops backing_pattern = { "pattern", pattern_fill };
const struct backing_ops backing_zero = { "zero", zero_fill };
const struct backing_ops backing_image = { "image", image_fill };
const char *const backing_names[] = { "pattern", "zero", "image", 0 };
const struct backing_ops *const backing_by_index[] = { &backing_pattern, &backing_zero,
						       &backing_image };

/* Failure injection: a poisoned page fails for ever (FL_FAULT_POISONED); a flaky page fails
 * its first N attempts (FL_FAULT_IO_ERROR) and then works. One job per page at a time
 * (apf/worker.c deduplicates), so the attempt counter needs no lock. */
int backing_poison_live(struct backing *b, u64 gpa, bool on)
{
	u64 want = (gpa & ~(PAGE_SIZE - 1)) | 1;
	for (unsigned i = 0; i < 8; i++) {
		if (on && !b->live[i]) {
			b->live[i] = want;	/* one aligned store: a worker sees it whole or not */
			return 0;
		}
		if (!on && b->live[i] == want) {
			b->live[i] = 0;
			return 0;
		}
	}
	return on ? -1 : -2;
}

bool backing_live_poisoned(const struct backing *b, u64 gpa)
{
	gpa &= ~(PAGE_SIZE - 1);
	for (unsigned i = 0; i < 8; i++)
		if (b->live[i] == (gpa | 1))
			return true;
	return false;
}

static bool injected_failure(const struct backing *b, u64 gpa, u32 *code)
{
	if (ranges_contain(&b->poison, gpa) || backing_live_poisoned(b, gpa)) {
		*code = FL_FAULT_POISONED;
		return true;
	}
	if (b->attempts && ranges_contain(&b->flaky, gpa)) {
		u8 *a = &b->attempts[gpa / PAGE_SIZE];
		if (*a < 255)
			(*a)++;
		if (*a <= b->flaky.count) {
			*code = FL_FAULT_IO_ERROR;
			return true;
		}
	}
	return false;
}

int backing_fill(const struct backing *b, u64 gpa, void *dst, u32 *code)
{
	gpa &= ~(PAGE_SIZE - 1);
	*code = FL_FAULT_NONE;
	if (injected_failure(b, gpa, code))
		return -1;
	return b->ops->fill(b, gpa, dst, code);
}
