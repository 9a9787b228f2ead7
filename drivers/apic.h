/* drivers/apic.h: the local APIC (xAPIC, memory-mapped): identity, EOI and inter-processor
 * interrupts (INIT/SIPI to start CPUs, fixed vectors to kick them, NMI to stop them). */
#ifndef DRIVERS_APIC_H
#define DRIVERS_APIC_H
#include "lib/types.h"

void apic_init(void);			/* on each CPU: enable, spurious vector, TPR 0 */
u32 apic_id(void);
void apic_eoi(void);
void apic_send_ipi(u32 apic_id, u8 vector);
void apic_send_init(u32 apic_id);
void apic_send_sipi(u32 apic_id, u8 page);
void apic_send_nmi(u32 apic_id);	/* a kick nothing masks (see smp_kick_nmi) */
void apic_stop_others(void);		/* NMI to every other CPU; see trap.c's NMI path */

#endif
