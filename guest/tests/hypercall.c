/* guest/tests/hypercall.c: exercises faultline's VMCALL ABI (include/faultline.h): the good
 * calls work, and every bad one (unknown number, buffer outside RAM, bad length, address
 * overflow) is refused with the documented error, changes nothing, and leaves the guest
 * running. */
#include "guest/lib/rt.h"
#include "include/faultline.h"
#include "lib/fmt.h"

static const char msg[] = "guest: hypercall: this line came through FL_HC_PUTS\n";

static s64 puts_hc(u64 gpa, u64 len)
{
	return rt_hypercall(FL_HC_PUTS, gpa, len, 0, 0);
}

static void unknown_numbers(void)
{
	/* High bits set on a valid number: the full 64-bit RAX is the number. */
	static const u64 nrs[] = { 0x1234, 0xFFFFFFFFULL, 1ULL << 40,
				   (1ULL << 32) | FL_HC_VERSION, ~0ULL };
	char what[64];

	for (unsigned i = 0; i < ARRAY_SIZE(nrs); i++) {
		fmt(what, sizeof(what), "unknown hypercall 0x%lx -> FL_ENOSYS", nrs[i]);
		rt_check_eq(rt_hypercall(nrs[i], 0, 0, 0, 0), FL_ENOSYS, what);
	}
}

static void puts_bad(void)
{
	u64 end = rt_mem_upper();
	s64 r;

	rt_check_eq(puts_hc(end + (1ULL << 20), 16), FL_EFAULT, "puts: gpa beyond RAM -> FL_EFAULT");
	rt_check_eq(puts_hc(end, 1), FL_EFAULT, "puts: gpa at end of RAM -> FL_EFAULT");
	rt_check_eq(puts_hc(end - 8, 16), FL_EFAULT, "puts: gpa+len crosses end of RAM -> FL_EFAULT");
	rt_check_eq(puts_hc((u64)msg, 0), FL_EINVAL, "puts: len 0 -> FL_EINVAL");
	rt_check_eq(puts_hc((u64)msg, FL_PUTS_MAX + 1), FL_EINVAL,
		    "puts: len FL_PUTS_MAX+1 -> FL_EINVAL");

	r = puts_hc(~0ULL - 15, 32);
	rt_printf("guest: puts with gpa+len overflowing 2^64 returned %ld (%s)\n", r,
		  r == FL_EFAULT ? "FL_EFAULT" : r == FL_EINVAL ? "FL_EINVAL" : "unexpected");
	rt_check(r == FL_EFAULT || r == FL_EINVAL, "puts: gpa+len overflow -> FL_EFAULT or FL_EINVAL");
}

int main(const char *cmdline)
{
	s64 r;

	(void)cmdline;
	rt_check_eq(rt_hypercall(FL_HC_VERSION, 0, 0, 0, 0), FL_ABI_VERSION,
		    "FL_HC_VERSION -> FL_ABI_VERSION");
	unknown_numbers();

	r = puts_hc((u64)msg, sizeof(msg) - 1);
	rt_check_eq(r, sizeof(msg) - 1, "puts: valid buffer -> its length");
	puts_bad();

	r = rt_hypercall(FL_HC_TSC_KHZ, 0, 0, 0, 0);
	rt_printf("guest: FL_HC_TSC_KHZ -> %ld\n", r);
	rt_check(r > 0, "FL_HC_TSC_KHZ > 0");

	rt_printf("guest: still alive\n");
	return rt_report();
}
