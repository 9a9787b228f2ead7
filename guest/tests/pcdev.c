/* guest/tests/pcdev.c: the PC devices a stock kernel touches, used the way such a kernel
 * does, with no faultline hypercall (COM1 for the lines, the debug-exit port only if the
 * power-off did not happen): it would run the same on QEMU's pc machine.
 *   1. PCI mechanism #1: the host bridge at 00:00.0 is a 440FX (8086:1237, class 06/00),
 *      nothing answers at 00:01.0;
 *   2. the CMOS RTC: 24-hour BCD, every field valid BCD and in range (read outside UIP),
 *      D.VRT set, the seconds advance (a bounded wait); the length of one RTC second in
 *      TSC ticks is this guest's clock for what follows;
 *   3. PIT channel 2 in mode 0 (as Linux calibrates its TSC): OUT2 in port 0x61 bit 5 rises
 *      after N ticks, which must take N / 1.193182 MHz within 10% on that clock; a latched
 *      count read midway is below N;
 *   4. PIT channel 0 at 100 Hz (mode 2) through the 8259's IRQ0: the interrupts counted
 *      over half a second are 50 within 20%, halted in between, then computing without
 *      exits (only the hypervisor's timer bound brings them in);
 *   5. the i8042: status (no output, input buffer empty, system flag), self-test 0x55, the
 *      command byte;
 *   6. port 0x80 written (a delay, never "unemulated") and COM2's port read (unemulated:
 *      all ones), so the summary has a line to check;
 *   7. QEMU's fw_cfg: the signature "QEMU", the interface ID (traditional bit), the CPU
 *      count, the RAM size (the multiboot map's end; on faultline also the command line);
 *   8. the ACPI tables as an OS finds them: the RSDP by a scan of the EBDA's first KiB and
 *      of [0xE0000, 0x100000) on 16-byte boundaries, its checksums, the XSDT (or the RSDT
 *      of an ACPI 1.0 RSDP, as QEMU's SeaBIOS leaves it) and every table's checksum, the
 *      MADT's enabled CPUs (as many as fw_cfg says), the FADT's PM1a control port and the
 *      DSDT's \_S5 package (its first element, SLP_TYP for PM1a);
 *   9. the power-off: SLP_EN with \_S5's SLP_TYP on the FADT's PM1a control port.
 * With reset=kbc or reset=cf9 or reset=port92 it resets the machine that way instead, at
 * once. Bounded: every wait has an iteration limit. On QEMU's pc machine (no faultline in
 * CPUID) the checks that depend on faultline's smaller PC are left out: its PIIX3 at
 * 00:01.0, what its BIOS left in the i8042. */
#include "guest/lib/rt.h"
#include "guest/lib/trap.h"
#include "guest/lib/uart.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define PIT_HZ		1193182
#define PIT_CH0		0x40
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PORT_B		0x61
#define RTC_INDEX	0x70
#define RTC_DATA	0x71
#define PM1A_CNT	0x604	/* only when the FADT cannot be read: the checks fail then */
#define FWCFG_SEL	0x510
#define FWCFG_DATA	0x511
#define IRQ0_VECTOR	(PIC_MASTER_BASE + 0)
#define SPIN_MAX	20000000UL	/* device polls before a wait gives up */

/* ---- 1. PCI ---- */

static u32 pci_read(u32 dev, u32 off)
{
	outl(0xCF8, 0x80000000u | dev << 11 | off);
	return inl(0xCFC);
}

static bool fl;		/* on faultline (CPUID), whose PC has less in it than QEMU's */

static void pci(void)
{
	u32 id = pci_read(0, 0), class = pci_read(0, 8);

	rt_printf("pcdev: pci 00:00.0 %04x:%04x class %06x\n", id & 0xFFFF, id >> 16, class >> 8);
	rt_check_eq(id, 0x12378086, "PCI 00:00.0 is the 440FX host bridge (8086:1237)");
	rt_check_eq(class >> 8, 0x060000, "PCI 00:00.0 class 06/00");
	/* faultline has nothing else; a whole PC (QEMU) has its PIIX3 there. */
	if (fl)
		rt_check_eq(pci_read(1, 0), 0xFFFFFFFF, "PCI 00:01.0: nothing there");
	else
		rt_printf("pcdev: pci 00:01.0 reads 0x%08x (not on faultline)\n", pci_read(1, 0));
	rt_check_eq(inl(0xCF8), 0x80000800, "PCI address register reads back");
}

/* ---- 2. RTC ---- */

static u8 cmos(u8 reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

static bool bcd_ok(u8 v, unsigned lo, unsigned hi)
{
	unsigned d = (v >> 4) * 10 + (v & 0x0F);
	return (v >> 4) <= 9 && (v & 0x0F) <= 9 && d >= lo && d <= hi;
}

/* Waits while UIP is set, then reads the seconds: a value read outside an update. */
static int rtc_sec(void)
{
	for (unsigned long i = 0; i < SPIN_MAX; i++)
		if (!(cmos(0x0A) & 0x80))
			return cmos(0x00);
	return -1;
}

/* TSC ticks between two changes of the seconds register; 0 if it never changed. */
static u64 rtc_second(void)
{
	int s0 = rtc_sec(), s;
	u64 t0 = 0;

	for (unsigned edge = 0; edge < 2; edge++) {
		unsigned long i;
		for (i = 0; i < SPIN_MAX && (s = rtc_sec()) == s0; i++)
			;
		if (i == SPIN_MAX || s < 0)
			return 0;
		s0 = s;
		if (!edge)
			t0 = rt_tsc();
	}
	return rt_tsc() - t0;
}

static u64 rtc(void)
{
	u8 sec, min, hour, mday, mon, year, cent;
	u64 second;

	rt_check_eq(cmos(0x0B) & 0x06, 0x02, "RTC register B: 24-hour, BCD");
	rt_check_eq(cmos(0x0D), 0x80, "RTC register D: VRT");
	(void)rtc_sec();
	sec = cmos(0), min = cmos(2), hour = cmos(4), mday = cmos(7), mon = cmos(8);
	year = cmos(9), cent = cmos(0x32);
	rt_printf("pcdev: rtc %02x%02x-%02x-%02x %02x:%02x:%02x\n", cent, year, mon, mday, hour,
		  min, sec);
	rt_check(bcd_ok(sec, 0, 59) && bcd_ok(min, 0, 59) && bcd_ok(hour, 0, 23),
		 "RTC time fields are valid BCD");
	rt_check(bcd_ok(mday, 1, 31) && bcd_ok(mon, 1, 12) && bcd_ok(year, 0, 99) &&
		 bcd_ok(cent, 19, 20), "RTC date fields are valid BCD");
	second = rtc_second();
	rt_check(second > 0, "RTC seconds advance");
	rt_printf("pcdev: one RTC second = %llu TSC ticks\n", (unsigned long long)second);
	return second;
}

/* ---- 3. PIT channel 2, mode 0 ---- */

static void pit_ch2(u64 tsc_hz)
{
	const u16 n = PIT_HZ / 20;	/* 50 ms */
	u64 t0, dt;
	u16 mid;
	unsigned long i;

	outb(PORT_B, inb(PORT_B) & ~0x03);	/* gate low, speaker off */
	outb(PIT_CMD, 0xB0);			/* channel 2, lo/hi, mode 0, binary */
	outb(PIT_CH2, n & 0xFF);
	outb(PIT_CH2, n >> 8);
	rt_check(!(inb(PORT_B) & 0x20), "PIT OUT2 low after the count is written");
	outb(PORT_B, (inb(PORT_B) & ~0x02) | 0x01);	/* gate high: counting */
	t0 = rt_tsc();
	outb(PIT_CMD, 0x80);			/* latch channel 2 */
	mid = inb(PIT_CH2);
	mid |= (u16)inb(PIT_CH2) << 8;
	for (i = 0; i < SPIN_MAX && !(inb(PORT_B) & 0x20); i++)
		;
	dt = rt_tsc() - t0;
	outb(PORT_B, inb(PORT_B) & ~0x01);
	rt_check(i < SPIN_MAX, "PIT OUT2 rose at terminal count");
	rt_check(mid > 0 && mid < n, "PIT channel 2 latched count is counting down");
	/* PIT ticks per second as the RTC-timed TSC sees them: n / (dt / tsc_hz). */
	u64 hz = dt ? (u64)n * tsc_hz / dt : 0;
	rt_printf("pcdev: pit channel 2: %u ticks in %llu TSC ticks: %llu Hz\n", n,
		  (unsigned long long)dt, (unsigned long long)hz);
	rt_check(hz > PIT_HZ * 9 / 10 && hz < PIT_HZ * 11 / 10,
		 "PIT rate is 1.193182 MHz within 10% (TSC timed by the RTC)");
}

/* ---- 4. PIT channel 0 on IRQ0 ---- */

static volatile unsigned irq0s;

static void on_irq0(struct trapframe *tf)
{
	(void)tf;
	irq0s++;
	pic_eoi(0);
}

/* Half a second of 100 Hz IRQ0s, halted between them or (busy) computing without a single
 * exit, so that only the hypervisor's timer bound can bring each one in. */
/* 0.5 s of channel 0 at 100 Hz, counted by the handler. */
static unsigned pit_ch0_once(u64 tsc_hz, bool busy)
{
	const u16 latch = (PIT_HZ + 50) / 100;	/* 100 Hz, as Linux's LATCH */
	u64 end;
	unsigned n;

	asm volatile("cli");
	pic_init();
	trap_register(IRQ0_VECTOR, on_irq0);
	pic_mask((u16)~1u);
	outb(PIT_CMD, 0x34);			/* channel 0, lo/hi, mode 2 */
	outb(PIT_CH0, latch & 0xFF);
	outb(PIT_CH0, latch >> 8);
	end = rt_tsc() + tsc_hz / 2;
	irq0s = 0;
	if (busy) {
		asm volatile("sti" ::: "memory");
		while (rt_tsc() < end)
			;
		asm volatile("cli" ::: "memory");
	} else {
		for (unsigned long i = 0; i < SPIN_MAX && rt_tsc() < end; i++)
			asm volatile("sti; hlt; cli" ::: "memory");	/* ends at an IRQ0 */
	}
	n = irq0s;
	outb(PIT_CMD, 0x30);			/* mode 0 without a count: no more edges */
	pic_mask(0xFFFF);
	asm volatile("sti");
	rt_printf("pcdev: pit channel 0 at 100 Hz: %u IRQ0 interrupts in 0.5 s (%s)\n", n,
		  busy ? "computing" : "halted");
	return n;
}

/* An emulator whose own thread is descheduled for more than a period (a loaded machine)
 * merges the edges of that time into one interrupt, as the 8259's IRR does: the count is
 * then short. Up to three tries; a rate that is wrong is wrong every time. */
static void pit_ch0(u64 tsc_hz, bool busy)
{
	unsigned n = 0;

	for (int i = 0; i < 3 && !(n >= 40 && n <= 60); i++)
		n = pit_ch0_once(tsc_hz, busy);
	rt_check(n >= 40 && n <= 60, busy ? "IRQ0 at 100 Hz while computing: 50 in 0.5 s, "
		 "within 20%" : "IRQ0 at 100 Hz while halted: 50 in 0.5 s, within 20%");
	rt_check_eq(pic_isr(), 0, "no IRQ left in service");
}

/* ---- 5. i8042 ---- */

static int kbc_answer(void)
{
	for (unsigned long i = 0; i < SPIN_MAX; i++)
		if (inb(0x64) & 0x01)
			return inb(0x60);
	return -1;
}

static void kbc(void)
{
	u8 st = inb(0x64);

	rt_printf("pcdev: i8042 status 0x%02x\n", st);
	rt_check_eq(st & 0x07, 0x04, "i8042 status: output and input buffers empty, system flag");
	/* A BIOS's keyboard (QEMU) may have left a byte and set its own command byte. */
	if (fl)
		rt_check_eq(inb(0x60), 0, "i8042 data port with no data reads 0");
	else
		(void)inb(0x60);
	outb(0x64, 0xAA);
	rt_check_eq(kbc_answer(), 0x55, "i8042 self-test answers 0x55");
	outb(0x64, 0x20);
	int cb = kbc_answer();
	if (fl)
		rt_check_eq(cb, 0x45, "i8042 command byte 0x45 (as a BIOS leaves it)");
	else
		rt_check(cb >= 0, "i8042 command byte read");
}

/* ---- 7. fw_cfg ---- */

static u64 fwcfg_item(u16 key, unsigned n)
{
	u64 v = 0;

	outw(FWCFG_SEL, key);
	for (unsigned i = 0; i < n; i++)
		v |= (u64)inb(FWCFG_DATA) << (8 * i);
	return v;
}

/* The CPU count fw_cfg gives (0 when there is no fw_cfg). */
static unsigned fwcfg(void)
{
	u64 sig = fwcfg_item(0x0000, 4), id = fwcfg_item(0x0001, 4);
	u64 ram = fwcfg_item(0x0003, 8), upper = rt_mem_upper();
	unsigned cpus = (unsigned)fwcfg_item(0x0005, 2);

	rt_printf("pcdev: fw_cfg signature %.4s, id 0x%llx, %u CPU(s), RAM %llu KiB\n",
		  (const char *)&sig, (unsigned long long)id, cpus,
		  (unsigned long long)(ram >> 10));
	if (!rt_check_eq(sig, 0x554D4551, "fw_cfg signature is QEMU"))
		return 0;
	rt_check(id & 1, "fw_cfg ID: the traditional I/O interface");
	rt_check(cpus >= 1, "fw_cfg: at least one CPU");
	/* faultline's map ends at its RAM; SeaBIOS keeps the top of QEMU's for its tables. */
	if (fl)
		rt_check_eq(ram, upper, "fw_cfg RAM size is the end of the multiboot map");
	else
		rt_check(ram >= upper && ram - upper <= 4 << 20,
			 "fw_cfg RAM size is at most 4 MiB above the multiboot map's end");
	if (fl) {
		const char *cl = rt_cmdline();
		u32 n = (u32)fwcfg_item(0x0014, 4);
		bool same = n == strlen(cl) + 1;
		outw(FWCFG_SEL, 0x0015);
		for (u32 i = 0; i < n && i < 4096; i++)
			same &= (char)inb(FWCFG_DATA) == (i < n - 1 ? cl[i] : 0);
		rt_check(same, "fw_cfg command line is the VM's");
	}
	return cpus;
}

/* ---- 8. ACPI tables ---- */

#define TAB_MAX		(1u << 20)	/* a table longer than this is not believed */

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

static bool sum_ok(const u8 *p, u32 n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *p++);
	return s == 0;
}

/* The RSDP in [lo, hi) at a 16-byte boundary, with its checksums right, or NULL. */
static const u8 *rsdp_in(u64 lo, u64 hi)
{
	for (u64 a = lo; a + 36 <= hi; a += 16) {
		const u8 *p = (const u8 *)a;
		if (memcmp(p, "RSD PTR ", 8) || !sum_ok(p, 20))
			continue;
		if (p[15] >= 2 && (rd32(p + 20) < 36 || !sum_ok(p, 36)))
			continue;
		return p;
	}
	return 0;
}

/* The table at pa: below 4 GiB, a sane length and a right checksum; NULL otherwise. The
 * failed check is counted. */
static const u8 *table_at(u64 pa, const char *sig)
{
	const u8 *t = (const u8 *)pa;
	char what[48];

	if (!pa || pa > 0xFFFFFFFFULL - TAB_MAX) {
		rt_check(false, "an ACPI table address is below 4 GiB");
		return 0;
	}
	u32 len = rd32(t + 4);
	fmt(what, sizeof(what), "ACPI %.4s: length and checksum", (const char *)t);
	if (!rt_check(len >= 36 && len <= TAB_MAX && sum_ok(t, len), what))
		return 0;
	return !sig || !memcmp(t, sig, 4) ? t : 0;
}

struct acpi {
	unsigned cpus;		/* enabled local APIC and x2APIC entries */
	u16 pm1a_cnt;
	int slp_typ;		/* \_S5's first element; -1: not found */
};

/* \_S5: NameOp "_S5_" PackageOp PkgLength NumElements, then the first element (an
 * integer: ZeroOp, OneOp, BytePrefix n). */
static int s5_typ(const u8 *d)
{
	u32 len = rd32(d + 4);

	for (u32 i = 36; i + 9 <= len; i++) {
		if (memcmp(d + i, "_S5_", 4) || d[i + 4] != 0x12)
			continue;
		u32 e = i + 5 + 1 + (d[i + 5] >> 6) + 1;	/* past PkgLength, NumElements */
		if (e + 2 > len)
			return -1;
		switch (d[e]) {
		case 0x00: return 0;
		case 0x01: return 1;
		case 0x0A: return d[e + 1];
		default: return -1;
		}
	}
	return -1;
}

static void fadt(const u8 *f, struct acpi *a)
{
	u32 len = rd32(f + 4);
	u64 dsdt = rd32(f + 40);

	a->pm1a_cnt = (u16)rd32(f + 64);
	/* ACPI 2.0+: X_PM1a_CNT_BLK (a GAS, system I/O) and X_DSDT win when given. */
	if (len >= 184 && f[172] == 1 && rd64(f + 176))
		a->pm1a_cnt = (u16)rd64(f + 176);
	if (len >= 148 && rd64(f + 140))
		dsdt = rd64(f + 140);
	const u8 *d = table_at(dsdt, "DSDT");
	rt_check(d != 0, "the FADT's DSDT");
	if (d)
		a->slp_typ = s5_typ(d);
}

static void madt(const u8 *m, struct acpi *a)
{
	u32 len = rd32(m + 4);

	for (u32 o = 44; o + 2 <= len && m[o + 1] >= 2; o += m[o + 1]) {
		if (m[o] == 0 && o + 8 <= len && (rd32(m + o + 4) & 1))
			a->cpus++;		/* Processor Local APIC, enabled */
		if (m[o] == 9 && o + 16 <= len && (rd32(m + o + 8) & 1))
			a->cpus++;		/* Processor Local x2APIC, enabled */
	}
}

static bool acpi(struct acpi *a)
{
	u64 ebda = (u64)rd16((const u8 *)0x40E) << 4;
	const u8 *r = ebda >= 0x400 && ebda < 0xA0000 ? rsdp_in(ebda, ebda + 1024) : 0;
	const u8 *fp = 0, *mp = 0;

	a->cpus = 0, a->pm1a_cnt = PM1A_CNT, a->slp_typ = -1;
	if (!r)
		r = rsdp_in(0xE0000, 0x100000);
	if (!rt_check(r != 0, "the RSDP is found, its checksums right"))
		return false;
	bool x = r[15] >= 2 && rd64(r + 24);
	const u8 *sdt = table_at(x ? rd64(r + 24) : rd32(r + 16), x ? "XSDT" : "RSDT");
	if (!rt_check(sdt != 0, x ? "the XSDT" : "the RSDT"))
		return false;
	unsigned es = x ? 8 : 4, n = (rd32(sdt + 4) - 36) / es;
	for (unsigned i = 0; i < n; i++) {
		const u8 *t = table_at(x ? rd64(sdt + 36 + 8 * i) : rd32(sdt + 36 + 4 * i), 0);
		if (t && !memcmp(t, "FACP", 4))
			fp = t;
		if (t && !memcmp(t, "APIC", 4))
			mp = t;
	}
	if (x && rd32(r + 16))		/* the RSDT beside it is checked too */
		rt_check(table_at(rd32(r + 16), "RSDT") != 0, "the RSDT beside the XSDT");
	rt_printf("pcdev: acpi RSDP at 0x%llx revision %u OEM %.6s, %s with %u table(s)\n",
		  (unsigned long long)(u64)r, r[15], (const char *)r + 9, x ? "XSDT" : "RSDT", n);
	if (!rt_check(fp && mp, "the FADT and the MADT are listed"))
		return false;
	fadt(fp, a);
	madt(mp, a);
	rt_printf("pcdev: acpi MADT %u CPU(s), FADT PM1a_CNT 0x%x SCI %u, DSDT \\_S5 SLP_TYP %d\n",
		  a->cpus, a->pm1a_cnt, rd16(fp + 46), a->slp_typ);
	rt_check(a->cpus >= 1, "the MADT lists an enabled CPU");
	rt_check(a->slp_typ >= 0 && a->slp_typ < 8, "the DSDT has \\_S5 with a SLP_TYP");
	if (fl) {
		rt_check_eq((u64)r, 0xE0000, "faultline's RSDP is at 0xE0000");
		rt_check_eq(r[15], 2, "faultline's RSDP is revision 2");
	}
	return a->slp_typ >= 0 && a->slp_typ < 8;
}

static int reset(const char *how)
{
	rt_printf("pcdev: resetting through %s\n", how);
	if (!strcmp(how, "kbc")) {
		outb(0x64, 0xFE);
	} else if (!strcmp(how, "cf9")) {
		outb(0xCF9, 0x02);
		outb(0xCF9, 0x06);
	} else if (!strcmp(how, "port92")) {
		outb(0x92, inb(0x92) | 0x01);
	}
	rt_printf("pcdev: FAIL: still running after the reset through %s\n", how);
	return 1;
}

int main(const char *cmdline)
{
	u64 tsc_hz;

	fl = rt_on_faultline();
	if (rt_arg_has(cmdline, "reset=kbc"))
		return reset("kbc");
	if (rt_arg_has(cmdline, "reset=cf9"))
		return reset("cf9");
	if (rt_arg_has(cmdline, "reset=port92"))
		return reset("port92");
	pci();
	tsc_hz = rtc();
	if (tsc_hz) {
		pit_ch2(tsc_hz);
		pit_ch0(tsc_hz, false);
		pit_ch0(tsc_hz, true);
	}
	kbc();
	for (unsigned i = 0; i < 8; i++)
		outb(0x80, (u8)i);		/* POST codes / I/O delay: never reported */
	rt_check_eq(inb(0x2FD), 0xFF, "COM2's LSR (not emulated) reads all ones");
	unsigned fw_cpus = fwcfg();
	struct acpi a;
	bool ok = acpi(&a);
	if (fw_cpus)
		rt_check_eq(a.cpus, fw_cpus, "the MADT has as many CPUs as fw_cfg says");
	if (rt_report())
		return 1;
	u16 typ = ok ? (u16)a.slp_typ : 0;
	rt_printf("pcdev: powering off through ACPI PM1a (port 0x%x from the FADT, SLP_TYP %u "
		  "from \\_S5, SLP_EN)\n", a.pm1a_cnt, typ);
	outw(a.pm1a_cnt, (u16)(typ << 10 | 0x2000));
	/* Under faultline the VM stops at the write. QEMU acts on it from its main loop, so
	 * the CPU may run on for a while: wait up to 10 s of TSC time (the RTC measured its
	 * rate) before calling it a failure. */
	u64 t0 = rt_tsc(), limit = (tsc_hz ? tsc_hz : 1000000000ULL) * 10;
	while (rt_tsc() - t0 < limit)
		asm volatile("pause");
	rt_printf("pcdev: FAIL: still running 10 s after the power-off\n");
	return 1;
}
