/* guest/tests/apf_dedupe.c: one page, many waiters. tasks= (default 8) tasks all touch the SAME
 * pages= (default 4) lazily backed pages, in step: each touches page i, then yields, then
 * page i+1. The first task's #VE starts the fetch of page i and parks; the next tasks run
 * while it is still in flight, fault on the same page, and must join that fetch rather
 * than start another: the hypervisor's summary then says "pages fetched=M" (what the test
 * checks), and every task, woken by the one completion, reads the right content. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

struct job {
	u64 first_bad, bad_words;
	bool done;
};

static u64 base, ntasks = 8, npages = 4;
static struct job jobs[SCHED_NTASKS];

static void toucher(void *arg)
{
	struct job *j = arg;

	for (u64 i = 0; i < npages; i++) {
		j->first_bad += !ve_touch(base + i * PAGE_SIZE);
		yield();		/* let the others reach page i+1 about together */
	}
	for (u64 i = 0; i < npages; i++)
		j->bad_words += ve_check_page(base + i * PAGE_SIZE);
	j->done = true;
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;
	u64 first_bad = 0, bad_words = 0, done = 0;

	rt_arg_u64(cmdline, "tasks", &ntasks);
	rt_arg_u64(cmdline, "pages", &npages);
	base = ve_test_base();
	if (!rt_check(ntasks >= 1 && ntasks < SCHED_NTASKS, "tasks= within 1..15") ||
	    !rt_check(npages >= 1 && ve_test_pages(npages) == npages, "room for the pages"))
		return rt_report();
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	for (u64 t = 0; t < ntasks; t++)
		task_create(toucher, &jobs[t], "sharer");
	sched_run();

	for (u64 t = 0; t < ntasks; t++) {
		first_bad += jobs[t].first_bad;
		bad_words += jobs[t].bad_words;
		done += jobs[t].done;
	}
	rt_printf("guest: apf-dedupe: %lu tasks shared %lu pages\n", ntasks, npages);
	ve_print_stats("apf-dedupe");
	rt_printf("guest: apf-dedupe: %lu #VEs for %lu pages: %lu faults joined a fetch in "
		  "flight or found the page present\n", s->ve, npages,
		  s->ve > npages ? s->ve - npages : 0);
	rt_check_eq(done, ntasks, "every task finished");
	rt_check(first_bad == 0, "each touch read the pattern");
	rt_check(bad_words == 0, "every word of every shared page holds the pattern");
	rt_check(s->ve >= npages, "a #VE for every page at least");
	rt_check(s->ve <= ntasks * npages, "at most one #VE per task and page");
	rt_check_eq(s->resumed, s->ve, "every #VE finished RESOLVED");
	rt_check_eq(s->completions, s->parks, "every park was ended by a completion");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
