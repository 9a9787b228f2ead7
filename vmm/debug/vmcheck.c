/* vmm/debug/vmcheck.c: a software replay of the guest-state checks of VM entry (SDM Vol. 3C
 * 27.3.1 "Checks on the Guest State Area"), so that an entry failing with exit reason 33
 * can say which rule broke (see vmm/debug/vmcheck.h).
 *
 * The rules are checked in the order the SDM lists them, subsection by subsection, and
 * every broken one is counted. Each rule is one call to need() with its plain-words text
 * (static), and a detail line with the values involved. Rules needing state the check is
 * not given (IA32_DEBUGCTL, PAT, PERF_GLOBAL_CTRL, CET/PKRS MSRs, PDPTEs, the memory behind
 * the VMCS link pointer) are left out.
 *
 * Canonical checks assume 48-bit linear addresses, or 57 when the guest's CR4.LA57 is set
 * (which only a CPU with 5-level paging accepts); the SDM checks against the CPU's width. */
#include "vmm/debug/vmcheck.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "lib/fmt.h"

#define CR0_WP		(1ULL << 16)
#define CR4_LA57	(1ULL << 12)
#define CR4_PCIDE	(1ULL << 17)
#define CR4_CET		(1ULL << 23)
/* Intel defines SCE (0), LME (8), LMA (10) and NXE (11); the rest is reserved. */
#define EFER_VALID	((1ULL << 0) | EFER_LME | EFER_LMA | (1ULL << 11))
#define RF_FIXED1	(1ULL << 1)
#define RF_IF		(1ULL << 9)
#define RF_VM		(1ULL << 17)
#define RF_RESERVED	(~0x3FFFFFULL | (1ULL << 15) | (1ULL << 5) | (1ULL << 3))
#define INT_STI		(1u << 0)
#define INT_MOVSS	(1u << 1)
#define INT_SMI		(1u << 2)
#define INT_NMI		(1u << 3)
#define INT_RESERVED	(~0x1Fu)
/* Pending debug exceptions: B3-B0 (3:0), enabled breakpoint (12), BS (14), RTM (16). */
#define PDBG_RESERVED	(0xFF0ULL | (1ULL << 13) | (1ULL << 15) | ~0x1FFFFULL)
#define MISC_ACTIVITY_SHIFT 5	/* IA32_VMX_MISC bits 8:6: HLT, shutdown, wait-for-SIPI */
#define INTR_TYPE(i)	(((i) >> 8) & 7)
#define INTR_VECTOR(i)	((i) & 0xFF)

enum { ACT_ACTIVE, ACT_HLT, ACT_SHUTDOWN, ACT_SIPI };

/* The subsection titles of SDM Vol. 3C 27.3.1. */
static const char *const sections[] = {
	"Checks on Guest Control Registers, Debug Registers, and MSRs",
	"Checks on Guest Segment Registers",
	"Checks on Guest Descriptor-Table Registers",
	"Checks on Guest RIP, RFLAGS, and SSP",
	"Checks on Guest Non-Register State",
};

enum { ES, CS, SS, DS, FS, GS, LDTR, TR, NSEG };

static const struct {
	const char *name;
	size_t off;
} segs[NSEG] = {
	[ES] = { "ES", offsetof(struct vmcheck_state, es) },
	[CS] = { "CS", offsetof(struct vmcheck_state, cs) },
	[SS] = { "SS", offsetof(struct vmcheck_state, ss) },
	[DS] = { "DS", offsetof(struct vmcheck_state, ds) },
	[FS] = { "FS", offsetof(struct vmcheck_state, fs) },
	[GS] = { "GS", offsetof(struct vmcheck_state, gs) },
	[LDTR] = { "LDTR", offsetof(struct vmcheck_state, ldtr) },
	[TR] = { "TR", offsetof(struct vmcheck_state, tr) },
};

/* The order the SDM's access-rights rules name the code and data registers in. */
static const int cseg[] = { CS, SS, DS, ES, FS, GS };
static const int dseg[] = { DS, ES, FS, GS };

struct chk {
	const struct vmx_msrs *m;
	const struct vmcheck_state *s;
	struct vmcheck_fail *out;
	int max, n;
	const char *section;
	bool ug;	/* "unrestricted guest" in effect (needs the secondary controls on) */
	bool ia32e;	/* "IA-32e mode guest" entry control */
	bool v86;	/* RFLAGS.VM: the guest enters virtual-8086 mode */
	unsigned la;	/* linear-address width for canonical checks */
};

static void need(struct chk *c, bool ok, const char *rule, const char *f, ...)
	__attribute__((format(printf, 4, 5)));

/* Records a broken rule (if there is room) and counts it. */
static void need(struct chk *c, bool ok, const char *rule, const char *f, ...)
{
	struct vmcheck_fail *o;
	va_list ap;

	if (ok)
		return;
	if (c->n < c->max) {
		o = &c->out[c->n];
		o->rule = rule;
		o->section = c->section;
		va_start(ap, f);
		vfmt(o->detail, sizeof(o->detail), f, ap);
		va_end(ap);
	}
	c->n++;
}

static const struct vmcheck_seg *seg(const struct chk *c, int i)
{
	return (const struct vmcheck_seg *)((const char *)c->s + segs[i].off);
}

static bool usable(const struct chk *c, int i)
{
	/* CS has no "if usable" in the SDM: its rules always apply. */
	return i == CS || !(seg(c, i)->ar & AR_UNUSABLE);
}

static bool canonical(const struct chk *c, u64 a)
{
	unsigned sh = 64 - c->la;

	return (u64)((s64)(a << sh) >> sh) == a;
}

static unsigned rpl(const struct chk *c, int i)
{
	return seg(c, i)->sel & 3;
}

static unsigned dpl(const struct chk *c, int i)
{
	return AR_DPL(seg(c, i)->ar);
}

static unsigned type(const struct chk *c, int i)
{
	return AR_TYPE(seg(c, i)->ar);
}

/* 27.3.1.1. */
static void check_cr_msr(struct chk *c)
{
	const struct vmcheck_state *s = c->s;
	u64 f0 = c->m->cr0_fixed0, f1 = c->m->cr0_fixed1, bad;

	c->section = sections[0];
	/* NW and CD are never checked (VM entry does not change them); PE and PG are free
	 * with unrestricted guest. */
	if (c->ug)
		f0 &= ~(CR0_PE | CR0_PG);
	bad = ((s->cr0 & ~f1) | (~s->cr0 & f0)) & ~(CR0_NW | CR0_CD);
	need(c, !bad, "CR0: bits fixed in VMX operation (IA32_VMX_CR0_FIXED0/1) must hold",
	     "cr0=0x%llx wrong bits 0x%llx", (unsigned long long)s->cr0, (unsigned long long)bad);
	need(c, !(s->cr0 & CR0_PG) || (s->cr0 & CR0_PE), "CR0: PG=1 requires PE=1",
	     "cr0=0x%llx", (unsigned long long)s->cr0);
	bad = (s->cr4 & ~c->m->cr4_fixed1) | (~s->cr4 & c->m->cr4_fixed0);
	need(c, !bad, "CR4: bits fixed in VMX operation (IA32_VMX_CR4_FIXED0/1) must hold",
	     "cr4=0x%llx wrong bits 0x%llx", (unsigned long long)s->cr4, (unsigned long long)bad);
	need(c, !(s->cr4 & CR4_CET) || (s->cr0 & CR0_WP), "CR4.CET=1 requires CR0.WP=1",
	     "cr0=0x%llx cr4=0x%llx", (unsigned long long)s->cr0, (unsigned long long)s->cr4);
	need(c, !c->ia32e || ((s->cr0 & CR0_PG) && (s->cr4 & CR4_PAE)),
	     "IA-32e mode guest requires CR0.PG=1 and CR4.PAE=1", "cr0=0x%llx cr4=0x%llx",
	     (unsigned long long)s->cr0, (unsigned long long)s->cr4);
	need(c, c->ia32e || !(s->cr4 & CR4_PCIDE), "CR4.PCIDE must be 0 unless IA-32e mode guest",
	     "cr4=0x%llx", (unsigned long long)s->cr4);
	/* The width is the CPU's MAXPHYADDR; 52 is the architectural most. */
	need(c, !(s->cr3 >> 52), "CR3: bits beyond the physical-address width must be 0",
	     "cr3=0x%llx", (unsigned long long)s->cr3);
	need(c, !(s->entry & ENTRY_LOAD_DEBUG) || !(s->dr7 >> 32),
	     "DR7: bits 63:32 must be 0 (entry control load debug controls)", "dr7=0x%llx",
	     (unsigned long long)s->dr7);
	if (!(s->entry & ENTRY_LOAD_EFER))
		return;
	need(c, !(s->efer & ~EFER_VALID), "IA32_EFER: reserved bits must be 0 (load IA32_EFER)",
	     "efer=0x%llx", (unsigned long long)s->efer);
	need(c, !!(s->efer & EFER_LMA) == c->ia32e,
	     "IA32_EFER.LMA must equal the IA-32e mode guest entry control", "efer=0x%llx ia32e=%d",
	     (unsigned long long)s->efer, c->ia32e);
	need(c, !(s->cr0 & CR0_PG) || !!(s->efer & EFER_LMA) == !!(s->efer & EFER_LME),
	     "IA32_EFER.LME must equal LMA when CR0.PG=1", "efer=0x%llx cr0=0x%llx",
	     (unsigned long long)s->efer, (unsigned long long)s->cr0);
}

/* 27.3.1.2, selector and base rules. */
static void check_sel_base(struct chk *c)
{
	const struct vmcheck_state *s = c->s;

	need(c, !(s->tr.sel & 4), "TR selector: TI flag must be 0", "tr.sel=0x%x", s->tr.sel);
	need(c, !usable(c, LDTR) || !(s->ldtr.sel & 4), "LDTR selector: TI flag must be 0 if usable",
	     "ldtr.sel=0x%x", s->ldtr.sel);
	need(c, c->v86 || c->ug || rpl(c, SS) == rpl(c, CS),
	     "SS.RPL must equal CS.RPL unless unrestricted guest", "ss.sel=0x%x cs.sel=0x%x",
	     s->ss.sel, s->cs.sel);
	for (unsigned k = 0; c->v86 && k < ARRAY_SIZE(cseg); k++) {
		const struct vmcheck_seg *g = seg(c, cseg[k]);
		need(c, g->base == (u64)g->sel << 4,
		     "virtual-8086 mode: segment base must be selector * 16",
		     "%s sel=0x%x base=0x%llx", segs[cseg[k]].name, g->sel,
		     (unsigned long long)g->base);
	}
	need(c, canonical(c, s->tr.base), "TR base must be canonical", "tr.base=0x%llx",
	     (unsigned long long)s->tr.base);
	need(c, canonical(c, s->fs.base), "FS base must be canonical", "fs.base=0x%llx",
	     (unsigned long long)s->fs.base);
	need(c, canonical(c, s->gs.base), "GS base must be canonical", "gs.base=0x%llx",
	     (unsigned long long)s->gs.base);
	need(c, !usable(c, LDTR) || canonical(c, s->ldtr.base),
	     "LDTR base must be canonical if usable", "ldtr.base=0x%llx",
	     (unsigned long long)s->ldtr.base);
	need(c, !(s->cs.base >> 32), "CS base bits 63:32 must be 0", "cs.base=0x%llx",
	     (unsigned long long)s->cs.base);
	for (unsigned k = 1; k < 4; k++)	/* SS, DS, ES */
		need(c, !usable(c, cseg[k]) || !(seg(c, cseg[k])->base >> 32),
		     "SS/DS/ES base bits 63:32 must be 0 if usable", "%s base=0x%llx",
		     segs[cseg[k]].name, (unsigned long long)seg(c, cseg[k])->base);
}

/* G must agree with the limit: byte granularity cannot express a limit above 1 MiB, page
 * granularity always has limit bits 11:0 all ones. */
static void check_limit_g(struct chk *c, int i)
{
	const struct vmcheck_seg *g = seg(c, i);

	need(c, (g->limit & 0xFFF) == 0xFFF || !(g->ar & AR_G),
	     "segment: G must be 0 if any of limit bits 11:0 is 0", "%s limit=0x%x ar=0x%x",
	     segs[i].name, g->limit, g->ar);
	need(c, !(g->limit >> 20) || (g->ar & AR_G),
	     "segment: G must be 1 if any of limit bits 31:20 is 1", "%s limit=0x%x ar=0x%x",
	     segs[i].name, g->limit, g->ar);
}

static void check_rsvd_low(struct chk *c, int i)
{
	need(c, !(seg(c, i)->ar & 0xF00), "segment access rights: bits 11:8 must be 0",
	     "%s ar=0x%x", segs[i].name, seg(c, i)->ar);
}

static void check_rsvd_high(struct chk *c, int i)
{
	need(c, !(seg(c, i)->ar >> 17), "segment access rights: bits 31:17 must be 0",
	     "%s ar=0x%x", segs[i].name, seg(c, i)->ar);
}

/* 27.3.1.2, access rights of CS, SS, DS, ES, FS, GS outside virtual-8086 mode, subfield by
 * subfield as the SDM lists them. */
static void check_code_data_ar(struct chk *c)
{
	unsigned ct = type(c, CS);

	need(c, ct == 9 || ct == 11 || ct == 13 || ct == 15 || (ct == 3 && c->ug),
	     "CS type must be 9, 11, 13 or 15 (or 3 with unrestricted guest)", "cs.ar=0x%x",
	     c->s->cs.ar);
	need(c, !usable(c, SS) || type(c, SS) == 3 || type(c, SS) == 7,
	     "SS type must be 3 or 7 if usable", "ss.ar=0x%x", c->s->ss.ar);
	for (unsigned k = 0; k < ARRAY_SIZE(dseg); k++) {
		int i = dseg[k];
		if (!usable(c, i))
			continue;
		need(c, type(c, i) & 1, "DS/ES/FS/GS type must be accessed (bit 0) if usable",
		     "%s ar=0x%x", segs[i].name, seg(c, i)->ar);
		need(c, !(type(c, i) & 8) || (type(c, i) & 2),
		     "DS/ES/FS/GS code segment must be readable if usable", "%s ar=0x%x",
		     segs[i].name, seg(c, i)->ar);
	}
	for (unsigned k = 0; k < ARRAY_SIZE(cseg); k++)
		need(c, !usable(c, cseg[k]) || (seg(c, cseg[k])->ar & AR_S),
		     "CS/SS/DS/ES/FS/GS: S flag must be 1 (code or data) if usable", "%s ar=0x%x",
		     segs[cseg[k]].name, seg(c, cseg[k])->ar);

	/* DPL: CPL is SS.DPL, and CS must be reachable at that privilege. */
	need(c, ct != 3 || dpl(c, CS) == 0, "CS type 3 requires CS.DPL=0", "cs.ar=0x%x",
	     c->s->cs.ar);
	need(c, (ct != 9 && ct != 11) || dpl(c, CS) == dpl(c, SS),
	     "CS non-conforming (type 9/11): DPL must equal SS.DPL", "cs.ar=0x%x ss.ar=0x%x",
	     c->s->cs.ar, c->s->ss.ar);
	need(c, (ct != 13 && ct != 15) || dpl(c, CS) <= dpl(c, SS),
	     "CS conforming (type 13/15): DPL must not exceed SS.DPL", "cs.ar=0x%x ss.ar=0x%x",
	     c->s->cs.ar, c->s->ss.ar);
	need(c, c->ug || dpl(c, SS) == rpl(c, SS),
	     "SS.DPL must equal SS.RPL unless unrestricted guest", "ss.sel=0x%x ss.ar=0x%x",
	     c->s->ss.sel, c->s->ss.ar);
	need(c, (ct != 3 && (c->s->cr0 & CR0_PE)) || dpl(c, SS) == 0,
	     "SS.DPL must be 0 when CS type is 3 or CR0.PE=0", "ss.ar=0x%x cs.ar=0x%x cr0=0x%llx",
	     c->s->ss.ar, c->s->cs.ar, (unsigned long long)c->s->cr0);
	for (unsigned k = 0; k < ARRAY_SIZE(dseg); k++) {
		int i = dseg[k];
		need(c, c->ug || !usable(c, i) || type(c, i) > 11 || dpl(c, i) >= rpl(c, i),
		     "DS/ES/FS/GS: DPL must not be below RPL (data or non-conforming code, "
		     "unless unrestricted guest)", "%s sel=0x%x ar=0x%x", segs[i].name,
		     seg(c, i)->sel, seg(c, i)->ar);
	}

	for (unsigned k = 0; k < ARRAY_SIZE(cseg); k++)
		need(c, !usable(c, cseg[k]) || (seg(c, cseg[k])->ar & AR_P),
		     "CS/SS/DS/ES/FS/GS: P flag must be 1 if usable", "%s ar=0x%x",
		     segs[cseg[k]].name, seg(c, cseg[k])->ar);
	for (unsigned k = 0; k < ARRAY_SIZE(cseg); k++)
		if (usable(c, cseg[k]))
			check_rsvd_low(c, cseg[k]);
	need(c, !c->ia32e || !(c->s->cs.ar & AR_L) || !(c->s->cs.ar & AR_DB),
	     "CS: L and D/B must not both be 1 in an IA-32e mode guest", "cs.ar=0x%x",
	     c->s->cs.ar);
	for (unsigned k = 0; k < ARRAY_SIZE(cseg); k++)
		if (usable(c, cseg[k]))
			check_limit_g(c, cseg[k]);
	for (unsigned k = 0; k < ARRAY_SIZE(cseg); k++)
		if (usable(c, cseg[k]))
			check_rsvd_high(c, cseg[k]);
}

/* 27.3.1.2, TR (always) and LDTR (if usable). */
static void check_system_ar(struct chk *c)
{
	const struct vmcheck_seg *tr = &c->s->tr, *ldtr = &c->s->ldtr;

	need(c, type(c, TR) == 11 || (type(c, TR) == 3 && !c->ia32e),
	     "TR type must be 3 or 11 (busy TSS; only 11 in an IA-32e mode guest)",
	     "tr.ar=0x%x ia32e=%d", tr->ar, c->ia32e);
	need(c, !(tr->ar & AR_S), "TR: S flag must be 0 (system segment)", "tr.ar=0x%x", tr->ar);
	need(c, tr->ar & AR_P, "TR: P flag must be 1", "tr.ar=0x%x", tr->ar);
	check_rsvd_low(c, TR);
	check_limit_g(c, TR);
	need(c, !(tr->ar & AR_UNUSABLE), "TR must be usable", "tr.ar=0x%x", tr->ar);
	check_rsvd_high(c, TR);

	if (!usable(c, LDTR))
		return;
	need(c, type(c, LDTR) == 2, "LDTR type must be 2 (LDT) if usable", "ldtr.ar=0x%x",
	     ldtr->ar);
	need(c, !(ldtr->ar & AR_S), "LDTR: S flag must be 0 if usable", "ldtr.ar=0x%x", ldtr->ar);
	need(c, ldtr->ar & AR_P, "LDTR: P flag must be 1 if usable", "ldtr.ar=0x%x", ldtr->ar);
	check_rsvd_low(c, LDTR);
	check_limit_g(c, LDTR);
	check_rsvd_high(c, LDTR);
}

static void check_segments(struct chk *c)
{
	c->section = sections[1];
	check_sel_base(c);
	for (unsigned k = 0; c->v86 && k < ARRAY_SIZE(cseg); k++) {
		const struct vmcheck_seg *g = seg(c, cseg[k]);
		need(c, g->limit == 0xFFFF, "virtual-8086 mode: segment limit must be 0xFFFF",
		     "%s limit=0x%x", segs[cseg[k]].name, g->limit);
	}
	for (unsigned k = 0; c->v86 && k < ARRAY_SIZE(cseg); k++) {
		const struct vmcheck_seg *g = seg(c, cseg[k]);
		need(c, g->ar == 0xF3, "virtual-8086 mode: segment access rights must be 0xF3",
		     "%s ar=0x%x", segs[cseg[k]].name, g->ar);
	}
	if (!c->v86)
		check_code_data_ar(c);
	check_system_ar(c);
}

/* 27.3.1.3. */
static void check_dtr(struct chk *c)
{
	const struct vmcheck_state *s = c->s;

	c->section = sections[2];
	need(c, canonical(c, s->gdtr_base), "GDTR base must be canonical", "gdtr.base=0x%llx",
	     (unsigned long long)s->gdtr_base);
	need(c, canonical(c, s->idtr_base), "IDTR base must be canonical", "idtr.base=0x%llx",
	     (unsigned long long)s->idtr_base);
	need(c, !(s->gdtr_limit >> 16), "GDTR limit bits 31:16 must be 0", "gdtr.limit=0x%x",
	     s->gdtr_limit);
	need(c, !(s->idtr_limit >> 16), "IDTR limit bits 31:16 must be 0", "idtr.limit=0x%x",
	     s->idtr_limit);
}

static bool injecting(const struct vmcheck_state *s, u32 type)
{
	return (s->entry_intr_info & INTR_VALID) && INTR_TYPE(s->entry_intr_info) == type;
}

/* 27.3.1.4. */
static void check_rip_rflags(struct chk *c)
{
	const struct vmcheck_state *s = c->s;
	bool long64 = c->ia32e && (s->cs.ar & AR_L);

	c->section = sections[3];
	need(c, long64 || !(s->rip >> 32),
	     "RIP bits 63:32 must be 0 unless IA-32e mode guest with CS.L=1", "rip=0x%llx",
	     (unsigned long long)s->rip);
	need(c, !long64 || canonical(c, s->rip), "RIP must be canonical in 64-bit mode",
	     "rip=0x%llx", (unsigned long long)s->rip);
	need(c, !(s->rflags & RF_RESERVED), "RFLAGS: reserved bits 63:22, 15, 5 and 3 must be 0",
	     "rflags=0x%llx", (unsigned long long)s->rflags);
	need(c, s->rflags & RF_FIXED1, "RFLAGS: reserved bit 1 must be 1", "rflags=0x%llx",
	     (unsigned long long)s->rflags);
	need(c, !(s->rflags & RF_VM) || (!c->ia32e && (s->cr0 & CR0_PE)),
	     "RFLAGS.VM must be 0 in an IA-32e mode guest or when CR0.PE=0",
	     "rflags=0x%llx cr0=0x%llx ia32e=%d", (unsigned long long)s->rflags,
	     (unsigned long long)s->cr0, c->ia32e);
	need(c, !injecting(s, 0) || (s->rflags & RF_IF),
	     "RFLAGS.IF must be 1 when injecting an external interrupt",
	     "rflags=0x%llx entry_intr_info=0x%x", (unsigned long long)s->rflags,
	     s->entry_intr_info);
}

/* 27.3.1.5: which injected events each activity state accepts. HLT: external interrupt,
 * NMI, #DB or #MC, pending MTF (other event 0); shutdown: NMI or #MC; wait-for-SIPI: none. */
static bool event_ok(u32 act, u32 info)
{
	u32 t = INTR_TYPE(info), v = INTR_VECTOR(info);

	if (!(info & INTR_VALID) || act == ACT_ACTIVE)
		return true;
	if (act == ACT_HLT)
		return t == 0 || t == 2 || (t == 3 && (v == 1 || v == 18)) || (t == 7 && v == 0);
	if (act == ACT_SHUTDOWN)
		return t == 2 || (t == 3 && v == 18);
	return false;
}

static void check_activity(struct chk *c)
{
	const struct vmcheck_state *s = c->s;
	u32 act = s->activity;

	need(c, act <= ACT_SIPI, "activity state must be 0-3 (active, HLT, shutdown, wait-for-SIPI)",
	     "activity=%u", act);
	need(c, act == ACT_ACTIVE || act > ACT_SIPI ||
		((c->m->misc >> (MISC_ACTIVITY_SHIFT + act)) & 1),
	     "activity state must be one the CPU supports (IA32_VMX_MISC bits 8:6)",
	     "activity=%u misc=0x%llx", act, (unsigned long long)c->m->misc);
	need(c, act != ACT_HLT || dpl(c, SS) == 0, "activity state HLT requires SS.DPL=0",
	     "ss.ar=0x%x", s->ss.ar);
	need(c, act == ACT_ACTIVE || !(s->interruptibility & (INT_STI | INT_MOVSS)),
	     "activity state must be active while blocking by STI or MOV SS",
	     "activity=%u interruptibility=0x%x", act, s->interruptibility);
	need(c, act > ACT_SIPI || event_ok(act, s->entry_intr_info),
	     "activity state must accept the injected event (HLT, shutdown limits)",
	     "activity=%u entry_intr_info=0x%x", act, s->entry_intr_info);
}

static void check_interruptibility(struct chk *c)
{
	const struct vmcheck_state *s = c->s;
	u32 in = s->interruptibility;

	need(c, !(in & INT_RESERVED), "interruptibility state: reserved bits 31:5 must be 0",
	     "interruptibility=0x%x", in);
	need(c, (in & (INT_STI | INT_MOVSS)) != (INT_STI | INT_MOVSS),
	     "interruptibility state: blocking by STI and by MOV SS must not both be 1",
	     "interruptibility=0x%x", in);
	need(c, !(in & INT_STI) || (s->rflags & RF_IF),
	     "interruptibility state: blocking by STI requires RFLAGS.IF=1",
	     "interruptibility=0x%x rflags=0x%llx", in, (unsigned long long)s->rflags);
	need(c, !injecting(s, 0) || !(in & (INT_STI | INT_MOVSS)),
	     "interruptibility state: no STI or MOV SS blocking when injecting an external "
	     "interrupt", "interruptibility=0x%x entry_intr_info=0x%x", in, s->entry_intr_info);
	need(c, !injecting(s, 2) || !(in & INT_MOVSS),
	     "interruptibility state: no MOV SS blocking when injecting an NMI",
	     "interruptibility=0x%x entry_intr_info=0x%x", in, s->entry_intr_info);
	/* VM entry only sets it when entering SMM, which faultline never does. */
	need(c, !(in & INT_SMI), "interruptibility state: blocking by SMI must be 0 outside SMM",
	     "interruptibility=0x%x", in);
	need(c, !(s->pin & PIN_VIRTUAL_NMI) || !injecting(s, 2) || !(in & INT_NMI),
	     "interruptibility state: no blocking by NMI when injecting an NMI with virtual NMIs",
	     "interruptibility=0x%x entry_intr_info=0x%x", in, s->entry_intr_info);
}

/* 27.3.1.5. */
static void check_non_register(struct chk *c)
{
	const struct vmcheck_state *s = c->s;

	c->section = sections[4];
	check_activity(c);
	check_interruptibility(c);
	need(c, !(s->pending_dbg & PDBG_RESERVED),
	     "pending debug exceptions: reserved bits 11:4, 13, 15 and 63:17 must be 0",
	     "pending_dbg=0x%llx", (unsigned long long)s->pending_dbg);
	/* Any other value makes VM entry check a shadow VMCS there (25.4.2). */
	need(c, s->link_ptr == ~0ULL,
	     "VMCS link pointer must be 0xFFFFFFFFFFFFFFFF (faultline never uses VMCS shadowing)",
	     "link_ptr=0x%llx", (unsigned long long)s->link_ptr);
}

int vmcheck_guest(const struct vmx_msrs *m, const struct vmcheck_state *s,
		  struct vmcheck_fail *out, int max)
{
	struct chk c = {
		.m = m, .s = s, .out = out, .max = out ? max : 0,
		.ug = (s->proc & PROC_SECONDARY) && (s->proc2 & PROC2_UNRESTRICTED),
		.ia32e = s->entry & ENTRY_IA32E,
		.v86 = s->rflags & RF_VM,
		.la = (s->cr4 & CR4_LA57) ? 57 : 48,
	};

	check_cr_msr(&c);
	check_segments(&c);
	check_dtr(&c);
	check_rip_rflags(&c);
	check_non_register(&c);
	return c.n;
}
