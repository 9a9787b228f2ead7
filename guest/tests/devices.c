/* guest/tests/devices.c: what a guest sees of the machine faultline emulates, besides COM1:
 * unknown I/O ports read as all ones and swallow writes (the hypervisor reports each port
 * once), MSRs on the allow-list work, the others raise #GP, as on a CPU without them. */
#include "guest/lib/rt.h"
#include "guest/lib/trap.h"

static volatile unsigned gp_count;

/* #GP from RDMSR/WRMSR (both 2 bytes: 0F 32 / 0F 30): count it and step over it. */
static void on_gp(struct trapframe *tf)
{
	gp_count++;
	tf->rip += 2;
}

static bool gp_from(void (*fn)(void))
{
	unsigned before = gp_count;
	fn();
	return gp_count == before + 1;
}

/* xAPIC mode (EN without EXTD): the LAPIC is locked in x2APIC mode (vmm/vlapic.c). */
static void wr_apic_base(void) { wrmsr(0x1B, 0xFEE00800); }
static void wr_tsc(void) { wrmsr(0x10, 0); }
static void rd_unknown(void) { (void)rdmsr(0x12345678); }

int main(const char *cmdline)
{
	(void)cmdline;
	trap_register(13, on_gp);

	/* COM2: a PC port faultline does not emulate (vmm/io.c's table). */
	rt_check(inb(0x2FD) == 0xFF, "unknown port 0x2fd reads as all ones");
	rt_check(inb(0x2FD) == 0xFF, "and again (reported only once)");
	outb(0x2F8, 0x12);
	rt_check(true, "a write to unknown port 0x2f8 is dropped");

	rt_check(rdmsr(0x277) == 0x0007040600070406ULL, "IA32_PAT reads its power-on value");
	wrmsr(0x277, 0x0007040600070407ULL);
	rt_check(rdmsr(0x277) == 0x0007040600070407ULL, "IA32_PAT keeps what the guest wrote");
	rt_check((rdmsr(0xC0000080) & 0x500) == 0x500, "EFER shows LME and LMA (pass-through)");
	rt_check(rdmsr(0x10) != 0, "IA32_TSC reads (pass-through)");
	rt_check(gp_count == 0, "no #GP so far");
	rt_check((rdmsr(0x1B) & 0xC00) == 0xC00, "IA32_APIC_BASE: enabled, x2APIC mode");
	rt_check(gp_from(wr_apic_base), "IA32_APIC_BASE: leaving x2APIC mode is #GP (locked)");
	rt_check(gp_from(wr_tsc), "WRMSR IA32_TSC: #GP (read-only to guests)");
	rt_check(gp_from(rd_unknown), "an MSR that does not exist: #GP");
	rt_printf("guest: devices: %u #GP taken\n", gp_count);
	return rt_report();
}
