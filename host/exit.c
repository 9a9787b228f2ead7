/* host/exit.c: the one way the hypervisor ends. It prints the final line the test harness
 * reads, `faultline: exit status=N`, then tries each way out of the machine in turn: QEMU's
 * isa-debug-exit device at port 0xf4 (QEMU exits with (N << 1) | 1), Bochs's shutdown port
 * 0x8900 (the string "Shutdown"), ACPI power-off (\_S5), and finally a halt. */
#include "host/trap.h"
#include "drivers/acpi.h"
#include "drivers/apic.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/percpu.h"
#include "drivers/serial.h"
#include "host/tsc.h"

void trap_set_stopping(void);

void fl_exit(int status)
{
	irq_disable();
	trap_set_stopping();
	apic_stop_others();
	log_panic_mode(); /* a stopped CPU may hold the console lock */
	log_plain("faultline: exit status=%d", status);
	serial_flush();

	outb(0xF4, (u8)status);
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (u8)*s);
	acpi_poweroff();
	for (;;)
		halt();
}

/* A reset of the whole machine, each way in turn: the PCI reset control register at 0xCF9
 * (0x02 then 0x06: a hard reset, which also clears the locked IA32_FEATURE_CONTROL that a
 * soft reset would leave for the firmware to trip over), the keyboard controller's pulse of
 * the reset line (0xFE to port 0x64), the fast-reset bit of port 0x92, and if all that
 * failed, a triple fault (an empty IDT, then an exception). A CPU leaves VMX operation
 * before it tries one (the soft resets are an INIT, which VMX root operation blocks); the
 * others are stopped (NMI).
 *
 * The hard reset is made by an AP when one is idle, not by the CPU that becomes the BSP
 * again (APIC id 0). Bochs 2.7 with its debugger built in (tools/bochs.sh runs `continue`)
 * runs SMP in bx_dbg_continue_command: each CPU's cpu_loop runs until its icount reaches
 * the icount at the start of its slice + 5, and time only advances after every CPU's slice.
 * A hard reset zeroes every icount (cpu/init.cc), so the CPU that made it runs on in the
 * same slice until it has executed as many instructions as before the reset: if that is
 * the BSP, the BIOS runs with time stopped, no timer fires, the keyboard's ACK to its reset
 * (0xFF) never leaves kbd_internal_buffer (only the timer's periodic() moves it to port
 * 0x60), and rombios panics "Keyboard error:21". An AP that makes it goes to wait-for-SIPI,
 * which ends its slice at once; time then jumps by the wrapped icount difference, once,
 * before the BIOS's first instruction, and the BSP starts with a fresh slice. */
static void settle(void)
{
	for (volatile int i = 0; i < 200000; i++)
		;
}

static void kbc_wait(void)
{
	for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
		;		/* the controller's input buffer must be empty */
}

static void vmx_leave(void)
{
	u64 cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & (1ULL << 13))	/* CR4.VMXE: in VMX root */
		__asm__ volatile("vmxoff" ::: "cc", "memory");
}

static void hard_reset(void *unused)
{
	(void)unused;
	vmx_leave();
	outb(0xCF9, 0x02);
	outb(0xCF9, 0x06);
	settle();
}

/* An online AP other than this CPU that is idle (its smp_call mailbox empty): its index, or
 * 0 if there is none, or if this CPU is itself not APIC id 0 (it can reset then). */
static u32 reset_cpu(void)
{
	if (apic_id() != 0)
		return 0;
	for (u32 i = 1; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (c->online && c->apic_id != 0 && !c->work && !c->busy)
			return i;
	}
	return 0;
}

/* Stops (NMI, then trap.c's stopping path) every CPU but this one and keep (0: none). */
static void stop_others_but(u32 keep)
{
	for (u32 i = 0; i < ncpus; i++)
		if (i != cpu_index() && (!keep || i != keep) && cpus[i].online)
			apic_send_nmi(cpus[i].apic_id);
}

/* Hands the hard reset to cpu's idle loop (smp_call without its unbounded wait) and gives
 * it 100 ms; the caller's own ways follow if the machine is still here. */
static void reset_on(u32 cpu)
{
	cpus[cpu].work_arg = 0;
	__atomic_store_n(&cpus[cpu].work, hard_reset, __ATOMIC_RELEASE);
	apic_send_ipi(cpus[cpu].apic_id, VEC_IPI_CALL);
	udelay(100000);
}

void fl_reboot(void)
{
	static const u64 empty_idt[2];
	u32 ap;

	irq_disable();
	ap = reset_cpu();
	trap_set_stopping();
	stop_others_but(ap);
	log_panic_mode();
	log_plain("faultline: rebooting");
	serial_flush();
	vmx_leave();
	if (ap)
		reset_on(ap);
	hard_reset(0);
	kbc_wait();
	outb(0x64, 0xFE);
	settle();
	outb(0x92, inb(0x92) | 1);
	settle();
	__asm__ volatile("lidt %0; int3" ::"m"(empty_idt));
	for (;;)
		halt();
}
