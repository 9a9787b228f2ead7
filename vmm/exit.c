/* vmm/exit.c: what happens on each VM exit, as a table from basic exit reason to handler.
 * A reason with no handler stops the VM and says which reason it was: a guest must never be
 * able to take the hypervisor somewhere it did not plan for. I/O and hypercalls have files
 * of their own (vmm/io.c, vmm/hypercall.c). */
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
#include "lib/string.h"

typedef void (*exit_fn)(struct vcpu *v);

void exit_io(struct vcpu *v);
void exit_vmcall(struct vcpu *v);
void exit_rdmsr(struct vcpu *v);
void exit_wrmsr(struct vcpu *v);
/* vmm/mmio.c: gpa is a device page (xAPIC, I/O APIC): the access is emulated. */
bool mmio_access(struct vcpu *v, u64 gpa);
void exit_task_switch(struct vcpu *v);		/* vmm/taskswitch.c */

/* MONITOR/MWAIT (bit 3) stays visible: neither is intercepted (vmm/controls.c asks for
 * neither exiting control), and a guest that waits in MWAIT still exits on the host's
 * kicks (external-interrupt exiting) and on the preemption-timer tick; polled mode's idle
 * loop waits there for the host's store to its completions word (docs/pv-protocol.md). */
#define CPUID1_ECX_HIDE ((1u << 5) | (1u << 6) | (1u << 26) | (1u << 27))	/* VMX SMX XSAVE OSXSAVE */
#define CPUID1_ECX_HV	(1u << 31)			/* "a hypervisor is present" */
/* Each vCPU has a local APIC, xAPIC or x2APIC, with the TSC-deadline timer (vmm/vlapic.c). */
#define CPUID1_ECX_APIC	((1u << 21) | (1u << 24))	/* x2APIC, TSC-deadline */
#define CPUID1_EDX_APIC	(1u << 9)			/* APIC */
#define CPUID7_EDX_ARCH_CAP (1u << 29)			/* IA32_ARCH_CAPABILITIES (vmm/msr.c) */
/* Instructions that fault in VMX non-root unless a secondary control enables them, which
 * faultline does not (SDM Vol. 3C 25.6.2: "enable RDTSCP", "enable INVPCID", "enable user
 * wait and pause"): a kernel told they exist uses them and takes #UD (Linux's TLB flush
 * with INVPCID, its read_tsc with RDTSCP); and what needs MSRs faultline does not give:
 * IA32_SPEC_CTRL/PRED_CMD/FLUSH_CMD (IBRS, STIBP, L1D_FLUSH, SSBD), Intel PT, SGX. */
#define CPUID7_EBX_HIDE	((1u << 2) | (1u << 10) | (1u << 25))	/* SGX INVPCID PT */
#define CPUID7_ECX_HIDE	((1u << 5) | (1u << 22))		/* WAITPKG RDPID */
#define CPUID7_EDX_HIDE	((1u << 26) | (1u << 27) | (1u << 28) | (1u << 31))
#define CPUIDX1_EDX_HIDE (1u << 27)				/* 0x80000001: RDTSCP */

static void cpuid_hv(struct vcpu *v, u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	*a = *b = *c = *d = 0;
	if (leaf == FL_CPUID_BASE) {
		*a = FL_CPUID_FEATURES;
		*b = FL_SIGNATURE_EBX;
		*c = FL_SIGNATURE_ECX;
		*d = FL_SIGNATURE_EDX;
	} else if (leaf == FL_CPUID_FEATURES) {
		*a = FL_FEAT_HYPERCALL | FL_FEAT_DEBUG_EXIT | FL_FEAT_CONSOLE |
		     (v->ctls.ept_ve ? FL_FEAT_VE_HW : 0);
		*b = FL_ABI_VERSION;
	}
}

/* Bits of the x2APIC ID that number the VM's vCPUs (cores of one package, one thread each). */
static u32 core_bits(const struct vm *vm)
{
	u32 n = 0;
	while ((1u << n) < vm->nvcpus)
		n++;
	return n;
}

/* The x2APIC topology leaves 0xB and 0x1F (SDM Vol. 3A 11.12.8.1), from the VM's vCPUs:
 * level 0 the SMT level (one thread per core), level 1 the cores (every vCPU), one
 * package; EDX is the x2APIC ID, which is the vCPU's index. */
static void cpuid_topology(struct vcpu *v, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	*d = v->index;
	if (sub == 0) {
		*a = 0;
		*b = 1;
		*c = (1u << 8) | sub;		/* type 1: SMT */
	} else if (sub == 1) {
		*a = core_bits(v->vm);
		*b = v->vm->nvcpus;
		*c = (2u << 8) | sub;		/* type 2: core */
	} else {
		*a = *b = 0;
		*c = sub & 0xFF;		/* type 0: invalid, the end of the list */
	}
}

/* The TSC's frequency as faultline measured it (host/tsc.c), which is the guest's TSC: leaf
 * 0x15 as a 1:1 ratio over a "crystal" of that frequency, which is also the LAPIC timer's
 * clock here (vmm/vlapic.c counts the TSC), as on Intel parts where the APIC timer runs at
 * the crystal clock; leaf 0x16 the same in MHz. A kernel takes these over calibrating
 * against the PIT (Linux: native_calibrate_tsc); the host CPU's own leaves would describe
 * a CPU the guest's TSC is not (in Bochs, GHz for a 50 MHz TSC: Linux's delays ran ~70
 * times too long). SDM Vol. 2A CPUID leaves 15H and 16H. */
static void cpuid_tsc(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	if (leaf == 0x15) {
		*a = 1;
		*b = 1;
		*c = (u32)MIN(tsc_khz * 1000, 0xFFFFFFFFULL);
	} else {
		*a = *b = (u32)(tsc_khz / 1000);
		*c = 100;	/* bus (reference) MHz: nothing depends on it here */
	}
	*d = 0;
}

/* The host CPU's highest basic leaf, read once: a CPUID of the host's is itself an exit
 * under nested virtualization, and the value never changes (racing first callers store
 * the same value). */
static u32 host_max_leaf(void)
{
	static u32 max;
	u32 x;

	if (!__atomic_load_n(&max, __ATOMIC_RELAXED)) {
		u32 m;
		cpuid(0, 0, &m, &x, &x, &x);
		__atomic_store_n(&max, m, __ATOMIC_RELAXED);
	}
	return __atomic_load_n(&max, __ATOMIC_RELAXED);
}

/* A sane subset of the real CPU: the basic and extended leaves pass through with VMX and
 * XSAVE hidden; the local APIC is the vCPU's (ID = the vCPU's index, the VM's vCPUs in the
 * topology leaves, x2APIC offered); 0x15/0x16 give the TSC's frequency; the hypervisor
 * leaves 0x40000000-0x400000FF are faultline's. */
static void exit_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx, a, b, c, d;

	if ((leaf & 0xFFFFFF00) == FL_CPUID_BASE) {
		cpuid_hv(v, leaf, &a, &b, &c, &d);
	} else {
		cpuid(leaf, sub, &a, &b, &c, &d);
		if (leaf > host_max_leaf() && leaf < 0x80000000)
			a = b = c = d = 0;	/* not the highest leaf's data, as Intel CPUs give */
		if (leaf == 0 && a < 0x16) {
			a = 0x16;	/* up to the frequency leaves (the rest pass through) */
		} else if (leaf == 0x15 || leaf == 0x16) {
			cpuid_tsc(leaf, &a, &b, &c, &d);
		} else if (leaf == 1) {
			c = (c & ~CPUID1_ECX_HIDE) | CPUID1_ECX_HV | CPUID1_ECX_APIC;
			d |= CPUID1_EDX_APIC;
			/* EBX: initial APIC ID (31:24), addressable IDs in the package (23:16). */
			b = (b & 0xFFFF) | (v->index & 0xFF) << 24 | (1u << core_bits(v->vm)) << 16;
		} else if (leaf == 6) {
			/* Power management: only ARAT, "the APIC timer runs in every C-state",
			 * which the LAPIC's timer does (it is the host TSC); nothing of the
			 * host's thermal and P-state MSRs (HWP, ...) is offered. */
			a = 1u << 2;
			b = c = d = 0;
		} else if (leaf == 7 && sub == 0) {
			b &= ~CPUID7_EBX_HIDE;
			c &= ~CPUID7_ECX_HIDE;
			d = (d & ~CPUID7_EDX_HIDE) | CPUID7_EDX_ARCH_CAP;
		} else if (leaf == 0x80000001) {
			d &= ~CPUIDX1_EDX_HIDE;
		} else if (leaf == 0xB || leaf == 0x1F) {
			cpuid_topology(v, sub, &a, &b, &c, &d);
		} else if (leaf == 0xA || leaf == 0xD) {
			a = b = c = d = 0;	/* performance counters, XSAVE: not offered */
		}
	}
	v->regs.rax = a;
	v->regs.rbx = b;
	v->regs.rcx = c;
	v->regs.rdx = d;
	vcpu_skip_instruction(v);
}

/* HLT: the vCPU waits for an event instead of spinning (vcpu_awake, vmm/vcpu.c). With
 * RFLAGS.IF=0 only an NMI, INIT or SIPI can wake it (vcpu_sleep: when none can come, the VM
 * stops with that explanation instead of hanging). */
static void exit_hlt(struct vcpu *v)
{
	vcpu_skip_instruction(v);
	v->halted = true;
	if (!(vmread(GUEST_RFLAGS) & RFLAGS_IF))
		vcpu_sleep(v);
}

static void exit_extint(struct vcpu *v)
{
	struct regs r;
	(void)v;
	memset(&r, 0, sizeof(r));
	r.vector = vmread(EXIT_INTR_INFO) & 0xFF;	/* acknowledged on exit (EXIT_ACK_INTR) */
	trap_dispatch(&r);
}

/* Exception-or-NMI exits: a host NMI, or a #DB the monitor's step left intercepted (the
 * exception bitmap is otherwise 0; during a step vmm/debug/debug.c takes the exits itself). */
static void exit_nmi(struct vcpu *v)
{
	u32 info = (u32)vmread(EXIT_INTR_INFO);
	if ((info & (7u << 8)) == INTR_TYPE_NMI) {
		trap_stop_if_stopping();
		smp_nmi_was_kick();	/* counted; any other host NMI has nothing to say here */
		nmi_unblock();
		/* A host NMI (smp_kick_nmi) the guest never saw. Bochs saves "blocking by NMI"
		 * as 1 for it, which the next entry would load: the guest would then block NMIs
		 * until an IRET it has no reason to execute. No NMI is ever given to a guest
		 * here, so the bit can only be that artifact (SDM Vol. 3C 25.4.2). */
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~8ULL);
		return;
	}
	if ((info & 0xFF) == 1) {	/* #DB (or ICEBP's), intercepted after a step */
		debug_db_exit(v, info);
		return;
	}
	vm_stop(v->vm, -1, true, "vcpu%u: unexpected exception exit (info 0x%x)", v->index, info);
}

static void exit_triple(struct vcpu *v)
{
	vm_stop(v->vm, -1, true, "vcpu%u triple fault at rip=0x%llx (the guest could not "
		"deliver an exception, not even #DF)", v->index, (unsigned long long)vmread(GUEST_RIP));
}

/* MOV to/from CR8: the guest's own TPR (its LAPIC's TPR[7:4], vmm/vlapic.c), never the
 * physical one (vmm/controls.c says why). Bits 63:4 are reserved: setting one is #GP (SDM
 * Vol. 3A 10.8.6.1). It masks the LAPIC's vectors by class; the 8259's ExtINT and the
 * completion vector are not LAPIC vectors and are not masked by it. */
static void exit_cr8(struct vcpu *v, struct cr_qual q)
{
	if (q.type == 1) {
		vcpu_gpr_set(v, q.gpr, vlapic_cr8(v));
	} else {
		u64 val = vcpu_gpr_get(v, q.gpr);
		if (val & ~0xFULL) {
			inject_exception(v, 13, true, 0);
			return;
		}
		vlapic_set_cr8(v, val);
	}
	vcpu_skip_instruction(v);
}

/* The #GP of a MOV to CR0 (SDM Vol. 3A 2.5 and "MOV - Move to/from Control Registers"),
 * checked before anything changes: a VM entry with such a CR0 would fail, so none may
 * reach the VMCS. Bits 63:32; NW without CD; PG without PE; paging turned on with EFER.LME
 * and without CR4.PAE; paging turned off in 64-bit code. */
static bool cr0_bad(u64 val)
{
	u64 efer = vmread(GUEST_EFER), cur = vmread(GUEST_CR0);

	return (val >> 32) || ((val & CR0_NW) && !(val & CR0_CD)) ||
	       ((val & CR0_PG) && !(val & CR0_PE)) ||
	       ((val & CR0_PG) && !(cur & CR0_PG) && (efer & EFER_LME) &&
		!(vmread(GUEST_CR4) & CR4_PAE)) ||
	       (!(val & CR0_PG) && vcpu_code_bits() == 64);
}

/* MOV to CR4: a bit this CPU cannot set (VMXE is the guest's own, in the shadow), or PAE
 * cleared in IA-32e mode. */
static bool cr4_bad(u64 val)
{
	return (val & ~vmx_msrs.cr4_fixed1 & ~CR4_VMXE) ||
	       ((vmread(GUEST_EFER) & EFER_LMA) && !(val & CR4_PAE));
}

#define CR0_PDPTE_BITS	(CR0_PG | CR0_CD | CR0_NW)
#define CR4_PDPTE_BITS	(CR4_PSE | CR4_PAE | (1ULL << 7) | (1ULL << 20))	/* PGE, SMEP */

/* After this write, is PAE paging on outside IA-32e mode with one of the bits changed that
 * make the CPU load the four PDPTEs from CR3 (SDM Vol. 3A 4.4.1)? With EPT, VM entry takes
 * them from the VMCS (Vol. 3C 27.3.2.4), so faultline loads them: -1 is the CPU's #GP (a
 * reserved bit, or a table outside RAM, which reads as all ones). */
static int pdptes_reload(struct vcpu *v, u64 cr0, u64 cr4, u64 old0, u64 old4)
{
	u64 p[4];

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (vmread(GUEST_EFER) & EFER_LME) ||
	    (!((cr0 ^ old0) & CR0_PDPTE_BITS) && !((cr4 ^ old4) & CR4_PDPTE_BITS)))
		return 0;
	if (gpt_pdptes(v, vmread(GUEST_CR3), p))
		return -1;
	for (unsigned i = 0; i < 4; i++)
		vmwrite(GUEST_PDPTE0 + i * 2, p[i]);
	return 0;
}

/* The guest's view of CR0 and CR4: the masked bits from the shadows, the rest real. */
static u64 cr_view(u64 real, u64 shadow, u64 mask_field)
{
	u64 mask = vmread(mask_field);
	return (real & ~mask) | (shadow & mask);
}

/* MOV to CR0/CR4 that touches a bit the hypervisor owns (CR0.NE, CD, NW, CR4.VMXE,
 * reserved ones): the guest keeps its view in the read shadow, the real register keeps the
 * bits VMX needs. */
static void exit_cr(struct vcpu *v)
{
	struct cr_qual q = cr_qual_decode(vmread(EXIT_QUALIFICATION));
	u64 val, cr0, cr4;

	if (q.cr == 8 && q.type <= 1) {
		exit_cr8(v, q);
		return;
	}
	if (q.type != 0 || (q.cr != 0 && q.cr != 4)) {
		vm_stop(v->vm, -1, true, "vcpu%u: unexpected control-register exit (CR%u type %u)",
			v->index, q.cr, q.type);
		return;
	}
	val = vcpu_gpr_get(v, q.gpr);
	if (vcpu_code_bits() != 64)
		val &= 0xFFFFFFFFULL;	/* outside 64-bit mode the source is a 32-bit register */
	cr0 = cr_view(vmread(GUEST_CR0), v->cr0_shadow, CR0_MASK);
	cr4 = cr_view(vmread(GUEST_CR4), v->cr4_shadow, CR4_MASK);
	if ((q.cr == 4 ? cr4_bad(val) : cr0_bad(val)) ||
	    pdptes_reload(v, q.cr == 0 ? val : cr0, q.cr == 4 ? val : cr4, cr0, cr4)) {
		inject_exception(v, 13, true, 0);
		return;
	}
	if (q.cr == 4) {
		vcpu_set_cr4(v, val);
	} else {
		vcpu_set_cr0(v, val);
		vcpu_update_long_mode(v);
	}
	vcpu_skip_instruction(v);
}

/* An EPT violation in issue-3 terms: the guest touched guest-physical memory that is not its
 * RAM. The VM stops with the fault record; nothing else is affected. */
static void exit_ept_violation(struct vcpu *v)
{
	struct ept_qual q = ept_qual_decode(vmread(EXIT_QUALIFICATION));
	struct fl_fault f;

	if (mmio_access(v, vmread(GUEST_PHYS_ADDR)))
		return;		/* a device page: never RAM */
	memset(&f, 0, sizeof(f));
	f.gpa = vmread(GUEST_PHYS_ADDR) & ~(PAGE_SIZE - 1);
	f.size = PAGE_SIZE;
	f.access = (q.read ? FL_ACC_READ : 0) | (q.write ? FL_ACC_WRITE : 0) |
		   (q.exec ? FL_ACC_EXEC : 0);
	if (q.linear_valid) {
		f.gla = vmread(GUEST_LINEAR_ADDR);
		f.flags |= FL_FAULT_GLA_VALID;
	}
	if (vmread(GUEST_PHYS_ADDR) < v->vm->mem && v->vm->apf.lazy) {
		apf_ept_violation(v, vmread(GUEST_PHYS_ADDR), vmread(EXIT_QUALIFICATION));
		return;
	}
	f.code = vmread(GUEST_PHYS_ADDR) < v->vm->mem ? FL_FAULT_NONE : FL_FAULT_OUTSIDE_RAM;
	vm_stop_fault(v->vm, &f, vmread(GUEST_RIP), "EPT violation");
}

static void exit_ept_misconfig(struct vcpu *v)
{
	struct fl_fault f;
	struct ept_walk walk;
	char buf[96];

	memset(&f, 0, sizeof(f));
	f.gpa = vmread(GUEST_PHYS_ADDR) & ~(PAGE_SIZE - 1);
	f.size = PAGE_SIZE;
	f.code = FL_FAULT_MISCONFIG;
	ept_walk(&v->vm->ept, f.gpa, &walk);
	for (int i = 0; i < walk.levels; i++) {
		ept_entry_format(walk.entry[i], 4 - i, buf, sizeof(buf));
		pr_err("vm %s: EPT level %d entry: %s", v->vm->name, 4 - i, buf);
	}
	vm_stop_fault(v->vm, &f, vmread(GUEST_RIP), "EPT misconfiguration");
}

/* The VMX-preemption timer is the vCPU's tick (vcpu_run arms it on every entry): it bounds
 * how long a guest can keep its CPU without an exit, whatever its interrupt state (a guest
 * with IF=0 or CR8=15 still comes back within a tick, so a stop or a request is seen). It
 * is also the watchdog: guest time is added up over consecutive ticks, and any other exit
 * starts the count again (vcpu_run). */
static void exit_timer(struct vcpu *v)
{
	v->quiet_tsc += rdtsc() - v->entry_tsc;
	if (cfg.watchdog_ms && !v->watchdog_reported &&
	    v->quiet_tsc >= cfg.watchdog_ms * tsc_khz) {
		pr_warn("watchdog: vm %s vcpu%u ran %llu ms without a VM exit (rip=0x%llx); "
			"it is still running", v->vm->name, v->index,
			(unsigned long long)cfg.watchdog_ms, (unsigned long long)vmread(GUEST_RIP));
		v->watchdog_reported = true;
	}
}

/* VMX instructions, INVEPT and friends in the guest: faultline offers no nested VMX. */
static void exit_ud(struct vcpu *v)
{
	inject_exception(v, 6, false, 0);
}

static void exit_skip(struct vcpu *v)
{
	vcpu_skip_instruction(v);	/* WBINVD/INVD: nothing cached to write back for a guest */
}

static void exit_nothing(struct vcpu *v)
{
	(void)v;			/* interrupt window / INIT: the run loop re-evaluates */
}

static const exit_fn handlers[EXIT_REASON_MAX] = {
	[EXIT_EXCEPTION_NMI] = exit_nmi,	[EXIT_EXT_INTR] = exit_extint,
	[EXIT_TRIPLE_FAULT] = exit_triple,	[EXIT_INIT] = exit_nothing,
	[EXIT_INTR_WINDOW] = exit_nothing,	[EXIT_CPUID] = exit_cpuid,
	[EXIT_HLT] = exit_hlt,			[EXIT_VMCALL] = exit_vmcall,
	[EXIT_TASK_SWITCH] = exit_task_switch,
	[19] = exit_ud, [20] = exit_ud, [21] = exit_ud, [22] = exit_ud, [23] = exit_ud,
	[24] = exit_ud, [25] = exit_ud, [26] = exit_ud, [27] = exit_ud,	/* VMCLEAR..VMXON */
	[EXIT_CR_ACCESS] = exit_cr,		[EXIT_IO] = exit_io,
	[EXIT_RDMSR] = exit_rdmsr,		[EXIT_WRMSR] = exit_wrmsr,
	[EXIT_EPT_VIOLATION] = exit_ept_violation, [EXIT_EPT_MISCONFIG] = exit_ept_misconfig,
	[EXIT_INVEPT] = exit_ud,		[53] = exit_ud,	/* INVVPID */
	[EXIT_PREEMPT_TIMER] = exit_timer,	[EXIT_WBINVD] = exit_skip, [13] = exit_skip,
	[EXIT_XSETBV] = exit_ud,		[EXIT_VMFUNC] = exit_ud,
};

void exit_handle(struct vcpu *v, u32 reason)
{
	exit_fn fn = reason < EXIT_REASON_MAX ? handlers[reason] : 0;
	if (!fn) {
		vm_stop(v->vm, -1, true, "vcpu%u: unhandled VM exit: %s (qualification 0x%llx, "
			"rip=0x%llx)", v->index, exit_reason_name(reason),
			(unsigned long long)vmread(EXIT_QUALIFICATION),
			(unsigned long long)vmread(GUEST_RIP));
		return;
	}
	fn(v);
}
