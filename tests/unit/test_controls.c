/* tests/unit/test_controls.c: host tests of vmm/controls.c against the capability MSRs the
 * real hypervisor read in Bochs 2.7 (cpu models corei7_skylake_x and
 * corei7_sandy_bridge_2600k), with every expected control value worked out by hand below
 * from (want | allowed0) & allowed1, and synthetic variants for the failure paths.
 * Build: gcc ... -I. tests/unit/test_controls.c vmm/controls.c lib/fmt.c */
#include "vmm/controls.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "tests/unit/check.h"

#include "tests/unit/msr_fixtures.h"


/*
 * The controls both models give (TRUE MSRs, since basic bit 55 is set):
 *
 * pin, IA32_VMX_TRUE_PINBASED_CTLS = 0x0000007f_00000016:
 *   want = EXT_INTR 0x1 | NMI 0x8 | PREEMPT_TIMER 0x40 = 0x49
 *   (0x49 | 0x16) & 0x7f = 0x5f & 0x7f = 0x5f          (bit 6 kept: timer available)
 * proc, IA32_VMX_TRUE_PROCBASED_CTLS = 0xf7f9fffe_04006172:
 *   want = HLT 0x80 | CR8_LOAD 0x80000 | CR8_STORE 0x100000 | IO_UNCOND 0x01000000
 *        | MSR_BITMAP 0x10000000 | SECONDARY 0x80000000 = 0x91180080
 *   (0x91180080 | 0x04006172) & 0xf7f9fffe = 0x951861f2 & 0xf7f9fffe = 0x951861f2
 *   bits 15 and 16 (CR3 load/store exiting) are 0: 0x61f2 & 0x18000 = 0
 * proc2, IA32_VMX_PROCBASED_CTLS2 (no TRUE version):
 *   want = EPT 0x2 | UNRESTRICTED 0x80 = 0x82 (| EPT_VE 0x40000 when want_ve)
 *   skylake 0x02177fff_00000000: (0x82 | 0) & 0x02177fff = 0x82;
 *     with #VE: 0x40082 & 0x02177fff = 0x40082 (0x02177fff has bit 18: 0x70000 covers it)
 *   sandy   0x000000ff_00000000: 0x82 & 0xff = 0x82; with #VE: 0x40082 & 0xff = 0x82
 * exit, IA32_VMX_TRUE_EXIT_CTLS = 0x007fffff_00036dfb:
 *   want = HOST_64 0x200 | ACK_INTR 0x8000 | SAVE_EFER 0x100000 | LOAD_EFER 0x200000
 *        | SAVE_PREEMPT 0x400000 (timer available) = 0x708200
 *   (0x708200 | 0x36dfb) & 0x7fffff = 0x73effb & 0x7fffff = 0x73effb
 * entry, IA32_VMX_TRUE_ENTRY_CTLS = 0x0000ffff_000011fb:
 *   want = LOAD_EFER 0x8000; (0x8000 | 0x11fb) & 0xffff = 0x91fb   (bit 9 IA32E: 0)
 * preempt_shift = misc & 0x1f = 0x...e0 & 0x1f = 0 on both.
 * ept_ad = ept_vpid bit 21: skylake 0x06334141 has 0x00200000 set; sandy 0x06114141 not.
 */
#define PIN	0x5fu
#define PROC	0x951861f2u
#define PROC2	0x82u
#define EXIT	0x73effbu
#define ENTRY	0x91fbu

static struct vmx_ctls c;
static char why[160], absent[160];

static int run(const struct vmx_msrs *m, bool want_ve)
{
	memset(&c, 0xAA, sizeof(c));
	strcpy(why, "untouched");
	strcpy(absent, "untouched");
	return vmx_controls(m, want_ve, &c, why, sizeof(why), absent, sizeof(absent));
}

TEST(adjust)
{
	u32 out, missing;

	/* allowed0 0x16 forces bits 1, 2, 4; allowed1 0x7f allows 0-6. */
	CHECK_EQ(vmx_adjust(0x0000007f00000016ULL, 0x49, 0x9, &out, &missing), 0);
	CHECK_EQ(out, 0x5f);
	CHECK_EQ(missing, 0);
	/* Bit 7 wanted and required but not allowed: out drops it, missing names it. */
	CHECK_EQ(vmx_adjust(0x0000007f00000016ULL, 0x89, 0x89, &out, &missing), -1);
	CHECK_EQ(out, 0x1f);	/* (0x89 | 0x16) & 0x7f = 0x9f & 0x7f = 0x1f */
	CHECK_EQ(missing, 0x80);
}

TEST(skylake_x)
{
	CHECK_EQ(run(&skylake, true), 0);
	CHECK_EQ(c.pin, PIN);
	CHECK_EQ(c.proc, PROC);
	CHECK_EQ(c.proc & (PROC_CR3_LOAD | PROC_CR3_STORE), 0);
	CHECK_EQ(c.proc2, PROC2 | PROC2_EPT_VE);	/* 0x40082 */
	CHECK_EQ(c.exit, EXIT);
	CHECK_EQ(c.entry, ENTRY);
	CHECK_EQ(c.entry & ENTRY_IA32E, 0);
	CHECK(c.preempt_timer);
	CHECK(c.ept_ve);
	CHECK(c.ept_ad);
	CHECK_EQ(c.preempt_shift, 0);
	CHECK_STR(absent, "");
	CHECK_STR(why, "");

	/* Without want_ve, bit 18 is not asked for and allowed0 does not force it. */
	CHECK_EQ(run(&skylake, false), 0);
	CHECK_EQ(c.proc2, PROC2);
	CHECK(!c.ept_ve);
	CHECK_STR(absent, "");
}

TEST(sandy_bridge)
{
	CHECK_EQ(run(&sandy, false), 0);
	CHECK_EQ(c.pin, PIN);
	CHECK_EQ(c.proc, PROC);
	CHECK_EQ(c.proc2, PROC2);
	CHECK_EQ(c.exit, EXIT);
	CHECK_EQ(c.entry, ENTRY);
	CHECK(c.preempt_timer);
	CHECK(!c.ept_ve);
	CHECK(!c.ept_ad);
	CHECK_EQ(c.preempt_shift, 0);
	CHECK_STR(absent, "EPT accessed/dirty bits");

	/* #VE wanted but not offered: not an error, software #VE takes over. */
	CHECK_EQ(run(&sandy, true), 0);
	CHECK_EQ(c.proc2, PROC2);	/* 0x40082 & 0xff = 0x82 */
	CHECK(!c.ept_ve);
	CHECK_STR(absent, "EPT-violation #VE (software #VE will be used), EPT accessed/dirty bits");
	CHECK(strstr(absent, "software #VE") != NULL);
}

/*
 * Basic bit 55 clear: the non-TRUE MSRs rule.
 * proc, IA32_VMX_PROCBASED_CTLS = 0xf7f9fffe_0401e172: allowed0 0x0401e172 has bits 15 and
 *   16 (0x18000), so CR3 load/store exiting stay 1:
 *   (0x91180080 | 0x0401e172) & 0xf7f9fffe = 0x9519e1f2
 * exit, IA32_VMX_EXIT_CTLS = 0x007fffff_00036dff: (0x708200 | 0x36dff) & 0x7fffff = 0x73efff
 *   (bit 2, save debug controls, is default1 there)
 * entry, IA32_VMX_ENTRY_CTLS = 0x0000ffff_000011ff: (0x8000 | 0x11ff) & 0xffff = 0x91ff
 * pin is the same MSR value: 0x5f.
 */
TEST(no_true_controls)
{
	struct vmx_msrs m = skylake;

	m.basic &= ~(1ULL << 55);
	m.true_procbased = 0;	/* must not be read */
	m.true_exit = 0;
	m.true_entry = 0;
	m.true_pinbased = 0;
	CHECK_EQ(run(&m, false), 0);
	CHECK_EQ(c.pin, 0x5f);
	CHECK_EQ(c.proc, 0x9519e1f2);
	CHECK_EQ(c.proc & (PROC_CR3_LOAD | PROC_CR3_STORE), PROC_CR3_LOAD | PROC_CR3_STORE);
	CHECK_EQ(c.exit, 0x73efff);
	CHECK_EQ(c.entry, 0x91ff);
}

TEST(no_unrestricted_guest)
{
	struct vmx_msrs m = skylake;

	m.procbased2 &= ~((u64)PROC2_UNRESTRICTED << 32);
	CHECK_EQ(run(&m, true), -1);
	CHECK_STR(why, "secondary processor-based VM-execution control 'unrestricted guest' "
		  "(bit 7) not allowed by IA32_VMX_PROCBASED_CTLS2 (0x48B)");
}

TEST(no_load_efer_exit)
{
	struct vmx_msrs m = skylake;

	m.true_exit &= ~((u64)EXIT_LOAD_EFER << 32);
	CHECK_EQ(run(&m, true), -1);
	CHECK_STR(why, "VM-exit control 'load IA32_EFER' (bit 21) not allowed by "
		  "IA32_VMX_TRUE_EXIT_CTLS (0x48F)");

	/* The same without TRUE controls names the other MSR. */
	m = skylake;
	m.basic &= ~(1ULL << 55);
	m.exit &= ~((u64)EXIT_LOAD_EFER << 32);
	CHECK_EQ(run(&m, true), -1);
	CHECK_STR(why, "VM-exit control 'load IA32_EFER' (bit 21) not allowed by "
		  "IA32_VMX_EXIT_CTLS (0x483)");
}

TEST(other_failures)
{
	struct vmx_msrs m = skylake;

	/* No secondary controls: caught on the primary controls. */
	m.true_procbased &= ~((u64)PROC_SECONDARY << 32);
	CHECK_EQ(run(&m, false), -1);
	CHECK_STR(why, "primary processor-based VM-execution control 'activate secondary "
		  "controls' (bit 31) not allowed by IA32_VMX_TRUE_PROCBASED_CTLS (0x48E)");

	m = skylake;
	m.true_pinbased &= ~((u64)PIN_NMI << 32);
	CHECK_EQ(run(&m, false), -1);
	CHECK_STR(why, "pin-based VM-execution control 'NMI exiting' (bit 3) not allowed by "
		  "IA32_VMX_TRUE_PINBASED_CTLS (0x48D)");

	m = skylake;
	m.true_entry |= ENTRY_IA32E;	/* allowed0: forced to 1 */
	CHECK_EQ(run(&m, false), -1);
	CHECK_STR(why, "VM-entry control 'IA-32e mode guest' (bit 9) forced to 1 by "
		  "IA32_VMX_TRUE_ENTRY_CTLS (0x490)");
}

/* No preemption timer: pin allowed1 0x3f gives (0x49 | 0x16) & 0x3f = 0x1f, and exit no
 * longer asks for SAVE_PREEMPT: (0x308200 | 0x36dfb) & 0x7fffff = 0x33effb. */
TEST(no_timer)
{
	struct vmx_msrs m = skylake;

	m.true_pinbased &= ~((u64)PIN_PREEMPT_TIMER << 32);
	m.misc |= 5;
	CHECK_EQ(run(&m, false), 0);
	CHECK_EQ(c.pin, 0x1f);
	CHECK(!c.preempt_timer);
	CHECK_EQ(c.exit, 0x33effb);
	CHECK_EQ(c.preempt_shift, 5);
	CHECK_STR(absent, "VMX-preemption timer (no watchdog)");

	m.ept_vpid &= ~(1ULL << 21);
	m.procbased2 &= ~((u64)PROC2_EPT_VE << 32);
	CHECK_EQ(run(&m, true), 0);
	CHECK_STR(absent, "VMX-preemption timer (no watchdog), EPT-violation #VE (software "
		  "#VE will be used), EPT accessed/dirty bits");
}

TEST(null_absent_and_short_buffers)
{
	char small[8];

	CHECK_EQ(vmx_controls(&sandy, true, &c, why, sizeof(why), NULL, 0), 0);
	CHECK_EQ(vmx_controls(&sandy, true, &c, why, sizeof(why), small, sizeof(small)), 0);
	CHECK_STR(small, "EPT-vio");	/* cut short, still terminated */
	CHECK_EQ(strlen(small), 7);
}

/*
 * CR0/CR4 (A.7, A.8), Skylake: CR0 fixed0 0x80000021 (PG, NE, PE), fixed1 0xffffffff.
 *   guest CR0 0x31 (PE, ET, NE) with unrestricted guest: fixed0 minus PE/PG = 0x20,
 *   (0x31 | 0x20) & 0xffffffff = 0x31; 0x30 stays 0x30 (PE free).
 *   without unrestricted guest: 0x30 | 0x80000021 = 0x80000031.
 *   CR4 0 -> 0x2000 (VMXE, fixed0); 0x800000 (CET) & fixed1 0x3727ff -> 0x2000.
 */
TEST(fix_cr)
{
	CHECK_EQ(vmx_fix_cr0(&skylake, 0x31, true), 0x31);
	CHECK_EQ(vmx_fix_cr0(&skylake, 0x30, true), 0x30);
	CHECK_EQ(vmx_fix_cr0(&skylake, 0x30, false), 0x80000031);
	CHECK_EQ(vmx_fix_cr0(&skylake, 0x100000031ULL, true), 0x31);
	CHECK_EQ(vmx_fix_cr4(&skylake, 0), 0x2000);
	CHECK_EQ(vmx_fix_cr4(&skylake, 0x800020), 0x2020);
	CHECK_EQ(vmx_fix_cr4(&sandy, 0x3000), 0x2000);	/* LA57 bit 12: 0x627ff lacks it */
}

/* The monitor's vmcs command names the bits of each control; unnamed bits by number, and a
 * short buffer is cut, never overrun. */
TEST(ctl_format)
{
	char buf[160], tiny[12];

	vmx_ctl_format(CTL_PROC, PROC_HLT | PROC_MSR_BITMAP | (1u << 1), buf, sizeof(buf));
	CHECK_STR(buf, "bit 1, HLT exiting, use MSR bitmaps");
	vmx_ctl_format(CTL_PIN, 0, buf, sizeof(buf));
	CHECK_STR(buf, "");
	vmx_ctl_format(CTL_PROC2, PROC2_EPT | PROC2_EPT_VE, buf, sizeof(buf));
	CHECK_STR(buf, "enable EPT, EPT-violation #VE");
	vmx_ctl_format(CTL_ENTRY, ENTRY_IA32E | ENTRY_LOAD_EFER, buf, sizeof(buf));
	CHECK_STR(buf, "IA-32e mode guest, load IA32_EFER");
	vmx_ctl_format(CTL_EXIT, 0xFFFFFFFF, tiny, sizeof(tiny));
	CHECK(strlen(tiny) < sizeof(tiny));
	vmx_ctl_format(99, PROC_HLT, buf, sizeof(buf));
	CHECK_STR(buf, "");
}

int main(void)
{
	RUN(adjust);
	RUN(skylake_x);
	RUN(sandy_bridge);
	RUN(no_true_controls);
	RUN(no_unrestricted_guest);
	RUN(no_load_efer_exit);
	RUN(other_failures);
	RUN(no_timer);
	RUN(null_absent_and_short_buffers);
	RUN(ctl_format);
	RUN(fix_cr);
	return DONE();
}
