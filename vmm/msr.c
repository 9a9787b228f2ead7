/* vmm/msr.c: RDMSR/WRMSR. The MSR bitmap lets the guest touch, without an exit, the MSRs
 * that VMX switches for it (EFER, FS/GS base, SYSENTER) or that the host does not use
 * (KERNEL_GS_BASE, the SYSCALL MSRs), and the TSC. Everything else exits to the short
 * allow-list below, or to the vCPU's x2APIC (0x800-0x8FF, vmm/vlapic.c); an MSR not on it
 * gets #GP, as on a CPU without that MSR, and is counted (vmm/unemul.c). */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "lib/string.h"

struct msr_emul {
	u32 msr;
	const char *name;
	bool (*rd)(struct vcpu *v, u64 *val);	/* false: #GP */
	bool (*wr)(struct vcpu *v, u64 val);
};

static bool rd_zero(struct vcpu *v, u64 *val) { (void)v; *val = 0; return true; }
static bool wr_ignore(struct vcpu *v, u64 val) { (void)v; (void)val; return true; }
static bool rd_misc_enable(struct vcpu *v, u64 *val) { (void)v; *val = 1; return true; }
static bool rd_pat(struct vcpu *v, u64 *val) { *val = v->pat; return true; }
static bool wr_pat(struct vcpu *v, u64 val) { v->pat = val; return true; }
static bool rd_mtrr_def(struct vcpu *v, u64 *val) { (void)v; *val = 0xC06; return true; }
/* IA32_ARCH_CAPABILITIES: with apic=x2apic, bit 21: IA32_XAPIC_DISABLE_STATUS exists, whose
 * bit 0 says the firmware disabled legacy xAPIC: the LAPIC is locked in x2APIC mode
 * (vmm/vlapic.c). Otherwise 0, and that MSR does not exist (#GP). */
static bool rd_arch_cap(struct vcpu *v, u64 *val)
{
	*val = vlapic_locked(v) ? 1ULL << 21 : 0;
	return true;
}
static bool rd_xapic_off(struct vcpu *v, u64 *val) { *val = 1; return vlapic_locked(v); }

/* IA32_FEATURE_CONTROL: locked (bit 0) with VMX off in and out of SMX, as firmware leaves a
 * machine whose VMX is not for its OS; a write to a locked register is #GP. */
static bool rd_feature_ctl(struct vcpu *v, u64 *val) { (void)v; *val = 1; return true; }
/* IA32_TSC_ADJUST (CPUID.7:EBX[1], SDM Vol. 3B 18.17.3) reads 0: the guest's TSC is the
 * host's, unadjusted. Writing 0 keeps it so; any other value would move the TSC, which
 * faultline does not do (no TSC offsetting): #GP rather than a write that is ignored. */
static bool wr_tsc_adjust(struct vcpu *v, u64 val) { (void)v; return val == 0; }

static const struct msr_emul emul[] = {
	{ 0x017, "IA32_PLATFORM_ID", rd_zero, 0 },
	{ 0x01B, "IA32_APIC_BASE", vlapic_rd_base, vlapic_wr_base },
	{ 0x03A, "IA32_FEATURE_CONTROL", rd_feature_ctl, 0 },
	{ 0x03B, "IA32_TSC_ADJUST", rd_zero, wr_tsc_adjust },
	{ 0x08B, "IA32_BIOS_SIGN_ID", rd_zero, wr_ignore },
	{ 0x0BD, "IA32_XAPIC_DISABLE_STATUS", rd_xapic_off, 0 },
	{ 0x0FE, "IA32_MTRRCAP", rd_zero, 0 },
	{ 0x10A, "IA32_ARCH_CAPABILITIES", rd_arch_cap, 0 },
	{ 0x1A0, "IA32_MISC_ENABLE", rd_misc_enable, 0 },
	{ 0x277, "IA32_PAT", rd_pat, wr_pat },
	{ 0x2FF, "IA32_MTRR_DEF_TYPE", rd_mtrr_def, wr_ignore },
	{ 0x6E0, "IA32_TSC_DEADLINE", vlapic_rd_deadline, vlapic_wr_deadline },
};

/* Pass-through MSRs: reads and writes go straight to the guest's copy. */
static const u32 passthrough[] = {
	0x010,		/* IA32_TSC (reads; no TSC offsetting) */
	0x174, 0x175, 0x176, /* SYSENTER_CS/ESP/EIP: in the VMCS guest state */
	0xC0000080,	/* EFER: switched by the entry/exit controls */
	0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR LSTAR CSTAR SFMASK */
	0xC0000100, 0xC0000101, /* FS/GS base: in the VMCS */
	0xC0000102,	/* KERNEL_GS_BASE: the host never uses SWAPGS */
};

/* The 4 KiB bitmap: read-low at 0, read-high at 1024, write-low at 2048, write-high at 3072
 * (SDM Vol. 3C 25.6.9); a set bit makes the access exit. */
u64 msr_bitmap_create(void)
{
	u8 *bm = page_alloc_zeroed(1);
	if (!bm)
		return 0;
	memset(bm, 0xFF, PAGE_SIZE);
	for (unsigned i = 0; i < ARRAY_SIZE(passthrough); i++) {
		u32 m = passthrough[i];
		unsigned base = m >= 0xC0000000 ? 1024 : 0, bit = m & 0x1FFF;
		bm[base + bit / 8] &= ~(1u << (bit % 8));
		if (m != 0x010)	/* the TSC is read-only to the guest */
			bm[2048 + base + bit / 8] &= ~(1u << (bit % 8));
	}
	return (u64)bm;
}

static const struct msr_emul *find(u32 msr)
{
	for (unsigned i = 0; i < ARRAY_SIZE(emul); i++)
		if (emul[i].msr == msr)
			return &emul[i];
	return 0;
}

static void msr_access(struct vcpu *v, bool write)
{
	u32 msr = (u32)v->regs.rcx;
	const struct msr_emul *e = find(msr);
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	bool ok;

	bool x2apic = msr >= LAPIC_MSR_BASE && msr <= LAPIC_MSR_LAST;

	if (x2apic)	/* the vCPU's x2APIC registers; its #GP rules are the model's */
		ok = write ? vlapic_wrmsr(v, msr, val) : vlapic_rdmsr(v, msr, &val);
	else if (write)
		ok = e && e->wr && e->wr(v, val);
	else
		ok = e && e->rd && e->rd(v, &val);
	if (!ok) {
		pr_debug("vm %s: %s of MSR 0x%x: #GP", v->vm->name, write ? "WRMSR" : "RDMSR", msr);
		if (!e && !x2apic)	/* an MSR faultline lacks (not a read-only one written) */
			unemul_note(v->vm, &v->vm->un_msrs, msr);
		inject_exception(v, 13, true, 0);
		return;
	}
	if (!write) {
		v->regs.rax = (u32)val;
		v->regs.rdx = val >> 32;
	}
	vcpu_skip_instruction(v);
}

void exit_rdmsr(struct vcpu *v)
{
	msr_access(v, false);
}

void exit_wrmsr(struct vcpu *v)
{
	msr_access(v, true);
}
