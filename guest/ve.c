/* guest/ve.c: the guest side of faultline's PV protocol (docs/pv-protocol.md, "Guest steps",
 * cited as "step N"): the #VE handler, the completion handler, registration, and the
 * counters and helpers of guest/ve.h.
 *
 * Owns the VE information page and the PV area. Both are in .bss, page-aligned: with lazily
 * backed RAM only the image is present, and the handler must not fault on its own data.
 *
 * The #VE path: ve_trap runs on IST_VE (step 1) with IF=0 (an interrupt gate) and does
 * steps 2-5; it then copies its frame onto the interrupted stack and continues there in
 * ve_finish (guest/isr.S trap_continue), which clears the busy word (step 6) and only then
 * may park (steps 7-8): a parked task must not hold the IST stack, or the next #VE, from
 * any task, would be delivered on top of it. */
#include "guest/rt.h"
#include "guest/sched.h"
#include "guest/trap.h"
#include "guest/ve.h"
#include "lib/string.h"

#define EXIT_BUG	3
#define QUAL_ACCESS	0x7ULL		/* exit qualification bits 0-2: read, write, fetch */
#define QUAL_GLA_VALID	(1ULL << 7)
#define MAX_BAD_REPORTS	8

#define barrier()	asm volatile("" : : : "memory")

static union {
	struct fl_ve_info info;
	u8 page[PAGE_SIZE];
} ve_area __attribute__((aligned(PAGE_SIZE)));

static union {
	struct fl_pv_page pv;
	u8 raw[FL_PV_SIZE];
} pv_area __attribute__((aligned(PAGE_SIZE)));

#define vi	(&ve_area.info)
#define pv	(&pv_area.pv)

struct ve_stats ve_stats;
void (*ve_hook_before_clear)(struct fl_pv_entry *e);
static bool registered;
static u32 depth[SCHED_NTASKS + 1];	/* #VEs in progress, per context: sched_id() + 1 */
static u64 vlog[VE_LOG];		/* gpa of the last #VEs */
static unsigned vlog_n;

static __attribute__((noreturn)) void die(const char *why, u64 a, u64 b)
{
	rt_printf("guest: ve: %s (0x%lx, 0x%lx) in task %s\n", why, a, b, sched_name());
	rt_exit(EXIT_BUG);
}

/* Step 2: the first clear bit of active. */
static unsigned entry_take(void)
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

static void entry_release(unsigned idx)
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

/* Step 4: park only a task that can be parked; everything else is suspended. */
static unsigned decide(const struct trapframe *tf, unsigned ctx)
{
	if (depth[ctx]) {
		ve_stats.why_nested++;
	} else if (!(tf->rflags & RFLAGS_IF)) {
		ve_stats.why_if++;
	} else if (!sched_can_sleep()) {
		ve_stats.why_nosleep++;		/* main's context, idle, or a nosleep section */
	} else {
		ve_stats.cont++;
		return FL_PV_CAN_CONTINUE;
	}
	ve_stats.suspend++;
	return FL_PV_SUSPEND_ME;
}

/* Steps 6-9, on the interrupted stack, IF=0 since the #VE was delivered. */
static void ve_finish(struct trapframe *tf)
{
	unsigned idx = tf->error;
	struct fl_pv_entry *e = &pv->entry[idx];
	struct fl_fault rec;
	u32 state;

	tf->error = 0;
	barrier();
	vi->busy = 0;			/* step 6: off IST_VE, so another #VE may come */

	/* Steps 7-8. The check and park() are in one IF=0 section, and the completion
	 * interrupt is the only waker, so a completion cannot slip in between; the loop
	 * re-checks after every wake. */
	while (e->state == FL_PV_CAN_CONTINUE) {
		ve_stats.parks++;
		park(&e->wait);
	}

	/* Step 9: the host wrote the record before the state, and x86 does not reorder
	 * loads, so rec is complete. */
	state = e->state;
	barrier();
	rec = e->fault;
	e->wait = 0;
	e->state = FL_PV_NONE;
	entry_release(idx);
	depth[sched_id() + 1]--;
	if (state == FL_PV_RESOLVED) {
		ve_stats.resumed++;
		return;			/* IRETQ retries the access */
	}
	if (state != FL_PV_FAIL)
		die("entry in an unexpected state after REPORT", idx, state);
	ve_stats.failed++;
	ve_fail(tf, &rec);
}

/* Steps 1-5, on IST_VE with the busy word set: a fault in here (the test hook's) is
 * resolved synchronously by the hypervisor and never becomes a #VE. */
static void ve_trap(struct trapframe *tf)
{
	u64 gpa = vi->gpa, gla = vi->gla, qual = vi->qual;
	unsigned ctx = sched_id() + 1, idx, decision;
	struct fl_pv_entry *e;
	struct trapframe *dst;
	s64 r;

	ve_stats.ve++;
	vlog[vlog_n++ % VE_LOG] = gpa;
	if (!registered) {
		rt_printf("guest: FAIL #VE without registration: gpa=0x%lx rip=0x%lx\n", gpa,
			  tf->rip);
		rt_exit(EXIT_BUG);
	}
	idx = entry_take();
	e = &pv->entry[idx];
	entry_fill(e, gpa, gla, qual);
	pv->guest_current = idx;
	decision = decide(tf, ctx);
	depth[ctx]++;
	barrier();
	e->state = decision;		/* last: the host reads the record after it */

	r = rt_hypercall(FL_HC_VE_REPORT, idx, decision, 0, 0);	/* step 5 */
	if (r < 0)
		die("FL_HC_VE_REPORT failed", idx, r);
	if (e->host_flags & FL_PV_F_SYNC)
		ve_stats.sync++;
	if (ve_hook_before_clear)
		ve_hook_before_clear(e);

	/* Step 6: the frame goes below the interrupted RSP (guests are built with
	 * -mno-red-zone: nothing lives there), 16-byte aligned for the call. #VE has no error
	 * code, so that slot carries the entry index to ve_finish. */
	dst = (struct trapframe *)ALIGN_DOWN(tf->rsp - sizeof(*tf), 16);
	*dst = *tf;
	dst->error = idx;
	trap_continue(dst, ve_finish);
}

/* Completion (the registered vector, IF=0): host_current first, as the spec says, then
 * every entry, since one interrupt may stand for several completions. */
static void ve_complete(struct trapframe *tf)
{
	(void)tf;
	ve_stats.irqs++;
	ve_stats.host_current = pv->host_current;
	barrier();
	for (unsigned i = 0; i < FL_PV_ENTRIES; i++) {
		struct fl_pv_entry *e = &pv->entry[i];
		u32 state;

		if (!(pv->active[i / 64] & (1ULL << (i % 64))) || !e->wait)
			continue;
		state = e->state;
		if (state == FL_PV_RESOLVED || state == FL_PV_FAIL) {
			ve_stats.completions++;
			wake(&e->wait);
		}
	}
}

void ve_install(unsigned vector)
{
	trap_register(T_VE, ve_trap);
	trap_set_ist(T_VE, IST_VE);
	if (vector >= T_NEXC && vector < T_NVEC)
		trap_register(vector, ve_complete);
}

s64 ve_register(unsigned vector)
{
	s64 r;

	ve_install(vector);
	if (!registered) {
		memset(&ve_area, 0, sizeof(ve_area));
		memset(&pv_area, 0, sizeof(pv_area));
	}
	r = rt_hypercall(FL_HC_VE_REGISTER, (u64)&ve_area, (u64)&pv_area, vector, 0);
	if (r == 0)
		registered = true;
	return r;
}

/* The completion handler stays installed: a completion posted before unregister may still
 * be injected once afterwards (apf/pv.c keeps it pending), and then finds nothing. */
s64 ve_unregister(void)
{
	s64 r = rt_hypercall(FL_HC_VE_UNREGISTER, 0, 0, 0, 0);

	if (r == 0)
		registered = false;
	return r;
}

bool ve_registered(void)
{
	return registered;
}

struct fl_ve_info *ve_info_page(void)
{
	return vi;
}

struct fl_pv_page *ve_pv_page(void)
{
	return pv;
}

void ve_fail(struct trapframe *tf, const struct fl_fault *rec)
{
	rt_printf("guest: FAIL fault record gpa=0x%lx size=%lu gla=0x%lx access=0x%x code=%u "
		  "flags=0x%x rip=0x%lx\n", (u64)rec->gpa, (u64)rec->size, (u64)rec->gla, rec->access, rec->code,
		  rec->flags, tf->rip);
	rt_exit(EXIT_BUG);
}

void ve_print_stats(const char *who)
{
	const struct ve_stats *s = &ve_stats;

	rt_printf("guest: %s: #VE=%lu continue=%lu suspend=%lu (if=%lu nosleep=%lu nested=%lu) "
		  "sync=%lu\n", who, s->ve, s->cont, s->suspend, s->why_if, s->why_nosleep,
		  s->why_nested, s->sync);
	rt_printf("guest: %s: parks=%lu resumed=%lu failed=%lu completion-irqs=%lu "
		  "completions=%lu host-completions=%lu\n", who, s->parks, s->resumed, s->failed,
		  s->irqs, s->completions, registered ? (u64)pv->completions : 0);
}

unsigned ve_seen(u64 gpa)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MIN(vlog_n, VE_LOG); i++)
		n += ALIGN_DOWN(vlog[i], PAGE_SIZE) == ALIGN_DOWN(gpa, PAGE_SIZE);
	return n;
}

/* --- test helpers ---------------------------------------------------------------------- */

u64 ve_test_base(void)
{
	return ALIGN_UP(rt_image_end(), 2ULL << 20) + (2ULL << 20);
}

u64 ve_test_pages(u64 want)
{
	u64 base = ve_test_base(), end = MIN(rt_mem_upper(), RT_MAP_END);

	return end > base ? MIN(want, (end - base) / PAGE_SIZE) : 0;
}

bool ve_touch(u64 gpa)
{
	u64 a = ALIGN_DOWN(gpa, PAGE_SIZE) + (((gpa >> PAGE_SHIFT) * 328) & 0xFF8);

	return *(volatile u64 *)a == fl_pattern(a);
}

u64 ve_check_page(u64 gpa)
{
	static unsigned reports;
	u64 bad = 0, base = ALIGN_DOWN(gpa, PAGE_SIZE);

	for (u64 a = base; a < base + PAGE_SIZE; a += 8) {
		u64 got = *(volatile u64 *)a;

		if (got == fl_pattern(a))
			continue;
		bad++;
		if (reports++ < MAX_BAD_REPORTS)
			rt_printf("guest: at 0x%lx got 0x%lx want 0x%lx\n", a, got, (u64)fl_pattern(a));
	}
	return bad;
}
