/* guest/lib/sched.c: the guest's cooperative scheduler (API and interrupt rule in
 * guest/lib/sched.h).
 *
 * Owns the task table, the task stacks (in .bss: with lazily backed RAM only the image is
 * present, and a stack must never take a #VE), and per vCPU a run queue and an idle task.
 * A vCPU's main context is not a task: sched_run saves it and switches back to it when the
 * vCPU's last task has exited. The switch itself is guest/lib/swtch.S.
 *
 * Slots are shared by all vCPUs and claimed under table_lock. An exiting task cannot free
 * its own slot (another vCPU could reuse the stack it is still running on), so it leaves
 * itself in its vCPU's `dead` and whoever runs next on that vCPU frees it (finish_switch).
 *
 * A task may have its own page tables (cr3: a ring-3 task of guest/lib/user.c); every switch
 * loads the next context's, and points TSS.rsp0 at the top of its stack, where an
 * interrupt from ring 3 must land (its kernel stack is empty while it runs in ring 3). */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/trap.h"

#define STACK_GUARD	0x647261756b736174ULL	/* "taskguard", lowest word of every stack */
#define EXIT_BUG	3

enum { TS_FREE, TS_CLAIMED, TS_RUNNABLE, TS_RUNNING, TS_PARKED, TS_DEAD };

struct task {
	u64 rsp;			/* saved by sched_switch while not running */
	volatile int state;		/* TS_* */
	u32 nosleep;			/* > 0: may not block (sched_can_sleep) */
	u32 cpu;			/* the vCPU it runs on */
	u64 cr3;			/* its page tables; 0: the kernel's */
	const char *name;
	task_fn fn;
	void *arg;
	u64 *stack;			/* SCHED_STACK bytes; stack[0] is the guard */
	struct task *next;		/* run queue link */
};

/* One vCPU's scheduler, touched by that vCPU only, with IF=0. */
struct runq {
	struct task *current;		/* NULL: the main context */
	struct task *head, *tail;
	struct task *dead;		/* exited, its stack still in use until the switch */
	unsigned nlive;			/* created here, not exited; idle not counted */
	u64 main_rsp;
	bool running;
	struct task idle;
};

void sched_switch(u64 *save, u64 rsp);	/* guest/lib/swtch.S */
extern u64 pt_pml4[];			/* guest/lib/entry.S: the kernel's page tables */

struct sched_stats sched_stats, sched_stats_cpu[SMP_MAX_CPUS];
static struct task tasks[SCHED_NTASKS];	/* [0] unused: id 0 names each vCPU's idle */
static u64 stacks[SCHED_NTASKS][SCHED_STACK / 8] __attribute__((aligned(16)));
static u64 idle_stacks[SMP_MAX_CPUS][SCHED_STACK / 8] __attribute__((aligned(16)));
static struct runq runqs[SMP_MAX_CPUS];
static spinlock_t table_lock;

/* Both counters: the VM's (atomic: any vCPU) and this vCPU's. */
#define STAT_INC(f) do {							\
	__atomic_add_fetch(&sched_stats.f, 1, __ATOMIC_RELAXED);		\
	sched_stats_cpu[cpu_id()].f++;						\
} while (0)

static inline struct runq *rq(void)
{
	return &runqs[cpu_id()];
}

static __attribute__((noreturn)) void die(const char *why)
{
	rt_printf("guest: sched: %s (task %s, vcpu%u)\n", why, sched_name(), cpu_id());
	rt_exit(EXIT_BUG);
}

static void rq_push(struct runq *q, struct task *t)
{
	t->next = NULL;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

static struct task *rq_pop(struct runq *q)
{
	struct task *t = q->head;

	if (t) {
		q->head = t->next;
		if (!q->head)
			q->tail = NULL;
	}
	return t;
}

/* In the context just switched to: free the slot of a task that exited to get here. */
static void finish_switch(void)
{
	struct runq *q = rq();

	if (q->dead) {
		__atomic_store_n(&q->dead->state, TS_FREE, __ATOMIC_RELEASE);
		q->dead = NULL;
	}
}

/* IF=0, before switching to next (NULL: the main context): its page tables, and its
 * stack top as TSS.rsp0 (guest/lib/trap.h). MOV to CR3 flushes the TLB: skipped when equal. */
static void switch_mm(struct task *next)
{
	u64 cr3 = next && next->cr3 ? next->cr3 : (u64)pt_pml4, cur;

	if (next)
		trap_set_rsp0((u64)(next->stack + SCHED_STACK / 8));
	asm volatile("mov %%cr3, %0" : "=r"(cur));
	if (cur != cr3)
		asm volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

/* IF=0. The next runnable task; idle when none is but some are parked; the main context
 * when all have exited. */
bool (*sched_poll_hook)(void);
bool (*sched_wait_hook)(void);

static void schedule(void)
{
	struct runq *q = rq();
	struct task *prev, *next;

	if (sched_poll_hook)
		sched_poll_hook();	/* may wake parked tasks: before the pick */
	prev = q->current;
	next = rq_pop(q);

	if (!next)
		next = q->nlive ? &q->idle : NULL;
	if (prev && prev->stack[0] != STACK_GUARD)
		die("stack overflow: guard word overwritten");
	if (next)
		next->state = TS_RUNNING;
	if (next == prev)
		return;
	q->current = next;
	STAT_INC(switches);
	switch_mm(next);
	sched_switch(prev ? &prev->rsp : &q->main_rsp, next ? next->rsp : q->main_rsp);
	finish_switch();
}

/* Where a new task's first switch returns to (see stack_init). */
static __attribute__((noreturn)) void task_entry(void)
{
	struct task *t;

	finish_switch();
	t = rq()->current;
	asm volatile("sti" : : : "memory");	/* tasks run with IF=1 (guest/lib/sched.h) */
	t->fn(t->arg);
	task_exit();
}

/* The stack as sched_switch leaves it: six callee-saved registers (zero: RBP = 0 ends a
 * backtrace), the return address task_entry, and a zero "return address" of task_entry
 * itself, so task_entry starts with RSP = 8 mod 16 like any called function. */
static void stack_init(struct task *t)
{
	u64 *s = t->stack, *top = s + SCHED_STACK / 8;

	s[0] = STACK_GUARD;
	top[-1] = 0;
	top[-2] = (u64)task_entry;
	for (int i = 3; i <= 8; i++)
		top[-i] = 0;
	t->rsp = (u64)(top - 8);
}

static int slot_claim(void)
{
	int id = -1;

	spin_lock(&table_lock);
	for (int i = 1; i < SCHED_NTASKS && id < 0; i++)
		if (tasks[i].state == TS_FREE) {
			tasks[i].state = TS_CLAIMED;
			id = i;
		}
	spin_unlock(&table_lock);
	return id;
}

int task_create(task_fn fn, void *arg, const char *name)
{
	return task_create_mm(fn, arg, name, 0);
}

int task_create_mm(task_fn fn, void *arg, const char *name, u64 cr3)
{
	u64 f = irq_save();
	int id = slot_claim();

	if (id > 0) {
		struct task *t = &tasks[id];
		struct runq *q = rq();

		*t = (struct task){ .state = TS_RUNNABLE, .name = name, .fn = fn, .arg = arg,
				    .cpu = cpu_id(), .cr3 = cr3, .stack = stacks[id] };
		stack_init(t);
		rq_push(q, t);
		q->nlive++;
	}
	irq_restore(f);
	return id;
}

void yield(void)
{
	u64 f = irq_save();
	struct runq *q = rq();

	if (q->current && q->current != &q->idle) {
		q->current->state = TS_RUNNABLE;
		rq_push(q, q->current);
		schedule();
	}
	irq_restore(f);
}

void task_exit(void)
{
	struct runq *q;

	asm volatile("cli" : : : "memory");
	q = rq();
	if (!q->current || q->current == &q->idle)
		die("task_exit outside a task");
	q->current->state = TS_DEAD;
	q->dead = q->current;
	q->nlive--;
	schedule();
	die("an exited task was scheduled");
}

void park(wait_t *wait)
{
	struct runq *q = rq();

	if (irq_enabled())
		die("park with interrupts enabled");
	if (!q->current || q->current == &q->idle)
		die("park outside a task");
	*wait = (wait_t)q->current;
	q->current->state = TS_PARKED;
	STAT_INC(parks);
	schedule();
}

void wake(wait_t *wait)
{
	struct task *t = (struct task *)*wait;

	if (!t)
		return;
	if (t->cpu != cpu_id())
		die("wake of a task of another vCPU");
	*wait = 0;
	if (t->state != TS_PARKED)
		return;
	t->state = TS_RUNNABLE;
	rq_push(rq(), t);
	STAT_INC(wakes);
}

/* With IF=0 it checks for work, then halts with IF=1. STI delays interrupts by one
 * instruction, so an interrupt pending now, or arriving later, ends the HLT instead of
 * being taken between the check and the HLT: no wakeup is lost, and none is waited for
 * after it came. Faultline injects the completion vector at the HLT. */
static void idle_main(void *arg)
{
	struct runq *q = rq();

	(void)arg;
	for (;;) {
		asm volatile("cli" : : : "memory");
		if (q->head || !q->nlive) {
			schedule();
			continue;
		}
		if (sched_poll_hook && sched_poll_hook()) {	/* polled: no interrupt will come */
			if (q->head)
				continue;	/* the poll woke a task */
			if (!sched_wait_hook || !sched_wait_hook())
				asm volatile("sti; pause; cli" : : : "memory");
			continue;
		}
		STAT_INC(halts);
		asm volatile("sti; hlt" : : : "memory");
	}
}

void sched_run(void)
{
	u64 f = irq_save();
	struct runq *q = rq();
	unsigned cpu = cpu_id();

	if (q->running)
		die("sched_run called from a task");
	if (q->nlive) {
		q->running = true;
		q->idle = (struct task){ .state = TS_RUNNABLE, .name = "idle", .fn = idle_main,
					 .cpu = cpu, .stack = idle_stacks[cpu] };
		stack_init(&q->idle);
		schedule();		/* back here when the last task has exited */
		q->running = false;
	}
	irq_restore(f);
}

int sched_id(void)
{
	struct runq *q = rq();

	if (!q->current)
		return -1;
	return q->current == &q->idle ? 0 : (int)(q->current - tasks);
}

const char *sched_name(void)
{
	struct task *t = rq()->current;

	return t ? t->name : "main";
}

bool sched_can_sleep(void)
{
	struct runq *q = rq();

	return q->current && q->current != &q->idle && !q->current->nosleep;
}

void sched_nosleep_begin(void)
{
	struct task *t = rq()->current;

	if (t)
		t->nosleep++;
}

void sched_nosleep_end(void)
{
	struct task *t = rq()->current;

	if (t && t->nosleep)
		t->nosleep--;
}
