/* vmm/inject.c: the one place that decides what enters the guest with the next VM entry
 * (SDM Vol. 3C 27.6, "Event Injection") and whether an interrupt-window exit is wanted.
 * Called before every entry (vmm/vcpu.c), in this order of precedence:
 *   1. An event an exit interrupted during its delivery was put back in the entry's
 *      interruption field by that exit's handler (inject_vectoring): it goes
 *      first, and nothing else can go with it (inject_can_interrupt is false).
 *   2. A debug step (the monitor's `step`) injects nothing: one instruction runs.
 *   3. An asynchronous-fault completion (apf/: apf_take_completion).
 *   4. A device interrupt: the VM's 8259 pair (dev/pic.c) is wired to vCPU 0 through its
 *      LAPIC's LINT0 when that is ExtINT and unmasked (a BIOS leaves it so), as the PIC's
 *      INT line is to the boot CPU of a PC; its highest request is acknowledged (INTA).
 *      The PIT's IRQ0 edge, when its time has passed, is given to the PIC first
 *      (vmm/pcdev.c: vpit_sync).
 *   5. The vCPU's local APIC (vmm/vlapic.c): an NMI IPI, then its highest vector above
 *      PPR, acknowledged (IRR -> ISR) as it goes in; the timer's expiry is given to the
 *      model first (vlapic_sync).
 * An interrupt that waits but cannot be taken now (RFLAGS.IF=0, an STI or MOV-SS shadow,
 * or another event already in this entry) asks for an interrupt-window exit; when nothing
 * waits the exit is switched off again.
 * It is also the one writer of the entry's interruption field: the exit handlers queue an
 * exception or give an interrupted event back through the functions below. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/cpu.h"

/* A hardware exception an exit handler raises for the guest: #GP(0) for a bad MSR or CR8
 * write, #UD for a VMX instruction, the #VE of the software path, a #DB a step owes. */
void inject_exception(struct vcpu *v, u8 vector, bool error, u32 code)
{
	(void)v;
	vmwrite(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_HW_EXC | (error ? INTR_ERROR_CODE : 0) |
		vector);
	if (error)
		vmwrite(ENTRY_EXCEPTION_ERROR, code);
}

/* Queues an event for the next entry from an exit's copy of it (info as the exit fields
 * encode it, error_field the VMCS field holding its error code). Bit 12 is the exit's own
 * "NMI unblocking" note, not part of the event; software interrupts and exceptions need
 * the instruction length (SDM Vol. 3C 26.6.1.1). */
void inject_event(struct vcpu *v, u32 info, u64 error_field)
{
	u32 type = (info >> 8) & 7;
	(void)v;
	vmwrite(ENTRY_INTR_INFO, info & ~(1u << 12));
	if (info & INTR_ERROR_CODE)
		vmwrite(ENTRY_EXCEPTION_ERROR, vmread(error_field));
	if (type == 4 || type == 5 || type == 6)	/* software interrupt / exceptions */
		vmwrite(ENTRY_INSTR_LEN, vmread(EXIT_INSTR_LEN));
}

/* An exit in the middle of delivering an event (e.g. an EPT violation while pushing an
 * interrupt frame) must deliver that event again once the cause is fixed (SDM Vol. 3C
 * "Information for VM Exits During Event Delivery"). */
void inject_vectoring(struct vcpu *v)
{
	u32 info = (u32)vmread(IDT_VECTORING_INFO);
	if (info & INTR_VALID)
		inject_event(v, info, IDT_VECTORING_ERROR);
}

/* An external interrupt can be injected now: RFLAGS.IF set, no STI or MOV-SS blocking
 * (else the entry fails, SDM Vol. 3C 27.3.1.5), and no other event queued for this entry. */
bool inject_can_interrupt(struct vcpu *v)
{
	(void)v;
	return (vmread(GUEST_RFLAGS) & RFLAGS_IF) && !(vmread(GUEST_INTERRUPTIBILITY) & 3) &&
	       !(vmread(ENTRY_INTR_INFO) & INTR_VALID);
}

/* A look without the lock first: this runs before every entry of vCPU 0, most guests never
 * use the PIC, and its lock would cost every exit. A request raised just after the look
 * kicks vCPU 0 (vmm/io.c), which then looks again. */
static bool pic_maybe(const struct vcpu *v)
{
	const struct pic *p = &v->vm->pic;
	return v->index == 0 && (__atomic_load_n(&p->chip[0].irr, __ATOMIC_RELAXED) |
				 __atomic_load_n(&p->chip[1].irr, __ATOMIC_RELAXED)) &&
	       vlapic_extint(v);	/* LINT0: ExtINT, unmasked */
}

/* The PIC's request: injected when the guest can take it; else true (a window is wanted). */
static bool pic_inject(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool open = inject_can_interrupt(v), waiting;
	u8 vector = 0;

	u64 flags = spin_lock_irqsave(&vm->lock);
	waiting = pic_pending(&vm->pic);
	if (waiting && open)
		vector = pic_ack(&vm->pic);	/* INTA: IRR -> ISR */
	spin_unlock_irqrestore(&vm->lock, flags);
	if (waiting && open)
		vmwrite(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_EXT | vector);
	return waiting && !open;
}

/* A completion: injected when the guest can take it; else true (a window is wanted). */
static bool completion_inject(struct vcpu *v)
{
	u8 vector;

	if (!apf_vcpu_pending(&v->apf))
		return false;
	if (!inject_can_interrupt(v))
		return true;
	if (apf_take_completion(v, &vector))
		vmwrite(ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_EXT | vector);
	return false;
}

/* Something waits: inject it or ask for the window. Out of line, so that the entry with
 * nothing waiting (nearly all of them) pays no more than a few loads. */
static __attribute__((noinline)) void inject_waiting(struct vcpu *v, u64 proc)
{
	u64 want = proc & ~(u64)PROC_INTR_WINDOW;
	bool window = completion_inject(v);

	if (pic_maybe(v))
		window |= pic_inject(v);
	if (vlapic_maybe(v))
		window |= vlapic_inject(v);
	if (window)
		want |= PROC_INTR_WINDOW;
	if (want != proc)
		vmwrite(PROC_CONTROLS, want);
}

void inject_before_entry(struct vcpu *v)
{
	if (v->dbg.stepping)
		return;
	if (apf_switch_due(&v->vm->apf, &v->apf))
		apf_before_entry(v);
	if (apf_vcpu_unconsumed(&v->apf))
		apf_poll_deadline(v);	/* polled mode: the vector only when overdue */
	if (vpit_due(v))
		vpit_sync(v->vm);	/* IRQ0's edge has passed: the PIC latches it */
	vlapic_sync(v);			/* the LAPIC timer's expiry, if it has passed */
	u64 proc = vmread(PROC_CONTROLS);
	if (apf_vcpu_pending(&v->apf) || pic_maybe(v) || vlapic_maybe(v))
		inject_waiting(v, proc);
	else if (proc & PROC_INTR_WINDOW)	/* nothing waits any more */
		vmwrite(PROC_CONTROLS, proc & ~(u64)PROC_INTR_WINDOW);
}

static bool pic_waiting(struct vcpu *v)
{
	struct vm *vm = v->vm;
	bool waiting;

	if (!pic_maybe(v))
		return false;
	u64 flags = spin_lock_irqsave(&vm->lock);
	waiting = pic_pending(&vm->pic);
	spin_unlock_irqrestore(&vm->lock, flags);
	return waiting;
}

bool inject_pending(struct vcpu *v)
{
	if (vpit_due(v))
		vpit_sync(v->vm);
	/* a completion, a device interrupt, the LAPIC's (an IPI, its timer, an INIT) */
	return apf_event_pending(v) || pic_waiting(v) || vlapic_pending(v);
}
