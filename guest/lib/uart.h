/* guest/lib/uart.h: COM1 input and the PC's 8259 pair, for guests that read what the user types
 * (on faultline: the monitor's console switch, Ctrl-A then the VM's index). Output stays
 * rt_putc's (guest/lib/rt.h); reading does not disturb it: the receiver and the transmitter
 * share only LSR, and reading LSR clears nothing but OE.
 * Register names and bits are the PC16550D's and the 8259A's. */
#ifndef GUEST_UART_H
#define GUEST_UART_H
#include "lib/types.h"

#define COM1_IRQ	4		/* the PC wiring */
#define COM1_FIFO	16		/* the 16550A's receive FIFO */
#define COM1_LSR_DR	0x01		/* data ready */
#define COM1_LSR_OE	0x02		/* overrun: a byte was lost (cleared by reading LSR) */
#define PIC_MASTER_BASE	0x20		/* pic_init's vectors: IRQ0-7, then IRQ8-15 at +8 */

void com1_fifo_reset(void);		/* FIFOs on (16 bytes), receive FIFO emptied */
u8 com1_lsr(void);
bool com1_rx_ready(void);		/* LSR.DR */
u8 com1_rx(void);			/* RBR: the oldest byte received */
u8 com1_iir(void);
/* Received-data interrupts on IRQ4: IER.ERBFI, and MCR.OUT2 (which gates the UART's
 * interrupt onto the bus on a PC) with DTR and RTS; off: IER 0, MCR DTR|RTS. */
void com1_irq(bool on);

/* ICW1-4 on both chips: edge-triggered, cascaded on IRQ2, 8086 mode, normal EOI; vectors
 * PIC_MASTER_BASE.. and PIC_MASTER_BASE + 8... Leaves every IRQ masked. Call it with
 * interrupts off: ICW1 unmasks everything until the end. */
void pic_init(void);
void pic_mask(u16 mask);		/* OCW1: bit n set masks IRQ n */
u16 pic_get_mask(void);
void pic_eoi(unsigned irq);		/* non-specific EOI, to the slave too for IRQ8-15 */
u16 pic_isr(void);			/* OCW3: in-service registers, bit n = IRQ n */
u16 pic_irr(void);			/* requests latched */

#endif
