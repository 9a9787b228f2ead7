/* vmm/vmx.c: VMX discovery (SDM Vol. 3C 24.6 "Discovering Support for VMX" and 24.7
 * "Enabling and Entering VMX Operation"). Capability MSRs are read only after CPUID says VMX
 * exists: QEMU TCG answers 0 for unknown MSRs instead of #GP, Bochs models without EPT #GP on
 * 0x48C. */
#include "vmm/vmx.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/percpu.h"
#include "vmm/controls.h"
#include "lib/fmt.h"

struct vmx_caps vmx_caps;

#define FC_LOCK		(1u << 0)
#define FC_VMX_OUTSIDE_SMX (1u << 2)

static int fail(char *why, size_t len, const char *msg)
{
	fmt(why, len, "%s", msg);
	return -1;
}

/* IA32_FEATURE_CONTROL: firmware may leave it unlocked (then we enable VMX and lock it, as
 * the SDM requires before VMXON) or locked (then VMX outside SMX must already be on). */
static int feature_control(char *why, size_t len)
{
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FC_LOCK)) {
		wrmsr(MSR_FEATURE_CONTROL, fc | FC_LOCK | FC_VMX_OUTSIDE_SMX);
		pr_info("vmx: IA32_FEATURE_CONTROL was unlocked (0x%llx): enabled VMX and locked it",
			(unsigned long long)fc);
		return 0;
	}
	if (!(fc & FC_VMX_OUTSIDE_SMX))
		return fail(why, len, "VMX disabled by firmware: IA32_FEATURE_CONTROL is locked "
			    "with bit 2 (VMX outside SMX) clear");
	return 0;
}

/* At loglevel=debug, every capability MSR: what a report about a new CPU model needs. */
static void vmx_dump_msrs(void)
{
	static const u32 msrs[] = { 0x480, 0x481, 0x482, 0x483, 0x484, 0x485, 0x486, 0x487, 0x488,
				    0x489, 0x48A, 0x48B, 0x48C, 0x48D, 0x48E, 0x48F, 0x490 };
	u64 basic = rdmsr(MSR_VMX_BASIC);
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
		if ((msrs[i] >= 0x48D && !(basic & (1ULL << 55))) ||
		    (msrs[i] >= 0x48B && msrs[i] <= 0x48C && !(rdmsr(0x482) >> 63)))
			continue;
		pr_debug("vmx: MSR 0x%x = 0x%016llx", msrs[i], (unsigned long long)rdmsr(msrs[i]));
	}
}

int vmx_probe(char *why, size_t len)
{
	struct vmx_caps *c = &vmx_caps;
	u32 a, b, cx, d;

	cpuid(1, 0, &a, &b, &cx, &d);
	c->vmx = cx & (1u << 5);
	if (!c->vmx)
		return fail(why, len, "CPUID.1:ECX.VMX[bit 5]=0: this CPU (or emulator) does not "
			    "offer VMX; QEMU TCG never does: use Bochs, or QEMU with KVM and nested=1");
	if (feature_control(why, len))
		return -1;
	c->basic = rdmsr(MSR_VMX_BASIC);
	vmx_dump_msrs();
	c->true_ctls = c->basic & (1ULL << 55);
	c->procbased = rdmsr(c->true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	if (!(c->procbased >> 32 & (1u << 31)))
		return fail(why, len, "no secondary processor-based controls: EPT unavailable");
	c->procbased2 = rdmsr(MSR_VMX_PROCBASED2);
	u32 allowed2 = c->procbased2 >> 32;
	c->ept = allowed2 & PROC2_EPT;
	c->unrestricted = allowed2 & PROC2_UNRESTRICTED;
	c->ept_ve = allowed2 & PROC2_EPT_VE;
	if (!c->ept)
		return fail(why, len, "EPT not offered (IA32_VMX_PROCBASED_CTLS2 bit 33 clear)");
	c->ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	c->ept_4level = c->ept_vpid & (1u << 6);
	c->ept_wb = c->ept_vpid & (1u << 14);
	c->ept_2m = c->ept_vpid & (1u << 16);
	c->ept_ad = c->ept_vpid & (1u << 21);
	if (!c->ept_4level || !c->ept_wb)
		return fail(why, len, "EPT lacks a 4-level walk or write-back memory type");
	/* INVEPT with a type the CPU offers (SDM Vol. 3D A.10: bit 20 the instruction, bit 25
	 * single-context, bit 26 all-context): a page taken from a guest (the monitor's
	 * poison, later eviction) must be flushed from every CPU's EPT caches. */
	if (!(c->ept_vpid & (1u << 20)) || !(c->ept_vpid & ((1u << 25) | (1u << 26))))
		return fail(why, len, "INVEPT not offered with a single- or all-context type "
			    "(IA32_VMX_EPT_VPID_CAP bits 20, 25, 26)");
	if (!c->unrestricted)
		return fail(why, len, "unrestricted guest not offered (IA32_VMX_PROCBASED_CTLS2 "
			    "bit 39 clear): guests cannot start with paging off");

	pr_info("vmx: VMX revision 0x%llx, EPT (2M pages: %s, accessed/dirty: %s), unrestricted guest",
		(unsigned long long)(c->basic & 0x7FFFFFFF), c->ept_2m ? "yes" : "no",
		c->ept_ad ? "yes" : "no");
	if (c->ept_ve)
		pr_info("vmx: EPT-violation #VE: offered in hardware");
	else
		pr_info("vmx: EPT-violation #VE: not offered, software #VE will be used");
	return 0;
}

struct vmx_msrs vmx_msrs;

void vmx_read_msrs(struct vmx_msrs *m)
{
	m->basic = rdmsr(MSR_VMX_BASIC);
	m->pinbased = rdmsr(MSR_VMX_PINBASED);
	m->procbased = rdmsr(MSR_VMX_PROCBASED);
	m->exit = rdmsr(MSR_VMX_EXIT);
	m->entry = rdmsr(MSR_VMX_ENTRY);
	m->misc = rdmsr(MSR_VMX_MISC);
	m->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	m->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	m->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	m->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	m->procbased2 = rdmsr(MSR_VMX_PROCBASED2);
	m->ept_vpid = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (m->basic & (1ULL << 55)) {
		m->true_pinbased = rdmsr(MSR_VMX_TRUE_PINBASED);
		m->true_procbased = rdmsr(MSR_VMX_TRUE_PROCBASED);
		m->true_exit = rdmsr(MSR_VMX_TRUE_EXIT);
		m->true_entry = rdmsr(MSR_VMX_TRUE_ENTRY);
	}
}

/* Enters VMX root operation on this CPU (SDM Vol. 3C 24.7): CR0 and CR4 must satisfy the
 * fixed-bit MSRs (CR4.VMXE among them), and VMXON takes a 4 KiB region that starts with
 * the VMCS revision identifier. Returns 0, or -1 with the reason in why. */
int vmx_on(char *why, size_t len)
{
	struct cpu *c = this_cpu();
	u64 pa;
	u8 bad;

	if (feature_control(why, len))
		return -1;
	/* Caches on (CD and NW clear): a CPU leaves INIT with both set (SDM Vol. 3A Table
	 * 10-1), and the firmware may not clear them; VM entry never loads them from the
	 * guest's CR0 field (Vol. 3C 27.3.2.1), so a guest would run with this CPU's, and a
	 * kernel that never writes CR0 itself (Linux's 64-bit entry) would read NW=1 and fault
	 * in its MTRR code when it clears CD alone. */
	write_cr0(vmx_fix_cr0(&vmx_msrs, read_cr0() & ~(CR0_CD | CR0_NW), false));
	write_cr4(vmx_fix_cr4(&vmx_msrs, read_cr4() | CR4_VMXE));
	if (!c->vmxon) {
		c->vmxon = page_alloc_zeroed(1);
		if (!c->vmxon)
			return fail(why, len, "out of memory for the VMXON region");
	}
	*(u32 *)c->vmxon = (u32)(vmx_msrs.basic & 0x7FFFFFFF);
	pa = (u64)c->vmxon;
	__asm__ volatile("vmxon %1; setna %0" : "=qm"(bad) : "m"(pa) : "cc", "memory");
	if (bad)
		return fail(why, len, "VMXON failed (CF or ZF set)");
	return 0;
}

/* INVEPT: drop every cached translation derived from this EPTP (SDM Vol. 3C 29.4.3.1);
 * needed whenever a present EPT entry is changed or removed. Single-context when the CPU
 * offers it, else all-context (IA32_VMX_EPT_VPID_CAP bits 25 and 26, SDM Vol. 3D A.10);
 * vmx_probe refused a CPU with neither. Returns 0, or -1 on VMfail (CF or ZF set). */
int invept(u64 eptp)
{
	struct {
		u64 eptp, zero;
	} desc = { eptp, 0 };
	u64 type = (vmx_msrs.ept_vpid & (1ULL << 25)) ? 1 : 2;	/* else bit 26: vmx_probe */
	u8 fail;
	__asm__ volatile("invept %1, %2; setna %0" : "=qm"(fail) : "m"(desc), "r"(type)
			 : "cc", "memory");
	return fail ? -1 : 0;
}
