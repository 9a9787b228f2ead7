/* host/spinlock.h: ticket spinlocks. FIFO, so no CPU starves (a worker spinning on the job
 * queue must not be overtaken forever by vCPUs). Holders never sleep. The owner's CPU is
 * kept so the panic path can tell whether it would deadlock on a lock it already holds. */
#ifndef HOST_SPINLOCK_H
#define HOST_SPINLOCK_H
#include "lib/types.h"

struct spinlock {
	volatile u32 next;
	volatile u32 owner;
	volatile s32 cpu; /* holder's CPU index, -1 when free */
};

#define SPINLOCK_INIT { 0, 0, -1 }

void spin_lock(struct spinlock *l);
bool spin_trylock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
bool spin_held_here(const struct spinlock *l);

/* Interrupt-safe variants: save RFLAGS.IF, disable, lock; restore on unlock. */
u64 spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, u64 flags);

#endif
