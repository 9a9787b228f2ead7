/* guest/tests/ve_park.c: a task waiting for a page does not stop the others. Task A touches
 * pages= (default 8) absent pages one by one; task B counts and yields in a loop. With
 * workers (workers=1) each of A's faults is a CAN_CONTINUE: A is parked, B runs until the
 * completion interrupt wakes A. A reads B's count just before each access and just after it
 * resumes; the difference summed over the waits must be positive, so this guest needs
 * workers (with workers=0 every REPORT comes back resolved and nothing else runs).
 * For polled mode's tests ("poll"): gap_us= makes A compute that long before each page (so
 * the poller goes to sleep and the next report rings the doorbell), hog_us= makes B
 * compute that long at each step without yielding (so only the deadline's completion
 * vector can wake A in time). */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

static u64 base, npages, gap_us, hog_us;
static volatile u64 b_steps;
static volatile bool a_done;
static u64 progress, waits_progressed, first_bad, bad_words;

/* Computes for us microseconds, interrupts as they are, no schedule point. */
static void spin_us(u64 us)
{
	for (u64 t0 = rt_tsc(); us && rt_tsc_us(rt_tsc() - t0) < us;)
		asm volatile("pause");
}

static void task_a(void *arg)
{
	(void)arg;
	for (u64 i = 0; i < npages; i++) {
		u64 before, after;

		spin_us(gap_us);
		before = b_steps;
		first_bad += !ve_touch(base + i * PAGE_SIZE);
		after = b_steps;
		progress += after - before;
		waits_progressed += after != before;
	}
	for (u64 i = 0; i < npages; i++)
		bad_words += ve_check_page(base + i * PAGE_SIZE);
	a_done = true;
}

static void task_b(void *arg)
{
	(void)arg;
	while (!a_done) {
		b_steps++;
		spin_us(hog_us);
		yield();
	}
}

int main(const char *cmdline)
{
	npages = 8;
	rt_arg_u64(cmdline, "pages", &npages);
	rt_arg_u64(cmdline, "gap_us", &gap_us);
	rt_arg_u64(cmdline, "hog_us", &hog_us);
	base = ve_test_base();
	npages = ve_test_pages(npages);
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	task_create(task_a, NULL, "A");		/* first: A faults while B is runnable */
	task_create(task_b, NULL, "B");
	sched_run();

	ve_print_stats("ve-park");
	rt_printf("guest: ve-park: other task made %lu steps during %lu waits (%lu waits with "
		  "progress, %lu parks)\n", progress, npages, waits_progressed, ve_stats.parks);
	if (!ve_stats.parks)
		rt_printf("guest: ve-park: no fault was waited for asynchronously (every REPORT "
			  "came back resolved: workers=0?)\n");
	rt_check(progress > 0, "other task progressed during the waits");
	rt_check(first_bad == 0, "each first touch read fl_pattern(address)");
	rt_check(bad_words == 0, "every word of every page holds fl_pattern(address)");
	rt_check(ve_stats.ve >= npages, "a #VE for every page touched");
	rt_check_eq(ve_stats.resumed, ve_stats.ve, "every #VE finished RESOLVED");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
