/* guest/tests/stock/ioapic.c: the I/O APIC as a kernel finds and uses it (Intel 82093AA
 * datasheet; ACPI 6.5 5.2.12.3 and 5.2.12.5): where the MADT says it is, its ID register
 * against the MADT's, its version register's 24 entries, and ISA IRQ0 at the GSI the
 * interrupt source override names (2 on every PC). Then the PIT's channel 0 at 1 kHz
 * through that pin: to the BSP (edge, counted over 50 ms), masked (nothing), to an AP when
 * there is one (only it counts), and level-triggered: in the handler the pin's remote IRR
 * is set, and the EOI (the local APIC's, broadcast to the I/O APIC) clears it; the handler
 * masks the pin first, since a real PIT holds OUT0 high for most of a mode-2 period. The
 * 8259s are already masked (lapic.c), so nothing comes their way. */
#include "guest/tests/stock/stock.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"

#define IOREGSEL	0x00
#define IOWIN		0x10
#define RTE_LEVEL	(1u << 15)
#define RTE_RIRR	(1u << 14)
#define RTE_MASK	(1u << 16)
#define PIT_CH0		0x40
#define PIT_CMD		0x43
#define PIT_1KHZ	1193		/* 1.193182 MHz / 1193 */

static volatile unsigned edge_irqs[STOCK_MAX_CPUS], level_irqs;
static volatile u32 rirr_in, rirr_after;
static unsigned pin;

static u32 io_read(u32 reg)
{
	volatile u32 *b = (volatile u32 *)(uintptr_t)st.ioapic_addr;

	b[IOREGSEL / 4] = reg;
	return b[IOWIN / 4];
}

static void io_write(u32 reg, u32 v)
{
	volatile u32 *b = (volatile u32 *)(uintptr_t)st.ioapic_addr;

	b[IOREGSEL / 4] = reg;
	b[IOWIN / 4] = v;
}

/* Pin's entry: high half (the destination APIC ID) first, so it is whole when unmasked. */
static void route(u32 dest, u32 lo)
{
	io_write(0x11 + 2 * pin, dest << 24);
	io_write(0x10 + 2 * pin, lo);
}

static void on_edge(struct trapframe *tf)
{
	unsigned c = cpu_id();

	(void)tf;
	edge_irqs[c < STOCK_MAX_CPUS ? c : 0]++;
	apic_eoi();
}

static void on_level(struct trapframe *tf)
{
	(void)tf;
	io_write(0x10 + 2 * pin, RTE_MASK | RTE_LEVEL | VEC_IOAPIC_LVL);
	rirr_in = io_read(0x10 + 2 * pin) & RTE_RIRR;
	apic_eoi();
	rirr_after = io_read(0x10 + 2 * pin) & RTE_RIRR;
	level_irqs++;
}

/* Interrupts on for us microseconds (the handlers count). */
static void run_for(u64 us)
{
	asm volatile("sti" ::: "memory");
	udelay(us);
	asm volatile("cli" ::: "memory");
}

static void pit_1khz(void)
{
	outb(PIT_CMD, 0x34);		/* channel 0, lobyte/hibyte, mode 2 (rate generator) */
	outb(PIT_CH0, PIT_1KHZ & 0xFF);
	outb(PIT_CH0, PIT_1KHZ >> 8);
}

static bool found(void)
{
	u32 ver;

	if (!check("ioapic", st.ioapic_addr, "the MADT lists an I/O APIC"))
		return false;
	note("ioapic", "at 0x%x, ID %u, GSI base %u; ISA IRQ0 is GSI %u", st.ioapic_addr,
	     st.ioapic_id, st.ioapic_gsi, st.irq0_gsi);
	if (!check("ioapic", st.ioapic_addr >= 0xFEC00000u && !(st.ioapic_addr & 0xFFF),
		   "its address is a page in the PC's 0xFEC00000 area"))
		return false;
	check("ioapic", st.irq0_gsi == 2, "an interrupt source override makes IRQ0 GSI 2");
	check("ioapic", ((io_read(0) >> 24) & 0xF) == (st.ioapic_id & 0xF),
	      "its ID register says the MADT's ID %u", st.ioapic_id);
	ver = io_read(1);
	note("ioapic", "version register 0x%08x", ver);
	if (!check("ioapic", ((ver >> 16) & 0xFF) == 23, "24 redirection entries"))
		return false;
	pin = st.irq0_gsi - st.ioapic_gsi;
	if (!check("ioapic", st.irq0_gsi >= st.ioapic_gsi && pin < 24, "IRQ0's pin %u is one "
		   "of them", pin))
		return false;
	route(0, RTE_MASK);
	return check("ioapic", (io_read(0x10 + 2 * pin) & 0x1FFFF) == RTE_MASK &&
		     io_read(0x11 + 2 * pin) == 0, "pin %u's entry reads back as written", pin);
}

/* The AP that gets the pin in the 2-CPU run: the MADT's first CPU that is not the BSP. */
static int other_cpu(u32 *id)
{
	for (unsigned i = 0; i < st.madt_cpus && i < STOCK_MAX_CPUS; i++)
		if (st.apic_ids[i] != st.bsp_apic_id) {
			*id = st.apic_ids[i];
			return 1;
		}
	return 0;
}

void ioapic_test(void)
{
	unsigned n, m;
	u32 ap;

	if (!found() || !check("ioapic", st.apic, "a local APIC to take its messages"))
		return;
	trap_register(VEC_IOAPIC, on_edge);
	trap_register(VEC_IOAPIC_LVL, on_level);
	pit_1khz();
	route(st.bsp_apic_id, VEC_IOAPIC);		/* fixed, physical, edge, unmasked */
	run_for(50000);
	n = edge_irqs[0];
	check("ioapic", n >= 15 && n <= 150, "PIT at 1 kHz through pin %u to the BSP: %u "
	      "interrupts in 50 ms", pin, n);
	route(st.bsp_apic_id, RTE_MASK | VEC_IOAPIC);
	run_for(2000);					/* one may have been on its way */
	n = edge_irqs[0];
	run_for(30000);
	check("ioapic", edge_irqs[0] == n, "masked: no interrupt in 30 ms (%u)", edge_irqs[0] - n);
	if (st.cpus_up > 1 && other_cpu(&ap)) {
		n = edge_irqs[0];
		m = edge_irqs[1];
		route(ap, VEC_IOAPIC);
		run_for(50000);
		route(ap, RTE_MASK | VEC_IOAPIC);
		check("ioapic", edge_irqs[1] - m >= 15 && edge_irqs[0] == n, "routed to APIC ID "
		      "%u: the AP took %u, the BSP %u", ap, edge_irqs[1] - m, edge_irqs[0] - n);
	}
	route(st.bsp_apic_id, RTE_LEVEL | VEC_IOAPIC_LVL);
	run_for(20000);
	if (check("ioapic", level_irqs == 1, "level-triggered: one interrupt, then masked by "
		  "its handler (%u)", level_irqs)) {
		check("ioapic", rirr_in, "remote IRR set while the interrupt is in service");
		check("ioapic", !rirr_after, "the local APIC's EOI cleared remote IRR");
	}
	route(0, RTE_MASK);
	outb(PIT_CMD, 0x30);				/* channel 0: mode 0, left counting */
}
