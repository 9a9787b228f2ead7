/* tests/unit/test_vmcheck.c: host tests of vmm/debug/vmcheck.c. A known-good guest state (the
 * 32-bit protected-mode multiboot entry state faultline gives its guests, with the controls
 * vmx_controls() picks on Bochs' corei7_skylake_x) must pass every rule; then each test
 * breaks one thing and checks that exactly the matching rule is the first one reported.
 * Build: gcc ... -I. tests/unit/test_vmcheck.c vmm/debug/vmcheck.c vmm/controls.c lib/fmt.c */
#include "vmm/debug/vmcheck.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "tests/unit/check.h"

#include "tests/unit/msr_fixtures.h"	/* Bochs 2.7 corei7_skylake_x */


#define SEC_CR	"Checks on Guest Control Registers, Debug Registers, and MSRs"
#define SEC_SEG	"Checks on Guest Segment Registers"
#define SEC_DTR	"Checks on Guest Descriptor-Table Registers"
#define SEC_RIP	"Checks on Guest RIP, RFLAGS, and SSP"
#define SEC_NR	"Checks on Guest Non-Register State"

static struct vmcheck_state s;
static struct vmcheck_fail f[16];

/* The multiboot entry state: flat 4 GiB code and data, TR a minimal busy 32-bit TSS, no
 * LDT, paging off (unrestricted guest lets CR0.PG be 0). */
static void good(void)
{
	struct vmx_ctls c;
	char why[128];
	struct vmcheck_seg data = { 0x10, 0, 0xffffffff, 0xc093 };

	memset(&s, 0, sizeof(s));
	CHECK_EQ(vmx_controls(&skylake, false, &c, why, sizeof(why), NULL, 0), 0);
	s.pin = c.pin;
	s.proc = c.proc;
	s.proc2 = c.proc2;
	s.entry = c.entry;	/* 0x91fb: LOAD_EFER, no IA32E, no LOAD_DEBUG */
	s.cr0 = vmx_fix_cr0(&skylake, 0x31, true);	/* (0x31 | 0x20) & 0xffffffff = 0x31 */
	s.cr4 = vmx_fix_cr4(&skylake, 0x2000);		/* VMXE */
	s.dr7 = 0x400;
	s.rip = 0x100000;
	s.rflags = 0x2;
	s.efer = 0;
	s.link_ptr = ~0ULL;
	s.cs = (struct vmcheck_seg){ 0x08, 0, 0xffffffff, 0xc09b };
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = (struct vmcheck_seg){ 0, 0, 0xff, 0x8b };
	s.ldtr = (struct vmcheck_seg){ 0, 0, 0, 0x10000 };
	s.gdtr_limit = 0xffff;
	s.idtr_limit = 0xffff;
}

/* The same guest without unrestricted guest: paging must then be on. */
static void restricted(void)
{
	good();
	s.proc2 &= ~PROC2_UNRESTRICTED;
	s.cr0 = vmx_fix_cr0(&skylake, 0x31, false);	/* 0x31 | 0x80000021 = 0x80000031 */
}

static int check(void)
{
	memset(f, 0, sizeof(f));
	return vmcheck_guest(&skylake, &s, f, (int)ARRAY_SIZE(f));
}

/* Checks that the first failure is the rule text, in section sec, and that n rules failed. */
#define FIRST(n, sec, text)                                                    \
	do {                                                                   \
		CHECK_EQ(check(), n);                                          \
		CHECK_STR(f[0].rule, text);                                    \
		CHECK_STR(f[0].section, sec);                                  \
	} while (0)

TEST(known_good)
{
	good();
	CHECK_EQ(s.cr0, 0x31);
	CHECK_EQ(s.cr4, 0x2000);
	CHECK_EQ(s.entry, 0x91fb);
	CHECK_EQ(check(), 0);
	CHECK(f[0].rule == NULL);

	restricted();
	CHECK_EQ(s.cr0, 0x80000031);
	CHECK_EQ(check(), 0);

	/* Unrestricted guest allows CS type 3 (real-mode style data CS) at DPL 0. */
	good();
	s.cs.ar = 0xc093;
	CHECK_EQ(check(), 0);
	/* and SS.RPL != CS.RPL */
	good();
	s.ss.sel = 0x13;
	CHECK_EQ(check(), 0);
	/* A usable LDT. */
	good();
	s.ldtr = (struct vmcheck_seg){ 0x18, 0x1000, 0x17, 0x82 };
	CHECK_EQ(check(), 0);
	/* A 16-bit busy TSS, pending BS, unused DR7 high bits without load debug controls. */
	good();
	s.tr.ar = 0x83;
	s.pending_dbg = 0x4000;
	s.dr7 = 0x100000400ULL;
	CHECK_EQ(check(), 0);
}

TEST(rflags)
{
	good();
	s.rflags = 0;
	FIRST(1, SEC_RIP, "RFLAGS: reserved bit 1 must be 1");
	CHECK_STR(f[0].detail, "rflags=0x0");

	good();
	s.rflags = 0x8002;
	FIRST(1, SEC_RIP, "RFLAGS: reserved bits 63:22, 15, 5 and 3 must be 0");
	CHECK_STR(f[0].detail, "rflags=0x8002");
	good();
	s.rflags = 0x400002;
	FIRST(1, SEC_RIP, "RFLAGS: reserved bits 63:22, 15, 5 and 3 must be 0");

	/* Injecting an external interrupt needs IF. */
	good();
	s.entry_intr_info = INTR_VALID | INTR_TYPE_EXT | 0x20;
	FIRST(1, SEC_RIP, "RFLAGS.IF must be 1 when injecting an external interrupt");
	s.rflags |= 0x200;
	CHECK_EQ(check(), 0);
}

TEST(link_pointer)
{
	good();
	s.link_ptr = 0;
	FIRST(1, SEC_NR, "VMCS link pointer must be 0xFFFFFFFFFFFFFFFF (faultline never uses "
	      "VMCS shadowing)");
	CHECK_STR(f[0].detail, "link_ptr=0x0");
}

TEST(cr0_cr4)
{
	good();
	s.cr0 = 0x80000030;
	FIRST(1, SEC_CR, "CR0: PG=1 requires PE=1");

	restricted();
	s.cr0 = 0x31;	/* PG is fixed to 1 without unrestricted guest */
	FIRST(1, SEC_CR, "CR0: bits fixed in VMX operation (IA32_VMX_CR0_FIXED0/1) must hold");
	CHECK_STR(f[0].detail, "cr0=0x31 wrong bits 0x80000000");

	good();
	s.cr0 &= ~0x20ULL;	/* NE is fixed to 1 even with unrestricted guest */
	FIRST(1, SEC_CR, "CR0: bits fixed in VMX operation (IA32_VMX_CR0_FIXED0/1) must hold");
	good();
	s.cr0 |= 0x60000000;	/* CD and NW are never checked */
	CHECK_EQ(check(), 0);

	good();
	s.cr4 = 0;
	FIRST(1, SEC_CR, "CR4: bits fixed in VMX operation (IA32_VMX_CR4_FIXED0/1) must hold");
	CHECK_STR(f[0].detail, "cr4=0x0 wrong bits 0x2000");

	good();
	s.cr4 |= 0x20000;	/* PCIDE */
	FIRST(1, SEC_CR, "CR4.PCIDE must be 0 unless IA-32e mode guest");

	good();
	s.cr3 = 1ULL << 52;
	FIRST(1, SEC_CR, "CR3: bits beyond the physical-address width must be 0");

	good();
	s.entry |= ENTRY_LOAD_DEBUG;
	s.dr7 = 0x100000400ULL;
	FIRST(1, SEC_CR, "DR7: bits 63:32 must be 0 (entry control load debug controls)");
}

TEST(efer)
{
	good();
	s.efer = 0x400;
	FIRST(1, SEC_CR, "IA32_EFER.LMA must equal the IA-32e mode guest entry control");
	CHECK_STR(f[0].detail, "efer=0x400 ia32e=0");

	good();
	s.efer = 0x2;
	FIRST(1, SEC_CR, "IA32_EFER: reserved bits must be 0 (load IA32_EFER)");

	restricted();
	s.efer = 0x100;	/* LME with paging on but LMA clear */
	FIRST(1, SEC_CR, "IA32_EFER.LME must equal LMA when CR0.PG=1");

	/* Without "load IA32_EFER" the field is not checked. */
	good();
	s.entry &= ~ENTRY_LOAD_EFER;
	s.efer = 0x402;
	CHECK_EQ(check(), 0);
}

/* A 64-bit guest: IA-32e mode guest, paging, PAE, LME/LMA, CS.L. */
static void long_mode(void)
{
	restricted();
	s.entry |= ENTRY_IA32E;
	s.cr4 |= 0x20;
	s.efer = 0x500;
	s.cs.ar = 0xa09b;
}

TEST(ia32e)
{
	long_mode();
	CHECK_EQ(check(), 0);
	s.rip = 0xffffffff80000000ULL;
	CHECK_EQ(check(), 0);
	s.rip = 0x0000800000000000ULL;
	FIRST(1, SEC_RIP, "RIP must be canonical in 64-bit mode");

	long_mode();
	s.cr4 &= ~0x20ULL;
	FIRST(1, SEC_CR, "IA-32e mode guest requires CR0.PG=1 and CR4.PAE=1");

	long_mode();
	s.cs.ar = 0xe09b;
	FIRST(1, SEC_SEG, "CS: L and D/B must not both be 1 in an IA-32e mode guest");

	long_mode();
	s.tr.ar = 0x83;	/* 16-bit busy TSS: not in IA-32e mode */
	FIRST(1, SEC_SEG, "TR type must be 3 or 11 (busy TSS; only 11 in an IA-32e mode guest)");

	good();
	s.rip = 0x100000000ULL;
	FIRST(1, SEC_RIP, "RIP bits 63:32 must be 0 unless IA-32e mode guest with CS.L=1");
}

TEST(cs_ss)
{
	restricted();
	s.cs.ar = 0xc093;
	FIRST(1, SEC_SEG, "CS type must be 9, 11, 13 or 15 (or 3 with unrestricted guest)");
	CHECK_STR(f[0].detail, "cs.ar=0xc093");

	restricted();
	s.ss.sel = 0x13;
	/* also SS.DPL (0) != SS.RPL (3) */
	FIRST(2, SEC_SEG, "SS.RPL must equal CS.RPL unless unrestricted guest");
	CHECK_STR(f[1].rule, "SS.DPL must equal SS.RPL unless unrestricted guest");

	good();
	s.cs.ar = 0xc0fb;	/* DPL 3, SS.DPL 0 */
	FIRST(1, SEC_SEG, "CS non-conforming (type 9/11): DPL must equal SS.DPL");
	good();
	s.cs.ar = 0xc0ff;	/* conforming, DPL 3 > SS.DPL 0 */
	FIRST(1, SEC_SEG, "CS conforming (type 13/15): DPL must not exceed SS.DPL");
	good();
	s.cs.ar = 0xc0f3;	/* type 3 at DPL 3 */
	FIRST(1, SEC_SEG, "CS type 3 requires CS.DPL=0");

	good();
	s.cs.ar = 0xc08b;
	FIRST(1, SEC_SEG, "CS/SS/DS/ES/FS/GS: S flag must be 1 (code or data) if usable");
	good();
	s.cs.ar = 0xc01b;
	FIRST(1, SEC_SEG, "CS/SS/DS/ES/FS/GS: P flag must be 1 if usable");

	good();
	s.ss.ar = 0xc09b;
	FIRST(1, SEC_SEG, "SS type must be 3 or 7 if usable");
	good();
	s.ss.ar = 0x10000;	/* unusable SS is fine */
	CHECK_EQ(check(), 0);
}

/* Real mode under unrestricted guest: CR0.PE=0 makes CPL 0, so SS.DPL must be 0. */
TEST(ss_dpl_real_mode)
{
	good();
	s.cr0 = 0x30;
	CHECK_EQ(check(), 0);
	s.ss.ar = 0xc0f3;
	s.cs.ar = 0xc0fb;	/* keeps CS.DPL == SS.DPL */
	FIRST(1, SEC_SEG, "SS.DPL must be 0 when CS type is 3 or CR0.PE=0");
	CHECK_STR(f[0].detail, "ss.ar=0xc0f3 cs.ar=0xc0fb cr0=0x30");
}

TEST(data_segments)
{
	good();
	s.ds.ar = 0xc092;
	FIRST(1, SEC_SEG, "DS/ES/FS/GS type must be accessed (bit 0) if usable");
	CHECK_STR(f[0].detail, "DS ar=0xc092");
	good();
	s.gs.ar = 0xc099;	/* execute-only code */
	FIRST(1, SEC_SEG, "DS/ES/FS/GS code segment must be readable if usable");
	good();
	s.es.ar = 0xc013;
	FIRST(1, SEC_SEG, "CS/SS/DS/ES/FS/GS: P flag must be 1 if usable");
	good();
	s.fs.ar = 0xc193;
	FIRST(1, SEC_SEG, "segment access rights: bits 11:8 must be 0");
	CHECK_STR(f[0].detail, "FS ar=0xc193");
	good();
	s.ds.ar = 0x2c093;
	FIRST(1, SEC_SEG, "segment access rights: bits 31:17 must be 0");
	good();
	s.ds.ar = 0x1ffff;	/* unusable: the rest does not matter */
	CHECK_EQ(check(), 0);

	restricted();
	s.ds.sel = 0x13;	/* RPL 3 above DPL 0 */
	FIRST(1, SEC_SEG, "DS/ES/FS/GS: DPL must not be below RPL (data or non-conforming "
	      "code, unless unrestricted guest)");
}

TEST(limit_g)
{
	good();
	s.ds.ar = 0x4093;	/* G=0 with limit 0xffffffff */
	FIRST(1, SEC_SEG, "segment: G must be 1 if any of limit bits 31:20 is 1");
	CHECK_STR(f[0].detail, "DS limit=0xffffffff ar=0x4093");
	good();
	s.tr.ar = 0x808b;	/* G=1 with limit 0xff */
	FIRST(1, SEC_SEG, "segment: G must be 0 if any of limit bits 11:0 is 0");
	good();
	s.cs.limit = 0xfffff;	/* bits 31:20 clear, 11:0 all set: either G is fine */
	CHECK_EQ(check(), 0);
}

TEST(tr_ldtr)
{
	good();
	s.tr.ar = 0x1008b;
	FIRST(1, SEC_SEG, "TR must be usable");
	good();
	s.tr.ar = 0x89;	/* available, not busy */
	FIRST(1, SEC_SEG, "TR type must be 3 or 11 (busy TSS; only 11 in an IA-32e mode guest)");
	CHECK_STR(f[0].detail, "tr.ar=0x89 ia32e=0");
	good();
	s.tr.ar = 0x9b;
	FIRST(1, SEC_SEG, "TR: S flag must be 0 (system segment)");
	good();
	s.tr.ar = 0x0b;
	FIRST(1, SEC_SEG, "TR: P flag must be 1");
	good();
	s.tr.sel = 0x4;
	FIRST(1, SEC_SEG, "TR selector: TI flag must be 0");
	good();
	s.tr.base = 0x0000800000000000ULL;
	FIRST(1, SEC_SEG, "TR base must be canonical");

	good();
	s.ldtr = (struct vmcheck_seg){ 0x18, 0, 0x17, 0x83 };
	FIRST(1, SEC_SEG, "LDTR type must be 2 (LDT) if usable");
	s.ldtr.ar = 0x02;
	FIRST(1, SEC_SEG, "LDTR: P flag must be 1 if usable");
	s.ldtr.ar = 0x82;
	s.ldtr.sel = 0x1c;
	FIRST(1, SEC_SEG, "LDTR selector: TI flag must be 0 if usable");
}

TEST(bases_and_dtr)
{
	good();
	s.fs.base = 0x0000800000000000ULL;
	FIRST(1, SEC_SEG, "FS base must be canonical");
	good();
	s.gs.base = 0xffff800000000000ULL;	/* canonical */
	CHECK_EQ(check(), 0);
	good();
	s.cs.base = 0x100000000ULL;
	FIRST(1, SEC_SEG, "CS base bits 63:32 must be 0");
	good();
	s.es.base = 0x100000000ULL;
	FIRST(1, SEC_SEG, "SS/DS/ES base bits 63:32 must be 0 if usable");
	CHECK_STR(f[0].detail, "ES base=0x100000000");

	good();
	s.gdtr_limit = 0x10000;
	FIRST(1, SEC_DTR, "GDTR limit bits 31:16 must be 0");
	good();
	s.idtr_base = 0x0001000000000000ULL;
	FIRST(1, SEC_DTR, "IDTR base must be canonical");
}

/* Virtual-8086 mode: segments must look like real-mode ones. */
static void v86(void)
{
	struct vmcheck_seg rm = { 0x1000, 0x10000, 0xffff, 0xf3 };

	good();
	s.rflags = 0x20002;
	s.cs = s.ss = s.ds = s.es = s.fs = s.gs = rm;
}

TEST(virtual_8086)
{
	v86();
	CHECK_EQ(check(), 0);
	s.ds.base = 0;
	FIRST(1, SEC_SEG, "virtual-8086 mode: segment base must be selector * 16");
	v86();
	s.ss.limit = 0xfffff;
	FIRST(1, SEC_SEG, "virtual-8086 mode: segment limit must be 0xFFFF");
	v86();
	s.cs.ar = 0xfb;
	FIRST(1, SEC_SEG, "virtual-8086 mode: segment access rights must be 0xF3");
	v86();
	s.cr0 = 0x30;
	FIRST(1, SEC_RIP, "RFLAGS.VM must be 0 in an IA-32e mode guest or when CR0.PE=0");
}

TEST(activity)
{
	good();
	s.activity = 5;
	FIRST(1, SEC_NR, "activity state must be 0-3 (active, HLT, shutdown, wait-for-SIPI)");
	CHECK_STR(f[0].detail, "activity=5");

	good();
	s.activity = 1;
	CHECK_EQ(check(), 0);
	s.ss.ar = 0xc0f3;
	s.cs.ar = 0xc0fb;
	FIRST(1, SEC_NR, "activity state HLT requires SS.DPL=0");

	good();
	s.activity = 1;
	s.rflags = 0x202;
	s.interruptibility = 1;
	FIRST(1, SEC_NR, "activity state must be active while blocking by STI or MOV SS");

	good();
	s.activity = 3;
	s.entry_intr_info = INTR_VALID | INTR_TYPE_NMI | 2;
	FIRST(1, SEC_NR, "activity state must accept the injected event (HLT, shutdown limits)");
	s.activity = 2;		/* shutdown accepts NMI */
	CHECK_EQ(check(), 0);

	/* A CPU whose IA32_VMX_MISC offers no wait-for-SIPI (bit 8). */
	struct vmx_msrs m = skylake;
	m.misc &= ~(1ULL << 8);
	good();
	s.activity = 3;
	CHECK_EQ(vmcheck_guest(&m, &s, f, 16), 1);
	CHECK_STR(f[0].rule, "activity state must be one the CPU supports (IA32_VMX_MISC bits 8:6)");
}

TEST(interruptibility)
{
	good();
	s.interruptibility = 3;
	/* also: STI blocking with IF=0 */
	FIRST(2, SEC_NR, "interruptibility state: blocking by STI and by MOV SS must not both be 1");
	CHECK_STR(f[1].rule, "interruptibility state: blocking by STI requires RFLAGS.IF=1");

	good();
	s.interruptibility = 1;
	FIRST(1, SEC_NR, "interruptibility state: blocking by STI requires RFLAGS.IF=1");
	s.rflags = 0x202;
	CHECK_EQ(check(), 0);
	s.entry_intr_info = INTR_VALID | INTR_TYPE_EXT | 0x30;
	FIRST(1, SEC_NR, "interruptibility state: no STI or MOV SS blocking when injecting an "
	      "external interrupt");

	good();
	s.interruptibility = 2;
	s.entry_intr_info = INTR_VALID | INTR_TYPE_NMI | 2;
	FIRST(1, SEC_NR, "interruptibility state: no MOV SS blocking when injecting an NMI");

	good();
	s.interruptibility = 4;
	FIRST(1, SEC_NR, "interruptibility state: blocking by SMI must be 0 outside SMM");
	good();
	s.interruptibility = 0x20;
	FIRST(1, SEC_NR, "interruptibility state: reserved bits 31:5 must be 0");

	good();
	s.pin |= PIN_VIRTUAL_NMI;
	s.interruptibility = 8;
	CHECK_EQ(check(), 0);
	s.entry_intr_info = INTR_VALID | INTR_TYPE_NMI | 2;
	FIRST(1, SEC_NR, "interruptibility state: no blocking by NMI when injecting an NMI with "
	      "virtual NMIs");
}

TEST(pending_debug)
{
	good();
	s.pending_dbg = 0x10;
	FIRST(1, SEC_NR, "pending debug exceptions: reserved bits 11:4, 13, 15 and 63:17 must be 0");
	s.pending_dbg = 0x1500f;	/* B3-B0, enabled breakpoint, BS, RTM */
	CHECK_EQ(check(), 0);
}

/* Failures come in the SDM's order; the count covers those that did not fit. */
TEST(order_and_count)
{
	good();
	s.link_ptr = 0;
	s.rflags = 0;
	s.cr4 = 0;
	s.activity = 9;
	CHECK_EQ(check(), 4);
	CHECK_STR(f[0].section, SEC_CR);
	CHECK_STR(f[1].rule, "RFLAGS: reserved bit 1 must be 1");
	CHECK_STR(f[2].section, SEC_NR);
	CHECK_STR(f[3].rule, "VMCS link pointer must be 0xFFFFFFFFFFFFFFFF (faultline never "
		  "uses VMCS shadowing)");

	memset(f, 0, sizeof(f));
	CHECK_EQ(vmcheck_guest(&skylake, &s, f, 1), 4);
	CHECK(f[0].rule != NULL);
	CHECK(f[1].rule == NULL);
	CHECK_EQ(vmcheck_guest(&skylake, &s, NULL, 0), 4);
}

int main(void)
{
	RUN(known_good);
	RUN(rflags);
	RUN(link_pointer);
	RUN(cr0_cr4);
	RUN(efer);
	RUN(ia32e);
	RUN(cs_ss);
	RUN(ss_dpl_real_mode);
	RUN(data_segments);
	RUN(limit_g);
	RUN(tr_ldtr);
	RUN(bases_and_dtr);
	RUN(virtual_8086);
	RUN(activity);
	RUN(interruptibility);
	RUN(pending_debug);
	RUN(order_and_count);
	return DONE();
}
