/* guest/tests/triple.c: triple-faults on purpose. With an IDT of limit 0, int3 cannot be
 * delivered (#GP), neither can the #GP (#DF), nor the #DF: the CPU shuts down (SDM Vol. 3A
 * 7.15, interrupt 8). Under faultline that is a triple-fault VM exit, which must stop this VM
 * and only this VM. Getting past the int3 means it was not a triple fault: status 1. */
#include "guest/lib/rt.h"

int main(const char *cmdline)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) empty = { 0, 0 };

	(void)cmdline;
	rt_printf("guest: triple: loading an empty IDT and raising int3\n");
	asm volatile("lidt %0; int3" : : "m"(empty) : "memory");
	rt_printf("guest: triple: still running after int3\n");
	return 1;
}
