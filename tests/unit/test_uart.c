/* tests/unit/test_uart.c: host tests of dev/uart.c, the 16550A model behind a VM's COM1.
 *
 * The receive FIFO (order, capacity 16, one byte without FIFOs, FCR clearing), overrun
 * (OE set, the right byte lost, OE cleared by reading LSR), the interrupt identification
 * (priorities, what clears each source), the OUT2 gate on the interrupt output, the divisor
 * latch, loopback, and the transmit path. */
#include "tests/unit/check.h"
#include "dev/uart.h"

static void fifo_on(struct uart *u)
{
	memset(u, 0, sizeof(*u));
	CHECK_EQ(uart_write(u, UART_IIR, UART_FCR_ENABLE | UART_FCR_CLR_RX), UART_NO_TX);
}

static void rx_str(struct uart *u, const char *s)
{
	while (*s)
		uart_receive(u, (u8)*s++);
}

TEST(reset_state)
{
	struct uart u;

	memset(&u, 0, sizeof(u));
	CHECK_EQ(uart_read(&u, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_NONE);
	CHECK_EQ(uart_read(&u, UART_IER), 0);
	CHECK_EQ(uart_read(&u, UART_MSR), 0xB0);	/* DCD, DSR, CTS */
	CHECK_EQ(uart_read(&u, UART_RBR), 0);		/* nothing received */
	CHECK(!uart_irq(&u));
}

TEST(fifo_order)
{
	struct uart u;
	const char *s = "hello, world!";

	fifo_on(&u);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	rx_str(&u, s);
	for (unsigned i = 0; s[i]; i++) {
		CHECK_EQ(uart_read(&u, UART_LSR) & UART_LSR_DR, UART_LSR_DR);
		CHECK_EQ(uart_read(&u, UART_RBR), (u8)s[i]);
	}
	CHECK_EQ(uart_read(&u, UART_LSR) & UART_LSR_DR, 0);
	/* Around the ring more than once: order kept across the wrap. */
	for (unsigned lap = 0; lap < 5; lap++) {
		for (unsigned i = 0; i < 11; i++)
			CHECK(uart_receive(&u, (u8)(lap * 16 + i)));
		for (unsigned i = 0; i < 11; i++)
			CHECK_EQ(uart_read(&u, UART_RBR), lap * 16 + i);
	}
}

TEST(fifo_overrun_drops_new)
{
	struct uart u;

	fifo_on(&u);
	for (unsigned i = 0; i < UART_FIFO; i++)
		CHECK(uart_receive(&u, (u8)('a' + i)));
	CHECK_EQ(uart_read(&u, UART_LSR), UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	CHECK(!uart_receive(&u, 'X'));			/* full: lost */
	CHECK(!uart_receive(&u, 'Y'));
	CHECK_EQ(uart_read(&u, UART_LSR),
		 UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	CHECK_EQ(uart_read(&u, UART_LSR) & UART_LSR_OE, 0);	/* cleared by the read */
	for (unsigned i = 0; i < UART_FIFO; i++)
		CHECK_EQ(uart_read(&u, UART_RBR), 'a' + i);	/* the first 16 kept */
	CHECK_EQ(uart_read(&u, UART_LSR) & UART_LSR_DR, 0);
	CHECK(uart_receive(&u, 'Z'));			/* room again */
	CHECK_EQ(uart_read(&u, UART_RBR), 'Z');
}

/* Without FIFOs: one holding register; an unread byte is overwritten by the next. */
TEST(no_fifo_one_byte)
{
	struct uart u;

	memset(&u, 0, sizeof(u));
	CHECK(uart_receive(&u, 'a'));
	CHECK_EQ(uart_read(&u, UART_LSR) & UART_LSR_OE, 0);
	CHECK(!uart_receive(&u, 'b'));
	CHECK_EQ(uart_read(&u, UART_LSR) & (UART_LSR_OE | UART_LSR_DR),
		 UART_LSR_OE | UART_LSR_DR);
	CHECK_EQ(uart_read(&u, UART_RBR), 'b');
	CHECK_EQ(uart_read(&u, UART_LSR) & (UART_LSR_OE | UART_LSR_DR), 0);
}

TEST(fcr_clears)
{
	struct uart u;

	fifo_on(&u);
	rx_str(&u, "abc");
	uart_write(&u, UART_IIR, UART_FCR_CLR_RX);	/* bit 0 clear: FIFOs off, cleared */
	CHECK_EQ(uart_read(&u, UART_LSR) & UART_LSR_DR, 0);
	CHECK_EQ(uart_read(&u, UART_IIR) & UART_IIR_FIFO, 0);
	uart_write(&u, UART_IIR, UART_FCR_ENABLE);	/* switching mode clears too */
	rx_str(&u, "abc");
	uart_write(&u, UART_IIR, UART_FCR_ENABLE);	/* no clear bit, same mode: kept */
	CHECK_EQ(uart_read(&u, UART_RBR), 'a');
	uart_write(&u, UART_IIR, UART_FCR_ENABLE | UART_FCR_CLR_RX);
	CHECK_EQ(uart_read(&u, UART_LSR) & UART_LSR_DR, 0);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
}

TEST(iir_priority)
{
	struct uart u;

	fifo_on(&u);
	uart_write(&u, UART_IER, UART_IER_ERBFI | UART_IER_ETBEI | UART_IER_ELSI);
	/* THR empty is armed (ETBEI just enabled) all along, but reported last. */
	for (unsigned i = 0; i <= UART_FIFO; i++)
		uart_receive(&u, 'x');			/* 16 kept, one lost: OE */
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RLS);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RLS);	/* IIR keeps it */
	uart_read(&u, UART_LSR);			/* LSR does */
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RDA);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RDA);	/* this too */
	for (unsigned i = 0; i < UART_FIFO; i++)
		uart_read(&u, UART_RBR);		/* emptying the FIFO does */
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_THRE);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);	/* read: gone */
}

/* Sources the guest did not enable are never reported, but stay true. */
TEST(iir_needs_ier)
{
	struct uart u;

	fifo_on(&u);
	uart_receive(&u, 'a');
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	uart_write(&u, UART_IER, UART_IER_ERBFI);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RDA);
	uart_write(&u, UART_IER, 0);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_NONE);
	CHECK_EQ(uart_read(&u, UART_RBR), 'a');
}

TEST(thre_rules)
{
	struct uart u;

	memset(&u, 0, sizeof(u));
	CHECK_EQ(uart_write(&u, UART_RBR, 'q'), 'q');	/* a THR write transmits */
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_NONE);	/* ETBEI off */
	uart_write(&u, UART_IER, UART_IER_ETBEI);	/* enabling with THR empty raises it */
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_THRE);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_NONE);
	uart_write(&u, UART_IER, UART_IER_ETBEI);	/* already on: no new edge */
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_NONE);
	CHECK_EQ(uart_write(&u, UART_RBR, 'r'), 'r');	/* re-armed: empty again at once */
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_THRE);
	/* With data waiting, RDA is reported and reading IIR leaves THRE armed. */
	uart_write(&u, UART_IER, UART_IER_ETBEI | UART_IER_ERBFI);
	uart_write(&u, UART_RBR, 's');
	uart_receive(&u, 'a');
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_RDA);
	CHECK_EQ(uart_read(&u, UART_RBR), 'a');
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_THRE);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_NONE);
	/* Turning ETBEI off and on again raises it again. */
	uart_write(&u, UART_IER, 0);
	uart_write(&u, UART_IER, UART_IER_ETBEI);
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_THRE);
}

TEST(out2_gates_irq)
{
	struct uart u;

	fifo_on(&u);
	uart_write(&u, UART_IER, UART_IER_ERBFI);
	uart_receive(&u, 'a');
	CHECK(!uart_irq(&u));				/* pending, but OUT2 is low */
	uart_write(&u, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	CHECK(!uart_irq(&u));
	uart_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
	CHECK(uart_irq(&u));
	uart_read(&u, UART_RBR);
	CHECK(!uart_irq(&u));				/* the source went away */
	uart_receive(&u, 'b');
	CHECK(uart_irq(&u));
	uart_write(&u, UART_IER, 0);
	CHECK(!uart_irq(&u));				/* disabled in IER */
	uart_write(&u, UART_IER, UART_IER_ERBFI);
	CHECK(uart_irq(&u));
	uart_write(&u, UART_MCR, 0);
	CHECK(!uart_irq(&u));
}

TEST(dlab)
{
	struct uart u;

	memset(&u, 0, sizeof(u));
	uart_write(&u, UART_IER, UART_IER_ERBFI);
	uart_write(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	CHECK_EQ(uart_write(&u, UART_RBR, 0x01), UART_NO_TX);	/* DLL, not THR */
	uart_write(&u, UART_IER, 0x00);				/* DLM, not IER */
	CHECK_EQ(uart_read(&u, UART_RBR), 0x01);
	CHECK_EQ(uart_read(&u, UART_IER), 0x00);
	uart_receive(&u, 'a');
	CHECK_EQ(uart_read(&u, UART_RBR), 0x01);		/* does not pop */
	uart_write(&u, UART_LCR, 0x03);
	CHECK_EQ(uart_read(&u, UART_LCR), 0x03);
	CHECK_EQ(uart_read(&u, UART_IER), UART_IER_ERBFI);	/* kept */
	CHECK_EQ(uart_read(&u, UART_RBR), 'a');
	uart_write(&u, UART_SCR, 0x5A);
	CHECK_EQ(uart_read(&u, UART_SCR), 0x5A);
	uart_write(&u, UART_IER, 0xFF);
	CHECK_EQ(uart_read(&u, UART_IER), 0x0F);		/* bits 4-7 are always 0 */
}

TEST(loopback)
{
	struct uart u;

	fifo_on(&u);
	uart_write(&u, UART_IER, UART_IER_ERBFI);
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	CHECK_EQ(uart_read(&u, UART_MSR), 0x90);	/* RTS->CTS, OUT2->DCD */
	CHECK_EQ(uart_write(&u, UART_RBR, 'L'), UART_NO_TX);	/* not transmitted ... */
	CHECK_EQ(uart_read(&u, UART_IIR), UART_IIR_FIFO | UART_IIR_RDA);
	CHECK(!uart_irq(&u));				/* ... and no interrupt outside */
	CHECK_EQ(uart_read(&u, UART_RBR), 'L');		/* it came back in */
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	CHECK_EQ(uart_read(&u, UART_MSR), 0xB0);
	CHECK_EQ(uart_write(&u, UART_RBR, 'T'), 'T');
}

int main(void)
{
	RUN(reset_state);
	RUN(fifo_order);
	RUN(fifo_overrun_drops_new);
	RUN(no_fifo_one_byte);
	RUN(fcr_clears);
	RUN(iir_priority);
	RUN(iir_needs_ier);
	RUN(thre_rules);
	RUN(out2_gates_irq);
	RUN(dlab);
	RUN(loopback);
	return DONE();
}
