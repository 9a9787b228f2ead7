/* guest/tests/deliver.c: a completion interrupt whose delivery itself faults, for the rule that
 * an event interrupted by an EPT violation is given back on every path (issue 11, defect
 * 3: the pause path dropped it, and the parked task never woke).
 *
 * The guest registers its own VE and PV areas (like guest/tests/apf_hog.c) with a handler of
 * its own on the completion vector, REPORTs one CAN_CONTINUE fault on page X (the VM's backing
 * latency keeps it in flight), then moves its stack to the top of page P, a lazy page it never
 * touched, and spins with IF=1. The completion's delivery pushes the interrupt frame onto P: an
 * EPT violation during event delivery, a synchronous fault. The VM line makes P flaky (its
 * first production fails) and on_fault=pause resume_ms=20: the VM pauses with the record,
 * resumes, the interrupt is delivered again, P is produced on the retry, and the handler runs
 * on P. If the interrupt were dropped at the pause, nothing would ever wake the spin: it gives
 * up after 5 s of guest time and the guest fails. */
#include "guest/lib/rt.h"
#include "guest/lib/trap.h"
#include "guest/lib/ve.h"

#define VECTOR		0xF5
#define GIVE_UP_US	(5ULL * 1000 * 1000)

static struct fl_ve_info vepage __attribute__((aligned(PAGE_SIZE)));
static struct {
	struct fl_pv_page pv;
	u8 pad[FL_PV_SIZE - sizeof(struct fl_pv_page)];
} pvarea __attribute__((aligned(PAGE_SIZE)));
static volatile u64 got, handler_rsp;
static u64 deadline;

static void completion(struct trapframe *tf)
{
	got++;
	handler_rsp = tf->rsp;
}

/* Spins on the stack whose top is `top` until the handler ran or the deadline passed. */
static void spin_on(u64 top)
{
	asm volatile(
		"mov %%rsp, %%rbx\n\t"
		"mov %0, %%rsp\n\t"
		"sti\n"
		"1:\tpause\n\t"
		"cmpq $0, %1\n\t"
		"jne 2f\n\t"
		"rdtsc\n\t"
		"shl $32, %%rdx\n\t"
		"or %%rdx, %%rax\n\t"
		"cmp %2, %%rax\n\t"
		"jb 1b\n"
		"2:\tcli\n\t"
		"mov %%rbx, %%rsp"
		: : "r"(top), "m"(got), "m"(deadline) : "rax", "rbx", "rdx", "memory", "cc");
}

int main(const char *cmdline)
{
	u64 x = ve_test_base(), p = x + PAGE_SIZE;
	struct fl_pv_entry *e = &pvarea.pv.entry[0];

	(void)cmdline;
	trap_register(VECTOR, completion);
	if (!rt_check_eq(rt_hypercall(FL_HC_VE_REGISTER, (u64)&vepage, (u64)&pvarea, VECTOR, 0), 0,
			 "FL_HC_VE_REGISTER -> 0"))
		return rt_report();
	asm volatile("cli" ::: "memory");
	e->fault.gpa = x;
	e->fault.size = PAGE_SIZE;
	e->fault.access = FL_ACC_READ;
	e->state = FL_PV_CAN_CONTINUE;
	pvarea.pv.active[0] = 1;
	rt_check_eq(rt_hypercall(FL_HC_VE_REPORT, 0, FL_PV_CAN_CONTINUE, 0, 0), 0,
		    "FL_HC_VE_REPORT(CAN_CONTINUE) of page X -> 0");
	rt_printf("guest: deliver: fault on 0x%lx in flight; spinning on a stack in 0x%lx\n", x, p);
	deadline = rt_tsc() + GIVE_UP_US * rt_tsc_khz() / 1000;
	spin_on(p + PAGE_SIZE);
	rt_check_eq(got, 1, "the completion interrupt was delivered once");
	rt_check(handler_rsp > p && handler_rsp <= p + PAGE_SIZE, "... on the stack in page P");
	rt_check_eq(e->state, FL_PV_RESOLVED, "the entry is RESOLVED");
	rt_check_eq(*(volatile u64 *)x, ve_pattern(x), "page X holds the pattern");
	e->state = FL_PV_NONE;
	pvarea.pv.active[0] = 0;
	rt_check_eq(rt_hypercall(FL_HC_VE_UNREGISTER, 0, 0, 0, 0), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
