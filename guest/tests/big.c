/* guest/tests/big.c: a guest whose image is larger than the RAM the test gives it (4 MiB of
 * .bss against mem=2M): faultline must refuse it with a clear message and run the other VMs. */
#include "guest/lib/rt.h"

u8 big[4 << 20];	/* global: the linker must reserve all of it */

int main(const char *cmdline)
{
	(void)cmdline;
	((volatile u8 *)big)[sizeof(big) - 1] = 1;
	return 0;
}
