/* guest/tests/fail_panic.c: a memory failure in kernel code without a fixup is a panic
 * (docs/pv-protocol.md step 9, case (c) of guest/lib/fail.c). A kernel task reads the word at
 * poison= (default: the test region's first page; the VM must have it in backing.poison)
 * with a plain load: the entry comes back FAIL, there is no exception-table entry, and the
 * guest prints "guest: PANIC: unhandled memory failure at rip=...: gpa=... code=poisoned"
 * and exits with status 2. Getting past the read is a failure (status 1). */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

static void reader(void *arg)
{
	u64 a = ALIGN_DOWN(ve_poison(), 8);

	(void)arg;
	rt_printf("guest: fail-panic: reading 0x%lx without a fixup\n", a);
	(void)*(volatile u64 *)a;
	rt_printf("guest: FAIL the read of a poisoned page returned\n");
}

int main(const char *cmdline)
{
	(void)cmdline;
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();
	task_create(reader, NULL, "reader");
	sched_run();
	return 1;
}
