/* dev/rtc.h: the PC's CMOS real-time clock (an MC146818A, inside the PIIX's south bridge) as
 * a guest sees it: the index port 0x70 (bit 7: NMI disable, bits 6:0: the register) and the
 * data port 0x71, over 128 bytes: the clock's registers 0x00-0x0D and the CMOS RAM behind
 * them, with the century at 0x32 where the IBM PC AT put it (ACPI's FADT names it).
 *
 * Pure logic: time is passed in as `now`, microseconds on the caller's clock (vmm/ uses the
 * host TSC since the VM was created); the date is `base` seconds since 1970-01-01 00:00 UTC
 * at now = 0 (vmm/ starts every VM at Bochs's time0 plus the host's uptime). The caller
 * holds the VM's lock.
 *
 * Not modelled: the periodic, alarm and update-ended interrupts (IRQ8 is never raised;
 * register C reports UF, the update flag, and IRQF for it, nothing else); the divider
 * chain (register A's bits 6:0 are kept but the clock never stops); daylight saving
 * (register B bit 0 is kept, no hour moves). CMOS RAM 0x0E-0x7F reads 0 (the century
 * aside) until the guest writes it: faultline's guests get their memory map from the boot
 * loader, not from the BIOS's CMOS bytes. */
#ifndef DEV_RTC_H
#define DEV_RTC_H
#include "lib/types.h"

#define RTC_INDEX	0x70
#define RTC_DATA	0x71
#define RTC_CENTURY	0x32	/* the PC AT's CMOS byte for the century (BCD) */

struct rtc {
	u8 ram[128];		/* registers and CMOS RAM; time registers are computed */
	u8 index;		/* last written to port 0x70, bits 6:0 */
	bool nmi_off;		/* port 0x70 bit 7 (kept: faultline has no NMI sources) */
	bool frozen;		/* register B's SET: time registers are storage in ram[] */
	s64 base;		/* seconds since 1970 at now = 0 */
	s64 held;		/* seconds since 1970 when SET was written (flag C.UF) */
	s64 c_read;		/* the second when register C was last read (UF) */
};

void rtc_init(struct rtc *r, s64 base);
/* A guest access to port 0x70 or 0x71 (other ports read 0xFF) at now (microseconds). */
u8 rtc_read(struct rtc *r, u16 port, u64 now);
void rtc_write(struct rtc *r, u16 port, u8 val, u64 now);

#endif
