/* guest/tests/fail_fixup.c: kernel code survives a memory failure through the exception table
 * (docs/pv-protocol.md step 9, case (b) of guest/lib/fail.c). A kernel task reads through
 * copy_from_guest_memory (guest/lib/fixup.h):
 *
 *  - COPY_LEN bytes from an odd offset of a good, absent page of lazily backed RAM: a #VE,
 *    RESOLVED, and the bytes are the pattern's;
 *  - the page at poison= (default: the test region's first page; the VM must have it in
 *    backing.poison): a #VE, FAIL, the load's fixup, and the helper returns -EFAULT with
 *    the record (fixup_last) naming the page and "poisoned".
 *
 * The task then goes on; the guest exits 0. The poisoned page is read once only: a second
 * access to a failed page would make the hypervisor stop the VM. */
#include "guest/lib/fixup.h"
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

#define COPY_LEN	301		/* odd: bytes, words, bytes */
#define COPY_OFF	13

static u8 buf[PAGE_SIZE];
static u64 poison, good;
static int good_ret, bad_ret;
static u64 bad_bytes;
static struct fl_fault rec;
static bool went_on;

/* The byte at address a of the pattern backing store. */
static u8 pattern_byte(u64 a)
{
	return ve_pattern(ALIGN_DOWN(a, 8)) >> (8 * (a & 7));
}

static void reader(void *arg)
{
	(void)arg;
	good_ret = copy_from_guest_memory(buf, (void *)(good + COPY_OFF), COPY_LEN);
	for (u64 i = 0; i < COPY_LEN; i++)
		bad_bytes += buf[i] != pattern_byte(good + COPY_OFF + i);

	bad_ret = copy_from_guest_memory(buf, (void *)poison, 64);
	rec = *fixup_last();
	rt_printf("guest: fail-fixup: copy_from_guest_memory(0x%lx) returned %d (gpa=0x%lx "
		  "code=%s)\n", poison, bad_ret, (u64)rec.gpa, ve_fault_code(rec.code));
	went_on = true;
}

int main(const char *cmdline)
{
	(void)cmdline;
	poison = ve_poison();
	good = ve_test_base() + (ALIGN_DOWN(poison, PAGE_SIZE) == ve_test_base() ? PAGE_SIZE : 0);
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	task_create(reader, NULL, "reader");
	sched_run();

	ve_print_stats("fail-fixup");
	rt_check_eq(good_ret, 0, "a good page: copy_from_guest_memory -> 0");
	rt_check_eq(bad_bytes, 0, "... and the bytes are the pattern's");
	rt_check_eq(bad_ret, -EFAULT, "the poisoned page: copy_from_guest_memory -> -EFAULT");
	rt_check_eq(rec.gpa, ALIGN_DOWN(poison, PAGE_SIZE), "... the record names its page");
	rt_check_eq(rec.code, FL_FAULT_POISONED, "... and says poisoned");
	rt_check_eq(fixup_count(), 1, "one failure fixed up");
	rt_check(went_on, "the task went on after the failure");
	rt_check_eq(ve_stats.failed, 1, "one fault finished FAIL");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
