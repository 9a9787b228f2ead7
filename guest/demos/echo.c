/* guest/demos/echo.c: reads what the user types on COM1 (faultline's monitor: Ctrl-A then the
 * VM's index) and prints each line back, in three ways:
 *   1. polled: one line read by watching LSR.DR;
 *   2. overrun: not reading at all until LSR.OE says a byte was lost, then the FIFO must
 *      hold exactly the first 16 bytes typed; the rest of that line is skipped;
 *   3. interrupts: the 8259 pair programmed (IRQ4 only, vector 0x24), IER.ERBFI and
 *      MCR.OUT2 on, the vCPU halted (STI; HLT) until the handler has queued a whole line.
 * Lines end at '\r' or '\n' (empty lines are skipped). "quit" ends it with rt_report's
 * status: 0 when every check passed. Bounded: a polled wait gives up after wait=SECONDS
 * (default 200) and fails; a halt ends at an interrupt, or when the monitor's quit stops
 * the VM. */
#include "guest/lib/rt.h"
#include "guest/lib/trap.h"
#include "guest/lib/uart.h"
#include "lib/string.h"

#define LINE_MAX	80
#define RING		256		/* bytes the handler queued, not yet read */
#define HALTS_MAX	1000000		/* per byte; each halt ends at an interrupt */
#define COM1_VECTOR	(PIC_MASTER_BASE + COM1_IRQ)

static u64 wait_ticks;
static volatile u8 ring[RING];
static volatile unsigned ring_in, ring_out;
static volatile unsigned nirq, nirq_all;
static volatile u8 first_iir;
static volatile u16 first_isr;

static inline void cli(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void sti(void)
{
	asm volatile("sti" ::: "memory");
}

static int getc_polled(void)
{
	u64 end = rt_tsc() + wait_ticks;

	while (!com1_rx_ready())
		if (rt_tsc() > end)
			return -1;
	return com1_rx();
}

/* Takes all the FIFO holds, so the UART's interrupt output falls and the next byte is a new
 * edge for the 8259 (edge-triggered: a line left high would never interrupt again). */
static void on_com1(struct trapframe *tf)
{
	u8 iir = com1_iir();

	(void)tf;
	if (!nirq_all++) {
		first_iir = iir;
		first_isr = pic_isr();
	}
	nirq++;
	/* Until the FIFO is empty: bytes left behind would keep IRQ4 high, and the edge-
	 * triggered 8259 would never see another rising edge. The bound only guards
	 * against a broken device. */
	for (unsigned i = 0; i < 4096 && com1_rx_ready(); i++) {
		u8 c = com1_rx();
		if (ring_in - ring_out < RING)
			ring[ring_in++ % RING] = c;
	}
	pic_eoi(COM1_IRQ);
}

/* The check and the halt are one step: STI's shadow holds the interrupt until HLT. */
static int getc_irq(void)
{
	for (unsigned n = 0; n < HALTS_MAX; n++) {
		cli();
		if (ring_out != ring_in) {
			u8 c = ring[ring_out++ % RING];
			sti();
			return c;
		}
		asm volatile("sti; hlt" ::: "memory");
	}
	return -1;
}

static bool line_end(int c)
{
	return c == '\r' || c == '\n';
}

/* -1: no line in time. */
static int read_line(char *buf, int (*get)(void))
{
	unsigned n = 0;
	int c;

	while ((c = get()) >= 0) {
		if (line_end(c) && n)
			break;
		if (!line_end(c) && n < LINE_MAX - 1)
			buf[n++] = (char)c;
	}
	buf[n] = 0;
	return c < 0 ? -1 : (int)n;
}

static bool polled(void)
{
	char line[LINE_MAX];

	rt_printf("echo: ready, type a line\n");
	if (read_line(line, getc_polled) < 0) {
		rt_printf("echo: FAIL: no line typed in time\n");
		rt_exit(1);
	}
	rt_printf("echo: got '%s' (polled)\n", line);
	return strcmp(line, "quit") != 0;
}

static bool overrun(void)
{
	char kept[COM1_FIFO + 1];
	u64 end;
	unsigned n;
	int c;

	com1_fifo_reset();
	rt_printf("echo: overrun: not reading until a byte is lost; "
		  "type 17 or more characters\n");
	end = rt_tsc() + wait_ticks;
	while (!(com1_lsr() & COM1_LSR_OE))
		if (rt_tsc() > end) {
			rt_printf("echo: FAIL: no overrun in time\n");
			rt_exit(1);
		}
	for (n = 0; n < COM1_FIFO && com1_rx_ready(); n++)
		kept[n] = (char)com1_rx();
	kept[n] = 0;
	rt_printf("echo: overrun: LSR.OE seen, kept %u bytes '%s'\n", n, kept);
	rt_check_eq(n, COM1_FIFO, "the FIFO kept the first 16 bytes, later ones were lost");
	while ((c = getc_polled()) >= 0 && !line_end(c))
		;	/* what came in after the drain, up to the end of the line */
	return strcmp(kept, "quit") != 0;
}

static void interrupts(void)
{
	char line[LINE_MAX];

	pic_init();
	pic_mask((u16) ~(1u << COM1_IRQ));
	rt_check_eq(pic_get_mask(), 0xFFEF, "IMR reads back: all but IRQ4 masked");
	trap_register(COM1_VECTOR, on_com1);
	com1_irq(true);
	rt_printf("echo: interrupts on (IRQ4, vector 0x%x); type lines, 'quit' ends\n",
		  COM1_VECTOR);
	for (;;) {
		nirq = 0;
		if (read_line(line, getc_irq) < 0)
			break;
		rt_printf("echo: got '%s' (interrupt, %u interrupts)\n", line, nirq);
		if (!strcmp(line, "quit"))
			break;
	}
	cli();
	com1_irq(false);
	rt_check(nirq_all > 0, "IRQ4 interrupts were taken");
	rt_check_eq(first_iir, 0xC4, "IIR in the handler: received data, FIFOs on");
	rt_check_eq(first_isr, 1u << COM1_IRQ, "ISR in the handler: IRQ4 in service");
	rt_check_eq(pic_isr(), 0, "ISR after the handlers' EOIs: empty");
}

int main(const char *cmdline)
{
	u64 secs = 200;

	rt_arg_u64(cmdline, "wait", &secs);
	wait_ticks = secs * 1000 * rt_tsc_khz();
	com1_fifo_reset();
	if (polled() && overrun())
		interrupts();
	return rt_report();
}
