/* vmm/debug/debug.c: requests the monitor makes of a vCPU, served on the vCPU's CPU, and the exit
 * trace (see vmm/debug/debug.h). Single-stepping uses RFLAGS.TF with #DB exiting rather than the
 * monitor trap flag: Bochs 2.7 offers MTF on some models but never takes its exit, and TF
 * behaves the same on every backend. */
#include "vmm/debug/debug.h"
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "host/cpu.h"
#include "host/log.h"
#include "drivers/serial.h"
#include "host/smp.h"
#include "host/trap.h"
#include "host/tsc.h"
#include "lib/fmt.h"

#define RFLAGS_TF	(1u << 8)
#define DB_VECTOR	1
#define DR6_BS		(1u << 14)	/* single-step, in the exit qualification and pending dbg */
#define ANSWER_MS	2000
#define NMI_AFTER_MS	100

void exit_handle(struct vcpu *v, u32 reason);

struct trace_cfg trace = { .vm = -1 };

/* ---- monitor side ---- */

int debug_request(struct vcpu *v, enum dbg_req req)
{
	static u64 seq;
	u64 none = 0, mine = (++seq << 8) | req;

	if (!v->running || v->cpu == cpu_index()) {
		log_plain("monitor: %s:%u is not running%s", v->vm->name, v->index,
			  v->vm->state == VM_STOPPED ? " (its VM has stopped)" : "");
		return -1;
	}
	if (!__atomic_compare_exchange_n(&v->dbg.req, &none, mine, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		log_plain("monitor: %s:%u is still serving an earlier request", v->vm->name,
			  v->index);
		return -1;
	}
	smp_kick(v->cpu);
	u64 t0 = rdtsc(), nmi = t0 + NMI_AFTER_MS * tsc_khz;
	for (u64 end = t0 + ANSWER_MS * tsc_khz; v->dbg.req == mine;) {
		serial_rx_pump();	/* typed input keeps arriving meanwhile */
		if (nmi && rdtsc() > nmi) {
			smp_kick_nmi(v->cpu);	/* the IPI did not bring it out (see smp.h) */
			nmi = 0;
		}
		if (rdtsc() > end) {
			u64 posted = mine;
			bool withdrawn = __atomic_compare_exchange_n(&v->dbg.req, &posted, 0,
					false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
			log_plain("monitor: %s:%u did not answer within %u ms%s", v->vm->name,
				  v->index, ANSWER_MS, withdrawn ? " (request withdrawn)" : "");
			return -1;
		}
		cpu_relax();
	}
	return 0;
}

/* Clears the request the vCPU served, and only that one. */
static void served(struct vcpu *v, u64 r)
{
	__atomic_compare_exchange_n(&v->dbg.req, &r, 0, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
}

/* ---- vCPU side: what each request does ---- */

static void print_regs(struct vcpu *v)
{
	static const char flag_names[][3] = { "CF", "", "PF", "", "AF", "", "ZF", "SF", "TF",
					      "IF", "DF", "OF" };
	struct guest_regs *g = &v->regs;
	u64 rf = vmread(GUEST_RFLAGS), cr2;
	char flags[40];
	int n = 0;

	flags[0] = 0;
	for (unsigned b = 0; b < ARRAY_SIZE(flag_names); b++)
		if (flag_names[b][0] && (rf & (1ULL << b)))
			n += fmt(flags + n, sizeof(flags) - n, "%s%s", n ? " " : "", flag_names[b]);
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	log_plain("  %s:%u rip=0x%lx rsp=0x%lx rflags=0x%lx [%s]%s", v->vm->name, v->index,
		  vmread(GUEST_RIP), vmread(GUEST_RSP), rf, flags,
		  v->halted ? " (halted, waiting for an interrupt)" : "");
	log_plain("  rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx", g->rax, g->rbx,
		  g->rcx, g->rdx);
	log_plain("  rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx r8 =0x%016lx", g->rsi, g->rdi,
		  g->rbp, g->r8);
	log_plain("  r9 =0x%016lx r10=0x%016lx r11=0x%016lx r12=0x%016lx", g->r9, g->r10,
		  g->r11, g->r12);
	log_plain("  r13=0x%016lx r14=0x%016lx r15=0x%016lx", g->r13, g->r14, g->r15);
	log_plain("  cr0=0x%lx (guest view 0x%lx) cr2=0x%lx cr3=0x%lx cr4=0x%lx (guest view "
		  "0x%lx) efer=0x%lx", vmread(GUEST_CR0), v->cr0_shadow, cr2, vmread(GUEST_CR3),
		  vmread(GUEST_CR4), v->cr4_shadow, vmread(GUEST_EFER));
	vmcs_dump_segs(log_plain);
	log_plain("  gdtr base=0x%lx limit=0x%lx  idtr base=0x%lx limit=0x%lx",
		  vmread(GUEST_GDTR_BASE), vmread(GUEST_GDTR_LIMIT), vmread(GUEST_IDTR_BASE),
		  vmread(GUEST_IDTR_LIMIT));
	log_plain("  interruptibility=0x%lx activity=%lu pending debug=0x%lx", 
		  vmread(GUEST_INTERRUPTIBILITY), vmread(GUEST_ACTIVITY), vmread(GUEST_PENDING_DBG));
}

static bool serve_regs(struct vcpu *v)
{
	print_regs(v);
	return true;
}

static bool serve_vmcs(struct vcpu *v)
{
	static const struct { u32 field; unsigned kind; const char *name; } ctls[] = {
		{ PIN_CONTROLS, CTL_PIN, "pin-based" }, { PROC_CONTROLS, CTL_PROC, "processor" },
		{ PROC_CONTROLS2, CTL_PROC2, "secondary" }, { EXIT_CONTROLS, CTL_EXIT, "VM-exit" },
		{ ENTRY_CONTROLS, CTL_ENTRY, "VM-entry" },
	};
	char buf[400];
	u64 eptp = vmread(EPT_POINTER);
	u32 reason = (u32)vmread(EXIT_REASON);

	log_plain("  vmcs of %s:%u (cpu%u, VMCS at 0x%lx)", v->vm->name, v->index, v->cpu,
		  v->vmcs_pa);
	for (unsigned i = 0; i < ARRAY_SIZE(ctls); i++) {
		u32 val = (u32)vmread(ctls[i].field);
		vmx_ctl_format(ctls[i].kind, val, buf, sizeof(buf));
		log_plain("  %-9s controls 0x%08x: %s", ctls[i].name, val, buf);
	}
	log_plain("  EPT pointer 0x%lx: root 0x%lx, %lu-level walk, %s, A/D %s", eptp,
		  eptp & ~0xFFFUL, ((eptp >> 3) & 7) + 1, (eptp & 7) == 6 ? "write-back" : "uncached",
		  eptp & (1 << 6) ? "on" : "off");
	if (vmread(PROC_CONTROLS2) & PROC2_EPT_VE)
		log_plain("  #VE information area at host 0x%lx (EPTP index %lu)",
			  vmread(VE_INFO_ADDR), vmread(EPTP_INDEX));
	log_plain("  last exit: %s (reason 0x%x) qualification 0x%lx, guest-physical 0x%lx",
		  exit_reason_name(reason & 0xFFFF), reason, vmread(EXIT_QUALIFICATION),
		  vmread(GUEST_PHYS_ADDR));
	vmcs_dump(log_plain);
	return true;
}

/* After the monitor unmapped a page: translations cached from the old entry must go
 * (SDM Vol. 3C 29.4.3.1: INVEPT invalidates only this logical processor's mappings). The
 * flag is set before the request, so even a request that timed out is honoured before the
 * vCPU next enters the guest. */
void debug_flush(struct vcpu *v)
{
	if (!v->dbg.flush)
		return;
	v->dbg.flush = false;
	if (invept(ept_pointer(&v->vm->ept, v->ctls.ept_ad)))
		pr_err("vm %s vcpu%u: INVEPT failed: stale EPT translations may remain",
		       v->vm->name, v->index);
}

static bool serve_flush(struct vcpu *v)
{
	debug_flush(v);
	return true;
}

/* Arm a single step: TF in the guest's RFLAGS makes the CPU raise #DB after one instruction
 * (a trap). Every exception exits during the step (all of the exception bitmap, every #PF:
 * mask = match = 0), so none is delivered with our TF on the guest's stack; nothing is
 * injected; interrupt-window exiting is off (it would exit before the instruction runs).
 * Returns false: the request stays posted until the step ends. */
static bool serve_step(struct vcpu *v)
{
	u64 pending = vmread(ENTRY_INTR_INFO);

	if (v->halted) {
		log_plain("step %s:%u: halted at rip=0x%lx (after HLT), waiting for an interrupt: "
			  "nothing to step", v->vm->name, v->index, vmread(GUEST_RIP));
		return true;
	}
	if (pending & INTR_VALID) {	/* its delivery would push TF: let `resume` do it */
		log_plain("step %s:%u: vector %lu waits to be delivered to the guest; resume "
			  "delivers it", v->vm->name, v->index, pending & 0xFF);
		return true;
	}
	u64 rf = vmread(GUEST_RFLAGS);
	v->dbg.tf_was_set = rf & RFLAGS_TF;
	v->dbg.step_rip = vmread(GUEST_RIP);
	v->dbg.step_req = v->dbg.req;
	v->dbg.step_entries = 0;
	v->dbg.exc_bitmap = (u32)vmread(EXCEPTION_BITMAP);
	v->dbg.pf_mask = (u32)vmread(PF_ERROR_MASK);
	v->dbg.pf_match = (u32)vmread(PF_ERROR_MATCH);
	vmwrite(GUEST_RFLAGS, rf | RFLAGS_TF);
	vmwrite(EXCEPTION_BITMAP, 0xFFFFFFFF);
	vmwrite(PF_ERROR_MASK, 0);
	vmwrite(PF_ERROR_MATCH, 0);
	vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) & ~(u64)PROC_INTR_WINDOW);
	/* SDM Vol. 3C 27.3.1.5: with TF=1 under STI or MOV-SS blocking, the pending debug
	 * exceptions' BS bit must be set, or the entry fails. */
	v->dbg.set_bs = (vmread(GUEST_INTERRUPTIBILITY) & 3) &&
			!(vmread(GUEST_PENDING_DBG) & DR6_BS);
	if (v->dbg.set_bs)
		vmwrite(GUEST_PENDING_DBG, vmread(GUEST_PENDING_DBG) | DR6_BS);
	v->dbg.stepping = true;
	return false;
}

static bool (*const serve[])(struct vcpu *) = {
	[DBG_REGS] = serve_regs, [DBG_VMCS] = serve_vmcs, [DBG_FLUSH] = serve_flush,
	[DBG_STEP] = serve_step,
};

bool debug_pending(struct vcpu *v)
{
	return v->dbg.req && !v->dbg.stepping;
}

void debug_serve(struct vcpu *v)
{
	u64 r = v->dbg.req;
	unsigned op = r & 0xFF;
	if (!r || v->dbg.stepping)
		return;
	if (op >= ARRAY_SIZE(serve) || !serve[op] || serve[op](v))
		served(v, r);
}

/* Puts back what the step changed (before any event queued for the guest is delivered,
 * so its frame holds the guest's own TF) and reports where the instruction went. */
static void step_end(struct vcpu *v, const char *how, unsigned vector)
{
	u64 rip = vmread(GUEST_RIP);

	if (!v->dbg.tf_was_set)
		vmwrite(GUEST_RFLAGS, vmread(GUEST_RFLAGS) & ~(u64)RFLAGS_TF);
	if (v->dbg.set_bs)
		vmwrite(GUEST_PENDING_DBG, vmread(GUEST_PENDING_DBG) & ~(u64)DR6_BS);
	/* #DB stays intercepted: a TF=1 the step left in a frame the guest saved comes back
	 * as a single-step trap the guest never asked for (debug_db_exit drops it). */
	v->dbg.stray_tf = !v->dbg.tf_was_set;
	vmwrite(EXCEPTION_BITMAP, v->dbg.exc_bitmap | (v->dbg.stray_tf ? 1u << DB_VECTOR : 0));
	vmwrite(PF_ERROR_MASK, v->dbg.pf_mask);
	vmwrite(PF_ERROR_MATCH, v->dbg.pf_match);
	v->dbg.stepping = false;
	log_plain("step %s:%u: rip 0x%lx -> 0x%lx (%ld bytes) after %s%s", v->vm->name,
		  v->index, v->dbg.step_rip, rip, (long)(rip - v->dbg.step_rip), how,
		  vector < 256 ? exception_name(vector) : "");
	served(v, v->dbg.step_req);
}

/* The stepped instruction raised an exception: it goes to the guest as the CPU would have
 * delivered it (SDM Vol. 3C 28.2.2 has the exit's copy of it), without our TF. */
static void step_raised(struct vcpu *v, u32 info)
{
	step_end(v, "an exception for the guest: ", info & 0xFF);
	inject_event(v, info, EXIT_INTR_ERROR);
	if ((info & 0xFF) == 14) {	/* #PF: the exit left CR2 alone; the qualification has it */
		u64 cr2 = vmread(EXIT_QUALIFICATION);
		__asm__ volatile("mov %0, %%cr2" ::"r"(cr2));
	}
}

void debug_db_exit(struct vcpu *v, u32 info)
{
	if (v->dbg.stray_tf && (vmread(EXIT_QUALIFICATION) & DR6_BS)) {
		vmwrite(GUEST_RFLAGS, vmread(GUEST_RFLAGS) & ~(u64)RFLAGS_TF);
		vmwrite(EXCEPTION_BITMAP, v->dbg.exc_bitmap);
		v->dbg.stray_tf = false;
		pr_debug("vm %s vcpu%u: the TF a step left behind came back at rip=0x%lx: dropped",
			 v->vm->name, v->index, vmread(GUEST_RIP));
		return;
	}
	inject_event(v, info, EXIT_INTR_ERROR);	/* the guest's own #DB (or ICEBP's) */
}

#define STEP_TRIES	16

void debug_step_exit(struct vcpu *v, u32 reason)
{
	u32 info = (u32)vmread(EXIT_INTR_INFO);
	bool exc = reason == EXIT_EXCEPTION_NMI && (info & INTR_VALID) &&
		   (info & (7u << 8)) != INTR_TYPE_NMI;

	if (exc && (info & 0xFF) == DB_VECTOR && (vmread(EXIT_QUALIFICATION) & DR6_BS)) {
		step_end(v, "the #DB single-step trap", 256);
		if (v->dbg.tf_was_set)	/* the guest was single-stepping itself: its trap too */
			inject_exception(v, DB_VECTOR, false, 0);
		return;
	}
	if (exc) {
		step_raised(v, info);
		return;
	}
	exit_handle(v, reason);
	/* These exits come before the instruction completes (SDM Vol. 3A 7.9: the single-step
	 * trap outranks interrupts, so after it ran the #DB would have come first): enter
	 * again, a bounded number of times. An EPT violation is retried once the page is
	 * there. Anything else ends the step: it emulated the instruction (CPUID, I/O,
	 * HLT...), or queued an event for the guest, which must not see our TF. */
	bool before = reason == EXIT_EXT_INTR || reason == EXIT_EXCEPTION_NMI ||
		      reason == EXIT_INTR_WINDOW || reason == EXIT_EPT_VIOLATION ||
		      reason == EXIT_PREEMPT_TIMER;
	if (v->vm->state == VM_STOPPED)
		step_end(v, "the VM stopped", 256);
	else if (vmread(ENTRY_INTR_INFO) & INTR_VALID)
		step_end(v, "an event queued for the guest: ", vmread(ENTRY_INTR_INFO) & 0xFF);
	else if (!before)
		step_end(v, exit_reason_name(reason), 256);
	else if (++v->dbg.step_entries >= STEP_TRIES)
		step_end(v, "16 entries without finishing the instruction (a fault that is "
			 "not resolved?)", 256);
}

/* ---- the exit trace ---- */

void debug_trace(struct vcpu *v, u32 reason)
{
	u32 r = reason & 0xFFFF;
	if ((trace.vm >= 0 && trace.vm != v->vm->id) || r >= 128 ||
	    !(trace.mask[r / 64] & (1ULL << (r % 64))))
		return;
	pr_info("trace %s:%u #%lu %s rip=0x%lx qual=0x%lx", v->vm->name, v->index,
		v->nexits - 1, exit_reason_name(r), vmread(GUEST_RIP), vmread(EXIT_QUALIFICATION));
}
