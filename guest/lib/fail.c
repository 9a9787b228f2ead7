/* guest/lib/fail.c: the FAIL outcome of a fault (docs/pv-protocol.md, "Guest steps" 9; API in
 * guest/lib/ve.h). The hypervisor could not produce the page and said so through the PV entry
 * with the record; guest/lib/ve.c has already released the entry (step 9's first half) and is
 * on the interrupted context's stack with IF=0. What happens next depends on who touched
 * the page:
 *
 *  (a) ring 3: the task is killed with a SIGBUS-like report (guest/lib/user.c), the rest of the
 *      guest goes on;
 *  (b) the kernel, at a load with an exception-table entry: the frame resumes at the fixup,
 *      and the helper returns -EFAULT to its caller (guest/lib/fixup.c);
 *  (c) the kernel anywhere else: nothing can continue safely, so the guest panics with the
 *      record and exits with status 2.
 *
 * Never retry: the access would fault again, and a second fault on a page that failed is
 * fatal to the whole VM (the hypervisor retries once, synchronously, then stops it). */
#include "guest/lib/fixup.h"
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/user.h"
#include "guest/lib/ve.h"

bool (*ve_hook_fail)(struct trapframe *tf, const struct fl_fault *rec);

const char *ve_fault_code(u32 code)
{
	static const char *const names[] = {
		[FL_FAULT_NONE] = "none",
		[FL_FAULT_OUTSIDE_RAM] = "outside-ram",
		[FL_FAULT_POISONED] = "poisoned",
		[FL_FAULT_IO_ERROR] = "io-error",
		[FL_FAULT_MISCONFIG] = "misconfig",
	};

	return code < ARRAY_SIZE(names) ? names[code] : "unknown";
}

static const char *access_name(u32 access)
{
	if (access & FL_ACC_EXEC)
		return "exec";
	return access & FL_ACC_WRITE ? "write" : "read";
}

static __attribute__((noreturn)) void panic(const struct trapframe *tf,
					    const struct fl_fault *rec)
{
	rt_printf("guest: PANIC: unhandled memory failure at rip=0x%lx: gpa=0x%lx code=%s\n",
		  tf->rip, (u64)rec->gpa, ve_fault_code(rec->code));
	rt_printf("guest:   fault record: gpa=0x%lx size=%lu gla=0x%lx access=%s flags=%s "
		  "(task %s, vcpu%u)\n", (u64)rec->gpa, (u64)rec->size, (u64)rec->gla,
		  access_name(rec->access),
		  rec->flags & FL_FAULT_GLA_VALID ? "gla-valid" : "none", sched_name(), cpu_id());
	rt_exit(EXIT_PANIC);
}

void ve_fail(struct trapframe *tf, const struct fl_fault *rec)
{
	if (ve_hook_fail && ve_hook_fail(tf, rec))
		return;
	if (trap_user_mode(tf))
		user_kill_bus(rec);
	if (fixup_apply(tf, rec))
		return;
	panic(tf, rec);
}
