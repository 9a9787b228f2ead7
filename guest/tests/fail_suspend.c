/* guest/tests/fail_suspend.c: a memory failure while interrupts are off (docs/pv-protocol.md
 * steps 4 and 9). A kernel task disables interrupts and reads the page at poison=
 * (default: the test region's first page; the VM must have it in backing.poison) through
 * copy_from_guest_memory: the #VE interrupted IF=0 code, so the decision is SUSPEND_ME;
 * the hypervisor keeps the vCPU, fails to produce the page, and resumes it with the entry
 * saying FAIL (and FL_PV_F_SYNC). The FAIL path finds the helper's fixup and the helper
 * returns -EFAULT, all without interrupts and without parking. Before that a good page is
 * read the same way (SUSPEND_ME, RESOLVED). Exits 0. */
#include "guest/lib/fixup.h"
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

static u64 poison, good, word;
static int good_ret, bad_ret;
static bool if_off;
static struct fl_fault rec;

static void reader(void *arg)
{
	u64 f;

	(void)arg;
	f = irq_save();
	good_ret = copy_from_guest_memory(&word, (void *)good, 8);
	bad_ret = copy_from_guest_memory(&word, (void *)poison, 8);
	if_off = !irq_enabled();
	rec = *fixup_last();
	irq_restore(f);
	rt_printf("guest: fail-suspend: with IF=0, copy_from_guest_memory(0x%lx) returned %d "
		  "(code=%s)\n", poison, bad_ret, ve_fault_code(rec.code));
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;

	(void)cmdline;
	poison = ALIGN_DOWN(ve_poison(), 8);
	good = ve_test_base() + (ALIGN_DOWN(poison, PAGE_SIZE) == ve_test_base() ? PAGE_SIZE : 0);
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	task_create(reader, NULL, "reader");
	sched_run();

	ve_print_stats("fail-suspend");
	rt_check_eq(good_ret, 0, "a good page with IF=0: -> 0");
	rt_check_eq(word, ve_pattern(good), "... holding the pattern");
	rt_check_eq(bad_ret, -EFAULT, "the poisoned page with IF=0: -> -EFAULT");
	rt_check(if_off, "interrupts stayed off throughout");
	rt_check_eq(rec.code, FL_FAULT_POISONED, "the record says poisoned");
	rt_check_eq(rec.gpa, ALIGN_DOWN(poison, PAGE_SIZE), "... and names the page");
	rt_check_eq(s->suspend, 2, "both faults were SUSPEND_ME");
	rt_check_eq(s->why_if, 2, "... because IF was 0");
	rt_check_eq(s->parks, 0, "nothing parked");
	rt_check_eq(s->failed, 1, "one fault finished FAIL");
	rt_check_eq(s->resumed, 1, "the other RESOLVED");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
