/* boot/smp.h: bringing up the application processors (INIT-SIPI-SIPI through the real-mode
 * trampoline) and running code on them. */
#ifndef BOOT_SMP_H
#define BOOT_SMP_H
#include "lib/types.h"

/* Starts up to max CPUs in total (0: every CPU the MADT lists). Returns CPUs online. */
u32 smp_boot(u32 max);
void cpu_alloc_ist(struct cpu *c);

#endif
