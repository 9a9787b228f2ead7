/* guest/tests/ve_basic.c: the basic asynchronous-fault path. A registered guest's task touches
 * pages= (default 64) absent pages of lazily backed RAM, one word each, then checks every
 * word of every page against the pattern backing store (fl_pattern). Each first touch must
 * have been a #VE (ve=hw or ve=sw), reported and resumed; with workers the faults are
 * CAN_CONTINUE and the task waits parked while the idle task halts. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

static u64 base, npages;
static u64 first_bad, bad_words, unseen;

static void toucher(void *arg)
{
	(void)arg;
	for (u64 i = 0; i < npages; i++)
		first_bad += !ve_touch(base + i * PAGE_SIZE);
	for (u64 i = 0; i < npages; i++) {
		bad_words += ve_check_page(base + i * PAGE_SIZE);
		/* The #VE log holds the last VE_LOG addresses: check those pages. */
		if (i + VE_LOG >= npages)
			unseen += !ve_seen(base + i * PAGE_SIZE);
	}
}

int main(const char *cmdline)
{
	npages = 64;
	rt_arg_u64(cmdline, "pages", &npages);
	base = ve_test_base();
	npages = ve_test_pages(npages);
	rt_printf("guest: ve-basic: %lu pages at 0x%lx\n", npages, base);
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	task_create(toucher, NULL, "toucher");
	sched_run();

	ve_print_stats("ve-basic");
	rt_printf("guest: ve-basic: %lu completion interrupts for %lu completions; idle halted "
		  "%lu times\n", ve_stats.irqs, ve_stats.completions, sched_stats.halts);
	rt_check(npages > 0, "some lazily backed RAM to touch");
	rt_check(first_bad == 0, "each first touch read fl_pattern(address)");
	rt_check(bad_words == 0, "every word of every page holds fl_pattern(address)");
	rt_check(ve_stats.ve >= npages, "a #VE for every page touched");
	rt_check(unseen == 0, "each #VE named its page");
	rt_check_eq(ve_stats.resumed, ve_stats.ve, "every #VE finished RESOLVED");
	rt_check_eq(ve_stats.completions, ve_stats.parks, "every park was ended by a completion");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
