/* guest/tests/stock/main.c: the stock-kernel test guest's main (see stock.h for the pieces):
 * the sections in the order a kernel meets the machine (firmware interfaces, buses, clocks,
 * then interrupts and the other CPUs), the "stock: SEC: PASS/FAIL" lines and their count,
 * the TSC time helpers, and the end: "guest: N passed, M failed", then the ACPI power-off
 * (S5 through the FADT's PM1a_CNT), or, with a failure or no power-off, the debug exit. */
#include "guest/tests/stock/stock.h"
#include "lib/fmt.h"

struct stock st = { .s5_typ = -1 };
static unsigned npass, nfail;

static void line(const char *sec, const char *tag, const char *fmt, va_list ap)
{
	char buf[200];

	vfmt(buf, sizeof(buf), fmt, ap);
	rt_printf("stock: %s: %s%s\n", sec, tag, buf);
}

bool check(const char *sec, bool ok, const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(ok ? &npass : &nfail, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	line(sec, ok ? "PASS " : "FAIL ", fmt, ap);
	va_end(ap);
	return ok;
}

void note(const char *sec, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line(sec, "", fmt, ap);
	va_end(ap);
}

/* Before the RTC has timed it (clock.c), the TSC is taken to be 1 GHz: only the bounded
 * waits of the first sections use it, and they are generous. */
u64 tsc_hz(void)
{
	return st.tsc_hz ? st.tsc_hz : 1000000000ULL;
}

u64 us_to_tsc(u64 us)
{
	return us * (tsc_hz() / 1000000) + us * (tsc_hz() % 1000000) / 1000000;
}

u64 tsc_to_us(u64 ticks)
{
	u64 hz = tsc_hz();

	return ticks / hz * 1000000 + ticks % hz * 1000000 / hz;
}

void udelay(u64 us)
{
	u64 t0 = rt_tsc(), n = us_to_tsc(us);

	while (rt_tsc() - t0 < n)
		asm volatile("pause");
}

int main(const char *cmdline)
{
	(void)cmdline;
	note("boot", "a stock PC kernel (no hypercalls)%s", rt_on_faultline() ?
	     "; CPUID says faultline, which changes nothing here" : "");
	fwcfg_test();
	acpi_test();
	pci_test();
	clock_test();
	lapic_test();
	smp_test();
	ioapic_test();
	rt_printf("guest: %u passed, %u failed\n", npass, nfail);
	if (nfail)
		return 1;
	acpi_poweroff();
	return 1;
}
