/* guest/tests/ve_nested.c: a fault inside the #VE handler, before it clears the busy word, is
 * not a #VE. A hook (ve_hook_before_clear) makes the handler of the first #VE touch another
 * absent page while the busy word is still set: the hypervisor must resolve that one
 * synchronously (a busy-word exit) and deliver nothing. The first fault must still complete
 * exactly once, and both pages must hold their pattern. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

static u64 page1, page2;
static unsigned hook_runs;
static u64 hook_gpa;
static u32 hook_busy;
static bool ok1, ok2;

/* On IST_VE, busy word set, the first fault already reported. */
static void hook(struct fl_pv_entry *e)
{
	if (hook_runs++)
		return;
	hook_gpa = e->fault.gpa;
	hook_busy = ve_info_page()->busy;
	ok2 = ve_touch(page2);
}

static void task(void *arg)
{
	(void)arg;
	ok1 = ve_touch(page1);
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;

	(void)cmdline;
	page1 = ve_test_base();
	page2 = page1 + 16 * PAGE_SIZE;
	if (!rt_check(ve_test_pages(17) == 17, "room for the two test pages"))
		return rt_report();
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	ve_hook_before_clear = hook;
	task_create(task, NULL, "toucher");
	sched_run();
	ve_hook_before_clear = NULL;

	ve_print_stats("ve-nested");
	rt_printf("guest: ve-nested: hook ran %u time(s), first fault gpa=0x%lx, busy=0x%x\n",
		  hook_runs, hook_gpa, hook_busy);
	rt_check_eq(hook_runs, 1, "the hook ran once: during the first #VE");
	rt_check_eq(hook_gpa, page1, "the first #VE was for the first page");
	rt_check_eq(hook_busy, FL_VE_BUSY, "the busy word was set while the hook ran");
	rt_check_eq(s->ve, 1, "exactly one #VE");
	rt_check_eq(ve_seen(page2), 0, "the nested page never became a #VE");
	rt_check_eq(ve_seen(page1), 1, "the first page was one #VE");
	rt_check_eq(s->resumed, 1, "the first fault completed exactly once");
	rt_check(s->completions <= 1 && s->completions == s->parks,
		 "at most one completion, and only if the task parked");
	rt_check(ok1 && !ve_check_page(page1), "first page holds its pattern");
	rt_check(ok2 && !ve_check_page(page2), "nested page holds its pattern");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
