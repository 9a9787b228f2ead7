/* apf/apf.c: asynchronous page faults, the hypervisor side (see apf/apf.h and
 * docs/pv-protocol.md): lazily backed RAM, software #VE, the synchronous path, the PV
 * hypercalls, and the injection of completions. */
#include "apf/apf.h"
#include "apf/page.h"
#include "apf/ram.h"
#include "apf/swap.h"
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/smp.h"
#include "host/tsc.h"
#include "lib/string.h"

#define QUAL_GLA_VALID	(1ULL << 7)

const char *const ve_mode_names[] = { "auto", "hw", "sw", 0 };
volatile u32 apf_npolled;

static void *mem_ptr(void *ctx, u64 gpa, u64 len)
{
	return ram_ptr(ctx, gpa, len);	/* REGISTER's areas: pinned */
}

static struct pv_mem vm_mem(struct vm *vm)
{
	return (struct pv_mem){ vm->mem, mem_ptr, vm };
}

/* The VM's lazily backed RAM: page states (apf/page.c), the backing store's attempt
 * counts for flaky pages, and the job slots (apf/worker.c). Nothing for other RAM. */
int apf_vm_alloc(struct vm *vm, char *err, size_t len)
{
	struct apf_vm *a = &vm->apf;
	u64 n = ALIGN_UP(vm->mem / PAGE_SIZE, PAGE_SIZE) / PAGE_SIZE;

	failset_init(&a->failed);
	if (ram_alloc(vm, err, len))
		return -1;
	if (!a->lazy)
		return 0;
	if (a->backing.flaky.n)
		a->backing.attempts = page_alloc_zeroed(n);
	if (page_states_alloc(vm) || apf_jobs_init(vm) ||
	    (a->backing.flaky.n && !a->backing.attempts)) {
		strlcpy(err, "out of memory for the page states of lazy RAM", len);
		return -1;
	}
	return 0;
}

void apf_vm_release(struct vm *vm)
{
	struct apf_vm *a = &vm->apf;
	u64 n = ALIGN_UP(vm->mem / PAGE_SIZE, PAGE_SIZE) / PAGE_SIZE;

	ram_release(vm);
	page_states_free(vm);
	if (a->backing.attempts)
		frame_free((u64)a->backing.attempts, n);
	if (a->jobs)
		frame_free((u64)a->jobs, a->jobs_pages);
}

/* Lazily backed RAM: every page absent except those the loader wrote (apf/page.c). */
int apf_vm_setup(struct vm *vm, char *err, size_t len)
{
	if (!vm->apf.lazy)
		return ept_map(&vm->ept, 0, vm->ram_hpa, vm->mem, EPT_RWX) ? -1 : 0;
	if (page_map_initial(vm)) {
		strlcpy(err, "out of memory for the EPT of lazily backed RAM", len);
		return -1;
	}
	return 0;
}

/* The monitor's poison of a page the guest already has: absent again, in the shape lazily
 * backed RAM starts with (apf/page.c: page_unmap; the caller flushes). */
int apf_unmap(struct vm *vm, u64 gpa)
{
	u64 hpa;
	u32 slot1;

	if (!vm->apf.lazy || gpa >= vm->mem)
		return -1;
	int r = page_unmap(vm, gpa, &hpa, &slot1);
	if (r)
		return r;
	if (slot1)
		swap_free(slot1 - 1);
	/* The frame is reused only once no vCPU can reach it; if one did not answer, it is
	 * leaked rather than handed to somebody else while reachable. */
	if (vm_ept_flush(vm))
		ram_frame_put(vm, hpa);
	return 0;
}

/* A page being evicted is taken back at once rather than written out and read in again. */
static bool rescue(struct vm *vm, u64 gpa)
{
	if (page_state(vm, gpa) != PAGE_EVICTING)
		return false;
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	bool r = page_rescue(vm, gpa);
	spin_unlock_irqrestore(&vm->apf.lock, f);
	return r;
}

/* Software #VE (docs/pv-protocol.md, "A violation on lazily backed RAM"): what the CPU
 * would write, in the same order (busy word last), then vector 20 as a hardware exception
 * without error code. */
static void sw_ve_deliver(struct vcpu *v, struct fl_ve_info *ve, u64 gpa, u64 qual)
{
	ve->exit_reason = EXIT_EPT_VIOLATION;
	ve->qual = qual;
	ve->gla = (qual & QUAL_GLA_VALID) ? vmread(GUEST_LINEAR_ADDR) : 0;
	ve->gpa = gpa;
	ve->eptp_index = 0;
	__atomic_store_n(&ve->busy, FL_VE_BUSY, __ATOMIC_RELEASE);
	inject_exception(v, FL_VE_VECTOR, false, 0);
	/* A hardware-#VE VM counts its #VEs at REPORT (they never exit); one delivered here
	 * for it (the switch-on gap, sw_ve_target) is counted there too, not twice. */
	if (v->vm->apf.ve == VE_SW)
		APF_STAT(v->vm, sw_ve, 1);
}

static void set_hw_ve(struct vcpu *v, bool on);

/* Would the CPU deliver this violation as a #VE? The SDM's conditions, checked by hand.
 * A hardware-#VE vCPU whose VMCS still has #VE off (the monitor's `apf on` came while it
 * was in the guest; apf_before_entry applies it at the next entry) gets it switched on now
 * and this one violation delivered in software, as the CPU would have delivered it. */
static struct fl_ve_info *sw_ve_target(struct vcpu *v)
{
	struct pv_mem m = vm_mem(v->vm);
	struct fl_ve_info *ve;
	bool sw = v->vm->apf.ve == VE_SW;

	if (!v->apf.pv.registered || v->vm->apf.off)
		return 0;
	if (!sw && !v->apf.ve_on) {
		set_hw_ve(v, true);
		sw = true;
	}
	if (!sw)
		return 0;
	if (!(vmread(GUEST_CR0) & CR0_PE) || (vmread(IDT_VECTORING_INFO) & INTR_VALID))
		return 0;
	ve = pv_ve_info(&v->apf.pv, &m);
	return ve && __atomic_load_n(&ve->busy, __ATOMIC_ACQUIRE) == 0 ? ve : 0;
}

/* Why a violation on lazy RAM became a synchronous fault, for the counters and the ring:
 * nobody to tell, apf switched off, an event being delivered (the CPU never makes a #VE of
 * that, and neither do we), real mode, or the guest still in its #VE handler. */
static unsigned sync_path(struct vcpu *v)
{
	if (!v->apf.pv.registered)
		return RECENT_UNREG;
	if (v->vm->apf.off)
		return RECENT_OFF;
	if (vmread(IDT_VECTORING_INFO) & INTR_VALID)
		return RECENT_DELIVERY;
	if (!(vmread(GUEST_CR0) & CR0_PE))
		return RECENT_PE0;
	return RECENT_BUSY;
}

static void count_sync(struct vm *vm, unsigned path)
{
	switch (path) {
	case RECENT_UNREG: APF_STAT(vm, unreg_exits, 1); break;
	case RECENT_OFF: APF_STAT(vm, off_exits, 1); break;
	case RECENT_DELIVERY: APF_STAT(vm, vectoring_exits, 1); break;
	case RECENT_PE0: APF_STAT(vm, pe0_exits, 1); break;
	default: APF_STAT(vm, busy_exits, 1); break;
	}
}

/* Every way out of here that lets the vCPU enter the guest again gives back the event the
 * violation interrupted (a completion, a device interrupt, an exception: SDM Vol. 3C
 * 28.2.4, "Information for VM Exits During Event Delivery"); dropping it would leave a
 * parked task asleep or a busy word set for ever. A software #VE is only made when no
 * event was being delivered, so it never has one to give back. */
void apf_ept_violation(struct vcpu *v, u64 gpa, u64 qual)
{
	struct vm *vm = v->vm;
	struct fl_ve_info *ve;
	struct fl_fault rec;
	u64 t0;

	gpa &= ~(PAGE_SIZE - 1);
	if (page_state(vm, gpa) == PAGE_PRESENT || rescue(vm, gpa)) {
		inject_vectoring(v);	/* mapped meanwhile by another CPU, or taken back
					 * from an eviction: retry */
		return;
	}
	ve = sw_ve_target(v);
	if (ve) {
		sw_ve_deliver(v, ve, gpa, qual);
		return;
	}
	/* A synchronous fault: the vCPU stays out of the guest until the page is present. */
	unsigned path = sync_path(v);
	count_sync(vm, path);
	apf_recent_add(vm, v->index, gpa, path, 0);
	t0 = rdtsc();
	if (apf_fetch_sync(v, gpa, &rec)) {
		rec.access = qual & 7;		/* FL_ACC_* match the qualification's bits 0-2 */
		if (qual & QUAL_GLA_VALID) {
			rec.gla = vmread(GUEST_LINEAR_ADDR);
			rec.flags |= FL_FAULT_GLA_VALID;
		}
		apf_fault_fatal(vm, &rec, vmread(GUEST_RIP), "synchronous fault failed (the guest "
				"cannot be told)");
		if (vm->state != VM_STOPPED)
			inject_vectoring(v);	/* paused: a resume retries the access */
		return;
	}
	APF_STAT(vm, suspended_tsc, rdtsc() - t0);
	inject_vectoring(v);
}

/* ---- completions ---- */

static void complete(struct vcpu *v, u32 index, const struct fl_fault *fail, bool sync)
{
	struct pv_mem m = vm_mem(v->vm);
	u64 flags = spin_lock_irqsave(&v->apf.lock);
	bool held = v->apf.pv.held & (1ULL << index);
	bool cont = held && v->apf.pv.decision[index] == FL_PV_CAN_CONTINUE && !sync;
	bool was_pending = v->apf.pv.pending;
	bool kick = pv_complete(&v->apf.pv, &m, index, fail, sync, rdtsc());
	if (!was_pending && v->apf.pv.pending)
		v->apf.posted_tsc = rdtsc();
	spin_unlock_irqrestore(&v->apf.lock, flags);
	struct apf_stats *st = &v->vm->apf.st;
	if (held)	/* each accepted REPORT ends here exactly once */
		__atomic_add_fetch(fail ? &st->failed : &st->resolved, 1, __ATOMIC_RELAXED);
	if (cont) {
		u64 t = rdtsc() - v->apf.report_tsc[index];
		unsigned b = 0;
		while (b < 7 && t >= (1024ULL << (2 * b)))
			b++;
		__atomic_add_fetch(&st->completions, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&st->lat_hist[b], 1, __ATOMIC_RELAXED);
	}
	if (kick) {
		__atomic_add_fetch(&st->kicks, 1, __ATOMIC_RELAXED);
		smp_kick(v->cpu);	/* out of guest mode or out of HLT, to inject */
	} else if (cont && v->apf.pv.polled) {
		workers_wake_poller();	/* a sleeping poller would miss its deadline */
	}
}

void apf_complete_waiter(struct pv_waiter w, const struct fl_fault *fail)
{
	if (w.index >= 0) {
		complete(w.v, (u32)w.index, fail, false);
		if (fail && w.fatal)
			apf_fault_fatal_posted(w.v->vm, fail, w.v->index, "access to a failed page "
					       "failed again on its retry");
	} else {
		apf_sync_done(w.v, fail);	/* a vCPU waiting synchronously: its result */
		smp_kick(w.v->cpu);
	}
}

bool apf_event_pending(struct vcpu *v)
{
	return v->apf.pv.pending;
}

/* The monitor's apf switch: hardware #VE follows it at the next entry. */
void apf_before_entry(struct vcpu *v)
{
	if (apf_switch_due(&v->vm->apf, &v->apf))
		set_hw_ve(v, !v->vm->apf.off);
}

/* vmm/inject.c decided a completion goes in with this entry: which vector (the pending
 * entries it covers are batched into one interrupt). */
bool apf_take_completion(struct vcpu *v, u8 *vector)
{
	u32 batched;
	u64 flags = spin_lock_irqsave(&v->apf.lock);
	bool take = pv_take_pending(&v->apf.pv, vector, &batched);
	u64 posted = v->apf.posted_tsc;
	spin_unlock_irqrestore(&v->apf.lock, flags);
	if (take) {
		APF_STAT(v->vm, ph_inj, 1);
		APF_STAT(v->vm, ph_inject, rdtsc() - posted);
		APF_STAT(v->vm, injections, 1);
		APF_STAT(v->vm, batched, batched > 1 ? batched - 1 : 0);
	}
	return take;
}

/* ---- hypercalls ---- */

static void set_hw_ve(struct vcpu *v, bool on)
{
	u64 p2 = vmread(PROC_CONTROLS2);
	if (on) {
		/* A host-physical address: the page is pinned, its frame stays. */
		vmwrite(VE_INFO_ADDR, (u64)ram_ptr(v->vm, v->apf.pv.ve_gpa, PAGE_SIZE));
		vmwrite(EPTP_INDEX, 0);
		p2 |= PROC2_EPT_VE;
	} else {
		p2 &= ~(u64)PROC2_EPT_VE;
	}
	vmwrite(PROC_CONTROLS2, p2);
	v->apf.ve_on = on;
}

/* Guest memory the host is about to read or write for the guest must be present: the CPU
 * writes the VE information by physical address, a later fetch would overwrite what the
 * guest put in its PV page, and a PUTS buffer the guest never touched holds the backing
 * store's content, not the zeroed frame. [gpa, gpa + len) is inside RAM (the callers
 * checked); every page it touches is produced, synchronously, on this vCPU. */
int apf_make_present(struct vcpu *v, u64 gpa, u64 len)
{
	struct vm *vm = v->vm;
	struct fl_fault rec;
	if (!vm->apf.lazy || !len)
		return 0;
	for (u64 a = gpa & ~(PAGE_SIZE - 1); a < gpa + len; a += PAGE_SIZE) {
		/* A page that failed (or a VM past fail_limit) is not produced again for a
		 * hypercall: only a fault's one synchronous retry may try it again, so a guest
		 * cannot make the pool retry a bad page for ever through PUTS or REGISTER. */
		u64 f = spin_lock_irqsave(&vm->apf.lock);
		bool failed = apf_page_failed_before(vm, a);
		spin_unlock_irqrestore(&vm->apf.lock, f);
		if (failed || apf_fetch_sync(v, a, &rec))
			return -1;
	}
	return 0;
}

/* REGISTER's check that its areas are RAM (apf/pv.c's in_ram) comes before they are made
 * present: a lazily backed page may have no frame yet, so the answer only says "RAM" (a
 * non-NULL token that pv_register never dereferences). */
static void *ram_reach(void *ctx, u64 gpa, u64 len)
{
	struct vm *vm = ctx;
	return gpa < vm->mem && len <= vm->mem - gpa ? (void *)vm : 0;
}

/* The areas present and pinned: the CPU writes the VE information by host-physical address
 * and the host reads the PV page without a lock, so neither may be evicted while
 * registered. A page evicted between the two steps is made present again (bounded). */
static int pin_areas(struct vcpu *v, u64 ve_gpa, u64 pv_gpa)
{
	struct vm *vm = v->vm;
	/* Bounded: an eviction in flight ends within a disk write (the driver's deadline). */
	for (int i = 0; i < 64; i++) {
		int r = -2;
		if (apf_make_present(v, ve_gpa, PAGE_SIZE) || apf_make_present(v, pv_gpa, FL_PV_SIZE))
			return -1;
		if (ram_pin(vm, ve_gpa, true))
			continue;
		if (!ram_pin(vm, pv_gpa, true)) {
			if (!ram_pin(vm, pv_gpa + PAGE_SIZE, true)) {
				r = ram_join(vm, pv_gpa, FL_PV_SIZE / PAGE_SIZE);
				if (!r)
					return 0;
				ram_pin(vm, pv_gpa + PAGE_SIZE, false);
			}
			ram_pin(vm, pv_gpa, false);
		}
		ram_pin(vm, ve_gpa, false);
		if (r == -1)
			return -1;	/* shared with another registration: refused */
		udelay(1000);
	}
	return -1;
}

int apf_guest_read(struct vcpu *v, u64 gpa, void *buf, u64 len)
{
	u64 missing;
	/* Each turn makes one missing page present; a page may be evicted again before the
	 * copy (a small cap), so a few turns more than the pages, and no more. */
	for (u64 i = 0; i < len / PAGE_SIZE + 6; i++) {
		int r = ram_copy(v->vm, gpa, buf, len, false, &missing);
		if (r <= 0)
			return r;
		if (apf_make_present(v, missing, 1))
			return -1;
	}
	return -1;
}

s64 apf_hc_register(struct vcpu *v, u64 ve_gpa, u64 pv_gpa, u64 vector, u64 flags)
{
	struct pv_mem m = { v->vm->mem, ram_reach, v->vm };
	if (v->vm->apf.off)
		return FL_EPERM;	/* apf=off: the guest stays unregistered, faults are sync */
	u64 f = spin_lock_irqsave(&v->apf.lock);
	int r = pv_register(&v->apf.pv, &m, ve_gpa, pv_gpa, vector, flags);
	bool polled = v->apf.pv.polled;
	v->apf.pv.polled = false;	/* the poller looks only once the areas are there */
	v->apf.poll_up = false;		/* the guest's page says 0 until the poller writes 1 */
	spin_unlock_irqrestore(&v->apf.lock, f);
	if (r)
		return r;
	if (pin_areas(v, ve_gpa, pv_gpa)) {
		f = spin_lock_irqsave(&v->apf.lock);
		pv_unregister(&v->apf.pv);	/* nothing can be held: not polled, no REPORT */
		spin_unlock_irqrestore(&v->apf.lock, f);
		return FL_EFAULT;
	}
	f = spin_lock_irqsave(&v->apf.lock);
	v->apf.pv.polled = polled;
	spin_unlock_irqrestore(&v->apf.lock, f);
	if (polled)
		__atomic_add_fetch(&apf_npolled, 1, __ATOMIC_RELAXED);
	for (u64 i = 0; i < 3; i++)
		v->apf.pinned_hpa[i] = (u64)ram_ptr(v->vm, i ? pv_gpa + (i - 1) * PAGE_SIZE : ve_gpa,
						    PAGE_SIZE);
	if (v->vm->apf.ve == VE_HW)
		set_hw_ve(v, true);
	if (v->apf.pv.polled)
		workers_wake_poller();
	pr_info("vm %s vcpu%u: registered for #VE (%s): VE info 0x%lx, PV page 0x%lx, vector %lu",
		v->vm->name, v->index, v->vm->apf.ve == VE_HW ? "hardware" : "software", ve_gpa,
		pv_gpa, vector);
	return 0;
}

s64 apf_hc_unregister(struct vcpu *v)
{
	/* Polled mode: a report posted and not taken yet is taken now, so unregister sees it
	 * outstanding (FL_EBUSY) instead of leaving its task parked for ever. */
	if (v->apf.pv.polled)
		apf_poll_vcpu(v);
	u64 f = spin_lock_irqsave(&v->apf.lock);
	bool polled = v->apf.pv.polled;
	int r = pv_unregister(&v->apf.pv);
	spin_unlock_irqrestore(&v->apf.lock, f);
	if (!r && polled)
		__atomic_sub_fetch(&apf_npolled, 1, __ATOMIC_RELAXED);
	if (!r && v->apf.ve_on)
		set_hw_ve(v, false);
	if (!r) {
		/* The invariant the pins keep, checked where it ends (tests/t_swap.sh looks
		 * for this line): the areas are in the frames they were registered in. */
		for (u64 i = 0; i < 3; i++) {
			u64 gpa = i ? v->apf.pv.pv_gpa + (i - 1) * PAGE_SIZE : v->apf.pv.ve_gpa;
			if ((u64)ram_ptr(v->vm, gpa, PAGE_SIZE) != v->apf.pinned_hpa[i])
				pr_err("vm %s vcpu%u: pinned page 0x%lx moved while registered "
				       "(frame 0x%lx, now 0x%lx)", v->vm->name, v->index, gpa,
				       v->apf.pinned_hpa[i], (u64)ram_ptr(v->vm, gpa, PAGE_SIZE));
		}
		ram_pin(v->vm, v->apf.pv.ve_gpa, false);
		for (u64 a = 0; a < FL_PV_SIZE; a += PAGE_SIZE)
			ram_pin(v->vm, v->apf.pv.pv_gpa + a, false);
	}
	return r;
}

/* SUSPEND_ME, or a CAN_CONTINUE that cannot be asynchronous: resolve it before returning.
 * Returns 0, or -1 with *rec when the page could not be produced. */
static int report_sync(struct vcpu *v, u32 index, u64 gpa, struct fl_fault *rec)
{
	u64 t0 = rdtsc();
	int r = apf_fetch_sync(v, gpa, rec);
	APF_STAT(v->vm, suspended_tsc, rdtsc() - t0);
	complete(v, index, r ? rec : 0, true);
	return r;
}

/* The guest's own copy of where it faulted, for the record printed when the VM stops. */
static void record_from_entry(struct vcpu *v, u32 index, struct fl_fault *rec)
{
	struct pv_mem m = vm_mem(v->vm);
	struct fl_pv_page *pg = pv_page(&v->apf.pv, &m);
	if (!pg)
		return;
	rec->gla = pg->entry[index].fault.gla;
	rec->access = pg->entry[index].fault.access & 7;
	rec->flags |= pg->entry[index].fault.flags & FL_FAULT_GLA_VALID;
}

/* A fault on a page whose last production failed: one synchronous retry, then fatal. */
static void report_failed_page(struct vcpu *v, u32 index, u64 gpa)
{
	struct fl_fault rec;
	APF_STAT(v->vm, sync_retries, 1);
	if (!report_sync(v, index, gpa, &rec))
		return;
	record_from_entry(v, index, &rec);
	/* exit_vmcall has skipped the VMCALL already: its own address is the one to name. */
	apf_fault_fatal_reported(v->vm, &rec, vmread(GUEST_RIP) - vmread(EXIT_INSTR_LEN),
				 "access to a failed page failed again on its synchronous retry");
}

/* What every accepted report counts and records, hypercall or posted. */
static void report_accepted(struct vcpu *v, u64 index, u64 decision, u64 gpa, u32 outstanding)
{
	struct vm *vm = v->vm;

	v->apf.report_tsc[index] = rdtsc();
	APF_STAT(vm, reports, 1);
	if (vm->apf.ve == VE_HW)
		APF_STAT(vm, hw_ve, 1);	/* a #VE that never exited: the report is its trace */
	u64 max = __atomic_load_n(&vm->apf.st.outstanding_max, __ATOMIC_RELAXED);
	while (outstanding > max && !__atomic_compare_exchange_n(&vm->apf.st.outstanding_max,
				&max, outstanding, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;	/* bounded: each failure means max grew, and it stops at outstanding */
	if (decision == FL_PV_SUSPEND_ME)
		APF_STAT(vm, suspend, 1);
	else
		APF_STAT(vm, cont, 1);
	if (vm->apf.lazy)
		apf_recent_add(vm, v->index, gpa, vm->apf.ve == VE_HW ? RECENT_HW_VE : RECENT_SW_VE,
			       (unsigned)decision);
}

static bool failed_before(struct vm *vm, u64 gpa)
{
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	bool failed = vm->apf.lazy && apf_page_failed_before(vm, gpa);
	spin_unlock_irqrestore(&vm->apf.lock, f);
	return failed;
}

s64 apf_hc_report(struct vcpu *v, u64 index, u64 decision)
{
	struct vm *vm = v->vm;
	struct pv_mem m = vm_mem(vm);
	struct pv_waiter w = { v, (s32)index, false };

	if (index == FL_PV_DOORBELL && v->apf.pv.polled && v->apf.pv.registered) {
		APF_STAT(vm, doorbells, 1);
		apf_poll_vcpu(v);	/* polled mode: take what was posted, here and now */
		workers_wake_poller();	/* and poll again from now on */
		return 0;
	}
	u64 gpa, f = spin_lock_irqsave(&v->apf.lock);
	int r = pv_report(&v->apf.pv, &m, index, decision, &gpa);
	u32 outstanding = v->apf.pv.outstanding;
	spin_unlock_irqrestore(&v->apf.lock, f);

	if (r)
		return r;
	report_accepted(v, index, decision, gpa, outstanding);
	if (failed_before(vm, gpa)) {
		report_failed_page(v, (u32)index, gpa);
		return 0;
	}
	if (decision == FL_PV_SUSPEND_ME) {
		struct fl_fault rec;
		report_sync(v, (u32)index, gpa, &rec);
		return 0;
	}
	if (!vm->apf.lazy || page_state(vm, gpa) == PAGE_PRESENT) {
		complete(v, (u32)index, 0, true);
		return 0;
	}
	if (!workers_count() || outstanding > cfg.apf_limit || vm->apf.off ||
	    (r = apf_fetch_async(vm, gpa, w)) < 0) {
		struct fl_fault rec;
		APF_STAT(vm, sync_cont, 1);	/* backpressure or no pool: told by F_SYNC */
		report_sync(v, (u32)index, gpa, &rec);
		return 0;
	}
	if (r == 1)
		complete(v, (u32)index, 0, true);
	return 0;
}

/* ---- polled mode (docs/pv-protocol.md "Polled mode") ---- */

/* Where a posted report's page comes from. The guest has parked (or will park) the task,
 * so every outcome is a completion it reads at a schedule point, never FL_PV_F_SYNC.
 * retry: the failure policy's one retry of a failed page, as a job whose failure is fatal
 * (as on the hypercall path, where the vCPU makes it synchronously; here it must not cost
 * the poller, which serves every VM). What cannot be done now (the page's job has no
 * waiter slot left) is put off: poll_later, under the vCPU's apf lock, taken again at the
 * next poll. A worker never produces a page here: apf_fetch_async queues it, and only a
 * vCPU without a pool (the doorbell) produces it itself. */
static void dispatch_posted(struct vcpu *v, u32 index, u64 gpa, bool retry)
{
	struct vm *vm = v->vm;
	struct pv_waiter w = { v, (s32)index, retry };
	struct fl_fault rec;
	int r = 0;

	if (vm->apf.lazy && (retry || page_state(vm, gpa) != PAGE_PRESENT)) {
		r = apf_fetch_async(vm, gpa, w);
		if (r == 0)
			return;				/* queued or joined: the job completes it */
		if (r < 0)	/* no waiter slot left: later; no pool: the vCPU produces it */
			r = workers_count() ? 1 : apf_fetch_here(vm, gpa, &rec);
		else
			r = 0;				/* present meanwhile */
	}
	if (r == 1) {
		u64 f = spin_lock_irqsave(&v->apf.lock);
		v->apf.poll_later |= 1ULL << index;
		v->apf.poll_retry = retry ? v->apf.poll_retry | 1ULL << index :
				    v->apf.poll_retry & ~(1ULL << index);
		v->apf.poll_gpa[index] = gpa;
		spin_unlock_irqrestore(&v->apf.lock, f);
		APF_STAT(vm, posted_later, 1);
		workers_wake_poller();
		return;
	}
	complete(v, index, r ? &rec : 0, false);
	if (r && retry)
		apf_fault_fatal_posted(vm, &rec, v->index, "access to a failed page failed again "
				       "on its retry");
}

/* Takes what v's guest posted, and what was put off: each posted bit is validated as a
 * CAN_CONTINUE REPORT in the same critical section that takes it (so an unregister between
 * the two cannot find it neither posted nor held), then counted and dispatched outside. */
u32 apf_poll_vcpu(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct pv_mem m = vm_mem(vm);
	u64 gpa[FL_PV_ENTRIES], ok = 0;
	u32 outstanding[FL_PV_ENTRIES], n = 0, bad = 0;

	u64 f = spin_lock_irqsave(&v->apf.lock);
	u64 bits = pv_take_posted(&v->apf.pv, &m), later = v->apf.poll_later;
	u64 retry = v->apf.poll_retry;
	v->apf.poll_later = 0;
	for (u64 b = bits; b; b &= b - 1) {
		u32 i = (u32)__builtin_ctzll(b);
		if (pv_report(&v->apf.pv, &m, i, FL_PV_CAN_CONTINUE, &gpa[i])) {
			bad++;			/* a bit that is no report: the guest's own loss */
			continue;
		}
		ok |= 1ULL << i;
		outstanding[i] = v->apf.pv.outstanding;
	}
	spin_unlock_irqrestore(&v->apf.lock, f);

	for (; later; later &= later - 1) {
		u32 i = (u32)__builtin_ctzll(later);
		dispatch_posted(v, i, v->apf.poll_gpa[i], retry & (1ULL << i));
	}
	if (bad)
		APF_STAT(vm, posted_bad, bad);
	for (; ok; ok &= ok - 1, n++) {
		u32 i = (u32)__builtin_ctzll(ok);
		APF_STAT(vm, posted, 1);
		report_accepted(v, i, FL_PV_CAN_CONTINUE, gpa[i], outstanding[i]);
		bool again = failed_before(vm, gpa[i]);
		if (again)
			APF_STAT(vm, sync_retries, 1);
		dispatch_posted(v, i, gpa[i], again);
	}
	return n;
}

/* The deadline of an unconsumed completion (apf/pv.c: pv_deadline), in TSC ticks. */
bool apf_poll_deadline(struct vcpu *v)
{
	struct pv_mem m = vm_mem(v->vm);
	u64 now = rdtsc(), deadline = tsc_khz * APF_POLL_DEADLINE_US / 1000;

	u64 f = spin_lock_irqsave(&v->apf.lock);
	bool kick = pv_deadline(&v->apf.pv, &m, now, deadline);
	spin_unlock_irqrestore(&v->apf.lock, f);
	if (kick)
		APF_STAT(v->vm, deadline_irqs, 1);
	return kick;
}

/* The poller's view of one vCPU: 1 in host_polling while a worker polls (0: the guest
 * rings the doorbell). A plain store: the guest reads it after its locked OR of posted, and
 * the poller reads posted after its own full barrier (apf/worker.c), Dekker's way round. */
void apf_poll_flag(struct vcpu *v, bool polling, bool force)
{
	struct pv_mem m = vm_mem(v->vm);

	u64 f = spin_lock_irqsave(&v->apf.lock);	/* the page of this registration */
	struct fl_pv_page *pg = v->apf.pv.polled ? pv_page(&v->apf.pv, &m) : 0;
	if (pg && (force || v->apf.poll_up != polling))
		__atomic_store_n(&pg->host_polling, polling ? 1u : 0u, __ATOMIC_RELEASE);
	v->apf.poll_up = polling;
	spin_unlock_irqrestore(&v->apf.lock, f);
}

void apf_summary(struct vm *vm)
{
	apf_fail_summary(vm);
	struct apf_stats *s = &vm->apf.st;
	if (!vm->apf.lazy)
		return;
	ram_summary(vm);
	pr_info("summary:   apf: faults hw-#VE=%lu sw-#VE=%lu busy-word-exit=%lu unregistered-exit=%lu "
		"apf-off-exit=%lu in-delivery-exit=%lu real-mode-exit=%lu", s->hw_ve, s->sw_ve,
		s->busy_exits, s->unreg_exits, s->off_exits, s->vectoring_exits, s->pe0_exits);
	pr_info("summary:   apf: reports=%lu completed=%lu resolved=%lu failed=%lu", s->reports,
		s->resolved + s->failed, s->resolved, s->failed);
	pr_info("summary:   apf: productions ok=%lu failed=%lu, of a page already present=%lu",
		s->fetched, s->failures, s->produced_present);
	pr_info("summary:   apf: decisions suspend=%lu continue=%lu (made synchronous %lu), "
		"completions=%lu injections=%lu batched=%lu, outstanding max=%lu",
		s->suspend, s->cont, s->sync_cont, s->completions, s->injections, s->batched,
		s->outstanding_max);
	pr_info("summary:   apf: pages fetched=%lu joined=%lu, vCPUs suspended %lu us, kicks=%lu",
		s->fetched, s->dedup, tsc_to_us(s->suspended_tsc), s->kicks);
	pr_info("summary:   apf: report->completion ticks <1K:%lu <4K:%lu <16K:%lu <64K:%lu "
		"<256K:%lu <1M:%lu <4M:%lu >=4M:%lu", s->lat_hist[0], s->lat_hist[1], s->lat_hist[2],
		s->lat_hist[3], s->lat_hist[4], s->lat_hist[5], s->lat_hist[6], s->lat_hist[7]);
	pr_info("summary:   apf: job queue depth at push 0:%lu 1:%lu 2-3:%lu 4-15:%lu 16+:%lu",
		s->depth_hist[0], s->depth_hist[1], s->depth_hist[2], s->depth_hist[3],
		s->depth_hist[4]);
	pr_info("summary:   apf: phases (mean ticks): queued->taken=%lu taken->published=%lu "
		"posted->injected=%lu", s->ph_jobs ? s->ph_wait / s->ph_jobs : 0,
		s->ph_jobs ? s->ph_produce / s->ph_jobs : 0, s->ph_inj ? s->ph_inject / s->ph_inj : 0);
	if (s->posted || s->doorbells || s->posted_bad)
		pr_info("summary:   apf: polled reports=%lu put-off=%lu not-a-report=%lu "
			"doorbells=%lu deadline-vectors=%lu", s->posted, s->posted_later,
			s->posted_bad, s->doorbells, s->deadline_irqs);
}
