/* guest/tests/swapbench.c: Natapov's experiment (KVM asynchronous page faults, 2010) on
 * faultline's swap (issue 15). tasks= tasks (default 4) each loop over a working set of
 * their own, ws_pages= pages (default 256), from the test region (ve_test_base()) up: one
 * read-modify-write of one word per page per iteration, then work= (default 200) rounds of
 * compute, for ms= milliseconds of guest TSC time (default 2000) counted after warm= ms
 * (default 0: the first touches of every page, zero-filled, are no steady state). With
 * the VM's resident=
 * below the working sets, pages keep going to swap and coming back; registered for #VE
 * (unless `nove`, or the VM's apf=off, which refuses the registration), a task that waits
 * for a page parks and the others compute meanwhile, so the run does more iterations than
 * with every fault synchronous.
 *
 * The word of page p in iteration k holds tag(p) + k (tag: mix64 of its address and
 * seed=): each read checks the previous iteration's value, so a page lost or mixed up by
 * the swap is caught. A task yields after each iteration, so the tasks share the vCPU even
 * when nothing faults.
 *
 * Prints
 *	guest: swapbench: tasks=4 ws_pages=256 iterations=N guest_us=M rate=R per_s
 *	guest: swapbench: page_rate=P per_s touches=T
 * (R: whole iterations of all tasks per second of guest time; P: page touches per second,
 * partial iterations included, the finer figure) and a histogram of the time each page's
 * read took (the fault's wait, when it faulted: parked or suspended), then rt_report. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"
#include "guest/tests/mix64.h"

#define NBUCKETS	7		/* < 1, 10, 100 us, 1, 10, 100 ms, more */
#define MAX_REPORTS	8

struct job {
	u64 first;			/* gpa of its first page */
	u64 iters, touches, bad;
	u64 hist[NBUCKETS];
};

static u64 ntasks = 4, ws = 256, work = 200, ms = 2000, warm = 0, seed = 1, start, deadline;
static struct job jobs[SCHED_NTASKS];
static unsigned reports;
static volatile u64 sink;

/* Where page p's word is: an offset that varies with the page, so faults are not all at
 * the start of a page. */
static u64 word_at(u64 page)
{
	return page + (((page >> PAGE_SHIFT) * 328) & 0xFF8);
}

static u64 tag(u64 a)
{
	return mix64(a ^ (seed << 40));
}

static unsigned bucket(u64 us)
{
	unsigned b = 0;

	for (u64 lim = 1; b < NBUCKETS - 1 && us >= lim; lim *= 10)
		b++;
	return b;
}

static u64 compute(u64 x)
{
	for (u64 i = 0; i < work; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return x;
}

static void runner(void *arg)
{
	struct job *j = arg;
	u64 acc = j->first;

	for (u64 k = 0; ; k++) {
		for (u64 i = 0; i < ws; i++) {
			volatile u64 *w = (volatile u64 *)word_at(j->first + i * PAGE_SIZE);
			u64 t0 = rt_tsc(), v = *w, t1 = rt_tsc();

			bool counted = t0 >= start;	/* after the warm-up */
			if (counted)
				j->hist[bucket(rt_tsc_us(t1 - t0))]++;
			/* Iteration 0 finds whatever the backing store had (zero or pattern). */
			if (k && v != tag((u64)w) + k - 1) {
				j->bad++;
				if (reports++ < MAX_REPORTS)
					rt_printf("guest: swapbench: iteration %lu at 0x%lx got 0x%lx "
						  "want 0x%lx\n", k, (u64)w, v, tag((u64)w) + k - 1);
			}
			*w = tag((u64)w) + k;
			acc = compute(acc ^ v);
			j->touches += counted;
			if (t1 >= deadline)
				goto out;
		}
		j->iters += rt_tsc() >= start;
		yield();
	}
out:
	sink = acc;
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;
	u64 base = ve_test_base(), iters = 0, touches = 0, bad = 0, hist[NBUCKETS] = { 0 };
	u64 t0, us;
	bool use_ve = !rt_arg_has(cmdline, "nove");
	s64 reg = 0;

	rt_arg_u64(cmdline, "tasks", &ntasks);
	rt_arg_u64(cmdline, "ws_pages", &ws);
	rt_arg_u64(cmdline, "work", &work);
	rt_arg_u64(cmdline, "ms", &ms);
	rt_arg_u64(cmdline, "warm", &warm);
	rt_arg_u64(cmdline, "seed", &seed);
	if (!rt_check(ntasks >= 1 && ntasks < SCHED_NTASKS, "tasks= within 1..15") ||
	    !rt_check(ws >= 1 && ve_test_pages(ntasks * ws) == ntasks * ws,
		      "room for tasks x ws_pages lazily backed pages") ||
	    !rt_check(ms >= 1, "ms= at least 1"))
		return rt_report();
	/* The VM's apf=off refuses registration (FL_EPERM): the same run, every fault
	 * synchronous (tools/bench.sh's comparison). */
	if (use_ve) {
		reg = ve_register(VE_VECTOR);
		if (reg != FL_EPERM && !rt_check_eq(reg, 0, "FL_HC_VE_REGISTER -> 0 (or EPERM)"))
			return rt_report();
	}
	rt_printf("guest: swapbench: tasks=%lu ws_pages=%lu (%lu MiB in all) work=%lu ms=%lu, "
		  "%s, TSC %lu kHz\n", ntasks, ws, ntasks * ws >> 8, work, ms,
		  !use_ve ? "not registered" : reg ? "apf=off: every fault synchronous" :
		  "#VE registered", rt_tsc_khz());

	for (u64 t = 0; t < ntasks; t++) {
		jobs[t].first = base + t * ws * PAGE_SIZE;
		task_create(runner, &jobs[t], "swapbench");
	}
	t0 = rt_tsc();
	start = t0 + warm * rt_tsc_khz();
	deadline = start + ms * rt_tsc_khz();
	sched_run();
	us = rt_tsc_us(rt_tsc() - start);

	for (u64 t = 0; t < ntasks; t++) {
		iters += jobs[t].iters;
		touches += jobs[t].touches;
		bad += jobs[t].bad;
		for (unsigned b = 0; b < NBUCKETS; b++)
			hist[b] += jobs[t].hist[b];
	}
	rt_printf("guest: swapbench: tasks=%lu ws_pages=%lu iterations=%lu guest_us=%lu rate=%lu "
		  "per_s\n", ntasks, ws, iters, us, us ? iters * 1000000 / us : 0);
	rt_printf("guest: swapbench: page_rate=%lu per_s touches=%lu\n",
		  us ? touches * 1000000 / us : 0, touches);
	rt_printf("guest: swapbench: read latency: <1us=%lu <10us=%lu <100us=%lu <1ms=%lu "
		  "<10ms=%lu <100ms=%lu more=%lu\n", hist[0], hist[1], hist[2], hist[3], hist[4],
		  hist[5], hist[6]);
	ve_print_stats("swapbench");
	rt_check(touches >= ntasks, "every task touched a page");
	rt_check_eq(bad, 0, "every page held its previous iteration's value");
	if (use_ve && !reg) {
		rt_check_eq(s->resumed, s->ve, "every #VE finished RESOLVED");
		rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	}
	return rt_report();
}
