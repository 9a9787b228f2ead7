/* vmm/firmware.c: the firmware's part of a VM's creation (see vmm/firmware.h). The tables
 * describe the machine vmm/pcdev.c emulates: the PM1a registers and PM timer of
 * dev/acpipm.c, SCI on IRQ 9 (QEMU's PIIX4 wiring; no SCI is ever raised), the PIIX3 reset
 * register 0xCF9 (dev/pcicfg.c: bit 2 resets, so the value 6 of a full reset does), one
 * local APIC per vCPU, and no I/O APIC (none is modelled yet: its MADT entry stays off).
 *
 * They go through ram_load, the loader's one way into guest memory, so a lazily backed VM
 * gets them in frames of its own like its image. Only the page the tables occupy is
 * written (even ACPITAB_MAX_CPUS vCPUs take under 3 KiB), zeros after the tables: the rest
 * of the area is whatever the VM's RAM holds (zeros, or a lazy VM's backing store, left
 * untouched until read). An OS scanning upwards from 0xE0000 meets the RSDP first, at the
 * area's first byte. */
#include "vmm/firmware.h"
#include "vmm/hooks.h"
#include "dev/acpipm.h"
#include "dev/acpitab.h"
#include "dev/fwcfg.h"
#include "dev/pcicfg.h"
#include "host/log.h"
#include "lib/fmt.h"

#define SCI_IRQ		9
#define RESET_FULL	6	/* PIIX3 reset control: full reset (bit 1) + reset CPU (bit 2) */

/* VM creation runs on cpu0 alone: one buffer for all. */
static u8 tables[ACPITAB_SIZE(ACPITAB_MAX_CPUS)];
_Static_assert(FW_BASE + sizeof(tables) <= FW_END, "the tables fit the BIOS area");

int fw_install(struct vm *vm, char *err, size_t len)
{
	const struct acpitab_cfg c = {
		.gpa = FW_BASE, .ncpus = vm->nvcpus,
		.pm1a_evt = ACPIPM_EVT, .pm1a_cnt = ACPIPM_CNT, .pm_tmr = ACPIPM_TMR,
		.sci = SCI_IRQ, .ioapic = true, .ioapic_addr = VIOAPIC_BASE,
		.reset = true, .reset_port = PCICFG_RESET, .reset_val = RESET_FULL,
	};
	int n = acpitab_build(&c, tables, sizeof(tables));

	if (n < 0) {
		fmt(err, len, "ACPI tables: cannot describe %u vCPU(s) (at most %u)", vm->nvcpus,
		    (unsigned)ACPITAB_MAX_CPUS);
		return -1;
	}
	if (ram_load(vm, FW_BASE, tables, (u64)n, ALIGN_UP((u64)n, PAGE_SIZE), err, len))
		return -1;
	fwcfg_init(&vm->pc.fw, vm->mem, (u16)vm->nvcpus, vm->cmdline);
	pr_info("vm %s: firmware: ACPI tables at 0x%llx (%d bytes: RSDP, XSDT, RSDT, FADT, MADT "
		"with %u CPU(s), FACS, DSDT), fw_cfg at 0x510", vm->name,
		(unsigned long long)FW_BASE, n, vm->nvcpus);
	return 0;
}
