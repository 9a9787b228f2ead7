/* host/smp.h: bringing up the application processors (INIT-SIPI-SIPI through the real-mode
 * trampoline) and running code on them. */
#ifndef HOST_SMP_H
#define HOST_SMP_H
#include "lib/types.h"
#include "host/percpu.h"

/* Starts up to max CPUs in total (0: every CPU the MADT lists). Returns CPUs online. */
u32 smp_boot(u32 max);
void cpu_alloc_ist(struct cpu *c);
/* Runs fn(arg) on an idle AP (waits for the previous work there to finish first). */
void smp_call(u32 cpu, void (*fn)(void *), void *arg);
void smp_wait_idle(u32 cpu);
/* Interrupts cpu (VEC_IPI_CALL): a CPU in guest mode exits, a halted one wakes. */
void smp_kick(u32 cpu);
/* The same with an NMI, for a CPU the IPI did not reach: a guest with RFLAGS.IF=0 that never
 * exits, under Bochs 2.7 (its VM entry loads RFLAGS before it counts as in VMX non-root, so
 * IF=0 masks the external interrupt that "external-interrupt exiting" should turn into an
 * exit: bochs/cpu/vmx.cc, VMenterLoadCheckGuestState then in_vmx_guest = 1). The NMI exits
 * (NMI exiting) or, in host mode, is ignored (trap.c). */
void smp_kick_nmi(u32 cpu);
/* An NMI arrived on this CPU: true (and counted) if it was one of those kicks. */
bool smp_nmi_was_kick(void);

#endif
