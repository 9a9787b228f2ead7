/* vmm/io.c: port I/O exits (every port exits: PROC_IO_UNCOND). COM1 is a virtual 16550
 * whose output becomes hypervisor console lines prefixed with the VM's name; port 0xf4 is
 * the debug-exit device that stops the VM with the written status; any other port reads as
 * all ones and swallows writes, and is reported once per VM. Table-driven by port range. */
#include "vmm/vm.h"
#include "vmm/vmcs.h"
#include "boot/log.h"
#include "lib/string.h"

#define COM1		0x3F8
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_LCR_DLAB	0x80

struct port_range {
	u16 lo, hi;
	/* in: returns the value read; out: val is the value written */
	u32 (*io)(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
};

void vuart_flush(struct vm *vm)
{
	if (!vm->uart.len)
		return;
	pr_info("[%s] %.*s", vm->name, (int)vm->uart.len, vm->uart.line);
	vm->uart.len = 0;
}

void vuart_putc(struct vm *vm, char c)
{
	u64 flags = spin_lock_irqsave(&vm->lock);	/* several vCPUs may print at once */
	if (c == '\n') {
		vuart_flush(vm);
	} else if (c != '\r') {
		/* Control characters would let a guest forge hypervisor lines: show them. */
		vm->uart.line[vm->uart.len++] = (c >= 0x20 && c < 0x7F) ? c : '?';
		if (vm->uart.len == VUART_LINE)
			vuart_flush(vm);
	}
	spin_unlock_irqrestore(&vm->lock, flags);
}

/* The 16550 registers a guest driver touches (offsets from COM1; DLAB selects the divisor
 * latch at +0/+1). Transmit is instant, so LSR always says empty; there is no input yet. */
static u32 uart_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size)
{
	struct vuart *u = &v->vm->uart;
	bool dlab = u->lcr & UART_LCR_DLAB;
	(void)size;

	switch (port - COM1) {
	case 0:
		if (dlab)
			return in ? u->dll : (u->dll = (u8)val);
		if (!in)
			vuart_putc(v->vm, (char)val);
		return 0;
	case 1:
		if (dlab)
			return in ? u->dlm : (u->dlm = (u8)val);
		return in ? u->ier : (u->ier = (u8)val & 0x0F);
	case 2:
		if (!in)
			u->fcr = (u8)val;
		return in ? ((u->fcr & 1) ? 0xC1 : 0x01) : 0; /* IIR: no interrupt pending */
	case 3:
		return in ? u->lcr : (u->lcr = (u8)val);
	case 4:
		return in ? u->mcr : (u->mcr = (u8)val & 0x1F);
	case 5:
		return in ? UART_LSR_THRE | UART_LSR_TEMT : 0;
	case 6:
		return in ? 0xB0 : 0;	/* MSR: DCD, DSR, CTS */
	default:
		return in ? u->scr : (u->scr = (u8)val);
	}
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
	return 0xFFFFFFFF;
}

static const struct port_range ports[] = {
	{ COM1, COM1 + 7, uart_io },
	{ FL_DEBUG_EXIT_PORT, FL_DEBUG_EXIT_PORT + 3, debug_exit_io },
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
