/* vmm/controls.h: choosing VMCS control values from the capability MSRs (SDM Vol. 3C
 * appendix A.3-A.5: a control may be 0 only if its allowed-0 bit, in the MSR's low half, is
 * 0; it may be 1 only if its allowed-1 bit, in the high half, is 1). When IA32_VMX_BASIC
 * bit 55 is set, the TRUE_* MSRs are the ones to read (A.2). Pure logic, host-tested
 * against MSR values recorded in Bochs. */
#ifndef VMM_CONTROLS_H
#define VMM_CONTROLS_H
#include "lib/types.h"
#include "lib/x86regs.h"

/* The capability MSRs, as read on one CPU (all 64-bit raw values). */
struct vmx_msrs {
	u64 basic, pinbased, procbased, exit, entry, misc;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 procbased2, ept_vpid;
	u64 true_pinbased, true_procbased, true_exit, true_entry;
};

/* want: bits we would like; required: the subset we cannot run without.
 * *out = (want | allowed0) & allowed1. Returns 0, or -1 with *missing = required bits that
 * the CPU does not allow to be 1 (then *out is still computed). */
int vmx_adjust(u64 cap, u32 want, u32 required, u32 *out, u32 *missing);

struct vmx_ctls {
	u32 pin, proc, proc2, exit, entry;
	bool preempt_timer;	/* the watchdog is available */
	bool ept_ve;		/* hardware EPT-violation #VE chosen */
	bool ept_ad;
	unsigned preempt_shift;	/* timer ticks = TSC >> preempt_shift (IA32_VMX_MISC[4:0]) */
};

/* The controls every faultline vCPU uses (see vmm/vmcs.c for the reason of each), with
 * hardware #VE when want_ve and offered. Returns 0, or -1 with one line in why naming the
 * missing required control. absent (may be NULL) receives a short list of optional
 * features that were wanted but are not offered, e.g. "VMX preemption timer, EPT #VE". */
int vmx_controls(const struct vmx_msrs *m, bool want_ve, struct vmx_ctls *c, char *why,
		 size_t whylen, char *absent, size_t absentlen);

/* The five control fields, for vmx_ctl_format. */
enum vmx_ctl_kind { CTL_PIN, CTL_PROC, CTL_PROC2, CTL_EXIT, CTL_ENTRY };
/* The names of the bits set in value, comma-separated ("bit N" for unnamed ones). */
void vmx_ctl_format(unsigned kind, u32 value, char *buf, size_t len);

/* CR0/CR4 values as VMX requires them: (v | fixed0) & fixed1; for the guest's CR0 with
 * unrestricted guest, PE and PG are exempt from fixed0 (SDM Vol. 3C 25.8 / A.7). */
u64 vmx_fix_cr0(const struct vmx_msrs *m, u64 cr0, bool unrestricted);
u64 vmx_fix_cr4(const struct vmx_msrs *m, u64 cr4);

#endif
