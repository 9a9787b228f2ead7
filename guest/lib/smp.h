/* guest/lib/smp.h: more than one vCPU in a test guest: which vCPU am I, spinlocks, and starting
 * an application vCPU (AP) with FL_HC_VCPU_START (include/faultline.h).
 *
 * Every vCPU's IA32_GS_BASE points at its struct cpu, so cpu_id() is one load through %gs
 * and needs no lock and no hypercall. rt_start makes the boot vCPU cpu 0 before anything
 * else runs; an AP gets its index from the hypervisor (ESI at its 32-bit entry).
 *
 * The runtime's per-CPU state is kept by each module in an array indexed by cpu_id()
 * (guest/lib/trap.c: GDT, TSS and IST stacks; guest/lib/ve.c: VE page, PV area, counters;
 * guest/lib/sched.c: run queue, idle task, counters), xv6-style. A task runs only on the vCPU
 * that created it, so code running in a task or a handler may use cpu_id() throughout.
 *
 * Starting an AP (guest/lib/apentry.S): the AP enters in 32-bit protected mode with paging off,
 * switches to long mode on the boot vCPU's page tables, loads its own stack (the argument),
 * then ap_start (guest/lib/smp.c) gives it GS, its own GDT, TSS and IST stacks, the shared IDT,
 * and calls the function passed to smp_start. When that returns the AP halts with
 * interrupts on for good (a HLT with IF=0 would stop the VM). */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H
#include "lib/types.h"

#define SMP_MAX_CPUS	4		/* vCPUs a guest can use; more are not started */

typedef void (*ap_fn)(unsigned index);

/* What %gs points at. id is read by cpu_id(); the rest is smp.c's. */
struct cpu {
	struct cpu *self;
	u32 id;
	volatile u32 online;		/* the AP reached C (set by ap_start) */
	volatile u32 done;		/* its function returned */
	ap_fn fn;
};

static inline unsigned cpu_id(void)
{
	u32 id;

	asm volatile("movl %%gs:%c1, %0" : "=r"(id) : "i"(offsetof(struct cpu, id)));
	return id;
}

/* A test-and-set lock. No IF handling: callers that an interrupt handler on the same CPU
 * could contend with disable interrupts themselves (none of the runtime's handlers takes
 * a lock today). */
typedef struct {
	volatile u32 locked;
} spinlock_t;

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	while (!spin_trylock(l))
		while (l->locked)
			asm volatile("pause" : : : "memory");
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

static inline void cpu_relax(void)
{
	asm volatile("pause" : : : "memory");
}

/* rt_start, first thing: this vCPU is cpu 0. */
void smp_init_bsp(void);

/* vCPUs in this VM (FL_HC_VCPU_INFO >> 16); 1 when not on faultline or the hypercall is
 * missing. The hypervisor's own index of the calling vCPU, or -1, through *self. */
unsigned smp_vcpus(int *self);

/* Starts vCPU index (1 .. smp_vcpus()-1, below SMP_MAX_CPUS) running fn(index) on its own
 * stack. Returns FL_HC_VCPU_START's result (0 or an FL_E* code; FL_EINVAL past
 * SMP_MAX_CPUS). The AP runs once it has been started: smp_wait waits for it. */
s64 smp_start(unsigned index, ap_fn fn);
/* Waits until vCPU index's function has returned (done) or timeout_us passed; true if done.
 * Uses rt_tsc_us (guest/lib/rt.h). */
bool smp_wait(unsigned index, u64 timeout_us);
bool smp_online(unsigned index);

/* guest/lib/apentry.S: the AP's 32-bit entry point, and the C it calls in long mode. */
void ap_entry32(void);
__attribute__((noreturn)) void ap_start(u32 index);

#endif
