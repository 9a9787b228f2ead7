/* vmm/vcpu.c: a vCPU's life on its physical CPU: enter the guest, take the exit, record it
 * in the ring, hand it to its handler (vmm/exit.c), and again, until the VM stops. A
 * failed entry ends here with the diagnostics of vmm/debug/diag.c. */
#include "vmm/vcpu.h"
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/tsc.h"

int vmx_enter(struct guest_regs *regs, int launched);
int vmcs_setup(struct vcpu *v);
void exit_handle(struct vcpu *v, u32 reason);
void diag_entry_failed(struct vcpu *v, int rc, u32 reason);

/* The SDM's register numbering (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15): RSP is in
 * the VMCS, the others in v->regs. */
static u64 *gpr(struct vcpu *v, unsigned n)
{
	static const unsigned char off[16] = { 0, 2, 3, 1, 0xFF, 6, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14 };
	if (off[n & 15] == 0xFF)
		return 0;
	return &((u64 *)&v->regs)[off[n & 15]];
}

u64 vcpu_gpr_get(struct vcpu *v, unsigned n)
{
	u64 *r = gpr(v, n);
	return r ? *r : vmread(GUEST_RSP);
}

void vcpu_gpr_set(struct vcpu *v, unsigned n, u64 val)
{
	u64 *r = gpr(v, n);
	if (r)
		*r = val;
	else
		vmwrite(GUEST_RSP, val);
}

void vcpu_skip(struct vcpu *v, u64 len)
{
	(void)v;	/* the current VMCS is v's: it runs on this CPU */
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + len);
	/* Skipping an instruction ends any STI / MOV SS interrupt shadow (bits 0-1). */
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~3ULL);
}

void vcpu_skip_instruction(struct vcpu *v)
{
	vcpu_skip(v, vmread(EXIT_INSTR_LEN));
}

/* The guest turned paging on or off through an exit (a MOV to CR0 that touched a masked
 * bit), or faultline set its state (a start-up IPI, Linux's 64-bit entry):
 * do what the CPU does for IA-32e mode (SDM Vol. 3A 10.8.5), and keep the "IA-32e mode
 * guest" entry control equal to EFER.LMA, as VM entry requires. */
void vcpu_update_long_mode(struct vcpu *v)
{
	u64 efer = vmread(GUEST_EFER), entry = vmread(ENTRY_CONTROLS);
	(void)v;
	bool lma = (vmread(GUEST_CR0) & CR0_PG) && (efer & EFER_LME);

	efer = lma ? efer | EFER_LMA : efer & ~EFER_LMA;
	entry = lma ? entry | ENTRY_IA32E : entry & ~(u64)ENTRY_IA32E;
	vmwrite(GUEST_EFER, efer);
	vmwrite(ENTRY_CONTROLS, entry);
}

unsigned vcpu_code_bits(void)
{
	u64 ar = vmread(GUEST_CS_AR);
	if ((vmread(GUEST_EFER) & EFER_LMA) && (ar & AR_L))
		return 64;
	return ar & AR_DB ? 32 : 16;
}

void vcpu_set_cr0(struct vcpu *v, u64 val)
{
	v->cr0_shadow = val;
	vmwrite(CR0_SHADOW, val);
	vmwrite(GUEST_CR0, vmx_fix_cr0(&vmx_msrs, val, true));
}

void vcpu_set_cr4(struct vcpu *v, u64 val)
{
	v->cr4_shadow = val;
	vmwrite(CR4_SHADOW, val);
	vmwrite(GUEST_CR4, vmx_fix_cr4(&vmx_msrs, val));
}

static void record(struct vcpu *v, u32 reason)
{
	struct exit_rec *r = &v->ring[v->nexits % EXIT_RING];
	r->reason = reason;
	r->qual = vmread(EXIT_QUALIFICATION);
	r->rip = vmread(GUEST_RIP);
	r->tsc = rdtsc();
	v->nexits++;
	/* every vCPU of the VM counts here at once */
	__atomic_add_fetch(&v->vm->exits[MIN(reason & 0xFFFF, EXIT_REASON_MAX)], 1, __ATOMIC_RELAXED);
}

void vcpu_print_ring(struct vcpu *v)
{
	u64 n = MIN(v->nexits, EXIT_RING);
	pr_err("vm %s vcpu%u: last %llu of %llu exits (oldest first):", v->vm->name, v->index,
	       (unsigned long long)n, (unsigned long long)v->nexits);
	for (u64 i = v->nexits - n; i < v->nexits; i++) {
		struct exit_rec *r = &v->ring[i % EXIT_RING];
		pr_err("  #%-5llu %-28s qual=0x%llx rip=0x%llx", (unsigned long long)i,
		       exit_reason_name(r->reason & 0xFFFF), (unsigned long long)r->qual,
		       (unsigned long long)r->rip);
	}
}

/* An application vCPU waits, out of the guest, until FL_HC_VCPU_START or a start-up IPI
 * (its LAPIC is in wait-for-SIPI from power-on, vmm/vlapic.c). After the hypercall it
 * begins in the multiboot machine state the VMCS already holds, at the entry it was given;
 * a SIPI is taken by vlapic_wait_sipi in vcpu_run's loop (real mode). */
static bool vcpu_wait_start(struct vcpu *v)
{
	if (v->index == 0) {
		__atomic_store_n(&v->started, true, __ATOMIC_SEQ_CST);	/* vcpu_sleep looks */
		return true;
	}
	while (!v->started && !v->apic.sipi && !v->apic.init && v->vm->state != VM_STOPPED)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	if (!v->started)
		return v->apic.sipi || v->apic.init;
	v->apic.wait_sipi = false;
	vmwrite(GUEST_RIP, v->start_entry);
	v->regs.rax = FL_AP_MAGIC;
	v->regs.rbx = (u32)v->start_arg;
	v->regs.rsi = v->index;
	pr_info("vm %s vcpu%u: started at 0x%lx", v->vm->name, v->index, v->start_entry);
	return true;
}

/* HLT with IF=0 (the CPUs Linux stops at power-off, a kernel halting after a panic): as on
 * a PC only an NMI, INIT or SIPI wakes the vCPU (vcpu_awake). When every vCPU of the VM is so
 * asleep, or waits for a start-up IPI, with no NMI or INIT on its way, nothing can ever wake
 * any of them: the VM is stopped with that explanation instead of hanging. Each sleeper
 * stores its flag and then looks at the others (sequentially consistent): of two vCPUs
 * falling asleep at once, at least one sees the other; an NMI sent before its sender fell
 * asleep is seen pending. */
void vcpu_sleep(struct vcpu *v)
{
	struct vm *vm = v->vm;

	__atomic_store_n(&v->asleep, true, __ATOMIC_SEQ_CST);
	for (u32 i = 0; i < vm->nvcpus; i++) {
		struct vcpu *o = &vm->vcpus[i];
		/* The event first, then the state: a vCPU woken by an NMI or a SIPI leaves
		 * its idle state before the event's flag is cleared (vcpu_awake,
		 * vlapic_wait_sipi), so one of the two loads sees it. */
		if (vlapic_nmi_or_init(o))
			return;
		bool idle = __atomic_load_n(&o->asleep, __ATOMIC_SEQ_CST) ||
			    !__atomic_load_n(&o->started, __ATOMIC_SEQ_CST) ||
			    __atomic_load_n(&o->apic.wait_sipi, __ATOMIC_SEQ_CST);
		if (!idle)
			return;		/* that one runs: it may still wake us */
	}
	vm_stop(vm, -1, true, "every vCPU halted with interrupts disabled (vcpu%u last, at "
		"rip=0x%llx): nothing can wake them", v->index,
		(unsigned long long)vmread(GUEST_RIP));
}

/* After HLT (vmm/exit.c) the vCPU waits here, out of the guest, until an event can wake it;
 * every host interrupt (a kick) brings it back to the top of the loop, where the monitor's
 * requests and a pause are seen. Returns true when it may enter the guest. */
static bool vcpu_awake(struct vcpu *v)
{
	if (!v->halted) {
		v->asleep = false;	/* an INIT woke it (vlapic_wait_sipi) */
		return true;
	}
	if (v->asleep ? vlapic_nmi_or_init(v) : inject_pending(v)) {
		v->halted = v->asleep = false;
		return true;
	}
	if (debug_pending(v) || v->vm->state != VM_RUNNING)
		return false;
	/* IRQ0's next edge or the LAPIC timer will wake the guest, and no host timer would
	 * wake this CPU for it: poll (the loop comes back here through the monitor's and the
	 * pause's checks). */
	if (!v->asleep && (vpit_armed(v) || vlapic_armed(v)))
		__asm__ volatile("sti; pause; cli" ::: "memory");
	else
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	return false;
}

/* The timer value for this entry: a whole tick, or what is left of the watchdog period if
 * that is shorter, so the watchdog fires on time (watchdog_ms=20 with a 100 ms tick).
 * first is that value for an entry after any exit but a tick: the common case costs a
 * compare (every exit's round trip pays for this line). */
static u64 tick_now(struct vcpu *v, u64 tick, u64 first)
{
	if (!v->quiet_tsc || !cfg.watchdog_ms || v->watchdog_reported)
		return v->watchdog_reported ? tick : first;
	u64 period = cfg.watchdog_ms * tsc_khz;
	u64 left = v->quiet_tsc < period ? period - v->quiet_tsc : 0;
	return MAX(MIN(left >> v->ctls.preempt_shift, tick), 1);
}

/* The other half of vm_ept_flush: in_guest is set before the VM's generation is read
 * (both sequentially consistent), so a flusher either sees this vCPU outside the guest or
 * sees it in, kicks it and waits for the exit; and the vCPU either reads the new
 * generation here and drops its translations before entering, or read the old one before
 * the flusher's increment, in which case the flusher saw in_guest set. IF is 0 here: the
 * kick stays pending and makes the entry exit at once. */
static void ept_catch_up(struct vcpu *v)
{
	__atomic_store_n(&v->in_guest, true, __ATOMIC_SEQ_CST);
	u64 g = __atomic_load_n(&v->vm->ept_gen, __ATOMIC_SEQ_CST);
	if (v->ept_seen == g)
		return;
	if (invept(ept_pointer(&v->vm->ept, v->ctls.ept_ad)))
		pr_err("vm %s vcpu%u: INVEPT failed: stale EPT translations may remain",
		       v->vm->name, v->index);
	__atomic_store_n(&v->ept_seen, g, __ATOMIC_RELEASE);
}

void vcpu_run(struct vcpu *v)
{
	struct vm *vm = v->vm;
	u64 tick = 0, first = 0;

	if (vmcs_setup(v)) {
		vm_stop(vm, -1, true, "vcpu%u: could not set up its VMCS", v->index);
		return;
	}
	if (v->ctls.preempt_timer) {
		tick = MIN((VCPU_TICK_MS * tsc_khz) >> v->ctls.preempt_shift, 0xFFFFFFFFULL);
		first = cfg.watchdog_ms ? MAX(MIN((cfg.watchdog_ms * tsc_khz) >>
						  v->ctls.preempt_shift, tick), 1) : tick;
	}
	vm_selftest_corrupt(v);
	if (!vcpu_wait_start(v))
		return;
	v->running = true;
	while (vm->state != VM_STOPPED) {
		if (v->dbg.req)
			debug_serve(v);	/* the monitor's requests, on this CPU */
		if (vm->state == VM_PAUSED && !v->dbg.stepping) {
			if (!vm_wait_paused(v))
				break;
			continue;
		}
		if (vlapic_wait_sipi(v)) {	/* after INIT, until a start-up IPI */
			if (vm->state == VM_STOPPED)
				break;		/* an INIT of vCPU 0: a reset */
			__asm__ volatile("sti; hlt; cli" ::: "memory");
			continue;
		}
		if (!vcpu_awake(v))
			continue;
		/* No later than the PIT's next IRQ0 (vmm/pcdev.c) nor the LAPIC timer's expiry. */
		if (tick)
			vmwrite(PREEMPTION_TIMER, vlapic_bound(v, vpit_bound(v, tick_now(v, tick, first),
							     v->ctls.preempt_shift), v->ctls.preempt_shift));
		if (v->dbg.flush)
			debug_flush(v);	/* an INVEPT the monitor asked for */
		inject_before_entry(v);	/* vmm/inject.c: completions, device interrupts */
		ept_catch_up(v);
		v->entry_tsc = rdtsc();
		int rc = vmx_enter(&v->regs, v->launched);
		__atomic_store_n(&v->in_guest, false, __ATOMIC_RELEASE);
		v->guest_tsc += rdtsc() - v->entry_tsc;
		if (rc) {
			diag_entry_failed(v, rc, 0);
			break;
		}
		v->launched = true;
		u32 reason = (u32)vmread(EXIT_REASON);
		record(v, reason);
		if (v->quiet_tsc && (reason & 0xFFFF) != EXIT_PREEMPT_TIMER)
			v->quiet_tsc = 0;	/* the watchdog counts ticks in a row only */
		if (reason & EXIT_REASON_ENTRY_FAIL) {
			diag_entry_failed(v, 0, reason);
			break;
		}
		if (trace.on)
			debug_trace(v, reason);
		if (v->dbg.stepping)
			debug_step_exit(v, reason & 0xFFFF);
		else
			exit_handle(v, reason & 0xFFFF);
	}
	v->running = false;
}
