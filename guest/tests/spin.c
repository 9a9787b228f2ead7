/* guest/tests/spin.c: a guest that computes in a tight loop without a single VM exit, for the
 * monitor's single-step test: every instruction of the loop is plain arithmetic or a
 * branch, so each step's new RIP can be checked against the disassembly. It stops by
 * itself after ms= milliseconds (default 120000), or when the monitor kills it. */
#include "guest/lib/rt.h"

static volatile u64 sum;

/* Kept out of line so the loop is one small function the test can disassemble. */
__attribute__((noinline)) static u64 spin_until(u64 deadline)
{
	u64 x = 1, n = 0;
	while (rt_tsc() < deadline) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		x ^= x >> 29;
		n++;
	}
	sum = x;
	return n;
}

int main(const char *cmdline)
{
	u64 ms = 120000;

	rt_arg_u64(cmdline, "ms", &ms);
	rt_printf("spin: spinning for %lu ms in spin_until\n", ms);
	u64 n = spin_until(rt_tsc() + ms * rt_tsc_khz());
	rt_printf("spin: %lu rounds\n", n);
	return 0;
}
