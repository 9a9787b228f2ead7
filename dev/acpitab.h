/* dev/acpitab.h: the ACPI tables a stock kernel reads to learn a VM's CPUs and its power-off
 * path, built as a PC firmware would leave them in memory (ACPI 6.0, chapter 5): an RSDP
 * (revision 2, both checksums), an XSDT and, for readers of ACPI 1.0, an RSDT, both listing
 * the FADT and the MADT; the FADT (revision 6) naming the PM1a registers of dev/acpipm.c,
 * the PM timer, the SCI, the PIIX3 reset register and the FACS and DSDT; the MADT (one
 * enabled Processor Local APIC per vCPU, APIC IDs 0..n-1, and, only when asked for, an I/O
 * APIC with the PC's interrupt source overrides); a FACS; and a DSDT whose only object is
 * \_S5 = Package () { 0, 0, 0, 0 }, SLP_TYP 0 as dev/acpipm.c powers off.
 *
 * Pure: the caller says where the tables will be in guest-physical memory and gets them in
 * its own buffer, laid out from offset 0 (the RSDP first, so that an OS scanning 16-byte
 * boundaries finds it at cfg->gpa). Nothing here reads the guest: the tables come from the
 * configuration only. */
#ifndef DEV_ACPITAB_H
#define DEV_ACPITAB_H
#include "lib/types.h"

#define ACPITAB_MAX_CPUS	254	/* xAPIC IDs are 8 bits and 0xFF is the broadcast */
#define ACPITAB_LAPIC		0xFEE00000u
#define ACPITAB_SIZE(n)		(1024 + 8 * (n))	/* enough for n CPUs, with an I/O APIC */

struct acpitab_cfg {
	u64 gpa;		/* where buf[0] lies in the guest; 64-byte aligned, below 4 GiB */
	u32 ncpus;		/* 1 .. ACPITAB_MAX_CPUS */
	bool ioapic;		/* an I/O APIC entry and the ISA overrides (IRQ0 -> GSI 2, SCI) */
	u32 ioapic_addr;	/* its MMIO base, when ioapic */
	u16 pm1a_evt;		/* PM1a_EVT_BLK (4 bytes: status, enable) */
	u16 pm1a_cnt;		/* PM1a_CNT_BLK (2 bytes) */
	u16 pm_tmr;		/* PM_TMR_BLK (4 bytes, 24-bit timer) */
	u8 sci;			/* SCI_INT: an ISA IRQ */
	bool reset;		/* a reset register: the byte reset_val written to I/O reset_port */
	u16 reset_port;
	u8 reset_val;
};

/* Builds the tables into buf[0 .. len): the bytes used, or -1 when cfg is out of range
 * (no CPU, too many, gpa unaligned or too high) or len too small. */
int acpitab_build(const struct acpitab_cfg *cfg, u8 *buf, size_t len);

/* The byte that makes the sum of n bytes 0 (ACPI 6.0, 5.2.5.3 and 5.2.6). */
u8 acpitab_checksum(const u8 *p, size_t n);

#endif
