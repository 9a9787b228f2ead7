/* vmm/vmcs.c: building a vCPU's VMCS, and printing one. Each field says why it holds what
 * it holds. The guest starts the way a multiboot v1 loader leaves a kernel (Multiboot spec
 * 3.2 "Machine state"): 32-bit protected mode, flat segments, paging off, EAX=0x2BADB002,
 * EBX=the information structure. Paging off in VMX non-root needs unrestricted guest.
 * A bzImage taking the 64-bit entry gets vCPU 0 in long mode instead (vmm/linux.c). */
#include "vmm/vmcs.h"
#include "vmm/load.h"
#include "vmm/vm.h"
#include "vmm/vmx.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/percpu.h"
#include "host/trap.h"
#include "lib/string.h"


extern char vmx_exit[];

static int vmclear(u64 pa)
{
	u8 fail;
	__asm__ volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail;
}

static int vmptrld(u64 pa)
{
	u8 fail;
	__asm__ volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	return fail;
}

static void w(u64 field, u64 v)
{
	if (vmwrite(field, v))
		pr_err("vmcs: VMWRITE of field 0x%llx failed (error %llu)", (unsigned long long)field,
		       (unsigned long long)vmread(VM_INSTRUCTION_ERROR));
}

static void setup_controls(struct vcpu *v)
{
	struct vm *vm = v->vm;

	w(PIN_CONTROLS, v->ctls.pin);	/* host interrupts and NMIs exit: the host owns them */
	w(PROC_CONTROLS, v->ctls.proc);	/* HLT, every I/O port, MSRs by bitmap; no CR3 exits */
	/* EPT and unrestricted guest; hardware #VE only once the vCPU registers (apf/apf.c):
	 * a guest never sees a #VE it did not ask for. */
	w(PROC_CONTROLS2, v->ctls.proc2 & ~(u64)PROC2_EPT_VE);
	w(EXIT_CONTROLS, v->ctls.exit);	/* 64-bit host, ack interrupts on exit, swap EFER */
	w(ENTRY_CONTROLS, v->ctls.entry); /* load the guest EFER; not IA-32e at first */
	w(EXCEPTION_BITMAP, 0);		/* the guest handles its own exceptions */
	w(PF_ERROR_MASK, 0);
	w(PF_ERROR_MATCH, 0);
	w(CR3_TARGET_COUNT, 0);
	w(EXIT_MSR_STORE_COUNT, 0);	/* EFER is switched by the controls; nothing else */
	w(EXIT_MSR_LOAD_COUNT, 0);
	w(ENTRY_MSR_LOAD_COUNT, 0);
	w(ENTRY_INTR_INFO, 0);		/* nothing to inject yet */
	w(MSR_BITMAP, vm->msr_bitmap_pa);
	w(EPT_POINTER, ept_pointer(&vm->ept, v->ctls.ept_ad));
	w(VMCS_LINK_PTR, ~0ULL);	/* no VMCS shadowing: must be all ones */
	/* CR0.NE and CR4.VMXE must stay 1 under VMX; the guest sees its own value of the bits
	 * it may not change through the read shadows, and a write that changes them exits.
	 * CD and NW too: VM entry never loads them (SDM Vol. 3C 27.3.2.1), the CPU keeps the
	 * host's (caches on, vmm/vmx.c), so the guest's own values live in the shadow. */
	w(CR0_MASK, ((vmx_msrs.cr0_fixed0 | ~vmx_msrs.cr0_fixed1 | CR0_CD | CR0_NW) &
		     ~(CR0_PE | CR0_PG)) & 0xFFFFFFFF);
	w(CR4_MASK, (vmx_msrs.cr4_fixed0 | ~vmx_msrs.cr4_fixed1) & 0xFFFFFFFF);
	w(CR0_SHADOW, v->cr0_shadow);
	w(CR4_SHADOW, v->cr4_shadow);
}

static void setup_host(void)
{
	struct cpu *c = this_cpu();

	w(HOST_CR0, read_cr0());
	w(HOST_CR3, read_cr3());
	w(HOST_CR4, read_cr4());
	w(HOST_CS_SEL, SEL_CODE);
	w(HOST_SS_SEL, SEL_DATA);
	w(HOST_DS_SEL, SEL_DATA);
	w(HOST_ES_SEL, SEL_DATA);
	w(HOST_FS_SEL, 0);
	w(HOST_GS_SEL, 0);
	w(HOST_TR_SEL, SEL_TSS);
	w(HOST_FS_BASE, 0);
	w(HOST_GS_BASE, (u64)c);	/* this_cpu() works in the exit path */
	w(HOST_TR_BASE, (u64)&c->tss);
	w(HOST_GDTR_BASE, (u64)c->gdt);
	w(HOST_IDTR_BASE, idt_base());
	w(HOST_EFER, rdmsr(MSR_EFER));
	w(HOST_SYSENTER_CS, 0);
	w(HOST_SYSENTER_ESP, 0);
	w(HOST_SYSENTER_EIP, 0);
	w(HOST_RIP, (u64)vmx_exit);	/* HOST_RSP is written by vmx_enter on every entry */
}

void vmcs_seg(u64 sel_f, u16 sel, u64 base, u32 limit, u32 ar)
{
	/* The encodings of one segment's fields are a fixed distance apart (appendix B). */
	u64 i = (sel_f - GUEST_ES_SEL) / 2;
	w(sel_f, sel);
	w(GUEST_ES_BASE + i * 2, base);
	w(GUEST_ES_LIMIT + i * 2, limit);
	w(GUEST_ES_AR + i * 2, ar);
}

static void setup_guest(struct vcpu *v)
{
	u64 cr0 = vmx_fix_cr0(&vmx_msrs, v->cr0_shadow, true);
	u64 cr4 = vmx_fix_cr4(&vmx_msrs, v->cr4_shadow);

	w(GUEST_CR0, cr0);
	w(GUEST_CR3, 0);
	w(GUEST_CR4, cr4);
	w(GUEST_DR7, 0x400);		/* architectural reset value */
	w(GUEST_RFLAGS, 0x2);		/* bit 1 is always 1; IF=0 as multiboot says */
	w(GUEST_RSP, 0);		/* multiboot: the kernel sets its own stack */
	w(GUEST_RIP, v->vm->entry);
	/* Flat 4 GiB segments: 32-bit code (type 11, S, P, D, G) and data (type 3, S, P, B, G). */
	vmcs_seg(GUEST_CS_SEL, 0x08, 0, 0xFFFFFFFF, 0xC09B);
	vmcs_seg(GUEST_SS_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	vmcs_seg(GUEST_DS_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	vmcs_seg(GUEST_ES_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	vmcs_seg(GUEST_FS_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	vmcs_seg(GUEST_GS_SEL, 0x10, 0, 0xFFFFFFFF, 0xC093);
	/* TR must be usable even though the guest never switches tasks: a busy 32-bit TSS. */
	vmcs_seg(GUEST_TR_SEL, 0, 0, 0xFF, 0x8B);
	vmcs_seg(GUEST_LDTR_SEL, 0, 0, 0, AR_UNUSABLE);
	w(GUEST_GDTR_BASE, 0);
	w(GUEST_GDTR_LIMIT, 0xFFFF);
	w(GUEST_IDTR_BASE, 0);
	w(GUEST_IDTR_LIMIT, 0xFFFF);
	w(GUEST_EFER, 0);
	w(GUEST_PAT, 0x0007040600070406ULL); /* power-on value */
	w(GUEST_DEBUGCTL, 0);
	w(GUEST_SYSENTER_CS, 0);
	w(GUEST_SYSENTER_ESP, 0);
	w(GUEST_SYSENTER_EIP, 0);
	w(GUEST_INTERRUPTIBILITY, 0);
	w(GUEST_ACTIVITY, 0);		/* active */
	w(GUEST_PENDING_DBG, 0);
	v->regs.rax = 0x2BADB002;	/* multiboot v1 magic */
}

/* Makes v's VMCS current on this CPU and fills it. Returns 0, or -1 (reported). */
int vmcs_setup(struct vcpu *v)
{
	if (vmclear(v->vmcs_pa) || vmptrld(v->vmcs_pa)) {
		pr_err("vmcs: VMCLEAR/VMPTRLD of 0x%llx failed", (unsigned long long)v->vmcs_pa);
		return -1;
	}
	v->cr0_shadow = CR0_PE | CR0_ET;
	v->cr4_shadow = 0;
	v->pat = 0x0007040600070406ULL;
	setup_controls(v);
	setup_host();
	setup_guest(v);
	if (v->index == 0 && v->vm->boot64_cr3)
		linux_vcpu_start64(v);	/* a bzImage's 64-bit entry (vmm/linux.c) */
	invept(ept_pointer(&v->vm->ept, v->ctls.ept_ad));
	return 0;
}

/* A readable dump of the current VMCS: what a person debugging an entry failure reads. */
struct field_name {
	u32 field;
	const char *name;
};

static const struct field_name dump_fields[] = {
	{ PIN_CONTROLS, "pin-based controls" }, { PROC_CONTROLS, "processor-based controls" },
	{ PROC_CONTROLS2, "secondary controls" }, { EXIT_CONTROLS, "VM-exit controls" },
	{ ENTRY_CONTROLS, "VM-entry controls" }, { EXCEPTION_BITMAP, "exception bitmap" },
	{ ENTRY_INTR_INFO, "entry interruption info" }, { EPT_POINTER, "EPT pointer" },
	{ VMCS_LINK_PTR, "VMCS link pointer" },
	{ GUEST_CR0, "guest CR0" }, { GUEST_CR3, "guest CR3" }, { GUEST_CR4, "guest CR4" },
	{ CR0_SHADOW, "CR0 read shadow" }, { CR4_SHADOW, "CR4 read shadow" },
	{ GUEST_DR7, "guest DR7" }, { GUEST_EFER, "guest IA32_EFER" },
	{ GUEST_RIP, "guest RIP" }, { GUEST_RSP, "guest RSP" }, { GUEST_RFLAGS, "guest RFLAGS" },
	{ GUEST_GDTR_BASE, "guest GDTR base" }, { GUEST_GDTR_LIMIT, "guest GDTR limit" },
	{ GUEST_IDTR_BASE, "guest IDTR base" }, { GUEST_IDTR_LIMIT, "guest IDTR limit" },
	{ GUEST_INTERRUPTIBILITY, "guest interruptibility" }, { GUEST_ACTIVITY, "guest activity" },
	{ GUEST_PENDING_DBG, "guest pending debug" },
	{ EXIT_REASON, "exit reason" }, { EXIT_QUALIFICATION, "exit qualification" },
	{ EXIT_INTR_INFO, "exit interruption info" }, { IDT_VECTORING_INFO, "IDT-vectoring info" },
	{ GUEST_PHYS_ADDR, "guest-physical address" }, { GUEST_LINEAR_ADDR, "guest-linear address" },
	{ HOST_CR0, "host CR0" }, { HOST_CR3, "host CR3" }, { HOST_CR4, "host CR4" },
	{ HOST_RIP, "host RIP" }, { HOST_RSP, "host RSP" },
};

static const struct field_name segs[] = {
	{ GUEST_ES_SEL, "es" }, { GUEST_CS_SEL, "cs" }, { GUEST_SS_SEL, "ss" },
	{ GUEST_DS_SEL, "ds" }, { GUEST_FS_SEL, "fs" }, { GUEST_GS_SEL, "gs" },
	{ GUEST_LDTR_SEL, "ldtr" }, { GUEST_TR_SEL, "tr" },
};

/* pr prints one line: pr_err's wrapper for an entry failure, log_plain for the monitor. */
void vmcs_dump(void (*pr)(const char *fmt, ...))
{
	pr("vmcs dump:");
	for (unsigned i = 0; i < ARRAY_SIZE(dump_fields); i++)
		pr("  %-26s 0x%016lx", dump_fields[i].name, vmread(dump_fields[i].field));
	vmcs_dump_segs(pr);
}

/* The guest's segment registers, each on a line with its access rights decoded (the
 * monitor's regs prints them too). */
void vmcs_dump_segs(void (*pr)(const char *fmt, ...))
{
	char ar[80];

	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++) {
		u64 k = (segs[i].field - GUEST_ES_SEL) / 2;
		ar_format((u32)vmread(GUEST_ES_AR + k * 2), ar, sizeof(ar));
		pr("  guest %-4s sel=0x%04lx base=0x%lx limit=0x%lx %s", segs[i].name,
		   vmread(segs[i].field), vmread(GUEST_ES_BASE + k * 2),
		   vmread(GUEST_ES_LIMIT + k * 2), ar);
	}
}
