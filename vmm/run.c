/* vmm/run.c: running the VMs: starting each vCPU on its CPU, stopping a VM (one VM's end
 * never touches another), and the closing summary that decides the hypervisor's status. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/percpu.h"
#include "host/smp.h"
#include "host/trap.h"
#include "host/tsc.h"
#include "lib/fmt.h"
#include "lib/string.h"

extern const char *const vm_selftest_names[];

/* The VM line's selftest= key: break one guest-state rule on purpose before the first
 * entry, so the test can check that the entry-failure report names it. */
void vm_selftest_corrupt(struct vcpu *v)
{
	static const struct {
		u64 field, value;
	} corrupt[] = {
		[1] = { GUEST_RFLAGS, 0 },		/* reserved bit 1 must be 1 */
		[2] = { VMCS_LINK_PTR, 0 },		/* must be all ones */
		[3] = { GUEST_CS_AR, 0xC091 },		/* CS type 1: not a code segment */
		[4] = { GUEST_TR_AR, AR_UNUSABLE },	/* TR must be usable */
		[5] = { GUEST_ACTIVITY, 5 },		/* activity states are 0..3 */
		[6] = { GUEST_CR0, 0x80000020 },	/* PG without PE */
		[7] = { PIN_CONTROLS, 0 },		/* a control, not guest state: its default-1
							 * bits cleared -> VMfailValid, error 7 */
	};
	u32 t = v->vm->selftest;
	if (!t || t >= ARRAY_SIZE(corrupt))
		return;
	pr_warn("vm %s vcpu%u: selftest=%s: writing 0x%llx to VMCS field 0x%llx on purpose",
		v->vm->name, v->index, vm_selftest_names[t], (unsigned long long)corrupt[t].value,
		(unsigned long long)corrupt[t].field);
	vmwrite(corrupt[t].field, corrupt[t].value);
}

static struct vcpu *current_vcpu(void)
{
	return this_cpu()->vcpu;
}

/* The record goes with the reason, under the VM's lock: the first reason wins, and so does
 * its record (a later fault on another vCPU must not rewrite what stopped the VM). */
static void keep_record(struct vm *vm, const struct fl_fault *f, u64 rip)
{
	vm->has_fault = false;	/* a stop without a record: no earlier pause's record either */
	if (!f)
		return;
	vm->fault = *f;
	vm->fault_rip = rip;
	vm->has_fault = true;
}

static void kick_others(struct vm *vm)
{
	for (u32 i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].cpu != cpu_index())
			smp_kick(vm->vcpus[i].cpu);
}

static void stop_with(struct vm *vm, int status, bool failed, const struct fl_fault *rec,
		      u64 rip, const char *why)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	if (vm->state == VM_STOPPED) {
		spin_unlock_irqrestore(&vm->lock, flags);
		return;			/* the first reason wins */
	}
	vm->state = VM_STOPPED;
	vm->status = status;
	vm->failed = failed;
	vm->stop_tsc = rdtsc();
	strlcpy(vm->why, why, sizeof(vm->why));
	keep_record(vm, rec, rip);
	spin_unlock_irqrestore(&vm->lock, flags);
	log_printf(failed ? LOG_ERROR : LOG_INFO, "vm %s: stopped: %s", vm->name, why);
	struct vcpu *v = current_vcpu();
	if (failed && v && v->vm == vm)
		vcpu_print_ring(v);
	kick_others(vm);
}

void vm_stop(struct vm *vm, int status, bool failed, const char *f, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, f);
	vfmt(why, sizeof(why), f, ap);
	va_end(ap);
	stop_with(vm, status, failed, 0, 0, why);
}

/* where: "at rip=0x..." for an access the host saw, or what the host knows of it. */
static void fault_why(char *why, size_t len, const struct fl_fault *f, const char *what,
		      const char *where)
{
	char rec[160];
	fault_format(f, rec, sizeof(rec));
	fmt(why, len, "%s %s: fault record: %s", what, where, rec);
}

void vm_stop_fault_at(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what,
		      const char *where)
{
	char why[256];
	fault_why(why, sizeof(why), f, what, where);
	stop_with(vm, -1, true, f, rip, why);
}

void vm_stop_fault(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what)
{
	char where[48];
	fmt(where, sizeof(where), "at rip=0x%lx", rip);
	vm_stop_fault_at(vm, f, rip, what, where);
}

static void pause_with(struct vm *vm, const struct fl_fault *f, u64 rip, const char *why)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	if (vm->state != VM_RUNNING) {
		spin_unlock_irqrestore(&vm->lock, flags);
		return;
	}
	vm->state = VM_PAUSED;
	vm->pauses++;
	vm->pause_tsc = rdtsc();
	strlcpy(vm->why, why, sizeof(vm->why));
	keep_record(vm, f, rip);
	spin_unlock_irqrestore(&vm->lock, flags);
	pr_err("vm %s: paused: %s%s", vm->name, why,
	       vm->apf.resume_ms ? " (resume_ms= will resume it)" : " (resume it from the monitor)");
	kick_others(vm);
}

void vm_pause_fault_at(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what,
		       const char *where)
{
	char why[256];
	fault_why(why, sizeof(why), f, what, where);
	pause_with(vm, f, rip, why);
}

void vm_pause(struct vm *vm, const char *why)
{
	pause_with(vm, 0, 0, why);
}

void vm_resume(struct vm *vm)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	bool was = vm->state == VM_PAUSED;
	if (was) {
		vm->state = VM_RUNNING;
		vm->has_fault = false;	/* the pause's record: the VM goes on past it */
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	if (!was)
		return;
	pr_info("vm %s: resumed after %lu us", vm->name, tsc_to_us(rdtsc() - vm->pause_tsc));
	for (u32 i = 0; i < vm->nvcpus; i++)
		smp_kick(vm->vcpus[i].cpu);
}

static bool all_stopped(void);

/* A paused vCPU waits out of the guest. With resume_ms= set, vCPU 0 resumes the VM when the
 * time is up (there is no timer interrupt to wait for, so it polls the TSC). cpu0 also
 * runs vm_run_all's wait: its vCPU leaves (returns false) once every VM has settled, so
 * a VM paused for good cannot keep the hypervisor from ending. */
bool vm_wait_paused(struct vcpu *v)
{
	struct vm *vm = v->vm;
	u64 deadline = vm->pause_tsc + vm->apf.resume_ms * tsc_khz;

	while (vm->state == VM_PAUSED) {
		if (debug_pending(v))
			return true;	/* the loop serves it and comes back */
		if (vm->apf.resume_ms && v->index == 0) {
			if (rdtsc() >= deadline)
				vm_resume(vm);
			cpu_relax();
		} else if (cpu_index() == 0) {
			if (all_stopped())
				return false;
			cpu_relax();
		} else {
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		}
	}
	return true;
}

static void vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	this_cpu()->vcpu = v;
	vcpu_run(v);
	this_cpu()->vcpu = 0;
}

/* Stopped, or paused with nothing that will ever resume it (no monitor yet). */
static bool settled(struct vm *vm)
{
	return vm->state == VM_STOPPED || (vm->state == VM_PAUSED && !vm->apf.resume_ms);
}

static bool all_stopped(void)
{
	for (u32 i = 0; i < nvms; i++)
		if (!settled(&vms[i]))
			return false;
	return true;
}

void vm_run_all(void (*cpu0_work)(void))
{
	struct vcpu *mine = 0;

	for (u32 i = 0; i < nvms; i++) {
		vms[i].start_tsc = rdtsc();
		vms[i].state = VM_RUNNING;
	}
	for (u32 i = 0; i < nvms; i++)
		for (u32 j = 0; j < vms[i].nvcpus; j++) {
			struct vcpu *v = &vms[i].vcpus[j];
			if (v->cpu == 0)
				mine = v;
			else
				smp_call(v->cpu, vcpu_thread, v);
		}
	if (mine) {
		irq_disable();	/* host interrupts reach us as exits while the guest runs */
		vcpu_thread(mine);
	}
	if (cpu0_work && !mine)
		cpu0_work();	/* the monitor: returns at its `quit` */
	while (!all_stopped())
		cpu_relax();
	for (u32 i = 0; i < nvms; i++)
		if (vms[i].state == VM_PAUSED)
			vm_stop(&vms[i], -1, true, "still paused at the end: %s", vms[i].why);
	workers_stop();
	for (u32 c = 1; c < ncpus_online; c++)
		smp_wait_idle(c);
}

static void summary_exits(struct vm *vm)
{
	char line[400];
	int n = 0;
	u64 total = 0;

	for (u32 r = 0; r <= EXIT_REASON_MAX; r++) {
		if (!vm->exits[r])
			continue;
		total += vm->exits[r];
		n += fmt(line + n, sizeof(line) - n, "%s%s=%llu", n ? ", " : "",
			 r < EXIT_REASON_MAX ? exit_reason_name(r) : "other",
			 (unsigned long long)vm->exits[r]);
		if (n >= (int)sizeof(line))
			break;
	}
	pr_info("summary:   exits=%llu: %s", (unsigned long long)total, n ? line : "none");
}

int vm_summary(void)
{
	u32 passed = 0;

	pr_info("summary: %u VM(s)", nvms);
	for (u32 i = 0; i < nvms; i++) {
		struct vm *vm = &vms[i];
		bool ok = !vm->failed && vm->status == 0;
		u64 guest = 0;
		for (u32 j = 0; j < vm->nvcpus; j++)
			guest += vm->vcpus[j].guest_tsc;
		passed += ok;
		pr_info("summary: vm %-10s %s status=%d run=%llu us (in guest %llu us)", vm->name,
			ok ? "passed" : "FAILED", vm->status,
			(unsigned long long)tsc_to_us(vm->stop_tsc - vm->start_tsc),
			(unsigned long long)tsc_to_us(guest));
		pr_info("summary:   %s", vm->why);
		summary_exits(vm);
		char un[320];
		unemul_format(vm, un, sizeof(un));
		pr_info("summary:   unemulated: %s", un);
		if (vm->pc.ioapic_dropped)	/* SMI or ExtINT programmed in a redirection entry */
			pr_info("summary:   ioapic: %llu message(s) of a delivery mode faultline does "
				"not send (SMI, ExtINT)", (unsigned long long)vm->pc.ioapic_dropped);
		apf_summary(vm);
	}
	workers_print_stats();
	if (vms_refused)
		pr_err("summary: %u VM(s) refused at creation (see above): the run fails",
		       vms_refused);
	pr_info("summary: %u of %u VM(s) passed", passed, nvms);
	return passed == nvms && !vms_refused ? EXIT_OK : EXIT_VM_FAILED;
}
