/* guest/lib/fixup.c: the exception table's lookup for the FAIL path (guest/lib/fail.c), the
 * record of each vCPU's last fixed-up failure, and copy_from_guest_memory. The guarded
 * accesses themselves and how their fixups work are in guest/lib/fixup.h. */
#include "guest/lib/fixup.h"
#include "guest/lib/smp.h"

extern const struct extable_entry __ex_table_start[], __ex_table_end[];	/* linker.ld */

static struct fl_fault last[SMP_MAX_CPUS];
static u64 nfixed;

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
