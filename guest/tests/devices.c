/* guest/tests/devices.c: what a guest sees of the machine faultline emulates, besides COM1:
 * unknown I/O ports read as all ones and swallow writes (the hypervisor reports each port
 * once), MSRs on the allow-list work, the others raise #GP, as on a CPU without them; CR0
 * as the CPU's: CD and NW the guest's own (faultline keeps the caches on and the guest's
 * bits in the read shadow), NW without CD, bits 63:32 and paging off in 64-bit code #GP. */
#include "guest/lib/rt.h"
#include "guest/lib/trap.h"

static volatile unsigned gp_count;
static volatile unsigned gp_len = 2;

/* #GP from RDMSR/WRMSR (2 bytes: 0F 32 / 0F 30) or MOV to CR0 (3: 0F 22 /r): count it and
 * step over it. */
static void on_gp(struct trapframe *tf)
{
	gp_count++;
	tf->rip += gp_len;
}

#define CR0_NW	(1ULL << 29)
#define CR0_CD	(1ULL << 30)
#define CR0_PG	(1ULL << 31)

static u64 cr0_read(void)
{
	u64 v;
	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

/* One MOV to CR0 (3 bytes whatever the register: no REX with RAX); true if it took #GP. */
static bool cr0_gp(u64 v)
{
	unsigned before = gp_count;
	gp_len = 3;
	asm volatile("mov %0, %%cr0" : : "a"(v) : "memory");
	gp_len = 2;
	return gp_count == before + 1;
}

static void cr0_checks(void)
{
	u64 cr0 = cr0_read();

	rt_check(!(cr0 & (CR0_CD | CR0_NW)), "CR0: caches on (CD and NW clear)");
	rt_check(!cr0_gp(cr0 | CR0_CD) && (cr0_read() & (CR0_CD | CR0_NW)) == CR0_CD,
		 "CR0: CD set reads back set");
	rt_check(!cr0_gp(cr0 | CR0_CD | CR0_NW) && (cr0_read() & CR0_NW),
		 "CR0: CD with NW reads back both");
	rt_check(cr0_gp(cr0 | CR0_NW), "CR0: NW without CD is #GP");
	rt_check(!cr0_gp(cr0) && cr0_read() == cr0, "CR0: back as it was");
	rt_check(cr0_gp(cr0 | (1ULL << 40)), "CR0: a bit in 63:32 is #GP");
	rt_check(cr0_gp(cr0 & ~CR0_PG), "CR0: paging off in 64-bit code is #GP");
	rt_check(cr0_read() == cr0, "CR0: unchanged by the faulting writes");
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
	cr0_checks();
	rt_printf("guest: devices: %u #GP taken\n", gp_count);
	return rt_report();
}
