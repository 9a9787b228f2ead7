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
 * The recent-fault ring (`faults VM` in the monitor) lives here too: how each fault came
 * in and what became of its page. */
#include "apf/apf.h"
#include "vmm/vm.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/tsc.h"
#include "lib/fmt.h"

const char *const on_fault_names[] = { "stop", "pause", 0 };

static void recent_done(struct vm *vm, u64 gpa, unsigned state, u32 code);

void apf_page_failed(struct vm *vm, u64 gpa, u32 code)
{
	struct apf_vm *a = &vm->apf;
	/* The code first, then the state with release order: a waiter that reads FAILED
	 * without the lock (apf/worker.c: spin_page) reads this code, not the last one. */
	a->fail_code[gpa / PAGE_SIZE] = (u8)code;
	__atomic_store_n(&a->page[gpa / PAGE_SIZE], PAGE_FAILED, __ATOMIC_RELEASE);
	recent_done(vm, gpa, RECENT_FAILED, code);
	__atomic_add_fetch(&a->st.failures, 1, __ATOMIC_RELAXED);
	if (failset_add(&a->failed, gpa))
		pr_warn("vm %s: failed-page set full: evicted the oldest page (%lu evictions)",
			vm->name, a->failed.evicted);
}

/* Under the apf lock: the ring entries of gpa's page still in flight take its outcome. */
static void recent_done(struct vm *vm, u64 gpa, unsigned state, u32 code)
{
	struct apf_vm *a = &vm->apf;
	for (u32 i = 0; i < APF_RECENT; i++) {
		struct apf_recent *r = &a->recent[i];
		if (r->state == RECENT_IN_FLIGHT && r->tsc && r->gpa == (gpa & ~(PAGE_SIZE - 1))) {
			r->state = (u8)state;
			r->code = code;
		}
	}
}

void apf_recent_add(struct vm *vm, u32 vcpu, u64 gpa, unsigned path, unsigned decision)
{
	struct apf_vm *a = &vm->apf;
	u64 f = spin_lock_irqsave(&a->lock);
	struct apf_recent *r = &a->recent[a->nrecent++ % APF_RECENT];
	u8 page = a->page[gpa / PAGE_SIZE];

	r->gpa = gpa & ~(PAGE_SIZE - 1);
	r->tsc = rdtsc();
	r->vcpu = (u8)vcpu;
	r->path = (u8)path;
	r->decision = (u8)decision;
	r->state = page == PAGE_PRESENT ? RECENT_PRESENT : page == PAGE_FAILED ? RECENT_FAILED :
		   RECENT_IN_FLIGHT;
	r->code = page == PAGE_FAILED ? a->fail_code[gpa / PAGE_SIZE] : 0;
	spin_unlock_irqrestore(&a->lock, f);
}

void apf_recent_print(struct vm *vm, void (*out)(const char *fmt, ...))
{
	static const char *const paths[] = { "hw-#VE", "sw-#VE", "busy-word-exit",
					     "unregistered-exit", "apf-off-exit", "in-delivery-exit",
					     "real-mode-exit" };
	static const char *const states[] = { "in flight", "present", "FAILED" };
	struct apf_vm *a = &vm->apf;
	u64 gpa[8], now = rdtsc();
	u32 waiters[8];

	u64 f = spin_lock_irqsave(&a->lock);
	u32 n = workers_inflight(vm, gpa, waiters, 8);
	spin_unlock_irqrestore(&a->lock, f);
	for (u32 i = 0; i < n; i++)
		out("  in flight: page 0x%lx, %u waiter(s)", gpa[i], waiters[i]);
	u64 first = a->nrecent > APF_RECENT ? a->nrecent - APF_RECENT : 0;
	for (u64 i = first; i < a->nrecent; i++) {
		struct apf_recent r = a->recent[i % APF_RECENT];
		out("  fault #%lu: vcpu%u gpa=0x%lx %s%s -> %s%s%s, %lu us ago", i, r.vcpu, r.gpa,
		    paths[r.path % ARRAY_SIZE(paths)], !r.decision ? "" : r.decision == FL_PV_SUSPEND_ME ?
		    " SUSPEND_ME" : " CAN_CONTINUE", states[r.state % 3],
		    r.state == RECENT_FAILED ? " code=" : "",
		    r.state == RECENT_FAILED ? fault_code_name(r.code) : "", tsc_to_us(now - r.tsc));
	}
}

void apf_page_produced(struct vm *vm, u64 gpa)
{
	recent_done(vm, gpa, RECENT_PRESENT, 0);
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

void vm_fault_fatal(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what)
{
	char where[48];
	fmt(where, sizeof(where), "at rip=0x%lx", rip);
	fatal(vm, f, rip, what, where);
}

void vm_fault_fatal_reported(struct vm *vm, const struct fl_fault *f, u64 vmcall_rip,
			     const char *what)
{
	char where[80];
	fmt(where, sizeof(where), "(reported by REPORT at rip=0x%lx)",
	    vmcall_rip);
	fatal(vm, f, vmcall_rip, what, where);
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
		pr_info("summary:   apf: failed page 0x%lx", s->page[(s->head + i) % FAILSET_MAX]);
}
