/* guest/tests/ve_badcalls.c: every PV hypercall with each invalid argument gets the error that
 * docs/pv-protocol.md documents, changes nothing, and leaves the VM healthy: afterwards a
 * good REGISTER works and absent pages fault in normally. (FL_EPERM needs CPL 3, which the
 * runtime does not have.) */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"
#include "lib/string.h"

#define TEST_IDX	63	/* an entry far from the ones real #VEs take first */
#define GOOD_PAGES	4

static u64 ve, pvg, ram_end, base;
static u64 first_bad, bad_words;

static s64 reg(u64 ve_gpa, u64 pv_gpa, u64 vector, u64 flags)
{
	return rt_hypercall(FL_HC_VE_REGISTER, ve_gpa, pv_gpa, vector, flags);
}

static s64 report(u64 index, u64 decision)
{
	return rt_hypercall(FL_HC_VE_REPORT, index, decision, 0, 0);
}

static s64 unreg(void)
{
	return rt_hypercall(FL_HC_VE_UNREGISTER, 0, 0, 0, 0);
}

static void before_register(void)
{
	rt_check_eq(report(0, FL_PV_SUSPEND_ME), FL_ENOENT, "REPORT before REGISTER -> FL_ENOENT");
	rt_check_eq(unreg(), FL_ENOENT, "UNREGISTER before REGISTER -> FL_ENOENT");
	rt_check_eq(reg(ve, pvg, VE_VECTOR, 2), FL_EINVAL, "REGISTER flags=2 (reserved) -> FL_EINVAL");
	rt_check_eq(reg(ve + 8, pvg, VE_VECTOR, 0), FL_EINVAL,
		    "REGISTER misaligned VE page -> FL_EINVAL");
	rt_check_eq(reg(ve, pvg + 8, VE_VECTOR, 0), FL_EINVAL,
		    "REGISTER misaligned PV area -> FL_EINVAL");
	rt_check_eq(reg(ram_end, pvg, VE_VECTOR, 0), FL_EFAULT,
		    "REGISTER VE page beyond RAM -> FL_EFAULT");
	rt_check_eq(reg(ve, ram_end - PAGE_SIZE, VE_VECTOR, 0), FL_EFAULT,
		    "REGISTER PV area crossing the end of RAM -> FL_EFAULT");
	rt_check_eq(reg(ve, ve, VE_VECTOR, 0), FL_EINVAL,
		    "REGISTER VE page inside the PV area -> FL_EINVAL");
	rt_check_eq(reg(ve, pvg, 31, 0), FL_EINVAL, "REGISTER vector 31 -> FL_EINVAL");
	rt_check_eq(reg(ve, pvg, 256, 0), FL_EINVAL, "REGISTER vector 256 -> FL_EINVAL");
	rt_check_eq(report(0, FL_PV_SUSPEND_ME), FL_ENOENT,
		    "REPORT after the refused REGISTERs -> still FL_ENOENT");
}

/* Each call below fails for exactly one reason: the others are made right. */
static void bad_reports(void)
{
	struct fl_pv_page *p = ve_pv_page();
	struct fl_pv_entry *e = &p->entry[TEST_IDX];
	u64 bit = 1ULL << TEST_IDX;

	e->fault = (struct fl_fault){ .gpa = base + 64 * PAGE_SIZE, .size = PAGE_SIZE };
	e->state = FL_PV_SUSPEND_ME;
	rt_check_eq(report(FL_PV_ENTRIES, FL_PV_SUSPEND_ME), FL_EINVAL,
		    "REPORT index 64 -> FL_EINVAL");
	rt_check_eq(report(TEST_IDX, FL_PV_SUSPEND_ME), FL_EINVAL,
		    "REPORT of an inactive entry -> FL_EINVAL");

	p->active[0] |= bit;
	e->state = FL_PV_CAN_CONTINUE;
	rt_check_eq(report(TEST_IDX, FL_PV_SUSPEND_ME), FL_EINVAL,
		    "REPORT with state != decision -> FL_EINVAL");
	e->state = 0;
	rt_check_eq(report(TEST_IDX, 0), FL_EINVAL, "REPORT decision 0 (NONE) -> FL_EINVAL");
	e->state = 7;
	rt_check_eq(report(TEST_IDX, 7), FL_EINVAL, "REPORT decision 7 -> FL_EINVAL");
	e->state = FL_PV_RESOLVED;
	rt_check_eq(report(TEST_IDX, FL_PV_RESOLVED), FL_EINVAL,
		    "REPORT decision RESOLVED (a host state) -> FL_EINVAL");

	e->state = FL_PV_SUSPEND_ME;
	e->fault.gpa = ram_end;
	rt_check_eq(report(TEST_IDX, FL_PV_SUSPEND_ME), FL_EFAULT,
		    "REPORT of a fault beyond RAM -> FL_EFAULT");

	memset(e, 0, sizeof(*e));
	p->active[0] &= ~bit;
}

static void toucher(void *arg)
{
	(void)arg;
	for (u64 i = 0; i < GOOD_PAGES; i++)
		first_bad += !ve_touch(base + i * PAGE_SIZE);
	for (u64 i = 0; i < GOOD_PAGES; i++)
		bad_words += ve_check_page(base + i * PAGE_SIZE);
}

int main(const char *cmdline)
{
	(void)cmdline;
	ve = (u64)ve_info_page();
	pvg = (u64)ve_pv_page();
	ram_end = ALIGN_DOWN(rt_mem_upper(), PAGE_SIZE);
	base = ve_test_base();
	if (!rt_check(ve_test_pages(65) == 65, "room for the test pages"))
		return rt_report();
	ve_install(VE_VECTOR);

	before_register();
	rt_check_eq(ve_register(VE_VECTOR), 0, "good REGISTER -> 0");
	rt_check_eq(ve_register(VE_VECTOR), FL_EBUSY, "second REGISTER -> FL_EBUSY");
	bad_reports();
	rt_check_eq(ve_unregister(), 0, "UNREGISTER -> 0");
	rt_check_eq(ve_register(VE_VECTOR), 0, "REGISTER again -> 0");

	task_create(toucher, NULL, "toucher");
	sched_run();
	ve_print_stats("ve-badcalls");
	rt_check(ve_stats.ve >= GOOD_PAGES, "the VM still takes #VEs: one per page touched");
	rt_check_eq(ve_stats.resumed, ve_stats.ve, "every #VE finished RESOLVED");
	rt_check(first_bad == 0, "each first touch read fl_pattern(address)");
	rt_check(bad_words == 0, "every word of every page holds fl_pattern(address)");
	rt_check_eq(ve_unregister(), 0, "UNREGISTER -> 0");
	return rt_report();
}
