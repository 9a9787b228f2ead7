/* guest/tests/apf_smp.c: asynchronous faults on two vCPUs at once (the VM has vcpus=2). The
 * boot vCPU finds the count with FL_HC_VCPU_INFO, starts vCPU 1 (FL_HC_VCPU_START,
 * guest/lib/smp.h), and both register for #VE, each with its own VE page and PV area and the
 * same completion vector. Then each runs its own scheduler with tasks= (default 4) tasks
 * touching pages= (default 8) pages each, on disjoint halves of the lazy region, at the same
 * time: every fault is a CAN_CONTINUE whose completion must come back to the vCPU that reported
 * it (a completion sent to the other vCPU would wake nothing there, and the task would wait
 * forever). With aploop on the command line, vCPU 1 touches its pages from its main context
 * instead, without tasks: each of its faults is then a SUSPEND_ME.
 *
 * vCPU 1 prints one line; the boot vCPU waits for it to finish (smp_wait), checks both
 * sides and prints "guest: apf-smp: vcpu0 N faults, vcpu1 M faults". */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/smp.h"
#include "guest/lib/ve.h"
#include "lib/fmt.h"

#define AP		1
#define WAIT_US		(30ULL * 1000 * 1000)	/* guest TSC time; only a failure waits */

struct job {
	u64 first;
	u64 first_bad, bad_words;
	bool done;
};

/* One vCPU's share of the work and its results. */
struct side {
	u64 base;			/* its first page */
	struct job jobs[SCHED_NTASKS];
	s64 reg, unreg;			/* FL_HC_VE_REGISTER / UNREGISTER results */
	int index;			/* what FL_HC_VCPU_INFO said */
	u64 bad, done;
};

static u64 ntasks = 4, npages = 8;
static bool aploop;
static struct side sides[2];
static volatile u32 ap_ready, go;

static void toucher(void *arg)
{
	struct job *j = arg;

	for (u64 i = 0; i < npages; i++)
		j->first_bad += !ve_touch(j->first + i * PAGE_SIZE);
	for (u64 i = 0; i < npages; i++)
		j->bad_words += ve_check_page(j->first + i * PAGE_SIZE);
	j->done = true;
}

static void prepare(struct side *s)
{
	smp_vcpus(&s->index);
	s->reg = ve_register(VE_VECTOR);
	for (u64 t = 0; t < ntasks; t++) {
		s->jobs[t].first = s->base + t * npages * PAGE_SIZE;
		if (!aploop || cpu_id() != AP)
			task_create(toucher, &s->jobs[t], cpu_id() ? "ap-toucher" : "toucher");
	}
}

static void run(struct side *s)
{
	if (aploop && cpu_id() == AP)
		for (u64 t = 0; t < ntasks; t++)
			toucher(&s->jobs[t]);	/* main context: SUSPEND_ME faults */
	else
		sched_run();
	for (u64 t = 0; t < ntasks; t++) {
		s->bad += s->jobs[t].first_bad + s->jobs[t].bad_words;
		s->done += s->jobs[t].done;
	}
	s->unreg = ve_unregister();
}

/* vCPU 1, from ap_start (guest/lib/smp.c), IF=0 on its own stack. */
static void ap_main(unsigned index)
{
	struct side *s = &sides[AP];

	prepare(s);
	rt_printf("guest: apf-smp: vcpu%u up (hypervisor index %d), registered: %ld\n", index,
		  s->index, s->reg);
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		cpu_relax();
	run(s);
}

static void check_side(unsigned cpu)
{
	const struct side *s = &sides[cpu];
	const struct ve_stats *st = &ve_stats_cpu[cpu];
	bool tasks = !(aploop && cpu == AP);
	char what[96];

#define CHECK(cond, text) do {							\
	fmt(what, sizeof(what), "vcpu%u: %s", cpu, text);			\
	rt_check(cond, what);							\
} while (0)
	CHECK(s->index == (int)cpu, "FL_HC_VCPU_INFO named this vCPU");
	CHECK(s->reg == 0, "FL_HC_VE_REGISTER -> 0");
	CHECK(s->done == ntasks, "every touch loop finished");
	CHECK(s->bad == 0, "every word of every page holds the pattern");
	CHECK(st->ve >= ntasks * npages, "a #VE for every page");
	CHECK(st->resumed == st->ve, "every #VE finished RESOLVED");
	if (tasks) {
		CHECK(st->cont == st->ve, "tasks: every fault was CAN_CONTINUE");
		CHECK(st->completions == st->parks,
		      "every park ended by a completion on this vCPU");
	} else {
		CHECK(st->suspend == st->ve, "main context: every fault was SUSPEND_ME");
		CHECK(st->parks == 0 && st->irqs == 0, "no park, no completion interrupt");
	}
	CHECK(s->unreg == 0, "FL_HC_VE_UNREGISTER -> 0");
#undef CHECK
}

int main(const char *cmdline)
{
	u64 base = ve_test_base(), per_cpu;
	int self;
	unsigned n = smp_vcpus(&self);
	s64 r;

	rt_arg_u64(cmdline, "tasks", &ntasks);
	rt_arg_u64(cmdline, "pages", &npages);
	aploop = rt_arg_has(cmdline, "aploop");
	per_cpu = ntasks * npages;
	rt_printf("guest: apf-smp: %u vCPUs (this is %d), %lu tasks x %lu pages each%s\n", n,
		  self, ntasks, npages, aploop ? ", vcpu1 without tasks" : "");
	if (!rt_check(n >= 2, "the VM has at least 2 vCPUs (vcpus=2)") ||
	    !rt_check(ntasks >= 1 && ntasks < SCHED_NTASKS / 2, "tasks= within 1..7") ||
	    !rt_check(npages >= 1 && ve_test_pages(2 * per_cpu) == 2 * per_cpu,
		      "room for both vCPUs' pages"))
		return rt_report();
	sides[0].base = base;
	sides[AP].base = base + per_cpu * PAGE_SIZE;

	prepare(&sides[0]);
	r = smp_start(AP, ap_main);
	if (!rt_check_eq(r, 0, "FL_HC_VCPU_START(1) -> 0"))
		return rt_report();
	rt_check_eq(smp_start(AP, ap_main), FL_EBUSY, "FL_HC_VCPU_START(1) again -> FL_EBUSY");
	for (u64 t0 = rt_tsc(); !__atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE);) {
		if (rt_tsc_us(rt_tsc() - t0) > WAIT_US) {
			rt_check(false, "vcpu1 came up and registered");
			return rt_report();
		}
		cpu_relax();
	}
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);	/* both start faulting now */
	run(&sides[0]);
	if (!rt_check(smp_wait(AP, WAIT_US), "vcpu1 finished"))
		return rt_report();

	rt_printf("guest: apf-smp: vcpu0 %lu faults, vcpu1 %lu faults\n", ve_stats_cpu[0].ve,
		  ve_stats_cpu[AP].ve);
	ve_print_stats_cpu("apf-smp vcpu0", 0);
	ve_print_stats_cpu("apf-smp vcpu1", AP);
	check_side(0);
	check_side(AP);
	return rt_report();
}
