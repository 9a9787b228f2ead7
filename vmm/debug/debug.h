/* vmm/debug/debug.h: the monitor's hands inside a vCPU. A VMCS can only be read or written on the
 * CPU that has it current, so the monitor (cpu0) posts a request to the vCPU, kicks its CPU,
 * and the vCPU serves it on its own CPU at the top of its loop (after any exit, out of HLT,
 * or while paused): print the registers, print the VMCS decoded, flush its EPT translations
 * (INVEPT) after an unmap, or execute one guest instruction (single-step). Also the exit
 * trace: each exit of the chosen reasons printed as it happens. */
#ifndef VMM_DEBUG_DEBUG_H
#define VMM_DEBUG_DEBUG_H
#include "lib/types.h"

struct vcpu;

enum dbg_req { DBG_NONE, DBG_REGS, DBG_VMCS, DBG_FLUSH, DBG_STEP };

struct vcpu_debug {
	volatile u64 req;	/* (sequence << 8) | DBG_*, posted by the monitor; 0 when
				 * served (the sequence keeps a late answer from clearing a
				 * newer request) */
	volatile bool flush;	/* an INVEPT is owed before the next entry (poison) */
	bool stepping;		/* a step is armed: the next entry runs one instruction */
	bool tf_was_set;	/* the guest's own RFLAGS.TF when the step was armed */
	bool set_bs;		/* the step set the pending-debug BS bit */
	bool stray_tf;		/* a step may have left TF=1 in a frame the guest saved */
	u32 step_entries;	/* entries so far that ended before the instruction did */
	u64 step_req, step_rip;
	u32 exc_bitmap, pf_mask, pf_match;	/* what the step replaced */
};

/* Monitor side (cpu0). Posts req to v and waits for it to be served (at most ~2 s);
 * returns 0, or -1 with one line printed saying why not (not running, busy, no answer). */
int debug_request(struct vcpu *v, enum dbg_req req);

/* vCPU side, on v's CPU. */
bool debug_pending(struct vcpu *v);	/* a request waits: leave HLT / pause waits */
void debug_flush(struct vcpu *v);	/* before each entry: the INVEPT owed, if any */
void debug_serve(struct vcpu *v);	/* at the top of the run loop */
/* Instead of exit_handle while a step is armed: handles the exit, ends the step when the
 * instruction is done (the #DB trap, or an exit that emulated it). */
void debug_step_exit(struct vcpu *v, u32 reason);
/* A #DB exit outside a step: the single-step trap of a TF a step left on the guest's stack
 * (a stepped PUSHF, an INT n whose handler exited) is taken and dropped; any other #DB is
 * the guest's and is given back. */
void debug_db_exit(struct vcpu *v, u32 info);

/* The exit trace (the monitor's trace command). vm < 0: every VM. */
struct trace_cfg {
	volatile bool on;
	int vm;
	u64 mask[2];		/* basic exit reasons 0..127 */
};
extern struct trace_cfg trace;
void debug_trace(struct vcpu *v, u32 reason);	/* after each exit, when trace.on */
/* vmm/debug/diag.c: after an exit handler rebuilt the guest state (a task switch), the
 * VM-entry guest-state rules checked in software; false: the VM was stopped with the rule. */
bool diag_guest_ok(struct vcpu *v, const char *after);


#endif
