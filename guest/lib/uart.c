/* guest/lib/uart.c: COM1's receiver and the 8259 pair for the guests (see guest/lib/uart.h).
 * Plain port I/O, no state: a guest brings its own buffering and handler. */
#include "guest/lib/rt.h"
#include "guest/lib/uart.h"

#define RBR	0		/* offsets from COM1 */
#define IER	1
#define IIR	2		/* read; FCR when written */
#define MCR	4
#define LSR	5
#define FCR_ENABLE	0x01
#define FCR_CLR_RX	0x02
#define FCR_CLR_TX	0x04
#define IER_ERBFI	0x01
#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT2	0x08

#define PIC1		0x20	/* command; data (IMR) at +1 */
#define PIC2		0xA0
#define ICW1_INIT	0x11	/* ICW1, edge, cascade, ICW4 follows */
#define ICW4_8086	0x01
#define OCW2_EOI	0x20	/* non-specific EOI */
#define OCW3_IRR	0x0A
#define OCW3_ISR	0x0B

void com1_fifo_reset(void)
{
	outb(RT_COM1 + IIR, FCR_ENABLE | FCR_CLR_RX | FCR_CLR_TX);
}

u8 com1_lsr(void)
{
	return inb(RT_COM1 + LSR);
}

bool com1_rx_ready(void)
{
	return com1_lsr() & COM1_LSR_DR;
}

u8 com1_rx(void)
{
	return inb(RT_COM1 + RBR);
}

u8 com1_iir(void)
{
	return inb(RT_COM1 + IIR);
}

void com1_irq(bool on)
{
	outb(RT_COM1 + IER, on ? IER_ERBFI : 0);
	outb(RT_COM1 + MCR, MCR_DTR | MCR_RTS | (on ? MCR_OUT2 : 0));
}

/* The order is the 8259A's: ICW1 on the command port, then ICW2 (vector base), ICW3 (the
 * master: slaves on IRQ2; the slave: its id 2), ICW4 on the data port. */
void pic_init(void)
{
	outb(PIC1, ICW1_INIT);
	outb(PIC1 + 1, PIC_MASTER_BASE);
	outb(PIC1 + 1, 1u << 2);
	outb(PIC1 + 1, ICW4_8086);
	outb(PIC2, ICW1_INIT);
	outb(PIC2 + 1, PIC_MASTER_BASE + 8);
	outb(PIC2 + 1, 2);
	outb(PIC2 + 1, ICW4_8086);
	pic_mask(0xFFFF);
}

void pic_mask(u16 mask)
{
	outb(PIC1 + 1, (u8)mask);
	outb(PIC2 + 1, (u8)(mask >> 8));
}

u16 pic_get_mask(void)
{
	return inb(PIC1 + 1) | (u16)inb(PIC2 + 1) << 8;
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC2, OCW2_EOI);
	outb(PIC1, OCW2_EOI);
}

static u16 pic_read(u8 ocw3)
{
	outb(PIC1, ocw3);
	outb(PIC2, ocw3);
	return inb(PIC1) | (u16)inb(PIC2) << 8;
}

u16 pic_isr(void)
{
	return pic_read(OCW3_ISR);
}

u16 pic_irr(void)
{
	return pic_read(OCW3_IRR);
}
