/* guest/tests/apf_many.c: many tasks, each waiting for its own pages. tasks= (default 8) tasks
 * each touch pages= (default 8) lazily backed pages of their own, disjoint from everyone
 * else's, then verify every 64-bit word of them against the pattern (seed=, default 0).
 * With workers every fault is a CAN_CONTINUE: the faulting task parks and the others go
 * on, so several faults of one vCPU are in flight in the worker pool at once. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

struct job {
	u64 first;			/* gpa of its first page */
	u64 first_bad, bad_words;
	bool done;
};

static u64 ntasks = 8, npages = 8;
static struct job jobs[SCHED_NTASKS];

static void toucher(void *arg)
{
	struct job *j = arg;

	for (u64 i = 0; i < npages; i++)
		j->first_bad += !ve_touch(j->first + i * PAGE_SIZE);
	for (u64 i = 0; i < npages; i++)
		j->bad_words += ve_check_page(j->first + i * PAGE_SIZE);
	j->done = true;
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;
	u64 base = ve_test_base(), first_bad = 0, bad_words = 0, done = 0;

	rt_arg_u64(cmdline, "tasks", &ntasks);
	rt_arg_u64(cmdline, "pages", &npages);
	if (!rt_check(ntasks >= 1 && ntasks < SCHED_NTASKS, "tasks= within 1..15") ||
	    !rt_check(npages >= 1 && ve_test_pages(ntasks * npages) == ntasks * npages,
		      "room for tasks x pages lazily backed pages"))
		return rt_report();
	rt_printf("guest: apf-many: %lu tasks x %lu pages at 0x%lx, seed %lu\n", ntasks, npages,
		  base, ve_seed());
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	for (u64 t = 0; t < ntasks; t++) {
		jobs[t].first = base + t * npages * PAGE_SIZE;
		task_create(toucher, &jobs[t], "toucher");
	}
	sched_run();

	for (u64 t = 0; t < ntasks; t++) {
		first_bad += jobs[t].first_bad;
		bad_words += jobs[t].bad_words;
		done += jobs[t].done;
	}
	if (!bad_words && !first_bad && done == ntasks)
		rt_printf("guest: apf-many: %lu tasks x %lu pages verified\n", ntasks, npages);
	ve_print_stats("apf-many");
	rt_printf("guest: apf-many: %lu parks, %lu completion interrupts, idle halted %lu "
		  "times, %lu switches\n", s->parks, s->irqs, sched_stats.halts,
		  sched_stats.switches);
	rt_check_eq(done, ntasks, "every task finished");
	rt_check(first_bad == 0, "each first touch read the pattern");
	rt_check(bad_words == 0, "every word of every page holds the pattern");
	/* anypath: the monitor may switch apf off meanwhile; those faults are synchronous. */
	if (!rt_arg_has(cmdline, "anypath"))
		rt_check(s->ve >= ntasks * npages, "a #VE for every page");
	rt_check_eq(s->cont, s->ve, "every #VE came from a task: CAN_CONTINUE");
	rt_check_eq(s->resumed, s->ve, "every #VE finished RESOLVED");
	rt_check_eq(s->completions, s->parks, "every park was ended by a completion");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
