/* vmm/irq.c: the VM's interrupt controller (placeholder until the 8259 model lands): which
 * device interrupt vCPU 0 should take, and its injection before entry. */
#include "vmm/vm.h"

void irq_before_entry(struct vcpu *v)
{
	(void)v;
}

bool irq_pending(struct vcpu *v)
{
	(void)v;
	return false;
}

void vuart_input(struct vm *vm, u8 c)
{
	(void)vm, (void)c;
}
