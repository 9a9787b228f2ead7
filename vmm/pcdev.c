/* vmm/pcdev.c: the PC devices a stock kernel expects besides COM1 and the 8259s, wired to a
 * VM: the 8254 PIT (dev/pit.c) with channel 0 on IRQ0, the CMOS RTC (dev/rtc.c), the 8042
 * (dev/kbc.c) with port 0x92, PCI configuration mechanism #1 with the PIIX3 reset register
 * (dev/pcicfg.c), the ACPI PM1a registers (dev/acpipm.c), QEMU's fw_cfg (dev/fwcfg.c: its
 * items are the firmware's, vmm/firmware.c), and port 0x80 (the I/O APIC and the ISA lines:
 * vmm/vioapic.c). The models are
 * pure; this file gives them their time (from the host TSC), takes vm->lock around them,
 * and turns what they ask for (an edge on IRQ0, a reset, a power-off) into the VM's events.
 *
 * IRQ0: the PIT says when channel 0's OUT next rises (pit_next_edge); that time, in host
 * TSC, is kept in vm->pc.irq0_tsc. vCPU 0 looks at it before each entry (inject.c:
 * inject_before_entry) and while halted (inject_pending), and vpit_sync gives the edge to
 * the PIC, which then interrupts vCPU 0 as it does for COM1. The VMX-preemption timer is
 * bounded by the edge (vpit_bound), so a guest that runs without exits still gets its tick
 * on time; a halted vCPU 0 waits for it polling (vcpu_awake: nothing else would wake it,
 * faultline programs no host timer). Edges that passed while none could be given (more
 * than one period late) are one interrupt, as a PIT's pulses are while IRR is still set. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/smp.h"
#include "host/tsc.h"

#define TIME0		946681200	/* 1999-12-31 23:00:00 UTC: tools/bochs.sh's time0 */
#define PIT_IRQ		0

/* Ticks of a clock of hz since the VM's creation: whole milliseconds first, so nothing
 * overflows for years of uptime. */
static u64 ticks(const struct vm *vm, u64 tsc, u64 hz)
{
	u64 t = tsc - vm->pc.clock_tsc, ms = t / tsc_khz, rem = t % tsc_khz;

	return (ms * hz + rem * hz / tsc_khz) / 1000;
}

void vpc_init(struct vm *vm)
{
	struct vpc *pc = &vm->pc;

	pc->clock_tsc = rdtsc();
	pit_init(&pc->pit);
	rtc_init(&pc->rtc, TIME0 + (s64)(time_us() / 1000000));
	kbc_init(&pc->kbc);
	pcicfg_init(&pc->pci);
	acpipm_init(&pc->pm);
	fwcfg_init(&pc->fw, vm->mem, (u16)vm->nvcpus, vm->cmdline);	/* fw_install resets it */
	vioapic_init(vm);
	pc->irq0_due = PIT_NEVER;
	pc->irq0_tsc = 0;
}

/* ---- the PIT and IRQ0 ---- */

/* Caller holds vm->lock. Gives IRQ0 its edge if it is due, and computes the next one. */
static void pit_sync_locked(struct vm *vm, u64 tsc)
{
	struct vpc *pc = &vm->pc;
	u64 now = ticks(vm, tsc, PIT_HZ), next, due_tsc = 0;

	if (pc->irq0_due != PIT_NEVER && now >= pc->irq0_due) {
		/* OUT rose: the 8259 latches the edge; the line is low again for the next. */
		virq_line(vm, PIT_IRQ, true);
		virq_line(vm, PIT_IRQ, false);
		pc->irq0_edges++;
	}
	next = pit_next_edge(&pc->pit, 0, now);
	if (next != PIT_NEVER) {
		/* Rounded up: at due_tsc the edge has passed, never just before it. */
		u64 d = ((next - now) * tsc_khz * 1000 + PIT_HZ - 1) / PIT_HZ + 1;
		due_tsc = tsc + d;
	}
	pc->irq0_due = next;
	__atomic_store_n(&pc->irq0_tsc, due_tsc, __ATOMIC_RELAXED);
}

void vpit_sync(struct vm *vm)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	pit_sync_locked(vm, rdtsc());
	spin_unlock_irqrestore(&vm->lock, flags);
}

bool vpit_due(const struct vcpu *v)
{
	u64 t = __atomic_load_n(&v->vm->pc.irq0_tsc, __ATOMIC_RELAXED);
	return v->index == 0 && t && rdtsc() >= t;
}

bool vpit_armed(const struct vcpu *v)
{
	return v->index == 0 && __atomic_load_n(&v->vm->pc.irq0_tsc, __ATOMIC_RELAXED);
}

u64 vpit_bound(const struct vcpu *v, u64 timer, unsigned shift)
{
	u64 t = __atomic_load_n(&v->vm->pc.irq0_tsc, __ATOMIC_RELAXED), now, left;

	if (v->index != 0 || !t)
		return timer;
	now = rdtsc();
	left = t > now ? (t - now) >> shift : 0;
	return MAX(MIN(left, timer), 1);
}

u32 vpc_pit_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	u32 r = 0;
	(void)size;	/* wider accesses act on the first port */

	u64 flags = spin_lock_irqsave(&vm->lock);
	u64 tsc = rdtsc(), now = ticks(vm, tsc, PIT_HZ);
	if (in)
		r = pit_read(&vm->pc.pit, port, now);
	else
		pit_write(&vm->pc.pit, port, (u8)val, now);
	if (!in && port != PIT_PORT_B)
		pit_sync_locked(vm, tsc);	/* channel 0 may have a new period */
	spin_unlock_irqrestore(&vm->lock, flags);
	/* vCPU 0 may be halted or in the guest with a timer set for the old period. */
	if (!in && port != PIT_PORT_B && v->index != 0)
		smp_kick(vm->vcpus[0].cpu);
	return r;
}

/* ---- the RTC ---- */

u32 vpc_rtc_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	u32 r = 0;
	(void)size;

	u64 flags = spin_lock_irqsave(&vm->lock);
	u64 us = tsc_to_us(rdtsc() - vm->pc.clock_tsc);
	if (in)
		r = rtc_read(&vm->pc.rtc, port, us);
	else
		rtc_write(&vm->pc.rtc, port, (u8)val, us);
	spin_unlock_irqrestore(&vm->lock, flags);
	return r;
}

/* ---- resets and power-off: the VM stops with a line; nothing is rebooted ---- */

/* An orderly request of the guest's: power-off is status 0, like a debug exit with status 0
 * (the VM passes); a reset is VM_STATUS_RESET (it does not). The line says which way it
 * went. */
static void stop_request(struct vm *vm, int status, const char *how)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	vuart_flush(vm);
	spin_unlock_irqrestore(&vm->lock, flags);
	pr_info("vm %s: %s", vm->name, how);
	vm_stop(vm, status, false, "%s", how);
}

static const char *const kbc_resets[] = {
	[KBC_RESET_CMD] = "reset through the i8042 (port 0x64 command 0xfe)",
	[KBC_RESET_OUTPORT] = "reset through the i8042 (output port bit 0 cleared, command 0xd1)",
	[KBC_RESET_PORT92] = "reset through port 0x92 (fast reset, bit 0)",
};

u32 vpc_kbc_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	enum kbc_event e = KBC_NONE;
	u32 r = 0;
	(void)size;

	u64 flags = spin_lock_irqsave(&vm->lock);
	if (in)
		r = kbc_read(&vm->pc.kbc, port);
	else
		e = kbc_write(&vm->pc.kbc, port, (u8)val);
	spin_unlock_irqrestore(&vm->lock, flags);
	if (e != KBC_NONE)
		stop_request(vm, VM_STATUS_RESET, kbc_resets[e]);
	return r;
}

u32 vpc_pci_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	bool reset = false;
	u32 r = 0;

	u64 flags = spin_lock_irqsave(&vm->lock);
	if (in)
		r = pcicfg_read(&vm->pc.pci, port, size);
	else
		reset = pcicfg_write(&vm->pc.pci, port, val, size);
	spin_unlock_irqrestore(&vm->lock, flags);
	if (reset)
		stop_request(vm, VM_STATUS_RESET,
			     "reset through the PIIX reset control register (port 0xcf9)");
	return r;
}

u32 vpc_pm_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	enum acpipm_event e = ACPIPM_NONE;
	unsigned typ = 0;
	bool tell = false;
	u32 r = 0;

	u64 flags = spin_lock_irqsave(&vm->lock);
	if (in) {
		r = acpipm_read(&vm->pc.pm, port, size, ticks(vm, rdtsc(), ACPIPM_TMR_HZ));
	} else {
		e = acpipm_write(&vm->pc.pm, port, val, size, &typ);
		tell = e == ACPIPM_SLEEP && !vm->pc.sleep_reported;
		vm->pc.sleep_reported |= tell;
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	if (e == ACPIPM_POWEROFF)
		stop_request(vm, 0, "powered off (ACPI PM1a SLP_EN, S5)");
	if (tell)
		pr_warn("vm %s: ACPI sleep with SLP_TYP=%u asked for: only S5 (SLP_TYP=%u) is "
			"offered; ignored, reported once", vm->name, typ, ACPIPM_S5);
	return r;
}

/* QEMU's fw_cfg: the guest's selector and offset stay inside the model (dev/fwcfg.c). */
u32 vpc_fwcfg_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	u32 r = 0;

	u64 flags = spin_lock_irqsave(&vm->lock);
	if (in)
		r = fwcfg_read(&vm->pc.fw, port, size);
	else
		fwcfg_write(&vm->pc.fw, port, val, size);
	spin_unlock_irqrestore(&vm->lock, flags);
	return r;
}

/* Port 0x80: the POST-code port a PC's BIOS shows on a diagnostic card, which Linux writes
 * as an I/O delay (outb_p). Nothing answers on a real PC either: writes vanish, reads see a
 * floating bus. It is not "unemulated": that is all there is to it. */
u32 vpc_post_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	(void)v, (void)port, (void)in, (void)val, (void)size;
	return 0xFFFFFFFF;
}
