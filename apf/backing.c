/* apf/backing.c: the backing stores (see apf/backing.h). */
#include "apf/backing.h"
#include "lib/string.h"

static int pattern_fill(const struct backing *b, u64 gpa, void *dst, u32 *code)
{
	u64 *w = dst;
	(void)code;
	for (u64 i = 0; i < PAGE_SIZE / 8; i++)
		w[i] = fl_pattern_seed(b->seed, gpa + i * 8);
	return 0;
}

static int zero_fill(const struct backing *b, u64 gpa, void *dst, u32 *code)
{
	(void)b, (void)gpa, (void)code;
	memset(dst, 0, PAGE_SIZE);
	return 0;
}

const struct backing_ops backing_pattern = { "pattern", pattern_fill };
const struct backing_ops backing_zero = { "zero", zero_fill };
const char *const backing_names[] = { "pattern", "zero", 0 };
const struct backing_ops *const backing_by_index[] = { &backing_pattern, &backing_zero };

int backing_fill(const struct backing *b, u64 gpa, void *dst, u32 *code)
{
	*code = FL_FAULT_NONE;
	return b->ops->fill(b, gpa & ~(PAGE_SIZE - 1), dst, code);
}
