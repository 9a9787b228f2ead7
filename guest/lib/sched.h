/* guest/lib/sched.h: the guest's cooperative scheduler: a fixed table of tasks, each with its
 * own stack in .bss, and per vCPU a FIFO run queue and an idle task that halts with interrupts
 * open until something becomes runnable; yield, park/wake on a wait word.
 *
 * A task runs on the vCPU that created it, for its whole life: each vCPU that calls sched_run
 * runs its own tasks (guest/lib/smp.h). Parking and waking stay on that vCPU too: a task waits
 * for a page its own vCPU reported, and the completion comes to that vCPU.
 *
 * Interrupt rule: a vCPU's scheduler state is only touched by that vCPU with IF=0 (that is
 * the whole lock; only the slot table is shared, under a spinlock); tasks run with IF=1, so
 * completion interrupts (guest/lib/ve.c) can wake parked tasks while another task runs or the
 * idle task halts. */
#ifndef GUEST_SCHED_H
#define GUEST_SCHED_H
#include "lib/types.h"
#include "guest/lib/smp.h"

#define SCHED_NTASKS	16		/* ids 0..15: 0 is each vCPU's idle task */
#define SCHED_STACK	16384		/* bytes of stack per task */

typedef void (*task_fn)(void *arg);

/* A new runnable task on this vCPU; returns its id (1..SCHED_NTASKS-1, unique across
 * vCPUs) or -1 when the table is full. Call before sched_run, or from a task. name must
 * outlive the task. */
int task_create(task_fn fn, void *arg, const char *name);
/* The same with its own page tables (CR3 value; 0: the kernel's), loaded whenever it runs
 * (guest/lib/user.c: ring-3 tasks). */
int task_create_mm(task_fn fn, void *arg, const char *name, u64 cr3);

/* Runs this vCPU's tasks from its main context (main, or an AP's function); returns (with
 * that context's IF) when every one of them has exited. */
void sched_run(void);

void yield(void);			/* to the next runnable task; returns when rescheduled */
__attribute__((noreturn)) void task_exit(void);	/* also what returning from fn does */

/* A wait word: 0, or the task parked on it. unsigned long long, the type of the PV entry's
 * wait field (include/faultline.h), which is where guest/lib/ve.c parks. */
typedef unsigned long long wait_t;

/* Blocks the current task until wake(wait). IF must be 0, and the caller checks its
 * condition in the same IF=0 section (then no wakeup can fall between check and park);
 * it returns with IF=0, and the caller re-checks (a wake is a hint, not a promise). */
void park(wait_t *wait);
/* Makes the task parked on *wait runnable, if any. IF must be 0 (an interrupt handler, or
 * a cli section), on the task's own vCPU. */
void wake(wait_t *wait);

/* Who runs on this vCPU: -1 for its main context (no scheduler running), 0 for its idle
 * task, else a task id. */
int sched_id(void);
const char *sched_name(void);
/* Whether the current context may block: false in main's context, in the idle task and in
 * a nosleep section. */
bool sched_can_sleep(void);
void sched_nosleep_begin(void);		/* nestable; per task */
void sched_nosleep_end(void);

struct sched_stats {
	u64 switches;		/* context switches */
	u64 halts;		/* idle task's sti;hlt */
	u64 parks, wakes;
};
extern struct sched_stats sched_stats;			/* the VM's: every vCPU's summed */
extern struct sched_stats sched_stats_cpu[SMP_MAX_CPUS];	/* each vCPU's */

/* Interrupt flag helpers: the scheduler and guest/lib/ve.c both need them. */
#define RFLAGS_IF	0x200ULL

static inline u64 irq_save(void)
{
	u64 f;

	asm volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void irq_restore(u64 f)
{
	if (f & RFLAGS_IF)
		asm volatile("sti" : : : "memory");
}

static inline bool irq_enabled(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f & RFLAGS_IF;
}

/* Called at every schedule point and in the idle loop, when set: polled mode's completions
 * (guest/lib/ve.c: ve_poll) are read there. It returns whether this vCPU is in polled mode:
 * then the idle loop PAUSEs between calls instead of halting (no interrupt will come). */
extern bool (*sched_poll_hook)(void);
/* Polled mode's idle wait, when set (guest/lib/ve.c: ve_idle_wait): called by the idle
 * loop with IF=0 after sched_poll_hook found nothing; waits for the host's next store to
 * the completions word (MONITOR/MWAIT) or an interrupt, and returns true; false when it
 * cannot (no MONITOR/MWAIT), and the idle loop PAUSEs instead. */
extern bool (*sched_wait_hook)(void);

#endif
