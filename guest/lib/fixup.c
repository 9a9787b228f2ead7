/* guest/lib/fixup.c: the exception table and copy_from_guest_memory (API in guest/lib/fixup.h).
 *
 * Each guarded load is one instruction at a local label with an __ex_table entry pointing
 * at a stub in .fixup (placed in .text by guest/lib/linker.ld). The stub sets the error and
 * jumps back behind the load, so the C around it sees a load that "returned" an error; no
 * register but the two outputs is touched. Only the FAIL path (guest/lib/fail.c) consults the
 * table: any other exception at a guarded load is still fatal. */
#include "guest/lib/fixup.h"
#include "guest/lib/smp.h"

extern const struct extable_entry __ex_table_start[], __ex_table_end[];	/* linker.ld */

static struct fl_fault last[SMP_MAX_CPUS];
static u64 nfixed;

/* Registers the load at 1b with the fixup at 3b. */
#define EX_ENTRY							\
	".pushsection __ex_table, \"a\"\n"				\
	".balign 8\n"							\
	".quad 1b, 3b\n"						\
	".popsection\n"

/* *v = *src, or 0 with -EFAULT returned if the page could not be produced. */
static inline int load_u64(u64 *v, const u64 *src)
{
	int err = 0;

	asm volatile("1:	movq (%2), %0\n"
		     "2:\n"
		     ".pushsection .fixup, \"ax\"\n"
		     "3:	movl %3, %1\n"
		     "	xorl %k0, %k0\n"
		     "	jmp 2b\n"
		     ".popsection\n"
		     EX_ENTRY
		     : "=r"(*v), "+r"(err) : "r"(src), "i"(-EFAULT) : "memory");
	return err;
}

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

/* Bytes up to an 8-byte boundary of src, then words (an aligned word never straddles two
 * pages, so a failure is always the first word of a page), then the tail. */
int copy_from_guest_memory(void *dst, const void *src, size_t len)
{
	u8 *d = dst;
	const u8 *s = src;
	u64 w;

	for (; len && ((u64)s & 7); len--)
		if (load_u8(d++, s++))
			return -EFAULT;
	for (; len >= 8; len -= 8, s += 8) {
		if (load_u64(&w, (const u64 *)s))
			return -EFAULT;
		for (int i = 0; i < 8; i++)
			*d++ = w >> (8 * i);
	}
	for (; len; len--)
		if (load_u8(d++, s++))
			return -EFAULT;
	return 0;
}

bool fixup_apply(struct trapframe *tf, const struct fl_fault *rec)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn != tf->rip)
			continue;
		tf->rip = e->fixup;
		last[cpu_id()] = *rec;
		__atomic_add_fetch(&nfixed, 1, __ATOMIC_RELAXED);
		return true;
	}
	return false;
}

const struct fl_fault *fixup_last(void)
{
	return &last[cpu_id()];
}

u64 fixup_count(void)
{
	return __atomic_load_n(&nfixed, __ATOMIC_RELAXED);
}
