/* tests/fuzz/fuzz_uart.c: libFuzzer harness for dev/uart.c, the 16550A model behind a VM's
 * COM1 (the guest drives its eight ports; the console feeds it input bytes).
 *
 * Drives: an operation stream decoded from the input: guest reads and writes of any
 * register (any value, DLAB on or off, FIFO on or off, loopback), bytes arriving on the
 * line (in bursts, to overflow the FIFO), and looks at the interrupt output.
 *
 * Invariants asserted after every operation, against a shadow model written here from the
 * PC16550D rules that dev/uart.h states (FIFO of 16 or a single holding register, overrun,
 * IIR priorities line status > received data > THR empty, reading IIR clears THRE, reading
 * LSR clears OE, enabling ETBEI arms THRE, FCR bit 0 changes clear the FIFO, loopback turns
 * THR into input and MCR into MSR and gates the interrupt off, OUT2 gates it onto the PIC):
 * - every read returns the model's byte, every write's transmitted byte and every
 *   uart_receive's result are the model's, uart_irq equals the model's level;
 * - the receive FIFO holds at most 16 bytes (1 without FIFO), head stays inside the ring,
 *   and bytes come out in arrival order: none invented, duplicated or reordered;
 * - IER keeps only its low 4 bits and MCR its low 5; LSR.DR is set exactly when a byte is
 *   waiting; IIR bit 0 is clear exactly when an enabled source is pending. */
#include "tests/fuzz/fuzz.h"
#include "dev/uart.h"

#define MAX_OPS 4000

struct model {
	u8 q[UART_FIFO];	/* oldest first */
	unsigned count;
	bool fifo, overrun, thre;
	u8 ier, lcr, mcr, scr, dll, dlm;
};

static bool m_loop(const struct model *m)
{
	return m->mcr & 0x10;
}

static bool m_receive(struct model *m, u8 c)
{
	if (m->count < (m->fifo ? 16u : 1u)) {
		m->q[m->count++] = c;
		return true;
	}
	m->overrun = true;
	if (!m->fifo)
		m->q[0] = c;	/* 16450: the new byte overwrites the unread one */
	return false;
}

static u8 m_iir_id(const struct model *m)
{
	if ((m->ier & 4) && m->overrun)
		return 6;
	if ((m->ier & 1) && m->count)
		return 4;
	if ((m->ier & 2) && m->thre)
		return 2;
	return 1;
}

static bool m_irq(const struct model *m)
{
	return (m->mcr & 8) && !m_loop(m) && m_iir_id(m) != 1;
}

static u8 m_read(struct model *m, unsigned reg)
{
	u8 v, id;

	if ((m->lcr & 0x80) && reg < 2)
		return reg ? m->dlm : m->dll;
	switch (reg) {
	case 0:
		if (!m->count)
			return 0;
		v = m->q[0];
		memmove(m->q, m->q + 1, --m->count);
		return v;
	case 1:
		return m->ier;
	case 2:
		id = m_iir_id(m);
		if (id == 2)
			m->thre = false;
		return id | (m->fifo ? 0xC0 : 0);
	case 3:
		return m->lcr;
	case 4:
		return m->mcr;
	case 5:
		v = 0x60 | (m->count ? 1 : 0) | (m->overrun ? 2 : 0);
		m->overrun = false;
		return v;
	case 6:
		if (!m_loop(m))
			return 0xB0;
		return (u8)((m->mcr & 1 ? 0x20 : 0) | (m->mcr & 2 ? 0x10 : 0) |
			    (m->mcr & 4 ? 0x40 : 0) | (m->mcr & 8 ? 0x80 : 0));
	default:
		return m->scr;
	}
}

static int m_write(struct model *m, unsigned reg, u8 v)
{
	if ((m->lcr & 0x80) && reg < 2) {
		*(reg ? &m->dlm : &m->dll) = v;
		return UART_NO_TX;
	}
	switch (reg) {
	case 0:
		m->thre = true;
		if (m_loop(m)) {
			m_receive(m, v);
			return UART_NO_TX;
		}
		return v;
	case 1:
		if ((v & 2) && !(m->ier & 2))
			m->thre = true;
		m->ier = v & 0x0F;
		break;
	case 2:
		if ((bool)(v & 1) != m->fifo || ((v & 1) && (v & 2)))
			m->count = 0;
		m->fifo = v & 1;
		break;
	case 3:
		m->lcr = v;
		break;
	case 4:
		m->mcr = v & 0x1F;
		break;
	case 7:
		m->scr = v;
		break;
	}
	return UART_NO_TX;
}

static void check(const struct uart *u, const struct model *m)
{
	FZ_CHECK(u->count <= (u->fifo ? UART_FIFO : 1));
	FZ_CHECK(u->head < UART_FIFO);
	FZ_CHECK(u->count == m->count);
	for (unsigned i = 0; i < m->count; i++)
		FZ_CHECK(u->rx[(u->head + i) % UART_FIFO] == m->q[i]);
	FZ_CHECK(u->fifo == m->fifo && u->overrun == m->overrun && u->thre == m->thre);
	FZ_CHECK(u->ier == m->ier && u->ier <= 0x0F);
	FZ_CHECK(u->mcr == m->mcr && u->mcr <= 0x1F);
	FZ_CHECK(u->lcr == m->lcr && u->scr == m->scr && u->dll == m->dll && u->dlm == m->dlm);
	FZ_CHECK(uart_irq(u) == m_irq(m));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = fz_init(data, size);
	struct uart u;
	struct model m;
	unsigned ops = 0;

	memset(&u, 0, sizeof(u));
	memset(&m, 0, sizeof(m));
	while (fz_more(&f) && ops++ < MAX_OPS) {
		u8 op = fz_u8(&f);
		unsigned reg = op & 7;

		switch ((op >> 3) % 6) {
		case 0: case 1: {	/* guest read */
			u8 want = m_read(&m, reg), got;
			struct uart before = u;

			got = uart_read(&u, reg + 8 * (op >> 6));	/* high bits of reg ignored */
			FZ_CHECK(got == want);
			if (reg == UART_LSR)
				FZ_CHECK(!!(got & UART_LSR_DR) == (before.count != 0));
			if (reg == UART_IIR)
				FZ_CHECK(!(got & 1) == ((before.ier & 4 && before.overrun) ||
						       (before.ier & 1 && before.count) ||
						       (before.ier & 2 && before.thre)));
			break;
		}
		case 2: case 3: {	/* guest write */
			u8 v = fz_u8(&f);
			int want = m_write(&m, reg, v);

			FZ_CHECK(uart_write(&u, reg, v) == want);
			break;
		}
		case 4: {		/* a burst of bytes on the line */
			unsigned n = 1 + (op >> 6) * 6;

			for (unsigned i = 0; i < n; i++) {
				u8 c = fz_u8(&f);
				bool want = m_receive(&m, c);

				FZ_CHECK(uart_receive(&u, c) == want);
			}
			break;
		}
		default:		/* the PIC samples the line */
			FZ_CHECK(uart_irq(&u) == m_irq(&m));
			break;
		}
		check(&u, &m);
	}
	return 0;
}
