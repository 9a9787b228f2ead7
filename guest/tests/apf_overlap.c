/* guest/tests/apf_overlap.c: do the waits overlap? tasks= (default 8) tasks each fault pages=
 * (default 8) pages of their own, one after another. The hypervisor produces a page in
 * latency_us= (the VM's backing.latency_us) on one of workers= CPUs (its workers=); the
 * test passes the guest the same two numbers. If the faults of different tasks are fetched
 * in parallel and the guest runs something else meanwhile, the whole run takes about
 *
 *	ideal = tasks * pages * latency / workers
 *
 * (the workers are the bottleneck). The guest measures its wall time with the TSC, from
 * before the tasks start to after the last one finished, prints
 *
 *	guest: apf-overlap: wall=X us ideal=Y us efficiency=Z%
 *
 * with Z = 100 * ideal / wall, and checks Z >= 80 unless noassert is on its command line. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

#define MIN_EFFICIENCY	80

struct job {
	u64 first;
	u64 bad;
};

static u64 ntasks = 8, npages = 8;
static struct job jobs[SCHED_NTASKS];

static void toucher(void *arg)
{
	struct job *j = arg;

	for (u64 i = 0; i < npages; i++)
		j->bad += !ve_touch(j->first + i * PAGE_SIZE);
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;
	u64 base = ve_test_base(), latency = 0, workers = 1, bad = 0, t0, wall, ideal, eff;

	rt_arg_u64(cmdline, "tasks", &ntasks);
	rt_arg_u64(cmdline, "pages", &npages);
	rt_arg_u64(cmdline, "latency_us", &latency);
	rt_arg_u64(cmdline, "workers", &workers);
	if (!rt_check(ntasks >= 1 && ntasks < SCHED_NTASKS, "tasks= within 1..15") ||
	    !rt_check(workers >= 1, "workers= at least 1") ||
	    !rt_check(npages >= 1 && ve_test_pages(ntasks * npages) == ntasks * npages,
		      "room for tasks x pages lazily backed pages"))
		return rt_report();
	/* With the VM key apf=off the hypervisor refuses registration (FL_EPERM): the same
	 * workload then runs with every fault synchronous, for comparison (make bench). */
	bool apf_off = rt_arg_has(cmdline, "apfoff");
	if (apf_off)
		rt_check_eq(ve_register(VE_VECTOR), FL_EPERM, "apf=off: FL_HC_VE_REGISTER -> EPERM");
	else if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();
	rt_printf("guest: apf-overlap: %lu tasks x %lu pages, latency %lu us, %lu workers, "
		  "TSC %lu kHz\n", ntasks, npages, latency, workers, rt_tsc_khz());

	for (u64 t = 0; t < ntasks; t++) {
		jobs[t].first = base + t * npages * PAGE_SIZE;
		task_create(toucher, &jobs[t], "toucher");
	}
	t0 = rt_tsc();
	sched_run();
	wall = rt_tsc_us(rt_tsc() - t0);

	for (u64 t = 0; t < ntasks; t++)
		bad += jobs[t].bad;
	ideal = ntasks * npages * latency / workers;
	eff = wall ? 100 * ideal / wall : 0;
	rt_printf("guest: apf-overlap: wall=%lu us ideal=%lu us efficiency=%lu%%\n", wall, ideal,
		  eff);
	rt_printf("guest: apf-overlap: #VE=%lu continue=%lu suspend=%lu sync=%lu parks=%lu "
		  "completion-irqs=%lu\n", s->ve, s->cont, s->suspend, s->sync, s->parks, s->irqs);
	rt_check(bad == 0, "each page read the pattern");
	if (!apf_off) {
		rt_check(s->ve >= ntasks * npages, "a #VE for every page");
		rt_check_eq(s->resumed, s->ve, "every #VE finished RESOLVED");
	}
	if (!rt_arg_has(cmdline, "noassert"))
		rt_check(eff >= MIN_EFFICIENCY, "efficiency >= 80%: the waits overlapped");
	if (!apf_off)
		rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
