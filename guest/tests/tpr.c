/* guest/tests/tpr.c: a guest that takes its vCPU away from the host's kicks, for the
 * stop-latency tests (issue 11, defect 7). vCPU 0 checks that CR8 is the guest's own (15 reads
 * back; a reserved bit is #GP), starts vCPU 1, waits until it spins, then exits with status 0.
 * The hypervisor must then stop vCPU 1, which never exits by itself:
 *   mode=cr8  vCPU 1 writes CR8=15 and spins with IF=1: were CR8 the physical TPR, the
 *             host's kick IPI would be masked on that CPU;
 *   mode=cli  vCPU 1 spins with IF=0 (Bochs 2.7 then takes no external-interrupt exit at
 *             all; only the VMX-preemption timer tick gets it out).
 * The VM line sets watchdog_ms high, so the watchdog cannot be what ends the run. */
#include "guest/lib/rt.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"

static volatile u32 spinning;
static bool cli_mode;
static volatile u32 gp_seen;

static u64 read_cr8(void)
{
	u64 v;
	asm volatile("mov %%cr8, %0" : "=r"(v));
	return v;
}

/* #GP from `mov %rax, %cr8` (4 bytes: 44 0f 22 c0): note it and step over it. */
static void gp_handler(struct trapframe *tf)
{
	gp_seen++;
	tf->rip += 4;
}

static void spinner(unsigned index)
{
	(void)index;
	if (cli_mode) {
		asm volatile("cli" ::: "memory");
	} else {
		u64 v = 15;
		asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
		asm volatile("sti" ::: "memory");
	}
	spinning = 1;
	for (;;)
		cpu_relax();
}

int main(const char *cmdline)
{
	u64 v = 15;

	cli_mode = rt_arg_has(cmdline, "mode=cli");
	trap_register(13, gp_handler);
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
	rt_check_eq(read_cr8(), 15, "CR8=15 reads back 15");
	v = 0x10;
	asm volatile("mov %%rax, %%cr8" : : "a"(v) : "memory");
	rt_check_eq(gp_seen, 1, "CR8 with a reserved bit set -> #GP");
	rt_check_eq(read_cr8(), 15, "... and CR8 unchanged");
	v = 0;
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
	rt_check_eq(read_cr8(), 0, "CR8=0 reads back 0");
	if (!rt_check_eq(smp_start(1, spinner), 0, "FL_HC_VCPU_START(1) -> 0"))
		return rt_report();
	while (!spinning)
		cpu_relax();
	rt_printf("guest: tpr: vcpu1 spins (%s); vcpu0 exits now\n",
		  cli_mode ? "IF=0" : "CR8=15, IF=1");
	return rt_report();
}
