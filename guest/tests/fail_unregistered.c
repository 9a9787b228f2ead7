/* guest/tests/fail_unregistered.c: a guest without the PV protocol cannot be told about a
 * failure (docs/pv-protocol.md "Failures"). It installs the #VE handler (so a #VE would be
 * reported, not taken as an unknown exception) but never registers, says what it is about
 * to do, and reads the word at poison= (default: the test region's first page; the VM must
 * have it in backing.poison): a synchronous fault that fails, so the hypervisor stops the
 * VM with the record. Getting past the read is a failure (status 1). */
#include "guest/lib/rt.h"
#include "guest/lib/ve.h"

int main(const char *cmdline)
{
	u64 a = ALIGN_DOWN(ve_poison(), 8);

	(void)cmdline;
	ve_install(VE_VECTOR);
	rt_printf("guest: fail-unregistered: reading 0x%lx, never registered\n", a);
	(void)*(volatile u64 *)a;
	rt_printf("guest: FAIL fail-unregistered: the read returned (#VE=%lu)\n", ve_stats.ve);
	return 1;
}
