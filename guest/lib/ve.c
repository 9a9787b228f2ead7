/* guest/lib/ve.c: the guest side of faultline's PV protocol (docs/pv-protocol.md, "Guest
 * steps", cited as "step N"): the #VE handler, the completion handler, registration, and the
 * counters of guest/lib/ve.h (its test helpers are in guest/lib/vetest.c).
 *
 * Owns each vCPU's VE information page and PV area (struct ve_cpu, indexed by cpu_id()).
 * Both are in .bss, page-aligned: with lazily backed RAM only the image is present, and the
 * handler must not fault on its own data. Nothing here is shared between vCPUs but the
 * handlers and the VM-wide counters (atomic): a #VE is delivered to the vCPU that faulted, its REPORT names an entry of that
 * vCPU's PV area, the completion is injected into that vCPU, and the task it wakes was
 * parked on that vCPU (guest/lib/sched.h), so no lock is needed, only IF=0.
 *
 * The #VE path: ve_trap runs on this vCPU's IST_VE (step 1) with IF=0 (an interrupt gate)
 * and does steps 2-5; it then copies its frame onto the interrupted stack and continues
 * there in ve_finish (guest/lib/isr.S trap_continue), which clears the busy word (step 6) and
 * only then may park (steps 7-8): a parked task must not hold the IST stack, or the next
 * #VE, from any task of this vCPU, would be delivered on top of it. A #VE from ring 3
 * continues on the task's kernel stack instead (guest/lib/user.h): the user stack is not ours
 * to write, and the IRETQ back restores the user RSP anyway. The FAIL outcome of step 9 is
 * guest/lib/fail.c's. */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "guest/lib/ve.h"
#include "lib/string.h"

#define EXIT_BUG	3
#define QUAL_ACCESS	0x7ULL		/* exit qualification bits 0-2: read, write, fetch */
#define QUAL_GLA_VALID	(1ULL << 7)
#define NCTX		(SCHED_NTASKS + 1)	/* contexts: sched_id() + 1 */

#define barrier()	asm volatile("" : : : "memory")

/* One vCPU's side of the protocol. The two areas first: page-aligned. */
struct ve_cpu {
	union {
		struct fl_ve_info info;
		u8 page[PAGE_SIZE];
	} ve;
	union {
		struct fl_pv_page pv;
		u8 raw[FL_PV_SIZE];
	} pv;
	bool registered;
	bool polled;			/* FL_VE_F_POLLED (the guest's "poll" argument) */
	bool mwait;			/* polled: idle in MWAIT ("nomwait": PAUSE) */
	u32 depth[NCTX];		/* #VEs in progress, per context */
	struct ve_ctx_stats ctx[NCTX];
	u64 vlog[VE_LOG];		/* gpa of the last #VEs */
	unsigned vlog_n;
} __attribute__((aligned(PAGE_SIZE)));

static struct ve_cpu vcpus[SMP_MAX_CPUS];
struct ve_stats ve_stats, ve_stats_cpu[SMP_MAX_CPUS];
void (*ve_hook_before_clear)(struct fl_pv_entry *e);

/* Both counters: the VM's (atomic: any vCPU) and this vCPU's. */
#define STAT_INC(f) do {							\
	__atomic_add_fetch(&ve_stats.f, 1, __ATOMIC_RELAXED);			\
	ve_stats_cpu[cpu_id()].f++;						\
} while (0)

static inline struct ve_cpu *me(void)
{
	return &vcpus[cpu_id()];
}

static __attribute__((noreturn)) void die(const char *why, u64 a, u64 b)
{
	rt_printf("guest: ve: %s (0x%lx, 0x%lx) in task %s, vcpu%u\n", why, a, b, sched_name(),
		  cpu_id());
	rt_exit(EXIT_BUG);
}

/* Step 2: the first clear bit of active. */
static unsigned entry_take(struct fl_pv_page *pv)
{
	for (unsigned w = 0; w < FL_PV_ENTRIES / 64; w++) {
		u64 a = pv->active[w];
		unsigned bit;

		if (a == ~0ULL)
			continue;
		bit = __builtin_ctzll(~a);
		pv->active[w] = a | (1ULL << bit);
		return w * 64 + bit;
	}
	die("no free PV entry: too many faults in flight", FL_PV_ENTRIES, 0);
}

static void entry_release(struct fl_pv_page *pv, unsigned idx)
{
	pv->active[idx / 64] &= ~(1ULL << (idx % 64));
}

/* Step 3. host_flags and wait are reset too: they are left over from the entry's last use. */
static void entry_fill(struct fl_pv_entry *e, u64 gpa, u64 gla, u64 qual)
{
	e->fault = (struct fl_fault){
		.gpa = ALIGN_DOWN(gpa, PAGE_SIZE),
		.size = PAGE_SIZE,
		.gla = gla,
		.access = qual & QUAL_ACCESS,
		.flags = (qual & QUAL_GLA_VALID) ? FL_FAULT_GLA_VALID : 0,
	};
	e->qual = qual;
	e->host_flags = 0;
	e->wait = 0;
}

/* Step 4: park only a task that can be parked; everything else is suspended. Ring 3
 * always can: IF is 1 there, it is never inside a #VE handler or a nosleep section, and
 * only tasks run there. */
static unsigned decide(const struct trapframe *tf, struct ve_cpu *c, unsigned ctx)
{
	if (trap_user_mode(tf)) {
		STAT_INC(cont);
		return FL_PV_CAN_CONTINUE;
	}
	if (c->depth[ctx]) {
		STAT_INC(why_nested);
	} else if (!(tf->rflags & RFLAGS_IF)) {
		STAT_INC(why_if);
	} else if (!sched_can_sleep()) {
		STAT_INC(why_nosleep);		/* a main context, idle, or a nosleep section */
	} else {
		STAT_INC(cont);
		return FL_PV_CAN_CONTINUE;
	}
	STAT_INC(suspend);
	return FL_PV_SUSPEND_ME;
}

/* Steps 6-9, on the interrupted stack, IF=0 since the #VE was delivered. The task cannot
 * have moved to another vCPU meanwhile: this is still its vCPU's PV area. */
static void ve_finish(struct trapframe *tf)
{
	struct ve_cpu *c = me();
	struct fl_pv_page *pv = &c->pv.pv;
	unsigned idx = tf->error, ctx = sched_id() + 1;
	struct fl_pv_entry *e = &pv->entry[idx];
	struct fl_fault rec;
	u32 state;

	tf->error = 0;
	barrier();
	c->ve.info.busy = 0;		/* step 6: off IST_VE, so another #VE may come */

	/* Steps 7-8. The check and park() are in one IF=0 section, and the completion
	 * interrupt is the only waker, so a completion cannot slip in between; the loop
	 * re-checks after every wake. */
	if (e->state == FL_PV_CAN_CONTINUE)
		c->ctx[ctx].parked++;
	while (e->state == FL_PV_CAN_CONTINUE) {
		STAT_INC(parks);
		park(&e->wait);
	}

	/* Step 9: the host wrote the record before the state, and x86 does not reorder
	 * loads, so rec is complete. */
	state = e->state;
	barrier();
	rec = e->fault;
	e->wait = 0;
	e->state = FL_PV_NONE;
	entry_release(pv, idx);
	c->depth[ctx]--;
	if (state == FL_PV_RESOLVED) {
		STAT_INC(resumed);
		c->ctx[ctx].resumed++;
		return;			/* IRETQ retries the access */
	}
	if (state != FL_PV_FAIL)
		die("entry in an unexpected state after REPORT", idx, state);
	STAT_INC(failed);
	c->ctx[ctx].failed++;
	ve_fail(tf, &rec);
}

/* Steps 1-5, on IST_VE with the busy word set: a fault in here (the test hook's) is
 * resolved synchronously by the hypervisor and never becomes a #VE. */
static void ve_trap(struct trapframe *tf)
{
	struct ve_cpu *c = me();
	struct fl_ve_info *vi = &c->ve.info;
	struct fl_pv_page *pv = &c->pv.pv;
	u64 gpa = vi->gpa, gla = vi->gla, qual = vi->qual;
	unsigned ctx = sched_id() + 1, idx, decision;
	struct fl_pv_entry *e;
	struct trapframe *dst;
	u64 sp;
	s64 r;

	STAT_INC(ve);
	c->ctx[ctx].ve++;
	c->vlog[c->vlog_n++ % VE_LOG] = gpa;
	if (!c->registered) {
		rt_printf("guest: FAIL #VE without registration: gpa=0x%lx rip=0x%lx vcpu%u\n",
			  gpa, tf->rip, cpu_id());
		rt_exit(EXIT_BUG);
	}
	idx = entry_take(pv);
	e = &pv->entry[idx];
	entry_fill(e, gpa, gla, qual);
	pv->guest_current = idx;
	decision = decide(tf, c, ctx);
	c->depth[ctx]++;
	barrier();
	e->state = decision;		/* last: the host reads the record after it */

	if (c->polled && decision == FL_PV_CAN_CONTINUE) {
		/* Polled mode: post, then look whether a worker polls (the locked OR is a
		 * full barrier: the host stores host_polling = 0, fences, then looks at
		 * posted); if none does, the REPORT hypercall rings the doorbell. */
		__atomic_fetch_or(&pv->posted[idx / 64], 1ULL << (idx % 64), __ATOMIC_SEQ_CST);
		STAT_INC(posted);
		r = 0;
		if (!__atomic_load_n(&pv->host_polling, __ATOMIC_SEQ_CST)) {
			STAT_INC(doorbells);
			r = rt_hypercall(FL_HC_VE_REPORT, FL_PV_DOORBELL, 0, 0, 0);
		}
	} else {
		r = rt_hypercall(FL_HC_VE_REPORT, idx, decision, 0, 0);	/* step 5 */
	}
	if (r < 0)
		die("FL_HC_VE_REPORT failed", idx, r);
	if (e->host_flags & FL_PV_F_SYNC) {
		STAT_INC(sync);
		c->ctx[ctx].sync++;
	}
	if (ve_hook_before_clear)
		ve_hook_before_clear(e);

	/* Step 6: the frame goes below the interrupted RSP (guests are built with
	 * -mno-red-zone: nothing lives there), 16-byte aligned for the call; from ring 3, at
	 * the top of the task's kernel stack (TSS.rsp0, empty while it runs in ring 3). #VE
	 * has no error code, so that slot carries the entry index to ve_finish. */
	sp = trap_user_mode(tf) ? trap_rsp0() : tf->rsp;
	dst = (struct trapframe *)ALIGN_DOWN(sp - sizeof(*tf), 16);
	*dst = *tf;
	dst->error = idx;
	trap_continue(dst, ve_finish);
}

/* Completion (the registered vector, IF=0), for this vCPU's own PV area: host_current
 * first, as the spec says, then every entry, since one interrupt may stand for several
 * completions. */
static void complete_scan(struct fl_pv_page *pv)
{
	/* completions first: every completion it counts has its state written before. */
	u64 seen = __atomic_load_n(&pv->completions, __ATOMIC_ACQUIRE);

	ve_stats.host_current = ve_stats_cpu[cpu_id()].host_current = pv->host_current;
	barrier();
	for (unsigned i = 0; i < FL_PV_ENTRIES; i++) {
		struct fl_pv_entry *e = &pv->entry[i];
		u32 state;

		if (!(pv->active[i / 64] & (1ULL << (i % 64))) || !e->wait)
			continue;
		state = e->state;
		if (state == FL_PV_RESOLVED || state == FL_PV_FAIL) {
			STAT_INC(completions);
			wake(&e->wait);
		}
	}
	__atomic_store_n(&pv->consumed, seen, __ATOMIC_RELEASE);	/* polled: acted on */
}

static void ve_complete(struct trapframe *tf)
{
	(void)tf;
	STAT_INC(irqs);
	complete_scan(&me()->pv.pv);
}

/* Polled mode, at every schedule point (sched_poll_hook, IF=0): one load when nothing
 * completed since the last look. */
static bool ve_poll(void)
{
	struct ve_cpu *c = me();
	struct fl_pv_page *pv = &c->pv.pv;

	if (!c->polled)
		return false;
	if (__atomic_load_n(&pv->completions, __ATOMIC_ACQUIRE) !=
	    __atomic_load_n(&pv->consumed, __ATOMIC_RELAXED)) {
		STAT_INC(polls);
		complete_scan(pv);
	}
	return true;
}

/* CPUID.1:ECX.MONITOR[bit 3]: MONITOR/MWAIT offered (faultline shows it; the VMCS does not
 * intercept either). */
static bool have_mwait(void)
{
	u32 a, b, c, d;
	rt_cpuid(1, 0, &a, &b, &c, &d);
	return c & (1u << 3);
}

/* Polled mode's idle (sched_wait_hook, IF=0): arm the monitor on the completions word,
 * look once more (a store between the last poll and MONITOR would otherwise be waited
 * for), then MWAIT. ECX bit 0 makes an interrupt a break event even with IF=0, and the
 * STI before it opens the window after the instruction, as "sti; hlt" does: the
 * deadline's completion vector (docs/pv-protocol.md) ends the wait if the store does not,
 * so nothing is waited for longer than the deadline. */
static bool ve_idle_wait(void)
{
	struct ve_cpu *c = me();
	struct fl_pv_page *pv = &c->pv.pv;

	if (!c->polled || !c->mwait)
		return false;
	u64 seen = __atomic_load_n(&pv->consumed, __ATOMIC_RELAXED);
	asm volatile("monitor" : : "a"(&pv->completions), "c"(0), "d"(0) : "memory");
	if (__atomic_load_n(&pv->completions, __ATOMIC_ACQUIRE) != seen)
		return true;	/* completed meanwhile: the next poll takes it */
	STAT_INC(mwaits);
	asm volatile("sti; mwait; cli" : : "a"(0), "c"(1) : "memory");
	if (__atomic_load_n(&pv->completions, __ATOMIC_ACQUIRE) != seen)
		STAT_INC(mwait_stores);
	return true;
}

/* The IDT is shared: installing again from another vCPU writes the same values. */
void ve_install(unsigned vector)
{
	trap_register(T_VE, ve_trap);
	trap_set_ist(T_VE, IST_VE);
	if (vector >= T_NEXC && vector < T_NVEC)
		trap_register(vector, ve_complete);
}

s64 ve_register(unsigned vector)
{
	struct ve_cpu *c = me();
	s64 r;

	ve_install(vector);
	if (!c->registered) {
		memset(&c->ve, 0, sizeof(c->ve));
		memset(&c->pv, 0, sizeof(c->pv));
	}
	/* "poll" among the guest's arguments: polled mode (docs/pv-protocol.md). */
	c->polled = rt_arg_has(rt_cmdline(), "poll");
	r = rt_hypercall(FL_HC_VE_REGISTER, (u64)&c->ve, (u64)&c->pv, vector,
			 c->polled ? FL_VE_F_POLLED : 0);
	if (r == 0)
		c->registered = true;
	else
		c->polled = false;
	if (c->polled) {
		sched_poll_hook = ve_poll;	/* shared: ve_poll looks at its own vCPU */
		c->mwait = !rt_arg_has(rt_cmdline(), "nomwait") && have_mwait();
		sched_wait_hook = ve_idle_wait;
	}
	return r;
}

void ve_hold(bool on)
{
	__atomic_store_n(&me()->ve.info.busy, on ? FL_VE_BUSY : 0, __ATOMIC_SEQ_CST);
}

/* The completion handler stays installed: a completion posted before unregister may still
 * be injected once afterwards (apf/pv.c keeps it pending), and then finds nothing. */
s64 ve_unregister(void)
{
	s64 r = rt_hypercall(FL_HC_VE_UNREGISTER, 0, 0, 0, 0);

	if (r == 0)
		me()->registered = me()->polled = false;	/* the idle loop halts again */
	return r;
}

bool ve_registered(void)
{
	return me()->registered;
}

struct fl_ve_info *ve_info_page(void)
{
	return &me()->ve.info;
}

struct fl_pv_page *ve_pv_page(void)
{
	return &me()->pv.pv;
}

const struct ve_ctx_stats *ve_ctx_stats(int id)
{
	unsigned ctx = (unsigned)(id + 1);

	return &me()->ctx[ctx < NCTX ? ctx : 0];
}

void ve_ctx_stats_reset(void)
{
	memset(me()->ctx, 0, sizeof(me()->ctx));
}

static void print_stats(const char *who, const struct ve_stats *s, u64 hc)
{
	rt_printf("guest: %s: #VE=%lu continue=%lu suspend=%lu (if=%lu nosleep=%lu nested=%lu) "
		  "sync=%lu\n", who, s->ve, s->cont, s->suspend, s->why_if, s->why_nosleep,
		  s->why_nested, s->sync);
	rt_printf("guest: %s: parks=%lu resumed=%lu failed=%lu completion-irqs=%lu "
		  "completions=%lu host-completions=%lu\n", who, s->parks, s->resumed, s->failed,
		  s->irqs, s->completions, hc);
	if (s->posted)
		rt_printf("guest: %s: polled: posted=%lu doorbells=%lu polls=%lu mwaits=%lu "
			  "(ended by the host's store: %lu)\n", who, s->posted, s->doorbells,
			  s->polls, s->mwaits, s->mwait_stores);
}

/* The host's count of completions, from a vCPU's PV area: 0 if it never registered, and
 * still there after it unregistered (only a new registration clears the area). */
static u64 host_completions(unsigned cpu)
{
	return vcpus[cpu].pv.pv.completions;
}

void ve_print_stats_cpu(const char *who, unsigned cpu)
{
	print_stats(who, &ve_stats_cpu[cpu], host_completions(cpu));
}

void ve_print_stats(const char *who)
{
	u64 hc = 0;

	for (unsigned i = 0; i < SMP_MAX_CPUS; i++)
		hc += host_completions(i);
	print_stats(who, &ve_stats, hc);
}

unsigned ve_seen(u64 gpa)
{
	const struct ve_cpu *c = me();
	unsigned n = 0;

	for (unsigned i = 0; i < MIN(c->vlog_n, VE_LOG); i++)
		n += ALIGN_DOWN(c->vlog[i], PAGE_SIZE) == ALIGN_DOWN(gpa, PAGE_SIZE);
	return n;
}
