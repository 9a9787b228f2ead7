/* guest/tests/ve_unregistered.c: a guest that never registers never sees a #VE. The #VE handler
 * is installed (so a #VE would be counted and reported, not fatal as an unknown exception),
 * but FL_HC_VE_REGISTER is never called; a task touches pages= (default 16) absent pages,
 * which the hypervisor must resolve synchronously. Also passes on bare QEMU, where RAM is
 * plain RAM and only the "no #VE" half is checked. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

static u64 base, npages;
static bool pattern;		/* RAM is faultline's pattern backing store */
static u64 first_bad, bad_words;

static void task(void *arg)
{
	(void)arg;
	for (u64 i = 0; i < npages; i++)
		first_bad += !ve_touch(base + i * PAGE_SIZE);
	for (u64 i = 0; pattern && i < npages; i++)
		bad_words += ve_check_page(base + i * PAGE_SIZE);
}

int main(const char *cmdline)
{
	npages = 16;
	rt_arg_u64(cmdline, "pages", &npages);
	base = ve_test_base();
	npages = ve_test_pages(npages);
	pattern = rt_on_faultline();
	ve_install(VE_VECTOR);

	task_create(task, NULL, "toucher");
	sched_run();

	ve_print_stats("ve-unregistered");
	rt_check(npages > 0, "some lazily backed RAM to touch");
	rt_check_eq(ve_stats.ve, 0, "the #VE handler never ran");
	rt_check_eq(ve_stats.irqs, 0, "no completion interrupt");
	if (!pattern) {
		/* Bare QEMU: RAM is plain RAM, not the pattern backing store. */
		rt_printf("guest: ve-unregistered: not on faultline, content not checked\n");
		return rt_report();
	}
	rt_check(first_bad == 0, "each first touch read fl_pattern(address)");
	rt_check(bad_words == 0, "every word of every page holds fl_pattern(address)");
	return rt_report();
}
