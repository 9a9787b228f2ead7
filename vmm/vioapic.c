/* vmm/vioapic.c: the VM's I/O APIC (model: dev/ioapic.c) at 0xFEC00000, where the MADT
 * says it is (vmm/firmware.c), and the ISA interrupt lines that reach it.
 *
 * The wiring is a PC's: every ISA device's line goes both to the 8259 pair and to the I/O
 * APIC (virq_line), so an OS may use either; the PIT's IRQ0 is pin 2 (the MADT's interrupt
 * source override, as on every PC since the 8259's INTR took pin 0), every other ISA IRQ n
 * pin n. An OS that takes the I/O APIC masks the 8259s and LINT0 (Linux does), and the
 * other path then delivers nothing.
 *
 * Messages go to the local APICs of this VM only (vlapic_irq), under vm->lock: the lock
 * order is vm->lock, then a target's vlapic lock, never the other way (vmm/vlapic.c takes
 * no VM lock while holding its own). The page is MMIO: an access exits on EPT (the page is
 * not RAM: mem= is at most 1 GiB) and vmm/mmio.c decodes the instruction. A level pin's
 * remote IRR is cleared by the EOI of its vector on any vCPU (vlapic: the TMR bit set at
 * delivery) or by the EOI register. */
#include "vmm/vm.h"
#include "host/log.h"

#define IOAPIC_PIT_PIN	2

void vioapic_init(struct vm *vm)
{
	ioapic_init(&vm->pc.ioapic, vm->nvcpus);	/* the MADT's ID: after the CPUs' */
	vm->pc.ioapic_dropped = 0;
}

/* Caller holds vm->lock: each pin of fire sends its message. */
static void send(struct vm *vm, u32 fire)
{
	struct lapic_ipi m;
	bool level;

	for (unsigned pin = 0; fire; pin++, fire >>= 1) {
		if (!(fire & 1))
			continue;
		if (ioapic_message(&vm->pc.ioapic, pin, &m, &level))
			vlapic_irq(vm, &m, level);
		else
			vm->pc.ioapic_dropped++;	/* SMI, ExtINT, reserved: not sent */
	}
}

void virq_line(struct vm *vm, unsigned irq, bool level)
{
	pic_set_irq(&vm->pic, irq, level);
	send(vm, ioapic_set_irq(&vm->pc.ioapic, irq == 0 ? IOAPIC_PIT_PIN : irq, level));
}

bool vioapic_page(const struct vcpu *v, u64 gpa)
{
	(void)v;	/* one I/O APIC for all of the VM's vCPUs */
	return (gpa & ~0xFFFULL) == VIOAPIC_BASE;
}

void vioapic_mmio(struct vcpu *v, u64 gpa, bool write, u32 *val)
{
	struct vm *vm = v->vm;
	u32 off = (u32)(gpa & 0xFFF);

	u64 f = spin_lock_irqsave(&vm->lock);
	if (write)
		send(vm, ioapic_write(&vm->pc.ioapic, off, *val));
	else
		*val = ioapic_read(&vm->pc.ioapic, off);
	spin_unlock_irqrestore(&vm->lock, f);
}

void vioapic_eoi(struct vm *vm, u8 vector)
{
	u64 f = spin_lock_irqsave(&vm->lock);
	send(vm, ioapic_eoi(&vm->pc.ioapic, vector));
	spin_unlock_irqrestore(&vm->lock, f);
}
