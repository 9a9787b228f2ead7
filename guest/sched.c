/* guest/sched.c: the guest's cooperative scheduler (API and interrupt rule in guest/sched.h).
 *
 * Owns the task table, the task stacks (in .bss: with lazily backed RAM only the image is
 * present, and a stack must never take a #VE), the run queue and the idle task. main's own
 * context is not a task: sched_run saves it and switches back to it when the last task has
 * exited. The switch itself is guest/swtch.S. */
#include "guest/rt.h"
#include "guest/sched.h"

#define STACK_GUARD	0x647261756b736174ULL	/* "taskguard", lowest word of every stack */
#define EXIT_BUG	3

enum { TS_FREE, TS_RUNNABLE, TS_RUNNING, TS_PARKED };

struct task {
	u64 rsp;			/* saved by sched_switch while not running */
	int state;			/* TS_* */
	u32 nosleep;			/* > 0: may not block (sched_can_sleep) */
	const char *name;
	task_fn fn;
	void *arg;
	struct task *next;		/* run queue link */
};

void sched_switch(u64 *save, u64 rsp);	/* guest/swtch.S */

struct sched_stats sched_stats;
static struct task tasks[SCHED_NTASKS];
static u64 stacks[SCHED_NTASKS][SCHED_STACK / 8] __attribute__((aligned(16)));
static struct task *const idle = &tasks[0];
static struct task *current;		/* NULL: main's context */
static struct task *rq_head, *rq_tail;
static unsigned nlive;			/* created, not exited; idle not counted */
static u64 main_rsp;
static bool running;

static __attribute__((noreturn)) void die(const char *why)
{
	rt_printf("guest: sched: %s (task %s)\n", why, sched_name());
	rt_exit(EXIT_BUG);
}

static void rq_push(struct task *t)
{
	t->next = NULL;
	if (rq_tail)
		rq_tail->next = t;
	else
		rq_head = t;
	rq_tail = t;
}

static struct task *rq_pop(void)
{
	struct task *t = rq_head;

	if (t) {
		rq_head = t->next;
		if (!rq_head)
			rq_tail = NULL;
	}
	return t;
}

/* IF=0. The next runnable task; idle when none is but some are parked; main's context when
 * all have exited. */
static void schedule(void)
{
	struct task *prev = current, *next = rq_pop();

	if (!next)
		next = nlive ? idle : NULL;
	if (prev && stacks[prev - tasks][0] != STACK_GUARD)
		die("stack overflow: guard word overwritten");
	if (next)
		next->state = TS_RUNNING;
	if (next == prev)
		return;
	current = next;
	sched_stats.switches++;
	sched_switch(prev ? &prev->rsp : &main_rsp, next ? next->rsp : main_rsp);
}

/* Where a new task's first switch returns to (see stack_init). */
static __attribute__((noreturn)) void task_entry(void)
{
	struct task *t = current;

	asm volatile("sti" : : : "memory");	/* tasks run with IF=1 (guest/sched.h) */
	t->fn(t->arg);
	task_exit();
}

/* The stack as sched_switch leaves it: six callee-saved registers (zero: RBP = 0 ends a
 * backtrace), the return address task_entry, and a zero "return address" of task_entry
 * itself, so task_entry starts with RSP = 8 mod 16 like any called function. */
static void stack_init(struct task *t)
{
	u64 *s = stacks[t - tasks], *top = s + SCHED_STACK / 8;

	s[0] = STACK_GUARD;
	top[-1] = 0;
	top[-2] = (u64)task_entry;
	for (int i = 3; i <= 8; i++)
		top[-i] = 0;
	t->rsp = (u64)(top - 8);
}

int task_create(task_fn fn, void *arg, const char *name)
{
	u64 f = irq_save();
	int id = -1;

	for (int i = 1; i < SCHED_NTASKS && id < 0; i++) {
		struct task *t = &tasks[i];

		if (t->state != TS_FREE)
			continue;
		*t = (struct task){ .state = TS_RUNNABLE, .name = name, .fn = fn, .arg = arg };
		stack_init(t);
		rq_push(t);
		nlive++;
		id = i;
	}
	irq_restore(f);
	return id;
}

void yield(void)
{
	u64 f = irq_save();

	if (current && current != idle) {
		current->state = TS_RUNNABLE;
		rq_push(current);
		schedule();
	}
	irq_restore(f);
}

void task_exit(void)
{
	asm volatile("cli" : : : "memory");
	if (!current || current == idle)
		die("task_exit outside a task");
	current->state = TS_FREE;
	nlive--;
	schedule();
	die("an exited task was scheduled");
}

void park(wait_t *wait)
{
	if (irq_enabled())
		die("park with interrupts enabled");
	if (!current || current == idle)
		die("park outside a task");
	*wait = (wait_t)current;
	current->state = TS_PARKED;
	sched_stats.parks++;
	schedule();
}

void wake(wait_t *wait)
{
	struct task *t = (struct task *)*wait;

	if (!t)
		return;
	*wait = 0;
	if (t->state != TS_PARKED)
		return;
	t->state = TS_RUNNABLE;
	rq_push(t);
	sched_stats.wakes++;
}

/* With IF=0 it checks for work, then halts with IF=1. STI delays interrupts by one
 * instruction, so an interrupt pending now, or arriving later, ends the HLT instead of
 * being taken between the check and the HLT: no wakeup is lost, and none is waited for
 * after it came. Faultline injects the completion vector at the HLT. */
static void idle_main(void *arg)
{
	(void)arg;
	for (;;) {
		asm volatile("cli" : : : "memory");
		if (rq_head || !nlive) {
			schedule();
			continue;
		}
		sched_stats.halts++;
		asm volatile("sti; hlt" : : : "memory");
	}
}

void sched_run(void)
{
	u64 f = irq_save();

	if (running)
		die("sched_run called from a task");
	if (nlive) {
		running = true;
		*idle = (struct task){ .state = TS_RUNNABLE, .name = "idle", .fn = idle_main };
		stack_init(idle);
		schedule();		/* back here when the last task has exited */
		running = false;
	}
	irq_restore(f);
}

int sched_id(void)
{
	return current ? (int)(current - tasks) : -1;
}

const char *sched_name(void)
{
	return current ? current->name : "main";
}

bool sched_can_sleep(void)
{
	return current && current != idle && !current->nosleep;
}

void sched_nosleep_begin(void)
{
	if (current)
		current->nosleep++;
}

void sched_nosleep_end(void)
{
	if (current && current->nosleep)
		current->nosleep--;
}
