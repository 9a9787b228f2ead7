/* guest/tests/escape.c: reads a word beyond the VM's RAM. Under faultline there is nothing
 * there: the EPT has no mapping, so the hypervisor must stop the VM at the read, and the print
 * below never happens. On bare hardware (or QEMU alone) the read returns whatever the bus gives
 * (all ones), the print happens and the guest returns 1: a failed containment test.
 *
 * cmdline: addr=0x... (default: end of RAM + 16 MiB). Only the first 4 GiB are mapped in the
 * guest's page tables; a higher address raises #PF (exit status 3) in the guest itself. */
#include "guest/lib/rt.h"

int main(const char *cmdline)
{
	u64 addr = rt_mem_upper() + (16ULL << 20);
	u64 v;

	rt_arg_u64(cmdline, "addr", &addr);
	addr = ALIGN_DOWN(addr, 8);
	rt_printf("guest: escape: reading 0x%lx (end of RAM 0x%lx)\n", addr, rt_mem_upper());
	v = *(volatile u64 *)addr;
	rt_printf("guest: escape: read 0x%lx\n", v);
	return 1;
}
