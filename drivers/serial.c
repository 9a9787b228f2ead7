/* drivers/serial.c: COM1, the hypervisor's only window to its user. Polled output: the console
 * must work from the first instruction of kmain, from exception handlers and with interrupts
 * off. Register layout: the 16550 data sheet (THR/RBR at +0, IER +1, FCR +2, LCR +3, MCR +4,
 * LSR +5; DLAB in LCR selects the divisor latch at +0/+1). */
#include "drivers/serial.h"
#include "host/cpu.h"

#define COM1		0x3F8
#define UART_CLOCK	115200
#define BAUD		115200
#define LSR_DR		0x01	/* receive data ready */
#define LSR_THRE	0x20	/* transmit holding register empty */
#define LSR_TEMT	0x40	/* transmitter completely empty */

void serial_init(void)
{
	u16 div = UART_CLOCK / BAUD;

	outb(COM1 + 1, 0x00);		/* no interrupts: we poll */
	outb(COM1 + 3, 0x80);		/* DLAB on */
	outb(COM1 + 0, div & 0xFF);
	outb(COM1 + 1, div >> 8);
	outb(COM1 + 3, 0x03);		/* 8 data bits, no parity, 1 stop bit; DLAB off */
	outb(COM1 + 2, 0xC7);		/* FIFOs on and cleared, 14-byte receive threshold */
	outb(COM1 + 4, 0x03);		/* DTR, RTS */
}

static void put_raw(char c)
{
	/* Bounded wait: with no UART present the line status reads 0xFF (THRE set), so this
	 * never spins forever; a real UART drains a byte in ~87 us at 115200. */
	for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1, (u8)c);
}

void serial_putc(char c)
{
	if (c == '\n')
		put_raw('\r');
	put_raw(c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

/* Input waits in a ring while the monitor is busy (a request to a vCPU can take two
 * seconds): the UART's own FIFO holds only 16 bytes. Only cpu0 reads COM1. */
#define RX_RING	256
static u8 rx_ring[RX_RING];
static unsigned rx_in, rx_out;

void serial_rx_pump(void)
{
	while ((inb(COM1 + 5) & LSR_DR) && rx_in - rx_out < RX_RING)
		rx_ring[rx_in++ % RX_RING] = inb(COM1);
}

int serial_getc(void)
{
	serial_rx_pump();
	if (rx_in == rx_out)
		return -1;
	return rx_ring[rx_out++ % RX_RING];
}

void serial_flush(void)
{
	/* Before leaving the machine: the last line must not die in the FIFO. */
	for (int i = 0; i < 1000000 && !(inb(COM1 + 5) & LSR_TEMT); i++)
		cpu_relax();
}
