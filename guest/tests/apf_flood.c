/* guest/tests/apf_flood.c: more faults in flight than the hypervisor takes. tasks= (default 15:
 * every slot of the scheduler) tasks each touch one page of their own, all at about the
 * same time (each faults as soon as it first runs, while the earlier ones are parked).
 * Past apf_limit outstanding CAN_CONTINUE faults per vCPU (the test sets apf_limit=4) the
 * hypervisor resolves a report before returning and flags it FL_PV_F_SYNC; the task must
 * then not park (guest/lib/ve.c). Every fault must complete exactly once, whichever way:
 * per-task counters (ve_ctx_stats) say how each ended. With limit=N on the command line
 * (the hypervisor's apf_limit) and more tasks than N, some fault must have come back
 * synchronously. Prints "guest: apf-flood: T faults, S resolved synchronously, P parked". */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

struct job {
	int id;				/* task id: the key of its ve_ctx_stats */
	u64 page;
	u64 first_bad, bad_words;
	bool done;
};

static u64 ntasks = SCHED_NTASKS - 1;
static struct job jobs[SCHED_NTASKS];

static void toucher(void *arg)
{
	struct job *j = arg;

	j->first_bad += !ve_touch(j->page);
	j->bad_words += ve_check_page(j->page);
	j->done = true;
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;
	u64 base = ve_test_base(), limit = 0, nsync = 0, nparked = 0, bad = 0, once = 0;
	u64 mixed = 0;

	rt_arg_u64(cmdline, "tasks", &ntasks);
	if (!rt_check(ntasks >= 1 && ntasks < SCHED_NTASKS, "tasks= within 1..15") ||
	    !rt_check(ve_test_pages(ntasks) == ntasks, "room for one page per task"))
		return rt_report();
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	ve_ctx_stats_reset();
	for (u64 t = 0; t < ntasks; t++) {
		jobs[t].page = base + t * PAGE_SIZE;
		jobs[t].id = task_create(toucher, &jobs[t], "flooder");
	}
	sched_run();

	for (u64 t = 0; t < ntasks; t++) {
		const struct ve_ctx_stats *c = ve_ctx_stats(jobs[t].id);

		bad += jobs[t].first_bad + jobs[t].bad_words + !jobs[t].done;
		once += c->ve == 1 && c->resumed == 1 && c->failed == 0;
		mixed += c->sync && c->parked;
		nsync += c->sync;
		nparked += c->parked;
		if (c->ve != 1 || c->resumed != 1)
			rt_printf("guest: apf-flood: task %d: #VE=%u resumed=%u failed=%u sync=%u "
				  "parked=%u\n", jobs[t].id, c->ve, c->resumed, c->failed, c->sync,
				  c->parked);
	}
	rt_printf("guest: apf-flood: %lu faults, %lu resolved synchronously, %lu parked\n",
		  ntasks, nsync, nparked);
	ve_print_stats("apf-flood");
	rt_check(bad == 0, "every task finished and read the pattern in every word of its page");
	rt_check_eq(once, ntasks, "every task's fault was one #VE, completed exactly once");
	rt_check_eq(mixed, 0, "no fault resolved synchronously was parked");
	rt_check_eq(s->resumed, s->ve, "every #VE finished RESOLVED");
	rt_check_eq(s->completions, s->parks, "every park was ended by a completion");
	/* Polled mode has no backpressure to report: a posted fault never waits in a REPORT,
	 * so every one parks (its job slot is there: one per PV entry). */
	if (rt_arg_has(cmdline, "poll"))
		rt_check_eq(nparked, ntasks, "polled: every fault parked, none synchronous");
	else if (rt_arg_u64(cmdline, "limit", &limit) && ntasks > limit)
		rt_check(nsync > 0, "past the limit some faults came back synchronously");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
