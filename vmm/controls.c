/* vmm/controls.c: choosing the five VMCS control fields from the capability MSRs, and the
 * CR0/CR4 values VMX operation allows (see vmm/controls.h).
 *
 * Each capability MSR holds the allowed-0 settings in its low half (a 1 there forces the
 * control to 1) and the allowed-1 settings in its high half (a 0 there forces it to 0)
 * (SDM Vol. 3C A.3-A.5). When IA32_VMX_BASIC bit 55 is set, the TRUE_* MSRs report the
 * real allowed-0 settings of the "default1" controls (A.2): without them, CR3-load and
 * CR3-store exiting look forced to 1 and every guest MOV CR3 would exit. */
#include "vmm/controls.h"
#include "vmm/vmcs.h"
#include "vmm/vmx.h"
#include "lib/fmt.h"

#define BASIC_TRUE_CTLS	(1ULL << 55)	/* IA32_VMX_BASIC: TRUE_* MSRs exist (A.1) */
#define EPT_CAP_AD	(1ULL << 21)	/* IA32_VMX_EPT_VPID_CAP: accessed/dirty flags (A.10) */
#define MISC_TIMER_SHIFT 0x1F		/* IA32_VMX_MISC[4:0]: timer rate vs. TSC (A.6) */


/* What every vCPU needs. Pin: external interrupts and NMIs belong to the host. Proc: HLT
 * and all port I/O exit; MSR bitmaps so only the MSRs we care about exit; secondary
 * controls for EPT. Proc2: unrestricted guest lets guests start in real or unpaged
 * protected mode (25.6.2). Exit/entry: EFER is switched on both sides, since guests start
 * with LME=0 while the host runs with it set; the host is 64-bit, the guest is not. */
#define REQ_PIN		(PIN_EXT_INTR | PIN_NMI)
/* CR8 load and store exiting: without a TPR shadow a guest's MOV to CR8 would write the
 * physical CPU's TPR, and with CR8=15 the host's kicks (vector 0xF0-class IPIs) would no
 * longer reach that CPU (SDM Vol. 3A 11.8.3.1; Vol. 3C 25.6.2). The guest gets a TPR of
 * its own instead (vmm/exit.c). */
#define REQ_PROC	(PROC_HLT | PROC_CR8_LOAD | PROC_CR8_STORE | PROC_IO_UNCOND | \
			 PROC_MSR_BITMAP | PROC_SECONDARY)
#define REQ_PROC2	(PROC2_EPT | PROC2_UNRESTRICTED)
#define REQ_EXIT	(EXIT_HOST_64 | EXIT_ACK_INTR | EXIT_SAVE_EFER | EXIT_LOAD_EFER)
#define REQ_ENTRY	ENTRY_LOAD_EFER

/* The names the SDM gives the controls faultline asks for (25.6-25.8), so a failure
 * reads like the manual. */
struct ctl_name {
	u32 bit;
	const char *name;
};

static const struct ctl_name pin_names[] = {
	{ PIN_EXT_INTR, "external-interrupt exiting" }, { PIN_NMI, "NMI exiting" },
	{ PIN_VIRTUAL_NMI, "virtual NMIs" },
	{ PIN_PREEMPT_TIMER, "activate VMX-preemption timer" }, { 0, NULL },
};
static const struct ctl_name proc_names[] = {
	{ PROC_INTR_WINDOW, "interrupt-window exiting" }, { PROC_TSC_OFFSET, "use TSC offsetting" },
	{ PROC_HLT, "HLT exiting" }, { PROC_INVLPG, "INVLPG exiting" },
	{ PROC_MWAIT, "MWAIT exiting" }, { PROC_RDPMC, "RDPMC exiting" },
	{ PROC_RDTSC, "RDTSC exiting" }, { PROC_CR3_LOAD, "CR3-load exiting" },
	{ PROC_CR3_STORE, "CR3-store exiting" }, { PROC_CR8_LOAD, "CR8-load exiting" },
	{ PROC_CR8_STORE, "CR8-store exiting" }, { PROC_MOV_DR, "MOV-DR exiting" },
	{ PROC_IO_UNCOND, "unconditional I/O exiting" }, { PROC_IO_BITMAP, "use I/O bitmaps" },
	{ PROC_MTF, "monitor trap flag" }, { PROC_MSR_BITMAP, "use MSR bitmaps" },
	{ PROC_MONITOR, "MONITOR exiting" }, { PROC_PAUSE, "PAUSE exiting" },
	{ PROC_SECONDARY, "activate secondary controls" }, { 0, NULL },
};
static const struct ctl_name proc2_names[] = {
	{ PROC2_EPT, "enable EPT" }, { PROC2_UNRESTRICTED, "unrestricted guest" },
	{ PROC2_VPID, "enable VPID" }, { PROC2_EPT_VE, "EPT-violation #VE" }, { 0, NULL },
};
static const struct ctl_name exit_names[] = {
	{ EXIT_SAVE_DEBUG, "save debug controls" }, { EXIT_HOST_64, "host address-space size" },
	{ EXIT_SAVE_PAT, "save IA32_PAT" }, { EXIT_LOAD_PAT, "load IA32_PAT" },
	{ EXIT_ACK_INTR, "acknowledge interrupt on exit" },
	{ EXIT_SAVE_EFER, "save IA32_EFER" }, { EXIT_LOAD_EFER, "load IA32_EFER" },
	{ EXIT_SAVE_PREEMPT, "save VMX-preemption timer value" }, { 0, NULL },
};
static const struct ctl_name entry_names[] = {
	{ ENTRY_LOAD_DEBUG, "load debug controls" }, { ENTRY_IA32E, "IA-32e mode guest" },
	{ ENTRY_LOAD_PAT, "load IA32_PAT" }, { ENTRY_LOAD_EFER, "load IA32_EFER" }, { 0, NULL },
};

/* One control field: what it is called, and which MSR reports it with and without
 * TRUE controls (the secondary controls have no TRUE MSR: true_msr == msr). */
struct ctl_kind {
	const char *what;
	const struct ctl_name *names;
	const char *msr_name, *true_name;
	u32 msr, true_msr;
};

static const struct ctl_kind kinds[] = {
	[CTL_PIN] = { "pin-based VM-execution control", pin_names,
		    "IA32_VMX_PINBASED_CTLS", "IA32_VMX_TRUE_PINBASED_CTLS",
		    MSR_VMX_PINBASED, MSR_VMX_TRUE_PINBASED },
	[CTL_PROC] = { "primary processor-based VM-execution control", proc_names,
		     "IA32_VMX_PROCBASED_CTLS", "IA32_VMX_TRUE_PROCBASED_CTLS",
		     MSR_VMX_PROCBASED, MSR_VMX_TRUE_PROCBASED },
	[CTL_PROC2] = { "secondary processor-based VM-execution control", proc2_names,
		      "IA32_VMX_PROCBASED_CTLS2", "IA32_VMX_PROCBASED_CTLS2",
		      MSR_VMX_PROCBASED2, MSR_VMX_PROCBASED2 },
	[CTL_EXIT] = { "VM-exit control", exit_names,
		     "IA32_VMX_EXIT_CTLS", "IA32_VMX_TRUE_EXIT_CTLS",
		     MSR_VMX_EXIT, MSR_VMX_TRUE_EXIT },
	[CTL_ENTRY] = { "VM-entry control", entry_names,
		      "IA32_VMX_ENTRY_CTLS", "IA32_VMX_TRUE_ENTRY_CTLS",
		      MSR_VMX_ENTRY, MSR_VMX_TRUE_ENTRY },
};

static const char *ctl_name(const struct ctl_kind *k, u32 bit)
{
	for (const struct ctl_name *n = k->names; n->name; n++)
		if (n->bit == bit)
			return n->name;
	return "?";
}

/* "HLT exiting, use MSR bitmaps, bit 1" : the set bits of a control field by name (bits
 * this table does not name are listed by number). */
void vmx_ctl_format(unsigned kind, u32 value, char *buf, size_t len)
{
	int n = 0;

	buf[0] = 0;
	for (unsigned b = 0; b < 32 && kind < ARRAY_SIZE(kinds); b++) {
		if (!(value & (1u << b)))
			continue;
		const char *name = ctl_name(&kinds[kind], 1u << b);
		n += name[0] != '?' ? fmt(buf + n, len - n, "%s%s", n ? ", " : "", name) :
				      fmt(buf + n, len - n, "%sbit %u", n ? ", " : "", b);
		if (n >= (int)len - 1)
			break;
	}
}

int vmx_adjust(u64 cap, u32 want, u32 required, u32 *out, u32 *missing)
{
	u32 allowed0 = (u32)cap, allowed1 = (u32)(cap >> 32);

	*out = (want | allowed0) & allowed1;
	*missing = required & ~allowed1;
	return *missing ? -1 : 0;
}


/* "VM-exit control 'load IA32_EFER' (bit 21) not allowed by IA32_VMX_TRUE_EXIT_CTLS
 * (0x48F)": the lowest bit of bad, which the caller knows is nonzero. */
static int ctl_fail(const struct ctl_kind *k, bool tru, u32 bad, const char *how,
		    char *why, size_t len)
{
	unsigned b = __builtin_ctz(bad);

	fmt(why, len, "%s '%s' (bit %u) %s by %s (0x%X)", k->what, ctl_name(k, 1u << b), b,
	    how, tru ? k->true_name : k->msr_name, tru ? k->true_msr : k->msr);
	return -1;
}

/* One control field: adjust want against the MSR, fail on required bits it refuses. */
static int pick(int kind, const struct vmx_msrs *m, bool tru, u32 want, u32 required,
		u32 *out, char *why, size_t len)
{
	const u64 caps[][2] = {
		[CTL_PIN] = { m->pinbased, m->true_pinbased },
		[CTL_PROC] = { m->procbased, m->true_procbased },
		[CTL_PROC2] = { m->procbased2, m->procbased2 },
		[CTL_EXIT] = { m->exit, m->true_exit },
		[CTL_ENTRY] = { m->entry, m->true_entry },
	};
	u32 missing;

	if (vmx_adjust(caps[kind][tru], want, required, out, &missing))
		return ctl_fail(&kinds[kind], tru, missing, "not allowed", why, len);
	return 0;
}

/* Appends one item to the comma-separated absent list. */
static void add_absent(char *buf, size_t len, size_t *n, const char *item)
{
	int r;

	if (!buf || *n + 1 >= len)
		return;
	r = fmt(buf + *n, len - *n, "%s%s", *n ? ", " : "", item);
	*n = MIN(*n + (size_t)r, len - 1);
}

int vmx_controls(const struct vmx_msrs *m, bool want_ve, struct vmx_ctls *c, char *why,
		 size_t whylen, char *absent, size_t absentlen)
{
	bool tru = m->basic & BASIC_TRUE_CTLS;
	bool timer;
	size_t n = 0;

	*c = (struct vmx_ctls){ 0 };
	if (absent && absentlen)
		absent[0] = '\0';
	if (why && whylen)
		why[0] = '\0';

	/* The timer is the watchdog; without it guests just run unwatched. */
	if (pick(CTL_PIN, m, tru, REQ_PIN | PIN_PREEMPT_TIMER, REQ_PIN, &c->pin, why, whylen))
		return -1;
	timer = c->pin & PIN_PREEMPT_TIMER;
	if (pick(CTL_PROC, m, tru, REQ_PROC, REQ_PROC, &c->proc, why, whylen))
		return -1;
	if ((c->proc & PROC_SECONDARY) &&
	    pick(CTL_PROC2, m, tru, REQ_PROC2 | (want_ve ? PROC2_EPT_VE : 0), REQ_PROC2,
		 &c->proc2, why, whylen))
		return -1;
	/* Saving the timer value lets a guest resume with what was left of its slice. */
	if (pick(CTL_EXIT, m, tru, REQ_EXIT | (timer ? EXIT_SAVE_PREEMPT : 0), REQ_EXIT,
		 &c->exit, why, whylen))
		return -1;
	if (pick(CTL_ENTRY, m, tru, REQ_ENTRY, REQ_ENTRY, &c->entry, why, whylen))
		return -1;
	/* Guests start in 32-bit mode; a CPU forcing "IA-32e mode guest" cannot run them. */
	if (c->entry & ENTRY_IA32E)
		return ctl_fail(&kinds[CTL_ENTRY], tru, ENTRY_IA32E, "forced to 1", why, whylen);

	c->preempt_timer = timer;
	c->ept_ve = c->proc2 & PROC2_EPT_VE;
	c->ept_ad = m->ept_vpid & EPT_CAP_AD;
	c->preempt_shift = m->misc & MISC_TIMER_SHIFT;

	if (!c->preempt_timer)
		add_absent(absent, absentlen, &n, "VMX-preemption timer (no watchdog)");
	if (want_ve && !c->ept_ve)
		add_absent(absent, absentlen, &n, "EPT-violation #VE (software #VE will be used)");
	if (!c->ept_ad)
		add_absent(absent, absentlen, &n, "EPT accessed/dirty bits");
	return 0;
}

/* A.7: a CR0 bit set in FIXED0 must be 1, a bit clear in FIXED1 must be 0. With unrestricted
 * guest, the guest's PE and PG are free (27.3.1.1), though FIXED0 reports them as 1. */
u64 vmx_fix_cr0(const struct vmx_msrs *m, u64 cr0, bool unrestricted)
{
	u64 fixed0 = m->cr0_fixed0;

	if (unrestricted)
		fixed0 &= ~(CR0_PE | CR0_PG);
	return (cr0 | fixed0) & m->cr0_fixed1;
}

/* A.8: the same for CR4 (FIXED0 holds at least VMXE). */
u64 vmx_fix_cr4(const struct vmx_msrs *m, u64 cr4)
{
	return (cr4 | m->cr4_fixed0) & m->cr4_fixed1;
}
