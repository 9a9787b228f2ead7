/* guest/lib/fixup.h: kernel code that may touch memory the hypervisor cannot produce, and
 * live: the exception table, the guarded accesses and copy_from_guest_memory.
 *
 * An access to lazily backed RAM can end in FAIL (docs/pv-protocol.md, step 9): the page
 * is poisoned, or its backing store failed this time. Code that expects that goes through
 * the accesses below, whose instructions have entries in the exception table (section
 * __ex_table, guest/lib/linker.ld: pairs of the access's address and the address of its
 * fixup, Linux-style). The FAIL path (guest/lib/fail.c) looks the faulting RIP up there
 * and, if it is found, resumes at the fixup instead of the access, so the helper returns
 * an error to its caller; without an entry a kernel failure is a panic. */
#ifndef GUEST_FIXUP_H
#define GUEST_FIXUP_H
#include "lib/types.h"
#include "guest/lib/trap.h"
#include "include/faultline.h"

#define EFAULT		14		/* Linux's number: "bad address" */

struct extable_entry {
	u64 insn;			/* an access that may fail */
	u64 fixup;			/* where to continue when it does */
};

/* The guarded accesses: copy_from_guest_memory's, and those of guests that touch lazily
 * backed RAM word by word (guest/tests/storm/). Each is one instruction at local label 1
 * with an __ex_table entry pointing at a stub at local label 3 in .fixup (placed in .text
 * by guest/lib/linker.ld). The stub sets the error (and zeroes a load's destination) and
 * jumps back to 2, behind the access, so the C around it sees an access that "returned"
 * -EFAULT; no register but the outputs is touched. Only the FAIL path consults the table:
 * any other exception at a guarded access is still fatal. Any context: with IF=0 the
 * fault is SUSPEND_ME and the FAIL comes back in the REPORT itself. */

/* Registers the access at 1b with the fixup at 3b. */
#define EX_ENTRY							\
	".pushsection __ex_table, \"a\"\n"				\
	".balign 8\n"							\
	".quad 1b, 3b\n"						\
	".popsection\n"

/* *v = *src, or *v = 0 and -EFAULT when src's page could not be produced. */
static inline int load_u64(u64 *v, const u64 *src)
{
	int err = 0;
	u64 val;

	asm volatile("1:	movq (%2), %0\n"
		     "2:\n"
		     ".pushsection .fixup, \"ax\"\n"
		     "3:	movl %3, %1\n"
		     "	xorl %k0, %k0\n"
		     "	jmp 2b\n"
		     ".popsection\n"
		     EX_ENTRY
		     : "=&r"(val), "+r"(err) : "r"((u64)src), "i"(-EFAULT) : "memory");
	*v = val;
	return err;
}

/* The same for one byte. */
static inline int load_u8(u8 *v, const u8 *src)
{
	int err = 0;

	asm volatile("1:	movb (%2), %b0\n"
		     "2:\n"
		     ".pushsection .fixup, \"ax\"\n"
		     "3:	movl %3, %1\n"
		     "	xorl %k0, %k0\n"
		     "	jmp 2b\n"
		     ".popsection\n"
		     EX_ENTRY
		     : "=q"(*v), "+r"(err) : "r"(src), "i"(-EFAULT) : "memory");
	return err;
}

/* *dst = v, or -EFAULT (nothing written) when dst's page could not be produced. */
static inline int store_u64(u64 *dst, u64 v)
{
	int err = 0;

	asm volatile("1:	movq %2, (%1)\n"
		     "2:\n"
		     ".pushsection .fixup, \"ax\"\n"
		     "3:	movl %3, %0\n"
		     "	jmp 2b\n"
		     ".popsection\n"
		     EX_ENTRY
		     : "+r"(err) : "r"((u64)dst), "r"(v), "i"(-EFAULT) : "memory");
	return err;
}

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
