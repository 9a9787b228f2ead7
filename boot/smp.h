/* boot/smp.h: bringing up the application processors (INIT-SIPI-SIPI through the real-mode
 * trampoline) and running code on them. */
#ifndef BOOT_SMP_H
#define BOOT_SMP_H
#include "lib/types.h"
#include "boot/percpu.h"

/* Starts up to max CPUs in total (0: every CPU the MADT lists). Returns CPUs online. */
u32 smp_boot(u32 max);
void cpu_alloc_ist(struct cpu *c);
/* Runs fn(arg) on an idle AP (waits for the previous work there to finish first). */
void smp_call(u32 cpu, void (*fn)(void *), void *arg);
void smp_wait_idle(u32 cpu);
/* Interrupts cpu (VEC_IPI_CALL): a CPU in guest mode exits, a halted one wakes. */
void smp_kick(u32 cpu);

#endif
