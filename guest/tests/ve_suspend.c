/* guest/tests/ve_suspend.c: faults a task cannot wait for are SUSPEND_ME. A task with
 * interrupts disabled (cli) touches pages= (default 16) absent pages: each #VE interrupted IF=0
 * code, which must not be parked (the completion interrupt could not reach it), so the decision
 * is SUSPEND_ME and the hypervisor keeps the vCPU until the page is there. Then, with
 * interrupts on but inside a nosleep section, 4 more pages: SUSPEND_ME again. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

#define NOSLEEP_PAGES	4

static u64 base, npages;
static bool if_was_on, if_back_on;
static u64 first_bad, bad_words;
static struct ve_stats after_cli;

static void touch_range(u64 first, u64 n)
{
	for (u64 i = first; i < first + n; i++)
		first_bad += !ve_touch(base + i * PAGE_SIZE);
	for (u64 i = first; i < first + n; i++)
		bad_words += ve_check_page(base + i * PAGE_SIZE);
}

static void task(void *arg)
{
	u64 f;

	(void)arg;
	if_was_on = irq_enabled();
	f = irq_save();			/* cli */
	touch_range(0, npages);
	irq_restore(f);			/* sti */
	if_back_on = irq_enabled();
	after_cli = ve_stats;

	sched_nosleep_begin();
	touch_range(npages, NOSLEEP_PAGES);
	sched_nosleep_end();
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;
	u64 room;

	npages = 16;
	rt_arg_u64(cmdline, "pages", &npages);
	base = ve_test_base();
	room = ve_test_pages(npages + NOSLEEP_PAGES);
	npages = room > NOSLEEP_PAGES ? room - NOSLEEP_PAGES : 0;
	if (!rt_check(npages > 0, "some lazily backed RAM to touch"))
		return rt_report();
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	task_create(task, NULL, "cli-toucher");
	sched_run();

	ve_print_stats("ve-suspend");
	rt_check(if_was_on && if_back_on, "the task ran with interrupts on around the cli section");
	rt_check(after_cli.ve >= npages, "cli: a #VE for every page touched");
	rt_check_eq(after_cli.suspend, after_cli.ve, "cli: every decision was SUSPEND_ME");
	rt_check_eq(after_cli.why_if, after_cli.ve, "cli: ... because IF was 0");
	rt_check_eq(after_cli.cont, 0, "cli: no CAN_CONTINUE decision");
	rt_check_eq(after_cli.parks, 0, "cli: no task parked");
	rt_check(s->ve - after_cli.ve >= NOSLEEP_PAGES, "nosleep: a #VE for every page touched");
	rt_check_eq(s->why_nosleep - after_cli.why_nosleep, s->ve - after_cli.ve,
		    "nosleep: every decision was SUSPEND_ME because the task may not sleep");
	rt_check_eq(s->cont, 0, "no CAN_CONTINUE decision at all");
	rt_check_eq(s->resumed, s->ve, "every #VE finished RESOLVED");
	rt_check(first_bad == 0, "each first touch read fl_pattern(address)");
	rt_check(bad_words == 0, "every word of every page holds fl_pattern(address)");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
