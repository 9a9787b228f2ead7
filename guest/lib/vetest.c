/* guest/lib/vetest.c: the helpers the #VE test guests share (guest/lib/ve.h): where the lazily
 * backed test region is, and what the pattern backing store put there. With the VM key
 * backing.seed=S the hypervisor fills page words with fl_pattern_seed(S, gpa); the guest
 * is told the same S as seed=S on its command line (default 0, like the hypervisor's). */
#include "guest/lib/rt.h"
#include "guest/lib/ve.h"

#define MAX_BAD_REPORTS	8
#define barrier()	asm volatile("" : : : "memory")

u64 ve_test_base(void)
{
	return ALIGN_UP(rt_image_end(), 2ULL << 20) + (2ULL << 20);
}

u64 ve_test_pages(u64 want)
{
	u64 base = ve_test_base(), end = MIN(rt_mem_upper(), RT_MAP_END);

	return end > base ? MIN(want, (end - base) / PAGE_SIZE) : 0;
}

/* Parsed once; two vCPUs racing here store the same value. */
u64 ve_seed(void)
{
	static volatile bool parsed;
	static u64 seed;

	if (!parsed) {
		u64 v = 0;

		rt_arg_u64(rt_cmdline(), "seed", &v);
		seed = v;
		barrier();
		parsed = true;
	}
	return seed;
}

u64 ve_poison(void)
{
	u64 v = ve_test_base();

	rt_arg_u64(rt_cmdline(), "poison", &v);
	return v;
}

u64 ve_pattern(u64 gpa)
{
	return fl_pattern_seed(ve_seed(), gpa);
}

bool ve_touch(u64 gpa)
{
	u64 a = ALIGN_DOWN(gpa, PAGE_SIZE) + (((gpa >> PAGE_SHIFT) * 328) & 0xFF8);
	u64 want = ve_pattern(a);

	return *(volatile u64 *)a == want;
}

u64 ve_check_page(u64 gpa)
{
	static unsigned reports;
	u64 bad = 0, base = ALIGN_DOWN(gpa, PAGE_SIZE), seed = ve_seed();

	for (u64 a = base; a < base + PAGE_SIZE; a += 8) {
		u64 got = *(volatile u64 *)a, want = fl_pattern_seed(seed, a);

		if (got == want)
			continue;
		bad++;
		if (__atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED) < MAX_BAD_REPORTS)
			rt_printf("guest: at 0x%lx got 0x%lx want 0x%lx\n", a, got, want);
	}
	return bad;
}
