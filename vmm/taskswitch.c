/* vmm/taskswitch.c: hardware task switches, emulated. Under VMX a task switch always exits
 * (SDM Vol. 3C 25.4.2, "Treatment of Task Switches"), after the CPU checked the gate, the new
 * TSS selector and its descriptor's type, P, S and limit; the VMM then does the switch
 * itself (SDM Vol. 3A 7.3, "Task Switching"). The exit qualification says which TSS and how
 * (SDM Vol. 3C 28.2.1, table 28-2: bits 15:0 the selector, bits 31:30 CALL, IRET, JMP or a
 * task gate in the IDT); for a task gate the IDT-vectoring information says which event
 * was being delivered, with its error code.
 *
 * Emulated: 32-bit TSSs (types 9 and 11) for all four sources, in the order of SDM 7.3:
 * the checks on the new TSS descriptor (again: they cost nothing and a guest may have
 * changed the descriptor since), the dynamic state saved to the old TSS, the busy bits, NT
 * and the back link, TR, CR3 (with the PDPTEs under PAE paging), LDTR, EFLAGS, EIP, the
 * general registers, the segment registers with their descriptors' checks, CR0.TS, DR7's
 * local enables, and the error code pushed on the new task's stack. A fault the real CPU
 * would raise (#TS, #NP, #SS, #GP with the selector as error code) is injected, turned into
 * #DF when it arises while an exception was being delivered (SDM Vol. 3A 6.15, table 6-5);
 * those rules, and the descriptors' decoding and checks, are pure, in lib/x86seg.c.
 * Not emulated, the VM stopping with one line naming it: 16-bit TSSs, a new task in
 * virtual-8086 mode, the TSS's debug trap bit, a task switch in IA-32e mode (which has
 * none), and TSSs or descriptor tables the guest's page tables do not map to its RAM (a
 * real CPU raises #PF there).
 *
 * Every value read from the guest is hostile: selectors are bounded by the GDT's or LDT's
 * limit, every byte goes through the guest's page tables and ram_copy, nothing loops. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "lib/x86seg.h"

enum { TS_CALL, TS_IRET, TS_JMP, TS_GATE };	/* exit qualification bits 31:30 */

#define EFLAGS_NT	(1u << 14)
#define EFLAGS_VM	(1u << 17)
#define EFLAGS_LIVE	0x003F7FD5u	/* the EFLAGS bits a CPU keeps; bit 1 is always 1 */
#define DR7_LOCAL	0x155ULL	/* L0-L3 and LE: cleared by a task switch (SDM 17.2.4) */
#define TYPE_BUSY	2u		/* the busy bit of a TSS descriptor's type */
#define TSS32_MIN	0x67u		/* the least limit of a 32-bit TSS (SDM 7.2.2) */
#define TSS32_SAVED	0x5Fu		/* the old TSS is written up to GS's field */

/* A fault to raise: 0 none, else X86_FAULT(vector, error code) (lib/x86seg.h); STOPPED:
 * the VM was stopped. */
#define STOPPED			1u

/* The 32-bit TSS (SDM Vol. 3A 7.2.1, figure 7-2). */
struct tss32 {
	u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3;
	u32 eip, eflags;
	u32 gpr[8];		/* EAX ECX EDX EBX ESP EBP ESI EDI: the SDM's register numbers */
	u32 seg[6];		/* ES CS SS DS FS GS: the VMCS's segment order */
	u32 ldt;
	u16 trap, iomap;
} __attribute__((packed));
_Static_assert(sizeof(struct tss32) == 0x68, "the 32-bit TSS is 104 bytes");

/* A segment descriptor (lib/x86seg.h: access rights as the VMCS holds them) and where it
 * lies in the guest (linear). */
struct seg {
	struct x86seg x;
	u64 la;
};

/* Guest segment register i in the VMCS's order (ES CS SS DS FS GS LDTR TR). */
static void seg_write(unsigned i, const struct seg *s)
{
	vmcs_seg(GUEST_ES_SEL + i * 2, s->x.sel, s->x.base, s->x.limit, s->x.ar);
}

/* Guest linear memory, page by page through the guest's page tables (32-bit addresses
 * wrap: outside IA-32e mode a linear address has 32 bits). A page of lazily backed RAM
 * that is not there yet is made present first. 0, or -1: not mapped, or not RAM. */
static int lin_copy(struct vcpu *v, u64 la, void *buf, u32 len, bool write)
{
	u8 *p = buf;
	u64 gpa;

	la &= 0xFFFFFFFFULL;
	while (len) {
		u32 n = (u32)MIN((u64)len, PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		if (!guest_translate(v, la, &gpa) || !guest_ram_copy(v, gpa, p, n, write))
			return -1;
		la = (la + n) & 0xFFFFFFFFULL;
		p += n;
		len -= n;
	}
	return 0;
}

static u32 unmapped(struct vcpu *v, const char *what, u64 la)
{
	vm_stop(v->vm, -1, true, "vcpu%u: task switch at rip=0x%llx: %s at linear 0x%llx is not "
		"mapped to the guest's RAM (a real CPU raises #PF here; not emulated)", v->index,
		(unsigned long long)vmread(GUEST_RIP), what, (unsigned long long)la);
	return STOPPED;
}

static u32 refuse(struct vcpu *v, const char *what)
{
	vm_stop(v->vm, -1, true, "vcpu%u: task switch at rip=0x%llx: %s: not emulated",
		v->index, (unsigned long long)vmread(GUEST_RIP), what);
	return STOPPED;
}

/* The descriptor of sel from the GDT or, TI set, the LDT, bounded by the table's limit:
 * 0, 1 past the limit (or no LDT), or STOPPED. */
static u32 desc_read(struct vcpu *v, u16 sel, struct seg *s)
{
	bool ldt = sel & 4;
	u64 base = vmread(ldt ? GUEST_LDTR_BASE : GUEST_GDTR_BASE);
	u64 limit = vmread(ldt ? GUEST_LDTR_LIMIT : GUEST_GDTR_LIMIT);
	u64 d;

	if ((ldt && (vmread(GUEST_LDTR_AR) & AR_UNUSABLE)) || (u64)(sel | 7) > limit)
		return 1;
	s->la = (base + (sel & ~7u)) & 0xFFFFFFFFULL;
	if (lin_copy(v, s->la, &d, 8, false))
		return unmapped(v, ldt ? "a descriptor of the LDT" : "a descriptor of the GDT", s->la);
	x86seg_decode(d, sel, &s->x);
	return 0;
}

/* Byte 5 of a descriptor (type, S, DPL, P) rewritten in guest memory: the busy and
 * accessed bits are the CPU's to set there. */
static u32 desc_set_type(struct vcpu *v, const struct seg *s)
{
	u8 b = (u8)s->x.ar;
	if (lin_copy(v, s->la + 5, &b, 1, true))
		return unmapped(v, "a descriptor", s->la);
	return 0;
}

/* The new TSS's descriptor: what the CPU checked before the exit, checked again (SDM 7.3
 * steps 2-5; table 7-1): a TSS of the GDT, of the right busy state (busy for IRET,
 * available otherwise), present, and at least 0x67 long. */
static u32 new_tss_desc(struct vcpu *v, u16 sel, int src, struct seg *s)
{
	u32 bad = X86_FAULT(src == TS_IRET ? X86_TS : X86_GP, sel), r;
	unsigned want = src == TS_IRET ? 0xB : 0x9;

	if (sel & 4)
		return bad;
	if ((r = desc_read(v, sel, s)))
		return r == 1 ? bad : r;
	if ((s->x.ar & 0x1F) == (want & ~8u))
		return refuse(v, "a 16-bit TSS (type 1 or 3)");
	if ((s->x.ar & 0x1F) != want)
		return bad;
	if (!(s->x.ar & AR_P))
		return X86_FAULT(X86_NP, sel);
	if (s->x.limit < TSS32_MIN)
		return X86_FAULT(X86_TS, sel);
	return 0;
}

/* What is saved in the old TSS (SDM 7.3 step 8): the dynamic fields, EIP the instruction
 * after (or the one that faulted), EFLAGS without NT for IRET (step 7). */
static void save_state(struct vcpu *v, struct tss32 *t, u32 eip, int src)
{
	t->eip = eip;
	t->eflags = (u32)vmread(GUEST_RFLAGS) & ~(src == TS_IRET ? EFLAGS_NT : 0);
	for (unsigned i = 0; i < 8; i++)
		t->gpr[i] = (u32)vcpu_gpr_get(v, i);
	for (unsigned i = 0; i < 6; i++)
		t->seg[i] = (u32)vmread(GUEST_ES_SEL + i * 2);
}

/* The old task: its state into its TSS (offsets 0x20-0x5F) and, for JMP and IRET, its
 * descriptor no longer busy. The TSS a guest never named (TR's selector 0, as faultline's
 * VMCS starts) has no descriptor to clear. */
static u32 leave_old(struct vcpu *v, u32 eip, int src)
{
	u16 sel = (u16)vmread(GUEST_TR_SEL);
	u64 base = vmread(GUEST_TR_BASE) & 0xFFFFFFFFULL;
	u32 type = (u32)vmread(GUEST_TR_AR) & 0xF, r;
	struct tss32 t;
	struct seg s;

	if (type == 3)
		return refuse(v, "the current task's TSS is a 16-bit one");
	if (vmread(GUEST_TR_LIMIT) < TSS32_SAVED)
		return X86_FAULT(X86_TS, sel);
	save_state(v, &t, eip, src);
	if (lin_copy(v, base + 0x20, &t.eip, TSS32_SAVED + 1 - 0x20, true))
		return unmapped(v, "the current task's TSS", base);
	if ((src == TS_JMP || src == TS_IRET) && (sel & ~7u) && !(sel & 4)) {
		if ((r = desc_read(v, sel, &s)))
			return r == 1 ? 0 : r;	/* past the GDT's limit: nothing to clear */
		s.x.ar &= ~TYPE_BUSY;
		return desc_set_type(v, &s);
	}
	return 0;
}

/* CR3 from the new TSS, when paging is on (SDM 7.2.1); under PAE paging outside IA-32e
 * mode the four PDPTEs come with it (SDM Vol. 3A 4.4.1), which VMX takes from the VMCS
 * with EPT (SDM Vol. 3C 27.3.2.4). */
static u32 load_cr3(struct vcpu *v, u32 cr3)
{
	u64 pdpte[4];

	if (!(vmread(GUEST_CR0) & CR0_PG))
		return 0;
	if (vmread(GUEST_CR4) & CR4_PAE) {
		int r = gpt_pdptes(v, cr3, pdpte);
		if (r < 0)
			return unmapped(v, "the new task's page-directory-pointer table", cr3);
		if (r)	/* a reserved bit: #GP(0), after the commit point (SDM 4.4.1) */
			return X86_FAULT(X86_GP, 0);
		for (unsigned i = 0; i < 4; i++)
			vmwrite(GUEST_PDPTE0 + i * 2, pdpte[i]);
	}
	vmwrite(GUEST_CR3, cr3);
	return 0;
}

/* LDTR from the new TSS: null is an unusable LDTR; else an LDT descriptor (type 2) of the
 * GDT, present; anything else is #TS with its selector (SDM 7.3, table 7-1). */
static u32 load_ldtr(struct vcpu *v, u16 sel)
{
	struct seg s = { .x = { .sel = sel, .ar = AR_UNUSABLE } };
	u32 r;

	if (sel & ~3u) {
		if (sel & 4)
			return X86_FAULT(X86_TS, sel);
		if ((r = desc_read(v, sel, &s)))
			return r == 1 ? X86_FAULT(X86_TS, sel) : r;
		if ((s.x.ar & 0x1F) != 2 || !(s.x.ar & AR_P))
			return X86_FAULT(X86_TS, sel);
	}
	s.x.sel = sel;
	seg_write(6, &s);	/* LDTR follows GS in the VMCS's order */
	return 0;
}

/* One segment register's descriptor from the new TSS, read, checked and marked accessed;
 * not written yet. *s is the unusable register for a null data selector. */
static u32 seg_load(struct vcpu *v, unsigned i, u16 sel, unsigned cpl, struct seg *s)
{
	u32 r;

	*s = (struct seg){ .x = { .sel = sel, .ar = AR_UNUSABLE } };
	if (!(sel & ~3u))
		return i == 1 || i == 2 ? X86_FAULT(X86_TS, 0) : 0;
	if ((r = desc_read(v, sel, s)))
		return r == 1 ? X86_FAULT(X86_TS, sel) : r;
	if ((r = x86seg_task_check(i, &s->x, cpl)))
		return r;
	if (i == 1)
		s->x.ar &= ~AR_L;	/* meaningless outside IA-32e mode; VM entry checks it */
	if (!(s->x.ar & 1)) {
		s->x.ar |= 1;
		return desc_set_type(v, s);
	}
	return 0;
}

/* The six segment registers from the new TSS: every selector first, then the descriptors,
 * CS first (it sets the CPL), checked and marked accessed, as the CPU does (VMX also wants
 * the accessed bit in a usable segment's type, SDM Vol. 3C 27.3.1.2). A null data selector
 * is an unusable register; a null CS or SS is #TS(0). A fault is raised in the new task
 * (SDM 7.3 step 13): the registers not yet reached hold their new selectors over their old
 * descriptors, so a task switch out of the handler saves the selectors the TSS gave, as a
 * real CPU's does. CS and SS go in together, both checked first: VM entry wants their DPLs
 * equal (27.3.1.2), which a CS of the new privilege over the old SS would break. */
static u32 load_segs(struct vcpu *v, const struct tss32 *t)
{
	static const unsigned data[4] = { 0, 3, 4, 5 };	/* ES DS FS GS */
	unsigned cpl = t->seg[1] & 3;
	struct seg cs, ss, s;
	u32 r;

	for (unsigned i = 0; i < 6; i++)
		vmwrite(GUEST_ES_SEL + i * 2, (u16)t->seg[i]);
	if ((r = seg_load(v, 1, (u16)t->seg[1], cpl, &cs)) ||
	    (r = seg_load(v, 2, (u16)t->seg[2], cpl, &ss)))
		return r;
	seg_write(1, &cs);
	seg_write(2, &ss);
	for (unsigned k = 0; k < 4; k++) {
		if ((r = seg_load(v, data[k], (u16)t->seg[data[k]], cpl, &s)))
			return r;
		seg_write(data[k], &s);
	}
	return 0;
}

/* The error code of the event that took the task gate, on the new task's stack (SDM
 * Vol. 3A 6.12.2: a doubleword for a 32-bit TSS). */
static u32 push_error(struct vcpu *v, u32 code)
{
	u64 top = (vmread(GUEST_SS_AR) & AR_DB) ? 0xFFFFFFFFULL : 0xFFFFULL;
	u64 sp = (vmread(GUEST_RSP) - 4) & top, lim = vmread(GUEST_SS_LIMIT);
	u64 la = (vmread(GUEST_SS_BASE) + sp) & 0xFFFFFFFFULL;

	/* The four bytes inside the segment (SDM Vol. 3A 5.3): expand-up [0, limit];
	 * expand-down (limit, top], where a push that wrapped below 0 lands near top. */
	if ((vmread(GUEST_SS_AR) & 4) ? sp <= lim || sp + 3 > top : sp + 3 > lim)
		return X86_FAULT(X86_SS_FAULT, 0);
	if (lin_copy(v, la, &code, 4, true))
		return unmapped(v, "the new task's stack", la);
	vmwrite(GUEST_RSP, (vmread(GUEST_RSP) & ~top) | sp);
	return 0;
}

/* The new task's state, after TR (SDM 7.3 step 12): CR3, LDTR, EFLAGS, EIP, the general
 * registers, then the segments. */
static u32 enter_new(struct vcpu *v, const struct tss32 *t, u32 eflags)
{
	u32 r;

	if ((r = load_cr3(v, t->cr3)) || (r = load_ldtr(v, (u16)t->ldt)))
		return r;
	vmwrite(GUEST_RFLAGS, eflags);
	vmwrite(GUEST_RIP, t->eip);
	for (unsigned i = 0; i < 8; i++)
		vcpu_gpr_set(v, i, t->gpr[i]);
	return load_segs(v, t);
}

/* The switch to the TSS sel (src: TS_*); eip is where the old task resumes; err, when
 * has_err, the error code of the event that took the task gate. Returns 0, an X86_FAULT() to
 * raise, or STOPPED. */
static u32 task_switch(struct vcpu *v, u16 sel, int src, u32 eip, bool has_err, u32 err)
{
	u16 old = (u16)vmread(GUEST_TR_SEL);
	bool nest = src == TS_CALL || src == TS_GATE;
	struct tss32 t;
	struct seg s;
	u32 r, eflags;

	if ((r = new_tss_desc(v, sel, src, &s)))
		return r;
	if (lin_copy(v, s.x.base, &t, sizeof(t), false))
		return unmapped(v, "the new task's TSS", s.x.base);
	eflags = (t.eflags & EFLAGS_LIVE) | 2 | (nest ? EFLAGS_NT : 0);
	if (eflags & EFLAGS_VM)
		return refuse(v, "the new task runs in virtual-8086 mode (EFLAGS.VM in its TSS)");
	if (t.trap & 1)
		return refuse(v, "the new task's TSS has its debug trap bit (T) set");
	if ((r = leave_old(v, eip, src)))
		return r;
	if (nest) {		/* step 9: the back link, in the new TSS */
		if (lin_copy(v, s.x.base, &old, 2, true))
			return unmapped(v, "the new task's TSS", s.x.base);
	}
	if (src != TS_IRET) {	/* step 10: the new task is busy */
		s.x.ar |= TYPE_BUSY;
		if ((r = desc_set_type(v, &s)))
			return r;
	}
	seg_write(7, &s);	/* step 11: TR (after LDTR in the VMCS's order) */
	vmwrite(GUEST_CR0, vmread(GUEST_CR0) | CR0_TS);	/* step 14 (SDM 2.5: CR0.TS) */
	if (vmread(CR0_MASK) & CR0_TS) {
		v->cr0_shadow |= CR0_TS;
		vmwrite(CR0_SHADOW, v->cr0_shadow);
	}
	vmwrite(GUEST_DR7, vmread(GUEST_DR7) & ~DR7_LOCAL);
	/* Neither an STI nor a MOV-SS shadow survives into another task; an IRET unblocks
	 * NMIs, this one too (SDM Vol. 3A 6.7.1). */
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) &
		~(src == TS_IRET ? 0xBULL : 3ULL));
	if ((r = enter_new(v, &t, eflags)))
		return r;
	return has_err ? push_error(v, err) : 0;
}

/* Raises the fault f; when it arose while an exception was being delivered, the two may
 * make #DF (error code 0) or a triple fault (lib/x86seg.c: x86_fault_combine). EXT, bit 0
 * of the error code: the fault arose delivering an event from outside the program (an
 * interrupt, an NMI, an exception; not INT n, SDM Vol. 3A 6.13). */
static void raise(struct vcpu *v, u32 f, u32 vinfo)
{
	unsigned vec = X86_FAULT_VEC(f), type = (vinfo >> 8) & 7;
	bool valid = vinfo & INTR_VALID, ext = valid && (type == 0 || type == 2 || type == 3);
	int to = valid && type == 3 ? x86_fault_combine(vinfo & 0xFF, vec) : (int)vec;

	if (to < 0) {
		vm_stop(v->vm, -1, true, "vcpu%u triple fault at rip=0x%llx (a fault of the task "
			"switch that delivered #DF)", v->index, (unsigned long long)vmread(GUEST_RIP));
		return;
	}
	inject_exception(v, (u8)to, true, to != (int)vec ? 0 : (f & 0xFFFC) | (ext ? 1 : 0));
}

/* The exit: where the old task resumes is the instruction after a JMP, CALL, IRET or a
 * software interrupt (the exit's instruction length), and RIP itself for a fault, an
 * external interrupt or an NMI delivered through a task gate. */
void exit_task_switch(struct vcpu *v)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 vinfo = (u32)vmread(IDT_VECTORING_INFO), r;
	int src = (int)((q >> 30) & 3);
	unsigned type = (vinfo >> 8) & 7;
	bool event = src == TS_GATE && (vinfo & INTR_VALID);
	bool after = !event || type == 4 || type == 5 || type == 6;
	u32 eip = (u32)(vmread(GUEST_RIP) + (after ? vmread(EXIT_INSTR_LEN) : 0));

	if (vmread(GUEST_EFER) & EFER_LMA) {
		refuse(v, "a task switch in IA-32e mode, which has none");
		return;
	}
	if (vmread(GUEST_RFLAGS) & EFLAGS_VM) {
		/* Its segments are in virtual-8086 form; a fault halfway would leave them so in
		 * protected mode, which no VM entry takes. */
		refuse(v, "a task switch out of virtual-8086 mode");
		return;
	}
	if (!event)
		vinfo = 0;
	r = task_switch(v, (u16)q, src, eip, event && (vinfo & INTR_ERROR_CODE),
			(u32)vmread(IDT_VECTORING_ERROR));
	if (r & (1u << 31))
		raise(v, r, vinfo);
	else if (!r && event && type == 2)	/* an NMI's task: NMIs blocked until IRET */
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) | 8);
	diag_guest_ok(v, "a task switch");	/* the net under every case above */
}
