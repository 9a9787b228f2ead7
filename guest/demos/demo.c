/* guest/demos/demo.c: what `make run` shows: asynchronous page faults at work. Three fetcher
 * tasks walk lazily backed pages whose content takes backing.latency_us to arrive; each
 * fault parks only the task that took it (CAN_CONTINUE), and meanwhile a compute task
 * keeps counting primes and printing its progress. At the end: every byte verified, and how
 * much computing happened while pages were in flight. The hypervisor's summary then shows
 * the counters (faults by path, completions, worker time, latency histogram). */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

#define FETCHERS	3
#define PAGES		6

static volatile bool fetching = true;
static volatile u64 primes, steps;
static u64 bad;
static int fetchers_left = FETCHERS;

static bool is_prime(u64 n)
{
	for (u64 d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return n >= 2;
}

static void compute(void *arg)
{
	(void)arg;
	for (u64 n = 2; fetching; n++) {
		primes += is_prime(n);
		if (++steps % 2000 == 0)
			rt_printf("guest: demo: compute task: %lu primes below %lu so far\n", primes, n);
		if (steps % 50 == 0)
			yield();
	}
}

static void fetcher(void *arg)
{
	u64 first = (u64)arg;
	for (u64 i = 0; i < PAGES; i++) {
		u64 gpa = first + i * PAGE_SIZE, s0 = steps, t0 = rt_tsc();
		bad += !ve_touch(gpa);
		rt_printf("guest: demo: %s: page 0x%lx arrived after %lu us; the compute task "
			  "made %lu steps meanwhile\n", sched_name(), gpa, rt_tsc_us(rt_tsc() - t0),
			  steps - s0);
		bad += ve_check_page(gpa);
	}
	if (--fetchers_left == 0)
		fetching = false;
}

int main(const char *cmdline)
{
	u64 base = ve_test_base();
	(void)cmdline;

	if (!rt_check(ve_test_pages(FETCHERS * PAGES) == FETCHERS * PAGES, "room for the demo") ||
	    !rt_check_eq(ve_register(VE_VECTOR), 0, "registered for #VE"))
		return rt_report();
	rt_printf("guest: demo: %u fetcher tasks x %u lazily backed pages, and a compute task\n",
		  FETCHERS, PAGES);
	task_create(compute, 0, "compute");
	task_create(fetcher, (void *)base, "fetcher-a");
	task_create(fetcher, (void *)(base + PAGES * PAGE_SIZE), "fetcher-b");
	task_create(fetcher, (void *)(base + 2 * PAGES * PAGE_SIZE), "fetcher-c");
	sched_run();
	rt_printf("guest: demo: %u pages verified; the compute task made %lu steps (%lu primes) "
		  "while they were fetched\n", FETCHERS * PAGES, steps, primes);
	ve_print_stats("demo");
	rt_check(bad == 0, "every byte of every page holds its pattern");
	rt_check(steps > 0, "the compute task ran while pages were in flight");
	return rt_report();
}
