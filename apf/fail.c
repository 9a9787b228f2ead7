/* apf/fail.c: what happens when a page cannot be produced (issue 6; seed 000 is the lesson:
 * a failure nobody reports turns into a guest retrying the access for ever).
 *
 * - A CAN_CONTINUE or SUSPEND_ME fault that fails: the entry says FAIL with the record; the
 *   guest decides (kill the task, fix up, panic). The page enters the VM's failed-page set.
 * - A fault on a page in that set is never sent to the pool again: it is retried once,
 *   synchronously; if that fails too, the VM is stopped (or paused, on_fault=pause) with the
 *   record. A retry that succeeds (a transient failure) takes the page out of the set.
 * - A failure the guest cannot be told about (busy-word exit, unregistered guest, CR0.PE=0)
 *   stops or pauses the VM with the record at once.
 * - The set is bounded; when it is full the oldest page is evicted and counted, and after
 *   fail_limit failures every further failure is treated as fatal, so no combination of
 *   pages and evictions lets a guest loop for ever.
 *
 * The page's own state (FAILED, its code) is apf/page.c's: it calls apf_page_failed and
 * apf_page_produced as a production ends, under the VM's apf lock. */
#include "apf/apf.h"
#include "apf/page.h"
#include "vmm/vm.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/tsc.h"
#include "lib/fmt.h"

const char *const on_fault_names[] = { "stop", "pause", 0 };

void apf_page_failed(struct vm *vm, u64 gpa, u32 code)
{
	struct apf_vm *a = &vm->apf;
	apf_recent_done(vm, gpa, RECENT_FAILED, code);
	__atomic_add_fetch(&a->st.failures, 1, __ATOMIC_RELAXED);
	if (failset_add(&a->failed, gpa))
		pr_warn("vm %s: failed-page set full: evicted the oldest page (%lu evictions)",
			vm->name, a->failed.evicted);
}

void apf_page_produced(struct vm *vm, u64 gpa)
{
	apf_recent_done(vm, gpa, RECENT_PRESENT, 0);
	if (failset_remove(&vm->apf.failed, gpa))
		pr_info("vm %s: page 0x%lx produced on retry: transient failure cleared", vm->name,
			(u64)(gpa & ~(PAGE_SIZE - 1)));
}

bool apf_page_failed_before(struct vm *vm, u64 gpa)
{
	return failset_has(&vm->apf.failed, gpa) ||
	       __atomic_load_n(&vm->apf.st.failures, __ATOMIC_RELAXED) >= vm->apf.fail_limit;
}

/* A fault the guest cannot be told about. on_fault=pause pauses the VM, but only while the
 * VM is under fail_limit: resume_ms= would otherwise resume it into the same failing
 * access for ever (issue 11: 8469 pauses and resumes without end). From fail_limit on,
 * every path stops the VM, the synchronous-exit path included. */
static void fatal(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what,
		  const char *where)
{
	char why[200];
	struct apf_vm *a = &vm->apf;

	if (a->on_fault != ON_FAULT_PAUSE) {
		vm_stop_fault_at(vm, f, rip, what, where);
		return;
	}
	if (__atomic_load_n(&a->st.failures, __ATOMIC_RELAXED) >= a->fail_limit) {
		fmt(why, sizeof(why), "%s (on_fault=pause, but fail_limit=%lu failures reached: "
		    "stopping)", what, a->fail_limit);
		vm_stop_fault_at(vm, f, rip, why, where);
		return;
	}
	vm_pause_fault_at(vm, f, rip, what, where);
}

void apf_fault_fatal(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what)
{
	char where[48];
	fmt(where, sizeof(where), "at rip=0x%lx", rip);
	fatal(vm, f, rip, what, where);
}

void apf_fault_fatal_reported(struct vm *vm, const struct fl_fault *f, u64 vmcall_rip,
			      const char *what)
{
	char where[80];
	fmt(where, sizeof(where), "(reported by REPORT at rip=0x%lx)",
	    vmcall_rip);
	fatal(vm, f, vmcall_rip, what, where);
}

void apf_fault_fatal_posted(struct vm *vm, const struct fl_fault *f, u32 vcpu, const char *what)
{
	char where[80];
	fmt(where, sizeof(where), "(posted in vcpu%u's PV page)", vcpu);
	fatal(vm, f, 0, what, where);
}

void apf_fail_summary(struct vm *vm)
{
	struct failset *s = &vm->apf.failed;
	if (!vm->apf.lazy)
		return;
	pr_info("summary:   apf: failures=%lu sync-retries=%lu, failed-page set: %u page(s) "
		"(added %lu, cleared %lu, evicted %lu)", vm->apf.st.failures,
		vm->apf.st.sync_retries, s->n, s->added, s->removed, s->evicted);
	for (u32 i = 0; i < s->n; i++)
		pr_info("summary:   apf: failed page 0x%lx", failset_at(s, i));
}

/* The monitor's `faults VM`, its failure part. */
void apf_failed_print(struct vm *vm, void (*out)(const char *fmt, ...))
{
	struct failset *s = &vm->apf.failed;
	out("  %s: failures=%lu, failed-page set %u page(s), evicted %lu", vm->name,
	    vm->apf.st.failures, s->n, s->evicted);
	for (u32 i = 0; i < s->n; i++) {
		u64 gpa = failset_at(s, i);
		out("  failed page 0x%lx code=%u", gpa, page_fail_code(vm, gpa));
	}
}
