/* dev/uart.c: the 16550A register model behind a VM's COM1 (see dev/uart.h): the receive
 * FIFO, the line status, the interrupt identification and its priorities. The rules are the
 * PC16550D datasheet's ("the datasheet" below); what is left out is said where it would be.
 * Not modelled: the character timeout interrupt and the FIFO trigger levels (received data
 * raises its interrupt at the first byte, as with a trigger level of 1), parity, framing
 * and break errors (no real line), modem-status changes (the lines never move). */
#include "dev/uart.h"

/* Outputs the datasheet forces inactive in loopback (MCR bit 4) are ours too: the OUT2
 * pin, so no interrupt reaches the PIC, and the transmitter, whose bytes come back in. */
static bool loopback(const struct uart *u)
{
	return u->mcr & UART_MCR_LOOP;
}

static void rx_clear(struct uart *u)
{
	u->head = u->count = 0;
}

/* The highest-priority pending source the guest enabled in IER (datasheet table IV:
 * line status > received data > THR empty > modem status). */
static u8 iir_id(const struct uart *u)
{
	if ((u->ier & UART_IER_ELSI) && u->overrun)
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_ERBFI) && u->count)
		return UART_IIR_RDA;
	if ((u->ier & UART_IER_ETBEI) && u->thre)
		return UART_IIR_THRE;
	return UART_IIR_NONE;
}

bool uart_irq(const struct uart *u)
{
	return (u->mcr & UART_MCR_OUT2) && !loopback(u) && iir_id(u) != UART_IIR_NONE;
}

bool uart_receive(struct uart *u, u8 c)
{
	unsigned cap = u->fifo ? UART_FIFO : 1;

	if (u->count < cap) {
		u->rx[(u->head + u->count++) % UART_FIFO] = c;
		return true;
	}
	u->overrun = true;
	/* FIFO mode: the byte in the shift register is lost, the FIFO kept. 16450 mode: the
	 * new byte goes into RBR over the unread one ("destroying the previous character"). */
	if (!u->fifo)
		u->rx[u->head] = c;
	return false;
}

/* ---- reads (DLAB clear) ---- */

static u8 rd_rbr(struct uart *u)
{
	u8 c;

	if (!u->count)
		return 0;	/* nothing received: the datasheet leaves it undefined */
	c = u->rx[u->head];
	u->head = (u->head + 1) % UART_FIFO;
	u->count--;
	return c;
}

static u8 rd_ier(struct uart *u)
{
	return u->ier;
}

/* Reading IIR when THR empty is the source reported clears that source (datasheet
 * table IV, "reading the IIR (if source of interrupt)"); the others clear elsewhere. */
static u8 rd_iir(struct uart *u)
{
	u8 id = iir_id(u);

	if (id == UART_IIR_THRE)
		u->thre = false;
	return id | (u->fifo ? UART_IIR_FIFO : 0);
}

static u8 rd_lcr(struct uart *u)
{
	return u->lcr;
}

static u8 rd_mcr(struct uart *u)
{
	return u->mcr;
}

/* Reading LSR clears OE (and with it the line-status interrupt). */
static u8 rd_lsr(struct uart *u)
{
	u8 lsr = UART_LSR_THRE | UART_LSR_TEMT;

	if (u->count)
		lsr |= UART_LSR_DR;
	if (u->overrun)
		lsr |= UART_LSR_OE;
	u->overrun = false;
	return lsr;
}

/* DCD, DSR and CTS asserted, as by a connected terminal. In loopback the datasheet wires
 * DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD (deltas are not modelled). */
static u8 rd_msr(struct uart *u)
{
	u8 m = u->mcr;

	if (!loopback(u))
		return 0xB0;
	return (m & UART_MCR_DTR) << 5 | (m & UART_MCR_RTS) << 3 | (m & UART_MCR_OUT1) << 4 |
	       (m & UART_MCR_OUT2) << 4;
}

static u8 rd_scr(struct uart *u)
{
	return u->scr;
}

static u8 (*const rd[8])(struct uart *) = {
	rd_rbr, rd_ier, rd_iir, rd_lcr, rd_mcr, rd_lsr, rd_msr, rd_scr,
};

/* ---- writes (DLAB clear) ---- */

/* The byte leaves at once, so THR is empty again: the THR-empty interrupt re-arms. */
static int wr_thr(struct uart *u, u8 v)
{
	u->thre = true;
	if (loopback(u)) {
		uart_receive(u, v);
		return UART_NO_TX;
	}
	return v;
}

/* Enabling ETBEI while THR is empty (it always is) raises the THR-empty interrupt at once;
 * a guest driver relies on that to start transmitting. */
static int wr_ier(struct uart *u, u8 v)
{
	v &= 0x0F;
	if ((v & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
		u->thre = true;
	u->ier = v;
	return UART_NO_TX;
}

/* FCR: bit 0 switches the FIFOs; changing it clears them (datasheet, FCR bit 0). The other
 * bits count only with bit 0 set in the same write; bit 1 clears the receive FIFO, bit 2
 * the (always empty) transmit one, bits 6-7 (trigger level) are not modelled. */
static int wr_fcr(struct uart *u, u8 v)
{
	bool on = v & UART_FCR_ENABLE;

	if (on != u->fifo)
		rx_clear(u);
	u->fifo = on;
	if (on && (v & UART_FCR_CLR_RX))
		rx_clear(u);
	return UART_NO_TX;
}

static int wr_lcr(struct uart *u, u8 v)
{
	u->lcr = v;
	return UART_NO_TX;
}

static int wr_mcr(struct uart *u, u8 v)
{
	u->mcr = v & 0x1F;
	return UART_NO_TX;
}

static int wr_none(struct uart *u, u8 v)
{
	(void)u, (void)v;	/* LSR and MSR: writes are for factory test only */
	return UART_NO_TX;
}

static int wr_scr(struct uart *u, u8 v)
{
	u->scr = v;
	return UART_NO_TX;
}

static int (*const wr[8])(struct uart *, u8) = {
	wr_thr, wr_ier, wr_fcr, wr_lcr, wr_mcr, wr_none, wr_none, wr_scr,
};

u8 uart_read(struct uart *u, unsigned reg)
{
	reg &= 7;
	if ((u->lcr & UART_LCR_DLAB) && reg <= UART_IER)
		return reg == UART_RBR ? u->dll : u->dlm;
	return rd[reg](u);
}

int uart_write(struct uart *u, unsigned reg, u8 val)
{
	reg &= 7;
	if ((u->lcr & UART_LCR_DLAB) && reg <= UART_IER) {
		*(reg == UART_RBR ? &u->dll : &u->dlm) = val;
		return UART_NO_TX;
	}
	return wr[reg](u, val);
}
