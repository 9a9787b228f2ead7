/* guest/tests/fail_ignore.c: a guest that ignores FAIL and retries for ever must be stopped by
 * the hypervisor (seed 000's lesson; docs/pv-protocol.md "Failures"). Its FAIL handler
 * (ve_hook_fail, guest/lib/ve.h) prints "guest: fail-ignore: attempt N" and resumes the frame
 * unchanged, so the read of the page at poison= (default: the test region's first page;
 * the VM must have it in backing.poison) is retried. Expected: attempt 1 (a #VE, FAIL),
 * attempt 2 (a #VE on a failed page: the hypervisor retries it synchronously, fails again
 * and stops the VM with the record); never attempt 3. If the VM is still running after
 * MAX_ATTEMPTS the hook gives up and the guest panics (status 2). */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

#define MAX_ATTEMPTS	16

static unsigned attempts;

static bool ignore(struct trapframe *tf, const struct fl_fault *rec)
{
	(void)tf;
	(void)rec;
	if (attempts >= MAX_ATTEMPTS) {
		rt_printf("guest: FAIL fail-ignore: still running after %u attempts\n", attempts);
		return false;
	}
	rt_printf("guest: fail-ignore: attempt %u\n", ++attempts);
	return true;
}

static void reader(void *arg)
{
	u64 a = ALIGN_DOWN(ve_poison(), 8);

	(void)arg;
	rt_printf("guest: fail-ignore: reading 0x%lx, retrying on FAIL\n", a);
	rt_printf("guest: fail-ignore: attempt %u\n", ++attempts);
	(void)*(volatile u64 *)a;
	rt_printf("guest: FAIL fail-ignore: the read returned after %u attempts\n", attempts);
}

int main(const char *cmdline)
{
	(void)cmdline;
	ve_hook_fail = ignore;
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();
	task_create(reader, NULL, "reader");
	sched_run();
	return 1;
}
