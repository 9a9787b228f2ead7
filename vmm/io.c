/* vmm/io.c: port I/O exits (every port exits: PROC_IO_UNCOND). COM1 is a 16550 (register
 * model in dev/uart.c) whose output becomes hypervisor console lines prefixed with the VM's
 * name and whose input is what the monitor's console switch types to the VM (vuart_input),
 * its interrupt on IRQ4 of the 8259 pair at 0x20/0xA0 (model in dev/pic.c, injection in
 * vmm/inject.c); the rest of a PC's devices are in vmm/pcdev.c (the table below lists their
 * ports); port 0xf4 is the debug-exit device that stops the VM with the written status;
 * any other port reads as all ones and swallows writes, is reported once per VM and
 * counted (vmm/unemul.c: the summary's "unemulated" line, the monitor's `unemulated`).
 * Table-driven by port range. The device models are touched by the vCPUs and by cpu0's
 * monitor: always under vm->lock. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "host/log.h"
#include "host/smp.h"
#include "lib/string.h"

#define COM1		0x3F8
#define COM1_IRQ	4

struct port_range {
	u16 lo, hi;
	/* in: returns the value read; out: val is the value written */
	u32 (*io)(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
};

/* Caller holds vm->lock. */
void vuart_flush(struct vm *vm)
{
	if (!vm->uart.len)
		return;
	pr_info("[%s] %.*s", vm->name, (int)vm->uart.len, vm->uart.line);
	vm->uart.len = 0;
}

/* One transmitted byte into the console line; caller holds vm->lock (several vCPUs may
 * print at once). */
static void line_putc(struct vm *vm, char c)
{
	if (c == '\n') {
		vuart_flush(vm);
	} else if (c != '\r') {
		/* Control characters would let a guest forge hypervisor lines: show them. */
		vm->uart.line[vm->uart.len++] = (c >= 0x20 && c < 0x7F) ? c : '?';
		if (vm->uart.len == VUART_LINE)
			vuart_flush(vm);
	}
}

void vuart_putc(struct vm *vm, char c)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	line_putc(vm, c);
	spin_unlock_irqrestore(&vm->lock, flags);
}

/* The UART's interrupt output drives IRQ4 (the PC wiring); the PIC latches its rising edge.
 * True when the PIC now has an interrupt for vCPU 0. Caller holds vm->lock. */
static bool com1_irq(struct vm *vm)
{
	virq_line(vm, COM1_IRQ, uart_irq(&vm->uart.regs));
	return pic_pending(&vm->pic);
}

/* An access by another vCPU that gave vCPU 0 an interrupt wakes it: vCPU 0 may be halted,
 * or running without exits. vCPU 0 itself looks before its next entry (inject_before_entry). */
static void irq_wake(struct vcpu *v, bool before, bool after)
{
	if (after && !before && v->index != 0)
		smp_kick(v->vm->vcpus[0].cpu);
}

/* Runs on cpu0 (the monitor) while the VM's vCPUs run elsewhere. A byte the receiver has
 * no room for is lost and the guest sees LSR.OE, as with a real line. */
void vuart_input(struct vm *vm, u8 c)
{
	u64 flags = spin_lock_irqsave(&vm->lock);
	uart_receive(&vm->uart.regs, c);
	bool pending = com1_irq(vm);
	spin_unlock_irqrestore(&vm->lock, flags);
	if (pending)	/* out of the guest or out of HLT: inject_before_entry injects it */
		smp_kick(vm->vcpus[0].cpu);
}

static u32 uart_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	int tx = UART_NO_TX;
	u32 r = 0;
	(void)size;	/* wider accesses act on the first port's register only */

	u64 flags = spin_lock_irqsave(&vm->lock);
	bool before = pic_pending(&vm->pic);
	if (in)
		r = uart_read(&vm->uart.regs, port - COM1);
	else
		tx = uart_write(&vm->uart.regs, port - COM1, (u8)val);
	if (tx != UART_NO_TX)
		line_putc(vm, (char)tx);
	bool after = com1_irq(vm);
	spin_unlock_irqrestore(&vm->lock, flags);
	irq_wake(v, before, after);
	return r;
}

/* A write may unmask, end or re-initialize: what is pending changes. */
static u32 pic_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	u32 r = 0;
	(void)size;

	u64 flags = spin_lock_irqsave(&vm->lock);
	bool before = pic_pending(&vm->pic);
	if (in)
		r = pic_read(&vm->pic, port);
	else
		pic_write(&vm->pic, port, (u8)val);
	bool after = pic_pending(&vm->pic);
	spin_unlock_irqrestore(&vm->lock, flags);
	irq_wake(v, before, after);
	return r;
}

static u32 debug_exit_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	(void)port;
	(void)size;
	if (in)
		return 0xFFFFFFFF;
	u64 flags = spin_lock_irqsave(&v->vm->lock);
	vuart_flush(v->vm);
	spin_unlock_irqrestore(&v->vm->lock, flags);
	u8 status = (u8)val;
	vm_stop(v->vm, status, status != 0, "debug exit: the guest wrote status %u to port 0xf4",
		status);
	return 0;
}

static u32 unknown_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vm *vm = v->vm;
	u64 bit = 1ULL << (port % 64);
	if (!(vm->ports_reported[port / 64] & bit)) {
		vm->ports_reported[port / 64] |= bit;
		pr_warn("vm %s: %s of %u byte(s) at unhandled port 0x%x (rip=0x%llx): %s; "
			"reported once", vm->name, in ? "read" : "write", size, port,
			(unsigned long long)vmread(GUEST_RIP),
			in ? "reads as all ones" : "dropped");
	}
	(void)val;
	unemul_note(vm, &vm->un_ports, port);
	return 0xFFFFFFFF;
}

/* The PC's port map (IBM PC AT Technical Reference; Intel PIIX3 datasheet for 0x61, 0x92
 * and 0xCF9; QEMU's docs/specs/fw_cfg.rst for 0x510). Accesses wider than a byte to a
 * byte-wide device act on its first port. */
static const struct port_range ports[] = {
	{ PIC_MASTER, PIC_MASTER + 1, pic_io },
	{ PIT_BASE, PIT_BASE + 3, vpc_pit_io },		/* 8254 */
	{ KBC_DATA, KBC_DATA, vpc_kbc_io },		/* 8042 data */
	{ PIT_PORT_B, PIT_PORT_B, vpc_pit_io },		/* port B: GATE2, OUT2 */
	{ KBC_CMD, KBC_CMD, vpc_kbc_io },		/* 8042 status and command */
	{ RTC_INDEX, RTC_DATA, vpc_rtc_io },		/* MC146818 */
	/* POST codes and Linux's I/O delay (outb_p): a real PC has nothing there either */
	{ 0x80, 0x80, vpc_post_io },
	{ KBC_PORT_A, KBC_PORT_A, vpc_kbc_io },		/* fast A20 and reset */
	{ PIC_SLAVE, PIC_SLAVE + 1, pic_io },
	{ FL_DEBUG_EXIT_PORT, FL_DEBUG_EXIT_PORT + 3, debug_exit_io },
	{ COM1, COM1 + 7, uart_io },
	{ PIC_ELCR, PIC_ELCR + 1, pic_io },		/* PIIX ELCR: edge/level per IRQ */
	{ FWCFG_SEL, FWCFG_DATA, vpc_fwcfg_io },	/* QEMU's fw_cfg: selector, data */
	{ ACPIPM_BASE, ACPIPM_END, vpc_pm_io },		/* PM1a event, control; PM timer */
	{ PCICFG_ADDR, PCICFG_DATA + 3, vpc_pci_io },	/* mechanism #1; 0xCF9 reset */
};

void exit_io(struct vcpu *v)
{
	struct io_qual q = io_qual_decode(vmread(EXIT_QUALIFICATION));
	u32 (*io)(struct vcpu *, u16, bool, u32, unsigned) = unknown_io;
	u32 mask = q.size == 4 ? 0xFFFFFFFF : (1u << (q.size * 8)) - 1;

	vcpu_skip_instruction(v);
	if (q.string) {
		/* INS/OUTS would need guest linear-address translation; no guest of ours uses
		 * them. Reported like an unknown port; the instruction is skipped. */
		unknown_io(v, q.port, q.in, 0, q.size);
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(ports); i++)
		if (q.port >= ports[i].lo && q.port <= ports[i].hi)
			io = ports[i].io;
	if (q.in) {
		u32 val = io(v, q.port, true, 0, q.size) & mask;
		if (q.size == 4)
			v->regs.rax = val;	/* a 32-bit destination zero-extends into RAX */
		else
			v->regs.rax = (v->regs.rax & ~(u64)mask) | val;
	} else {
		io(v, q.port, false, (u32)v->regs.rax & mask, q.size);
	}
}
