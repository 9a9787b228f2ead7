/* boot/exit.c: the one way the hypervisor ends. It prints the final line the test harness
 * reads, `faultline: exit status=N`, then tries each way out of the machine in turn: QEMU's
 * isa-debug-exit device at port 0xf4 (QEMU exits with (N << 1) | 1), Bochs's shutdown port
 * 0x8900 (the string "Shutdown"), ACPI power-off (\_S5), and finally a halt. */
#include "boot/trap.h"
#include "boot/acpi.h"
#include "boot/apic.h"
#include "boot/cpu.h"
#include "boot/log.h"
#include "boot/serial.h"

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
 * failed, a triple fault (an empty IDT, then an exception). The keyboard interface is
 * enabled first: Bochs 2.7 keeps the 8042's state across a reset (bx_keyb_c::reset does
 * nothing), and its BIOS fails the keyboard test ("Keyboard error:21") if GRUB left the
 * keyboard clock off. The other CPUs are stopped, and this one leaves VMX operation. */
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

void fl_reboot(void)
{
	static const u64 empty_idt[2];
	u64 cr4;

	irq_disable();
	trap_set_stopping();
	apic_stop_others();
	log_panic_mode();
	log_plain("faultline: rebooting");
	serial_flush();
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	if (cr4 & (1ULL << 13))	/* CR4.VMXE: in VMX root */
		__asm__ volatile("vmxoff" ::: "cc", "memory");
	kbc_wait();
	outb(0x64, 0xAE);	/* enable the keyboard interface */
	kbc_wait();
	outb(0xCF9, 0x02);
	outb(0xCF9, 0x06);
	settle();
	kbc_wait();
	outb(0x64, 0xFE);
	settle();
	outb(0x92, inb(0x92) | 1);
	settle();
	__asm__ volatile("lidt %0; int3" ::"m"(empty_idt));
	for (;;)
		halt();
}
