/* apf/recent.c: the last APF_RECENT faults of a VM, for the monitor's `faults VM`: how
 * each came in (the path), what the guest decided, and what became of its page. A ring
 * under the VM's apf lock; entries of a page in flight take its outcome when the
 * production ends (apf/fail.c). */
#include "apf/apf.h"
#include "apf/page.h"
#include "vmm/vm.h"
#include "host/cpu.h"
#include "host/tsc.h"

/* Under the apf lock: the ring entries of gpa's page still in flight take its outcome. */
void apf_recent_done(struct vm *vm, u64 gpa, unsigned state, u32 code)
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
	u8 page = page_state(vm, gpa);

	r->gpa = gpa & ~(PAGE_SIZE - 1);
	r->tsc = rdtsc();
	r->vcpu = (u8)vcpu;
	r->path = (u8)path;
	r->decision = (u8)decision;
	r->state = page == PAGE_PRESENT ? RECENT_PRESENT : page == PAGE_FAILED ? RECENT_FAILED :
		   RECENT_IN_FLIGHT;
	r->code = page == PAGE_FAILED ? page_fail_code(vm, gpa) : 0;
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


/* The monitor's `faults VM`: the failure policy's state, each vCPU's PV state, the pages
 * in flight and the ring. */
void apf_faults_print(struct vm *vm, void (*out)(const char *fmt, ...))
{
	apf_failed_print(vm, out);
	for (u32 j = 0; j < vm->nvcpus; j++) {
		struct pv_vcpu *p = &vm->vcpus[j].apf.pv;
		out("  vcpu%u: outstanding CAN_CONTINUE=%u held=0x%lx pending completion=%s", j,
		    p->outstanding, p->held, p->pending ? "yes" : "no");
	}
	apf_recent_print(vm, out);
}
