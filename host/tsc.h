/* host/tsc.h: time. The TSC is calibrated once against the PIT (a clock of known rate,
 * 1.193182 MHz, present on every PC and in Bochs and QEMU). Bochs 2.7's Skylake-X model
 * has an invariant TSC; with `clock: sync=none` its ticks follow the instruction count. */
#ifndef HOST_TSC_H
#define HOST_TSC_H
#include "lib/types.h"

extern u64 tsc_khz;	/* 0 until calibrated */
extern u64 tsc_boot;	/* TSC at kmain entry */

void tsc_calibrate(void);
u64 time_us(void);	/* microseconds since boot; 0 before calibration */
u64 tsc_to_us(u64 ticks);
void udelay(u64 us);	/* busy wait; needs calibration (falls back to the PIT before) */

#endif
