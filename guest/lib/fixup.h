/* guest/lib/fixup.h: kernel code that may read memory the hypervisor cannot produce, and live.
 *
 * A read of lazily backed RAM can end in FAIL (docs/pv-protocol.md, step 9): the page is
 * poisoned, or its backing store failed this time. Code that expects that reads through
 * copy_from_guest_memory, whose load instructions have entries in the exception table
 * (section __ex_table, guest/lib/linker.ld: pairs of the load's address and the address of its
 * fixup, Linux-style). The FAIL path (guest/lib/fail.c) looks the faulting RIP up there and, if
 * it is found, resumes at the fixup instead of the load, so the helper returns an error to
 * its caller; without an entry a kernel failure is a panic. */
#ifndef GUEST_FIXUP_H
#define GUEST_FIXUP_H
#include "lib/types.h"
#include "guest/lib/trap.h"
#include "include/faultline.h"

#define EFAULT		14		/* Linux's number: "bad address" */

struct extable_entry {
	u64 insn;			/* a load that may fail */
	u64 fixup;			/* where to continue when it does */
};

/* Copies len bytes from src to dst. 0, or -EFAULT when some page of src could not be
 * produced (dst then holds the bytes before that page). Any context: with IF=0 the fault
 * is SUSPEND_ME and the FAIL comes back in the REPORT itself. */
int copy_from_guest_memory(void *dst, const void *src, size_t len);

/* For the FAIL path: if tf->rip has an entry, redirect tf->rip to its fixup, remember rec
 * as this vCPU's last fixed-up failure and return true. */
bool fixup_apply(struct trapframe *tf, const struct fl_fault *rec);

/* The record of this vCPU's last failure a fixup handled (zeroed: none yet): why the
 * helper returned -EFAULT. */
const struct fl_fault *fixup_last(void);
u64 fixup_count(void);			/* failures fixed up, every vCPU */

#endif
