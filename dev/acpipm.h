/* dev/acpipm.h: the ACPI fixed power-management registers a guest's OS uses to power off,
 * at the ports QEMU's PIIX4 power management gives them (its PM base 0x600): the PM1a
 * event block (status and enable, 0x600-0x603), the PM1a control register (0x604-0x605)
 * and the ACPI PM timer (0x608-0x60B, 24 bits at 3.579545 MHz). ACPI 6.x, section 4.8
 * ("ACPI Hardware Model": PM1 event and control registers, the power management timer).
 *
 * The FADT that advertises these ports (PM1a_EVT_BLK 0x600, PM1a_CNT_BLK 0x604, PM_TMR_BLK
 * 0x608, 32-bit-wide timer flag clear) and the DSDT whose \_S5 package is { 0, 0, 0, 0 } are
 * built by dev/acpitab.c and put in every VM's RAM by vmm/firmware.c.
 *
 * Power-off: a write to PM1a_CNT with SLP_EN (bit 13) set and SLP_TYP (bits 12:10) 0, the
 * S5 value. Another SLP_TYP asks for a sleep state that is not offered (none is in \_Sx):
 * reported to the caller, which ignores it. SCI_EN (bit 0) always reads 1: the machine is in
 * ACPI mode from the start (no SMI_CMD handshake), and no SCI is ever raised; PM1 status
 * never has a bit set.
 *
 * Pure logic: the timer's time is passed in (`now`, in PM-timer ticks); the caller holds
 * the VM's lock. */
#ifndef DEV_ACPIPM_H
#define DEV_ACPIPM_H
#include "lib/types.h"

#define ACPIPM_BASE	0x600
#define ACPIPM_EVT	0x600	/* PM1a_STS (2 bytes), then PM1a_EN (2 bytes) */
#define ACPIPM_CNT	0x604	/* PM1a_CNT: the port the FADT will name */
#define ACPIPM_TMR	0x608	/* PM_TMR */
#define ACPIPM_END	0x60B
#define ACPIPM_TMR_HZ	3579545
#define ACPIPM_S5	0	/* SLP_TYP of \_S5 */

enum acpipm_event { ACPIPM_NONE, ACPIPM_POWEROFF, ACPIPM_SLEEP };

struct acpipm {
	u16 en;			/* PM1a_EN */
	u16 cnt;		/* PM1a_CNT as written, SLP_EN cleared */
};

void acpipm_init(struct acpipm *a);
/* A guest access of size bytes at port (ACPIPM_BASE..ACPIPM_END; other bytes read 0xFF). */
u32 acpipm_read(struct acpipm *a, u16 port, unsigned size, u64 now);
/* ACPIPM_SLEEP: *typ is the SLP_TYP that was asked for. */
enum acpipm_event acpipm_write(struct acpipm *a, u16 port, u32 val, unsigned size,
			       unsigned *typ);

#endif
