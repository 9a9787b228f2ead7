/* host/spinlock.c: ticket spinlocks (see host/spinlock.h). */
#include "host/spinlock.h"
#include "host/cpu.h"
#include "host/percpu.h"

void spin_lock(struct spinlock *l)
{
	u32 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
	l->cpu = (s32)cpu_index();
}

bool spin_trylock(struct spinlock *l)
{
	u32 owner = __atomic_load_n(&l->owner, __ATOMIC_RELAXED);
	u32 expect = owner;
	if (!__atomic_compare_exchange_n(&l->next, &expect, owner + 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	l->cpu = (s32)cpu_index();
	return true;
}

void spin_unlock(struct spinlock *l)
{
	l->cpu = -1;
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

bool spin_held_here(const struct spinlock *l)
{
	return l->cpu == (s32)cpu_index() && l->next != l->owner;
}

u64 spin_lock_irqsave(struct spinlock *l)
{
	u64 flags = read_rflags();
	irq_disable();
	spin_lock(l);
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *l, u64 flags)
{
	spin_unlock(l);
	if (flags & RFLAGS_IF)
		irq_enable();
}
