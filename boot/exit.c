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
