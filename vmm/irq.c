/* vmm/irq.c: device interrupts into the guest. The VM's 8259 pair (dev/pic.c, programmed
 * through vmm/io.c) is wired to vCPU 0, as the PIC's INT line is to the boot CPU of a PC:
 * before each entry of vCPU 0 the PIC's highest request is injected as an external
 * interrupt when the guest can take it, else an interrupt-window exit is asked for. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/cpu.h"

void irq_before_entry(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool open, waiting;
	u8 vector = 0;

	if (!irq_maybe(v))
		return;
	open = vcpu_can_inject(v);	/* else an interrupt-window exit, below */
	u64 flags = spin_lock_irqsave(&vm->lock);
	waiting = pic_pending(&vm->pic);
	if (waiting && open)
		vector = pic_ack(&vm->pic);	/* INTA: IRR -> ISR */
	spin_unlock_irqrestore(&vm->lock, flags);

	if (waiting && open)
		vmwrite(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_EXT | vector);
	else if (waiting)	/* apf_before_entry clears the bit at every entry */
		vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) | PROC_INTR_WINDOW);
}

bool irq_pending(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool waiting;

	if (!irq_maybe(v))
		return false;
	u64 flags = spin_lock_irqsave(&vm->lock);
	waiting = pic_pending(&vm->pic);
	spin_unlock_irqrestore(&vm->lock, flags);
	return waiting;
}
