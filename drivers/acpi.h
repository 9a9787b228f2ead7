/* drivers/acpi.h: the ACPI tables the hypervisor needs: MADT (which CPUs exist) and FADT plus
 * the DSDT's \_S5 object (how to power off). Found through the RSDP that multiboot2 hands
 * over, or by the BIOS-area scan of ACPI 6.x section 5.2.5.1 otherwise. */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H
#include "lib/types.h"
#include "lib/mb.h"
#include "host/percpu.h"

struct acpi_info {
	u64 rsdp;			/* physical address of the RSDP used (0: none) */
	unsigned ncpus;			/* enabled processors in the MADT */
	u32 apic_ids[MAX_CPUS];		/* in MADT order; the BSP is among them */
	unsigned ncpus_dropped;		/* beyond MAX_CPUS */
	u64 lapic_addr;
	u16 pm1a_cnt, pm1b_cnt;		/* FADT PM1 control ports (0: none) */
	bool has_s5;
	u8 slp_typa, slp_typb;		/* \_S5 sleep types for power-off */
};

extern struct acpi_info acpi;

/* Returns 0, or -1 when there is no usable RSDP or MADT (then one CPU is assumed). */
int acpi_init(const struct bootinfo *bi);
void acpi_poweroff(void);

#endif
