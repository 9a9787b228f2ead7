/* guest/tests/bench.c: what one round trip to the hypervisor costs, in guest TSC ticks (in
 * Bochs with `clock: sync=none` the TSC follows the instruction count, so the figures repeat
 * exactly). Printed lines "guest: bench: NAME: N ticks" are collected by tools/bench.sh.
 *  - CPUID (an unconditional exit) and VMCALL (FL_HC_VERSION): exit + handler + entry.
 *  - A synchronous fault on lazily backed RAM (before registering): access -> retry done.
 *  - #VE delivery: access -> first instruction of the #VE handler (hardware: no exit at
 *    all; software: EPT-violation exit, the hypervisor's checks, injection).
 *  - A SUSPEND_ME fault end to end: access -> retry done. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"
#include "include/faultline.h"

#define ROUNDS	200
#define FAULTS	32

extern volatile u64 ve_entry_tsc;

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static void bench_exits(void)
{
	u32 a, b, c, d;
	u64 t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		rt_cpuid(FL_CPUID_BASE, 0, &a, &b, &c, &d);
	rt_printf("guest: bench: cpuid round trip: %lu ticks\n", (rdtsc() - t0) / ROUNDS);
	t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		rt_hypercall(FL_HC_VERSION, 0, 0, 0, 0);
	rt_printf("guest: bench: vmcall round trip: %lu ticks\n", (rdtsc() - t0) / ROUNDS);
	t0 = rdtsc();
	for (int i = 0; i < ROUNDS; i++)
		(void)rdtsc();
	rt_printf("guest: bench: rdtsc alone: %lu ticks\n", (rdtsc() - t0) / ROUNDS);
}

/* Touches FAULTS pages from base; returns the mean access -> retry-done ticks and, through
 * *deliver, the mean access -> #VE-handler ticks (0 when no #VE was taken). */
static u64 touch_pages(u64 base, u64 *deliver)
{
	u64 sum = 0, dsum = 0, n = 0, bad = 0;
	for (u64 i = 0; i < FAULTS; i++) {
		volatile u64 *p = (volatile u64 *)(base + i * PAGE_SIZE);
		ve_entry_tsc = 0;
		u64 t0 = rdtsc();
		u64 v = *p;
		u64 t1 = rdtsc();
		bad += v != ve_pattern((u64)p);
		sum += t1 - t0;
		if (ve_entry_tsc) {
			dsum += ve_entry_tsc - t0;
			n++;
		}
	}
	rt_check(bad == 0, "bench: every page holds its pattern");
	*deliver = n ? dsum / n : 0;
	return sum / FAULTS;
}

static u64 task_done, task_base;

/* In a task every #VE is a CAN_CONTINUE: the access parks the task until the completion
 * vector wakes it. With latency 0 the figure is the protocol's own cost plus the page fill. */
static void toucher(void *arg)
{
	u64 deliver;
	(void)arg;
	task_done = touch_pages(task_base, &deliver);
}

int main(const char *cmdline)
{
	u64 base, deliver;
	(void)cmdline;

	bench_exits();
	if (!rt_on_faultline() || ve_test_pages(3 * FAULTS) < 3 * FAULTS)
		return rt_report();
	base = ve_test_base();
	ve_install(VE_VECTOR);
	rt_printf("guest: bench: sync fault (unregistered) access->done: %lu ticks\n",
		  touch_pages(base, &deliver));
	rt_check(ve_register(VE_VECTOR) == 0, "bench: register");
	/* main is not a task: every #VE from here is a SUSPEND_ME. */
	u64 done = touch_pages(base + FAULTS * PAGE_SIZE, &deliver);
	rt_printf("guest: bench: #VE delivery access->handler: %lu ticks\n", deliver);
	rt_printf("guest: bench: #VE SUSPEND_ME fault access->done: %lu ticks\n", done);
	rt_check(deliver > 0, "bench: every registered fault was a #VE");
	task_base = base + 2 * FAULTS * PAGE_SIZE;
	task_create(toucher, 0, "toucher");
	sched_run();
	rt_printf("guest: bench: #VE CAN_CONTINUE fault access->wake-up: %lu ticks\n", task_done);
	return rt_report();
}
