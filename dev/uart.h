/* dev/uart.h: a 16550A UART as a guest sees it through its eight I/O ports: pure register
 * logic (no VMX, no locks, no output), so the host unit tests run the same code. The caller
 * (vmm/io.c) holds the VM's lock around every call, sends what uart_write returns to the
 * console, and wires uart_irq to the PIC's IRQ4.
 *
 * An all-zero struct uart is the state after a hardware reset. Register numbers are offsets
 * from the base port (COM1 = 0x3F8); LCR.DLAB turns offsets 0 and 1 into the divisor latch.
 * Transmit is instant: THR and the transmitter are always empty (LSR.THRE, LSR.TEMT). */
#ifndef DEV_UART_H
#define DEV_UART_H
#include "lib/types.h"

/* Offsets from the base port (PC16550D datasheet, table II). */
enum {
	UART_RBR = 0,		/* read: receive buffer; write: THR; DLAB: DLL */
	UART_IER = 1,		/* DLAB: DLM */
	UART_IIR = 2,		/* read: IIR; write: FCR */
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define UART_IER_ERBFI	0x01	/* received data available */
#define UART_IER_ETBEI	0x02	/* transmitter holding register empty */
#define UART_IER_ELSI	0x04	/* receiver line status */
#define UART_IER_EDSSI	0x08	/* modem status (never raised: the modem lines never change) */

#define UART_IIR_NONE	0x01	/* bit 0 set: no interrupt pending */
#define UART_IIR_THRE	0x02
#define UART_IIR_RDA	0x04
#define UART_IIR_RLS	0x06
#define UART_IIR_FIFO	0xC0	/* bits 6-7: FIFOs enabled */

#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLR_RX	0x02

#define UART_LCR_DLAB	0x80

#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08	/* on a PC, gates the UART's interrupt onto IRQ4 */
#define UART_MCR_LOOP	0x10

#define UART_LSR_DR	0x01
#define UART_LSR_OE	0x02
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40

#define UART_FIFO	16	/* the 16550A's receive FIFO */
#define UART_NO_TX	(-1)	/* uart_write: nothing was transmitted */

struct uart {
	u8 rx[UART_FIFO];	/* received bytes, oldest at head */
	u8 head, count;
	u8 ier, lcr, mcr, scr, dll, dlm;
	bool fifo;		/* FCR bit 0: 16-byte FIFO; else one holding register */
	bool overrun;		/* LSR.OE: a byte was lost; until LSR is read */
	bool thre;		/* the THR-empty interrupt is armed */
};

/* A guest read of register reg (0-7); reading RBR pops, IIR and LSR clear what they report. */
u8 uart_read(struct uart *u, unsigned reg);
/* A guest write; returns the transmitted byte (THR outside loopback) or UART_NO_TX. */
int uart_write(struct uart *u, unsigned reg, u8 val);
/* A byte arrives on the serial line. False: the receiver was full and a byte was lost. */
bool uart_receive(struct uart *u, u8 c);
/* The level of the UART's interrupt output as the PIC sees it (gated by MCR.OUT2). */
bool uart_irq(const struct uart *u);

#endif
