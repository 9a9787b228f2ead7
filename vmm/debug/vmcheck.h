/* vmm/debug/vmcheck.h: a software check of the guest-state rules VM entry applies (SDM Vol. 3C
 * chapter "VM Entries", section "Checks on the Guest State Area" and its subsections:
 * guest control registers, debug registers and MSRs; segment registers; descriptor-table
 * registers; RIP and RFLAGS; non-register state). When an entry fails with reason 33
 * ("invalid guest state") the hardware says nothing about which rule broke; this check
 * names it. It covers the common rules, not every one. Pure: host-tested. */
#ifndef VMM_DEBUG_VMCHECK_H
#define VMM_DEBUG_VMCHECK_H
#include "lib/types.h"
#include "vmm/controls.h"

struct vmcheck_seg {
	u16 sel;
	u64 base;
	u32 limit;
	u32 ar;
};

struct vmcheck_state {
	u32 pin, proc, proc2, entry;	/* controls in effect */
	u64 cr0, cr3, cr4, dr7, rsp, rip, rflags, efer, link_ptr, pending_dbg;
	struct vmcheck_seg es, cs, ss, ds, fs, gs, ldtr, tr;
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u32 interruptibility, activity;
	u32 entry_intr_info;
};

struct vmcheck_fail {
	const char *rule;	/* e.g. "RFLAGS: reserved bit 1 must be 1" (static text) */
	const char *section;	/* e.g. "Checks on Guest RIP, RFLAGS, and SSP" */
	char detail[96];	/* the values involved, e.g. "rflags=0x0" */
};

/* Checks s against the rules; fills up to max failures in order of the SDM's list and
 * returns how many rules failed in total (0: the state passes every rule checked). */
int vmcheck_guest(const struct vmx_msrs *m, const struct vmcheck_state *s,
		  struct vmcheck_fail *out, int max);

#endif
