/* vmm/firmware.h: what a PC's firmware leaves for the OS it boots, for every VM: the ACPI
 * tables (dev/acpitab.c) in the BIOS area where an OS looks for the RSDP, and the items of
 * QEMU's fw_cfg interface (dev/fwcfg.c). */
#ifndef VMM_FIRMWARE_H
#define VMM_FIRMWARE_H
#include "vmm/vm.h"

/* [FW_BASE, FW_END): the BIOS area, reserved in the VM's memory map (vmm/load.c); the
 * tables start at FW_BASE with the RSDP (which a bzImage's boot_params may also name). */
#define FW_BASE		0xE0000ULL
#define FW_END		0x100000ULL
#define FW_RSDP_GPA	FW_BASE

/* Writes the tables into the VM's RAM (the pages they occupy, zeros after them) and
 * sets fw_cfg's items from the VM's final size, vCPUs and command line. Before the VM runs,
 * after its image is loaded. 0, or -1 with the reason in err. */
int fw_install(struct vm *vm, char *err, size_t len);

#endif
