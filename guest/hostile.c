/* guest/hostile.c: a hostile guest (issue 11, "Proof that it holds"). It makes calls=N
 * (default 150000; tests/t_hostile.sh asks 120000) hypercalls with random numbers and edge-case arguments, scribbles over
 * its PV page and VE information page, and meanwhile has real asynchronous faults in
 * flight: the hypervisor is the thing under test. The guest's only job is to stay alive,
 * count, and check what it can check without trusting the hypervisor: its own real faults
 * complete, the pages it was given hold the pattern, and its memory is not rewritten.
 *
 * Everything random comes from xorshift64* streams seeded from rng=N on the command line
 * (default 1; one stream per task and vCPU), so a failure can be replayed; the timing of
 * completions still varies a little from run to run.
 *
 * Who does what (vCPU 0 runs tasks, guest/sched.h):
 *  - three touchers (kernel tasks) touch pages= (default 512) pages each of the lazily
 *    backed region, paced
 *    over the whole run, so #VEs and completions are real and interleave with the chaos;
 *    each page's first word is then overwritten with a marker, and at the end every word
 *    of every page is verified (a page produced twice would have lost its marker);
 *  - two user tasks (ring 3, guest/user.h) make random VMCALLs, each of which must come
 *    back FL_EPERM (FL_HC_EXIT included: from ring 3 it must not stop the VM), and touch
 *    pages of their own (ring-3 #VEs);
 *  - two chaos tasks run "sections" with interrupts off: a burst of random actions, then
 *    everything the runtime (guest/ve.c) relies on is put back before interrupts are on;
 *  - with vcpus>=2, vCPU 1 runs the same chaos on its own registration, and races vCPU 0:
 *    it rewrites entries [32, 48) of vCPU 0's PV page while vCPU 0 REPORTs them, and sets
 *    vCPU 0's busy word.
 *
 * The actions of a section: any hypercall but FL_HC_EXIT (random numbers, known or not,
 * including ones that alias FL_HC_EXIT if truncated; arguments 0, ~0, 2^63, RAM size,
 * RAM size - 1, unaligned, page-crossing, huge lengths, vectors 0..300, flags, indexes
 * 0..71 and huge, random decisions); random bytes into PV entries, the active bitmap,
 * host_current/completions, the VE information fields and the busy word; REPORTs of
 * entries it prepared (any gpa: absent pages, pages in flight, present ones, out of RAM);
 * unregistering and registering at decoy areas (in .bss or in lazy RAM), with any vector
 * (a completion on another vector than VE_VECTOR is handed on to the runtime's handler).
 *
 * What keeps the guest alive (the runtime's #VE handler shares the PV page with the chaos):
 * entries [0, 32) of vCPU 0's page are the runtime's: a section may scribble them, but it
 * puts their state and active bits back, writes the state of an entry the host holds only
 * by compare-and-swap from its own last value and never as RESOLVED/FAIL (so a completion
 * the host posts meanwhile is never lost), never lets a REPORT of one be accepted, and
 * never writes a wait word (the completion handler wakes whatever it names). A section
 * touches no absent page (a #VE inside it would find the page half-scribbled), and ends
 * registered at the real areas. Valid REGISTERs are pointed at areas the guest owns, and
 * valid VCPU_STARTs are turned into invalid ones (vCPU 1 is started first, so a random
 * index 1 is FL_EBUSY). PUTS prints only a buffer of harmless text, from vCPU 0, at most
 * PUTS_BUDGET times. The hypervisor logs every successful registration, and its console
 * runs at the emulated line speed: past REG_BUDGET successful REGISTERs, no UNREGISTER is
 * tried but to put things back.
 *
 * Every result is compared with what docs/pv-protocol.md and include/faultline.h say it
 * must be, as far as the guest can know (an entry the host may complete at any moment
 * allows two answers); a result outside that is a "surprise", printed in full. At the end:
 * "guest: hostile: N hypercalls, M faults, results: ok=.. enosys=.. ..." and the checks;
 * the exit is FL_HC_EXIT(status), the only one. nolazy on the command line: RAM is not
 * lazily backed (no faults expected, untouched RAM reads 0).
 *
 * Bochs runs about 35,000-55,000 of these hypercalls per second of guest time; the host
 * spends about 45 s of CPU on a 120,000-call test (tests/t_hostile.sh). */
#include "guest/rt.h"
#include "guest/sched.h"
#include "guest/smp.h"
#include "guest/trap.h"
#include "guest/user.h"
#include "guest/ve.h"
#include "lib/string.h"

#define AP		1
#define NTOUCH		3
#define NCHAOS		2
#define NUSER		2
#define UPAGES		64		/* pages each user task touches */
#define HOST_LO		32		/* vCPU 0: entries [HOST_LO, 64) are the chaos's own */
#define CONTEST_HI	48		/* [HOST_LO, CONTEST_HI): vCPU 1 rewrites them too */
#define LOWMASK		((1ULL << HOST_LO) - 1)
#define PUTS_BUDGET	64		/* successful FL_HC_PUTS, in all */
#define PUTS_LEN	32		/* ... of at most this many bytes */
#define REG_BUDGET	48		/* successful FL_HC_VE_REGISTERs, in all */
#define MAX_SHOW	20		/* surprises printed in full */
#define WAIT_US		(5ULL * 1000 * 1000)	/* guest time for outstanding faults to end */
#define MARK		0x686f7374696c6521ULL	/* "hostile!" */
#define BAD_VEC		USER_VECTOR	/* never registered: the system call gate */
#define PV_USED		sizeof(struct fl_pv_page)
#define VE_USED		sizeof(struct fl_ve_info)

#define M(k)		(1u << (k))

/* ---- hypercalls and their results ---- */

enum { R_OK, R_ENOSYS, R_EINVAL, R_EFAULT, R_EBUSY, R_ENOENT, R_EPERM, R_OTHER, R_N };
static const char *const rnames[R_N] = {
	"ok", "enosys", "einval", "efault", "ebusy", "enoent", "eperm", "other"
};
#define ANY_REPORT	(M(R_OK) | M(R_EINVAL) | M(R_EBUSY) | M(R_EFAULT))

enum { K_VERSION, K_PUTS, K_TSC, K_START, K_INFO, K_REGISTER, K_UNREGISTER, K_REPORT,
       K_UNKNOWN, K_N };
static const char *const knames[K_N] = {
	"version", "puts", "tsc", "start", "info", "register", "unregister", "report", "unknown"
};

static inline __attribute__((always_inline)) s64 vmcall(u64 nr, u64 a, u64 b, u64 c, u64 d)
{
	asm volatile("vmcall" : "+a"(nr), "+b"(a), "+c"(b), "+d"(c), "+S"(d) : : "memory");
	return (s64)nr;
}

static unsigned rclass(s64 r)
{
	if (r >= 0)
		return R_OK;
	if (r >= FL_EPERM)
		return (unsigned)-r;
	return R_OTHER;
}

#define INC(x)		__atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)

static struct {
	u64 calls, res[R_N], kind[K_N];		/* ring 0, both vCPUs */
	u64 calls_cpu[2];
	u64 acc_cont, acc_susp, async;		/* the chaos's accepted REPORTs */
	u64 surprises, scribbles, sections, decoys, regs, puts_ok, forwarded, drains;
	u64 t_sect, t_drain, t_report;		/* vCPU 0's guest time (TSC) */
} st;

static volatile u32 stop;
static u64 target = 150000, ram, nvcpus = 1, tsc_khz_ref;
static bool lazy = true, ap_running;
static volatile u32 ap_ready, ap_go;

static void mask_names(unsigned want, char *ws, unsigned size)
{
	unsigned n = 0;

	for (unsigned k = 0; k < R_N; k++)
		if (want & M(k)) {
			const char *s = rnames[k];

			if (n && n < size - 1)
				ws[n++] = '|';
			while (*s && n < size - 1)
				ws[n++] = *s++;
		}
	ws[n] = 0;
}

/* A result the documentation does not allow: counted, and the first MAX_SHOW printed. */
static void surprise(unsigned cpu, const char *what, u64 nr, u64 a, u64 b, u64 c, u64 d,
		     s64 got, unsigned want, s64 exact)
{
	char ws[64];

	if (INC(st.surprises) > MAX_SHOW)
		return;
	if (want)
		mask_names(want, ws, sizeof(ws));
	rt_printf("\nguest: hostile: SURPRISE vcpu%u %s: nr=0x%lx args=(0x%lx, 0x%lx, 0x%lx, "
		  "0x%lx) -> %ld, expected %s", cpu, what, nr, a, b, c, d, got, want ? ws : "");
	if (!want)
		rt_printf("%ld", exact);
	rt_printf("\n");
}

/* A check after a call (the entry it left behind): x, y say what was seen. */
static void odd_entry(unsigned cpu, const char *what, u64 idx, u64 dec, u64 x, u64 y)
{
	if (INC(st.surprises) > MAX_SHOW)
		return;
	rt_printf("\nguest: hostile: SURPRISE vcpu%u: %s: REPORT(index=0x%lx, decision=0x%lx): "
		  "0x%lx, 0x%lx\n", cpu, what, idx, dec, x, y);
}

/* One hypercall from ring 0: counted, and checked against the results allowed (want, a
 * mask of R_*) or, with want 0, against one exact value. */
static s64 hv(unsigned cpu, unsigned kind, u64 nr, u64 a, u64 b, u64 c, u64 d, unsigned want,
	      s64 exact)
{
	s64 r = vmcall(nr, a, b, c, d);
	unsigned k = rclass(r);

	INC(st.calls);
	INC(st.calls_cpu[cpu]);
	INC(st.res[k]);
	INC(st.kind[kind]);
	if (want ? !(want & M(k)) : r != exact)
		surprise(cpu, knames[kind], nr, a, b, c, d, r, want, exact);
	return r;
}

/* ---- randomness ---- */

struct rng {
	u64 s;
};

static u64 rnd(struct rng *r)
{
	u64 x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static u64 below(struct rng *r, u64 n)
{
	return n ? rnd(r) % n : 0;
}

static bool chance(struct rng *r, unsigned pct)
{
	return below(r, 100) < pct;
}

static u64 seed = 1;

static void rng_init(struct rng *r, u64 stream)
{
	u64 x = seed * 0x9E3779B97F4A7C15ULL + stream * 0xBF58476D1CE4E5B9ULL + 1;

	x ^= x >> 31;
	x *= 0x94D049BB133111EBULL;
	x ^= x >> 29;
	r->s = x ? x : 1;
}

/* ---- memory layout ---- */

static u64 tbase, tpages = 512, ubase, fbase, fend;	/* touchers, users, fodder */
static u8 decoy[2][3][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));	/* VE, PV (2 pages) */
static u64 canary[2][PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));
static char putsbuf[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define PUTS_LO		(PAGE_SIZE - 96)	/* the text straddles the page boundary */
#define PUTS_HI		(PAGE_SIZE + 96)
extern char __image_start[], __image_end[];

struct tjob {
	u64 base, n, first_bad, bad_words;
	volatile u64 done;
};

static struct tjob tjobs[NTOUCH];

static u64 canary_val(u64 a)
{
	return fl_pattern_seed(0x5A5A, a) ^ MARK;
}

/* What an untouched page of the region holds. */
static u64 want_word(u64 a)
{
	return lazy ? ve_pattern(a) : 0;
}

static u64 marker(u64 a)
{
	return ~want_word(a) ^ MARK;
}

static u64 rand_page(struct rng *r, u64 lo, u64 hi)
{
	return hi > lo ? lo + below(r, (hi - lo) / PAGE_SIZE) * PAGE_SIZE : lo;
}

/* Any 64-bit argument, biased to the edges. */
static u64 edge(struct rng *r)
{
	switch (below(r, 18)) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return 1ULL << 63;
	case 3: return ram;
	case 4: return ram - 1;
	case 5: return ram - PAGE_SIZE;
	case 6: return ram + PAGE_SIZE;
	case 7: return 1ULL << 32;
	case 8: return (1ULL << 32) - 1;
	case 9: return below(r, ram);
	case 10: return rand_page(r, 0, ram);
	case 11: return rand_page(r, 0, ram) + PAGE_SIZE - 1 - below(r, 8);	/* page-crossing */
	case 12: return below(r, 301);
	case 13: return rnd(r) >> below(r, 64);
	case 14: return -below(r, 4097);
	case 15: return (1ULL << 63) | below(r, ram);
	case 16: return (1ULL << 32) | below(r, 256);
	default: return rnd(r);
	}
}

/* A gpa to put into a PV entry's record before a REPORT. present: only pages that are
 * there already (a SUSPEND_ME of an absent page holds the vCPU for the backing latency). */
static u64 report_gpa(struct rng *r, bool present)
{
	unsigned k = (unsigned)below(r, 100);
	u64 off = chance(r, 30) ? below(r, PAGE_SIZE) : 0;

	if (present && k < 35)
		k = 35 + (unsigned)below(r, 30);
	if (k < 25)
		return rand_page(r, fbase, fend) + off;			/* absent, mostly */
	if (k < 35) {
		/* A toucher's next pages: in flight, or about to be (the REPORT joins the
		 * fault, or the fault finds the page there) */
		if (chance(r, 70))
			return rand_page(r, fbase, fend) + off;
		const struct tjob *j = &tjobs[below(r, NTOUCH)];

		return j->base + MIN(j->done + below(r, 3), j->n - 1) * PAGE_SIZE + off;
	}
	if (k < 45)
		return (u64)canary[below(r, 2)] + off;
	if (k < 55)
		return rand_page(r, (u64)__image_start, (u64)__image_end) + off;
	if (k < 60)
		return (u64)(chance(r, 50) ? (void *)ve_pv_page() : (void *)ve_info_page()) + off;
	if (k < 70) {
		static const u64 in[] = { 0, 1, 4095, 4096 };

		return chance(r, 50) ? ram - 1 - below(r, 8) : in[below(r, 4)];
	}
	switch (below(r, 7)) {					/* outside RAM */
	case 0: return ram;
	case 1: return ram + below(r, 1ULL << 30);
	case 2: return ~0ULL;
	case 3: return 1ULL << 63;
	case 4: return -PAGE_SIZE;
	case 5: return rnd(r) | (1ULL << 40);
	default: return (1ULL << 32) + ram;
	}
}

static u32 state_val(struct rng *r)
{
	static const u32 v[] = { 0, 1, 2, 3, 4, 5, 7, 0xFFFFFFFFu, 0x80000001u, 0x100 + 1 };

	return chance(r, 85) ? v[below(r, ARRAY_SIZE(v))] : (u32)rnd(r);
}

/* ---- one vCPU's chaos ---- */

struct eng {
	unsigned cpu;
	struct fl_pv_page *real_pv;
	struct fl_ve_info *real_ve;
	u64 cur_ve, cur_pv, cur_vec;	/* the registration the host has, when hreg */
	bool hreg;
	u64 inflight;			/* entries of the current page the host may hold */
	u32 last[FL_PV_ENTRIES];	/* what we last wrote into such an entry's state */
	unsigned host_lo;		/* real page: [0, host_lo) are the runtime's */
	/* A section of vCPU 0: the runtime's entries as they were. */
	u64 rt_active, rt_inflight;
	u32 rt_saved[FL_PV_ENTRIES];
};

static struct eng engs[2];

static struct fl_pv_page *cur_page(const struct eng *e)
{
	return e->hreg ? (struct fl_pv_page *)e->cur_pv : NULL;
}

static bool on_real(const struct eng *e, const struct fl_pv_page *p)
{
	return p == e->real_pv;
}

static bool runtime_entry(const struct eng *e, const struct fl_pv_page *p, u64 i)
{
	return on_real(e, p) && i < e->host_lo;
}

/* Written by vCPU 1 at any moment: nothing about it can be predicted. */
static bool contested(const struct eng *e, const struct fl_pv_page *p, u64 i)
{
	return ap_running && e->cpu == 0 && on_real(e, p) && i >= HOST_LO && i < CONTEST_HI;
}

/* The state of an entry the host may complete at any moment: only by compare-and-swap from
 * what we wrote last, and never RESOLVED or FAIL (the host's values), so a completion is
 * neither overwritten nor mistaken for ours. False once the host has completed it. */
static bool cas_state(struct fl_pv_entry *en, u32 *last, u32 v)
{
	u32 old = *last;

	if (v == FL_PV_RESOLVED || v == FL_PV_FAIL)
		v += 0x100;
	if (!__atomic_compare_exchange_n(&en->state, &old, v, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return false;
	*last = v;
	return true;
}

static void put_state(struct eng *e, struct fl_pv_page *p, unsigned i, u32 v)
{
	struct fl_pv_entry *en = &p->entry[i];
	u64 bit = 1ULL << i;

	if (runtime_entry(e, p, i)) {
		if (e->rt_inflight & bit) {
			if (!cas_state(en, &e->last[i], v)) {
				e->rt_inflight &= ~bit;		/* completed: keep the host's */
				e->rt_saved[i] = en->state;
			}
			return;
		}
		en->state = v;				/* put back at the end */
		return;
	}
	if (p == cur_page(e) && (e->inflight & bit)) {
		if (!cas_state(en, &e->last[i], v))
			e->inflight &= ~bit;
		return;
	}
	en->state = v;
}

/* Bits of the active word under mask take the values in val; atomic, since vCPU 1 changes
 * bits of vCPU 0's word at the same time. */
static void set_active(volatile unsigned long long *w, u64 mask, u64 val)
{
	unsigned long long old = __atomic_load_n(w, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(w, &old, (old & ~mask) | (val & mask), false,
					    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		;
}

/* vCPU 0: the runtime's entries before a section, and putting them back after it. */
static void rt_snapshot(struct eng *e)
{
	struct fl_pv_page *p = e->real_pv;
	u64 act = p->active[0];

	e->rt_active = act & LOWMASK;
	e->rt_inflight = 0;
	for (unsigned i = 0; i < e->host_lo; i++) {
		u32 s = p->entry[i].state;

		e->rt_saved[i] = s;
		if ((act >> i & 1) && s == FL_PV_CAN_CONTINUE) {
			e->rt_inflight |= 1ULL << i;	/* the host holds it, or just completed it */
			e->last[i] = s;
		}
	}
}

static void rt_restore(struct eng *e)
{
	struct fl_pv_page *p = e->real_pv;

	for (unsigned i = 0; i < e->host_lo; i++) {
		if (e->rt_inflight & (1ULL << i))
			cas_state(&p->entry[i], &e->last[i], FL_PV_CAN_CONTINUE);
		else
			p->entry[i].state = e->rt_saved[i];
	}
	set_active(&p->active[0], LOWMASK, e->rt_active);
	e->rt_inflight = 0;
}

/* ---- REPORT ---- */

/* What REPORT(idx, dec) may return now (docs/pv-protocol.md, "REPORT"). *held: the host may
 * hold the entry (and complete it while we look), so it cannot be compared after the call. */
static unsigned report_want(const struct eng *e, struct fl_pv_page *p, u64 idx, u64 dec,
			    bool *held)
{
	struct fl_pv_entry *en;
	u64 bit = 1ULL << (idx & 63);

	*held = p && idx < FL_PV_ENTRIES &&
		(runtime_entry(e, p, idx) ? e->rt_inflight & bit : e->inflight & bit);
	if (!e->hreg)
		return M(R_ENOENT);
	if (idx >= FL_PV_ENTRIES || (dec != FL_PV_CAN_CONTINUE && dec != FL_PV_SUSPEND_ME))
		return M(R_EINVAL);
	if (contested(e, p, idx))
		return ANY_REPORT;
	en = &p->entry[idx];
	if (!(p->active[0] & bit) || en->state != dec)
		return M(R_EINVAL);
	if (*held)	/* held; or completed just now, and then no longer in that state */
		return M(R_EBUSY) | M(R_EINVAL);
	return en->fault.gpa >= ram ? M(R_EFAULT) : M(R_OK);
}

static bool same_record(const struct fl_pv_entry *a, const struct fl_pv_entry *b)
{
	return a->fault.gpa == b->fault.gpa && a->fault.size == b->fault.size &&
	       a->fault.gla == b->fault.gla && a->fault.access == b->fault.access &&
	       a->fault.code == b->fault.code && a->fault.flags == b->fault.flags &&
	       a->fault.reserved == b->fault.reserved && a->qual == b->qual && a->wait == b->wait;
}

static void do_report(struct eng *e, struct rng *r, u64 idx, u64 dec)
{
	struct fl_pv_page *p = cur_page(e);
	struct fl_pv_entry before, *en = NULL;
	bool held, watch;
	unsigned want;
	u64 c = rnd(r), d = edge(r);
	s64 res;

	if (p && idx < FL_PV_ENTRIES) {
		en = &p->entry[idx];
		/* Never let the host take one of the runtime's entries it does not hold. */
		if (runtime_entry(e, p, idx) && !(e->rt_inflight & (1ULL << idx)) &&
		    (p->active[0] >> idx & 1) && en->state == dec &&
		    (dec == FL_PV_CAN_CONTINUE || dec == FL_PV_SUSPEND_ME))
			dec = 3 - dec;
		before = *en;
	}
	want = report_want(e, p, idx, dec, &held);
	watch = en && !contested(e, p, idx);
	u64 tr = rt_tsc();

	res = hv(e->cpu, K_REPORT, FL_HC_VE_REPORT, idx, dec, c, d, want, 0);
	if (e->cpu == 0)
		st.t_report += rt_tsc() - tr;
	if (res == 0) {
		INC(*(dec == FL_PV_SUSPEND_ME ? &st.acc_susp : &st.acc_cont));
		if (!watch)
			return;
		u32 s = en->state, f = en->host_flags;

		if (dec == FL_PV_SUSPEND_ME && (s != FL_PV_RESOLVED || !(f & FL_PV_F_SYNC)))
			odd_entry(e->cpu, "accepted SUSPEND_ME, but the entry is not RESOLVED "
				  "with F_SYNC (state, host_flags)", idx, dec, s, f);
		if (dec == FL_PV_CAN_CONTINUE) {
			if (s == FL_PV_CAN_CONTINUE) {
				e->inflight |= 1ULL << idx;
				e->last[idx] = s;
				INC(st.async);
			} else if (s != FL_PV_RESOLVED) {
				odd_entry(e->cpu, "accepted CAN_CONTINUE left the entry neither "
					  "CAN_CONTINUE nor RESOLVED (state, host_flags)", idx, dec,
					  s, f);
			}
		}
		if (!same_record(&before, en))
			odd_entry(e->cpu, "accepted, and the host changed the entry's record "
				  "(gpa before, after)", idx, dec, before.fault.gpa, en->fault.gpa);
	} else if (watch && !held && (en->state != before.state ||
				      en->host_flags != before.host_flags ||
				      !same_record(&before, en))) {
		odd_entry(e->cpu, "refused, yet the entry changed (state before, after)", idx, dec,
			  before.state, en->state);
	}
}

/* Fill one of our own entries with a record of our choosing, then REPORT it. */
static void report_game(struct eng *e, struct rng *r)
{
	struct fl_pv_page *p = e->hreg ? cur_page(e) : e->real_pv;
	unsigned lo = on_real(e, p) ? e->host_lo : 0;
	unsigned i = lo + (unsigned)below(r, FL_PV_ENTRIES - lo);
	struct fl_pv_entry *en = &p->entry[i];
	u64 dec;

	if (chance(r, 70))
		dec = FL_PV_CAN_CONTINUE;
	else if (chance(r, 60))
		dec = FL_PV_SUSPEND_ME;
	else
		dec = chance(r, 50) ? state_val(r) : edge(r);
	en->fault.gpa = report_gpa(r, dec == FL_PV_SUSPEND_ME && chance(r, 70));
	en->fault.size = chance(r, 80) ? PAGE_SIZE : edge(r);
	en->fault.gla = chance(r, 50) ? en->fault.gpa : rnd(r);
	en->fault.access = chance(r, 80) ? (u32)below(r, 8) : (u32)rnd(r);
	en->fault.code = chance(r, 80) ? 0 : (u32)rnd(r);
	en->fault.flags = chance(r, 80) ? (u32)below(r, 2) : (u32)rnd(r);
	en->fault.reserved = chance(r, 90) ? 0 : (u32)rnd(r);
	en->qual = chance(r, 80) ? below(r, 0x200) : rnd(r);
	en->host_flags = chance(r, 70) ? 0 : (u32)rnd(r);
	put_state(e, p, i, chance(r, 85) ? (u32)dec : state_val(r));
	set_active(&p->active[0], 1ULL << i, chance(r, 90) ? ~0ULL : 0);
	if (chance(r, 10))
		do_report(e, r, chance(r, 50) ? FL_PV_ENTRIES + below(r, 8) : edge(r), dec);
	else
		do_report(e, r, i, dec);
}

/* ---- registration ---- */

static bool in_ram(u64 gpa, u64 len)
{
	return len <= ram && gpa <= ram - len;
}

static unsigned register_want(const struct eng *e, u64 ve, u64 pv, u64 vec, u64 flags)
{
	if (e->hreg)
		return M(R_EBUSY);
	if (flags)
		return M(R_EINVAL);
	if ((ve | pv) & (PAGE_SIZE - 1))
		return M(R_EINVAL);
	if (!in_ram(ve, PAGE_SIZE) || !in_ram(pv, FL_PV_SIZE))
		return M(R_EFAULT);
	if (ve < pv + FL_PV_SIZE && pv < ve + PAGE_SIZE)
		return M(R_EINVAL);
	if (vec < 32 || vec > 255)
		return M(R_EINVAL);
	return M(R_OK);
}

static s64 do_register(struct eng *e, struct rng *r, u64 ve, u64 pv, u64 vec, u64 flags)
{
	unsigned want = register_want(e, ve, pv, vec, flags);
	s64 res;

	if (want == M(R_OK)) {
		/* It would work: only at areas we own, and never on the system call gate. */
		unsigned a = (unsigned)below(r, 3), b = (unsigned)below(r, 3);
		/* lazy: three pages of this vCPU's half of the fodder (the other vCPU must not
		 * scribble them), perhaps absent or being fetched right now for a REPORT
		 * (REGISTER makes them present before it returns) */
		u64 half = ALIGN_DOWN((fend - fbase) / 2, PAGE_SIZE), lo = fbase + e->cpu * half;
		u64 lz = rand_page(r, lo, lo + half - 3 * PAGE_SIZE);
		u64 ves[3] = { (u64)e->real_ve, (u64)decoy[e->cpu][0], lz };
		u64 pvs[3] = { (u64)e->real_pv, (u64)decoy[e->cpu][1], lz + PAGE_SIZE };

		if (!lazy && a == 2)
			a = 1;
		if (!lazy && b == 2)
			b = 1;
		ve = ves[a];
		pv = pvs[b];
		if (vec == BAD_VEC)
			vec = VE_VECTOR;
	}
	res = hv(e->cpu, K_REGISTER, FL_HC_VE_REGISTER, ve, pv, vec, flags, want, 0);
	if (res == 0) {
		e->hreg = true;
		e->cur_ve = ve;
		e->cur_pv = pv;
		e->cur_vec = vec;
		e->inflight = 0;
		INC(st.regs);
		if (ve != (u64)e->real_ve || pv != (u64)e->real_pv)
			INC(st.decoys);
	}
	return res;
}

static s64 do_unregister(struct eng *e)
{
	s64 res = hv(e->cpu, K_UNREGISTER, FL_HC_VE_UNREGISTER, 0, 0, 0, 0,
		     e->hreg ? M(R_OK) | M(R_EBUSY) : M(R_ENOENT), 0);

	if (res == 0) {
		e->hreg = false;
		e->inflight = 0;
	}
	return res;
}

static __attribute__((noreturn)) void fatal(const char *what, s64 r)
{
	rt_printf("\nguest: hostile: FATAL vcpu%u: %s (%ld)\n", cpu_id(), what, r);
	rt_exit_quiet(1);
}

/* Unregister, waiting for the host to finish what it holds (its completions need no help
 * from us: the workers post them whatever the guest does). */
static bool drain(struct eng *e, bool irq_on)
{
	u64 t0 = rt_tsc();

	while (e->hreg) {
		s64 r = do_unregister(e);

		if (r == 0)
			break;
		if (r != FL_EBUSY || rt_tsc_us(rt_tsc() - t0) > WAIT_US)
			return false;
		if (irq_on)
			asm volatile("sti; nop; cli" : : : "memory");
		for (unsigned k = 0; k < 64; k++)
			cpu_relax();
	}
	INC(st.drains);
	if (e->cpu == 0)
		st.t_drain += rt_tsc() - t0;
	return true;
}

/* End of every section: registered at the runtime's own areas (any good vector). */
static void fix_registration(struct eng *e, struct rng *r)
{
	u64 vec;

	if (e->hreg && e->cur_ve == (u64)e->real_ve && e->cur_pv == (u64)e->real_pv)
		return;
	if (e->hreg && !drain(e, false))
		fatal("UNREGISTER stayed FL_EBUSY: an outstanding fault never completed",
		      FL_EBUSY);
	vec = chance(r, 50) ? VE_VECTOR : 32 + below(r, 224);
	if (vec == BAD_VEC)
		vec = VE_VECTOR;
	s64 res = hv(e->cpu, K_REGISTER, FL_HC_VE_REGISTER, (u64)e->real_ve, (u64)e->real_pv,
		     vec, 0, M(R_OK), 0);
	if (res)
		fatal("REGISTER of the real areas failed", res);
	e->hreg = true;
	e->cur_ve = (u64)e->real_ve;
	e->cur_pv = (u64)e->real_pv;
	e->cur_vec = vec;
	e->inflight = 0;
	INC(st.regs);
}

static void decoy_game(struct eng *e, struct rng *r)
{
	if (st.regs >= REG_BUDGET)
		return;
	for (unsigned k = 0; k < 32 && e->hreg; k++)
		if (do_unregister(e) != FL_EBUSY)
			break;
	if (!e->hreg) {
		u64 vec = chance(r, 80) ? 32 + below(r, 224) : edge(r);

		do_register(e, r, chance(r, 50) ? 0 : (u64)decoy[e->cpu][0],
			    chance(r, 50) ? 0 : (u64)decoy[e->cpu][1], vec, 0);
	}
}

/* ---- the other hypercalls ---- */

static bool known_nr(u64 nr)
{
	return nr <= FL_HC_VCPU_INFO || (nr >= FL_HC_VE_REGISTER && nr <= FL_HC_VE_REPORT);
}

static u64 unknown_nr(struct rng *r)
{
	static const u64 odd[] = {
		6, 7, 15, 19, 20, 31, 32, 63, 64, 255, 256 + FL_HC_EXIT, 0x10000 | FL_HC_EXIT,
		(1ULL << 32) | FL_HC_EXIT, (1ULL << 63) | FL_HC_EXIT, (1ULL << 32) | FL_HC_PUTS,
		(1ULL << 32) | FL_HC_VE_REPORT, (1ULL << 32) | FL_HC_VE_UNREGISTER, ~0ULL,
		~0ULL - 1, 1ULL << 63, (u64)-FL_HC_EXIT,
	};
	u64 nr;

	do {
		if (chance(r, 50))
			nr = odd[below(r, ARRAY_SIZE(odd))];
		else
			nr = chance(r, 50) ? below(r, 4096) : rnd(r);
	} while (known_nr(nr));
	return nr;
}

static void puts_call(struct eng *e, struct rng *r)
{
	unsigned k = (unsigned)below(r, 100);
	u64 gpa, len;
	s64 want;

	if (k < 40) {				/* a length no PUTS may take */
		static const u64 bad[] = { 0, FL_PUTS_MAX + 1, ~0ULL, 1ULL << 63, 1ULL << 32,
					   FL_PUTS_MAX + 4096 };

		len = chance(r, 70) ? bad[below(r, ARRAY_SIZE(bad))] :
		      FL_PUTS_MAX + 1 + (rnd(r) >> below(r, 64));
		if (len >= 1 && len <= FL_PUTS_MAX)
			len = 0;
		hv(e->cpu, K_PUTS, FL_HC_PUTS, edge(r), len, rnd(r), rnd(r), M(R_EINVAL), 0);
		return;
	}
	len = 2 + below(r, chance(r, 50) ? 64 : FL_PUTS_MAX - 1);
	if (k < 90) {				/* a good length, a range not inside RAM */
		switch (below(r, 8)) {
		case 0: gpa = ram; break;
		case 1: gpa = ram - len + 1; break;
		case 2: gpa = ram - 1; break;
		case 3: gpa = ~0ULL - below(r, len); break;	/* wraps */
		case 4: gpa = 1ULL << 63; break;
		case 5: gpa = ram + rand_page(r, 0, 1ULL << 32); break;
		case 6: gpa = -len; break;
		default: gpa = rnd(r) | (1ULL << 62); break;
		}
		hv(e->cpu, K_PUTS, FL_HC_PUTS, gpa, len, 0, 0, M(R_EFAULT), 0);
		return;
	}
	if (e->cpu != 0 || INC(st.puts_ok) > PUTS_BUDGET) {
		/* Enough printing (and only vCPU 0 prints: vCPU 1's text would land in the
		 * middle of vCPU 0's lines): a bad one instead. */
		hv(e->cpu, K_PUTS, FL_HC_PUTS, (u64)putsbuf, 0, 0, 0, M(R_EINVAL), 0);
		return;
	}
	gpa = (u64)putsbuf + PUTS_LO + below(r, PUTS_HI - PUTS_LO - 1);
	len = 1 + below(r, MIN((u64)putsbuf + PUTS_HI - gpa, PUTS_LEN));
	want = (s64)len;
	hv(e->cpu, K_PUTS, FL_HC_PUTS, gpa, len, rnd(r), rnd(r), 0, want);
}

static void start_call(struct eng *e, struct rng *r)
{
	static const u64 idxs[] = { 0, 1, 2, 3, 255, 256 + 1, (1ULL << 32) | 1, ~0ULL,
				    1ULL << 63, (1ULL << 63) | 1 };
	u64 idx = chance(r, 85) ? idxs[below(r, ARRAY_SIZE(idxs))] : rnd(r);
	u64 entry = edge(r), arg = rnd(r);
	unsigned want;

	if (idx == 0 || idx >= nvcpus)
		want = M(R_EINVAL);
	else if (entry >= ram || entry >= (1ULL << 32))
		want = M(R_EFAULT);
	else if (idx == AP && ap_running)
		want = M(R_EBUSY);
	else {
		idx = 0;			/* it would start a vCPU at a garbage address */
		want = M(R_EINVAL);
	}
	hv(e->cpu, K_START, FL_HC_VCPU_START, idx, entry, arg, rnd(r), want, 0);
}

static void hc_random(struct eng *e, struct rng *r)
{
	unsigned k = (unsigned)below(r, 100);

	if (k < 8)
		hv(e->cpu, K_VERSION, FL_HC_VERSION, edge(r), edge(r), rnd(r), rnd(r), 0,
		   FL_ABI_VERSION);
	else if (k < 18)
		puts_call(e, r);
	else if (k < 22)
		hv(e->cpu, K_TSC, FL_HC_TSC_KHZ, rnd(r), edge(r), 0, 0, 0, (s64)tsc_khz_ref);
	else if (k < 30)
		start_call(e, r);
	else if (k < 34)
		hv(e->cpu, K_INFO, FL_HC_VCPU_INFO, edge(r), rnd(r), 0, 0, 0,
		   (s64)(e->cpu | nvcpus << 16));
	else if (k < 46) {
		static const u64 vecs[] = { 0, 19, 20, 31, 32, 255, 256, 300, 0x100 | VE_VECTOR,
					    (1ULL << 32) | VE_VECTOR, ~0ULL };
		u64 pages[] = { (u64)e->real_ve, (u64)e->real_pv, (u64)decoy[e->cpu][0],
				(u64)decoy[e->cpu][1], 0, PAGE_SIZE, ram - PAGE_SIZE,
				ram - FL_PV_SIZE, ram, ~0ULL & ~(PAGE_SIZE - 1), 1ULL << 63 };
		u64 ve = chance(r, 70) ? pages[below(r, ARRAY_SIZE(pages))] : edge(r);
		u64 pv = chance(r, 70) ? pages[below(r, ARRAY_SIZE(pages))] : edge(r);
		u64 vec = chance(r, 70) ? below(r, 301) : vecs[below(r, ARRAY_SIZE(vecs))];
		u64 flags = chance(r, 70) ? 0 : chance(r, 50) ? 1ULL << below(r, 64) : rnd(r);

		if (chance(r, 15))
			ve += chance(r, 50) ? 8 : 1;
		if (chance(r, 15))
			pv += chance(r, 50) ? 8 : PAGE_SIZE / 2;
		do_register(e, r, ve, pv, vec, flags);
	} else if (k < 52 && (st.regs < REG_BUDGET || !e->hreg)) {
		do_unregister(e);
	} else if (k < 82) {
		u64 idx = chance(r, 80) ? below(r, FL_PV_ENTRIES + 8) : edge(r);
		u64 dec = chance(r, 80) ? below(r, 6) : edge(r);

		do_report(e, r, idx, dec);
	} else {
		hv(e->cpu, K_UNKNOWN, unknown_nr(r), edge(r), edge(r), edge(r), edge(r),
		   M(R_ENOSYS), 0);
	}
}

/* ---- scribbling ---- */

static void scribble_entry(struct eng *e, struct rng *r, struct fl_pv_page *p, unsigned i)
{
	struct fl_pv_entry *en = &p->entry[i];
	unsigned what = (unsigned)below(r, 256);

	if (what & 1)
		en->fault.gpa = chance(r, 50) ? report_gpa(r, false) : edge(r);
	if (what & 2)
		en->fault.size = edge(r);
	if (what & 4)
		en->fault.gla = rnd(r);
	if (what & 8) {
		en->fault.access = (u32)rnd(r);
		en->fault.code = (u32)rnd(r);
	}
	if (what & 16) {
		en->fault.flags = (u32)rnd(r);
		en->fault.reserved = (u32)rnd(r);
	}
	if (what & 32)
		en->qual = rnd(r);
	if (what & 64)
		en->host_flags = (u32)rnd(r);
	if (what & 128)
		put_state(e, p, i, state_val(r));
	/* never the wait word: the completion handler wakes the task it names */
}

static void scribble_ve(struct rng *r, struct fl_ve_info *vi)
{
	switch (below(r, 3)) {
	case 0:
		vi->exit_reason = (u32)rnd(r);
		vi->qual = rnd(r);
		break;
	case 1:
		vi->gla = rnd(r);
		vi->gpa = edge(r);
		vi->eptp_index = (u16)rnd(r);
		break;
	default: {
		static const u32 busy[] = { 0, FL_VE_BUSY, 1, 0x80000000u, 0xFFFFFFFEu };

		/* No #VE handler is running (sections run between tasks), so any value is
		 * safe for the guest; nonzero makes the next faults synchronous. */
		vi->busy = chance(r, 80) ? busy[below(r, ARRAY_SIZE(busy))] : (u32)rnd(r);
		break;
	}
	}
}

static void scribble(struct eng *e, struct rng *r)
{
	struct fl_pv_page *p = e->hreg && chance(r, 70) ? cur_page(e) : e->real_pv;
	struct fl_ve_info *vi = e->hreg && chance(r, 70) ? (struct fl_ve_info *)e->cur_ve :
				e->real_ve;

	INC(st.scribbles);
	switch (below(r, 10)) {
	case 0: case 1: case 2:
		scribble_entry(e, r, p, (unsigned)below(r, FL_PV_ENTRIES));
		break;
	case 3:
		set_active(&p->active[0], ~0ULL, rnd(r));	/* the runtime's go back later */
		break;
	case 4:
		p->guest_current = (u32)edge(r);
		p->host_current = (u32)edge(r);
		if (chance(r, 50))
			p->completions = edge(r);
		break;
	case 5: case 6:
		scribble_ve(r, vi);
		break;
	case 7: {
		u8 *tail = (u8 *)p + PV_USED, *vt = (u8 *)vi + VE_USED;

		for (unsigned k = 0; k < 16; k++) {
			tail[below(r, FL_PV_SIZE - PV_USED)] = (u8)rnd(r);
			vt[below(r, PAGE_SIZE - VE_USED)] = (u8)rnd(r);
		}
		break;
	}
	case 8: {	/* every entry of ours at once */
		unsigned lo = on_real(e, p) ? e->host_lo : 0;

		for (unsigned i = lo; i < FL_PV_ENTRIES; i++)
			scribble_entry(e, r, p, i);
		break;
	}
	default: {	/* one entry through every state, a REPORT after each */
		unsigned i = (unsigned)below(r, FL_PV_ENTRIES);
		u64 dec = 1 + below(r, 2);

		if (!e->hreg)
			break;
		p = cur_page(e);
		set_active(&p->active[0], 1ULL << i, chance(r, 80) ? ~0ULL : 0);
		for (u32 s = 0; s < 6; s++) {
			put_state(e, p, i, s);
			do_report(e, r, i, s == 5 ? dec : s);
		}
		break;
	}
	}
}

/* vCPU 1 against vCPU 0: its entries [HOST_LO, CONTEST_HI) while vCPU 0 REPORTs them, and
 * its busy word (only ever set: clearing it under a running #VE handler would let a
 * second #VE onto the same IST stack, the guest's own bug). */
static void cross(struct rng *r)
{
	struct eng *o = &engs[0];
	struct fl_pv_page *p = o->real_pv;
	unsigned i = HOST_LO + (unsigned)below(r, CONTEST_HI - HOST_LO);
	struct fl_pv_entry *en = &p->entry[i];
	u64 cmask = ((1ULL << CONTEST_HI) - 1) & ~LOWMASK;

	switch (below(r, 4)) {
	case 0: {
		u64 good = report_gpa(r, false), bad = 1ULL << 63 | rnd(r);

		for (unsigned k = 0; k < 32 + below(r, 200); k++) {	/* flip under it */
			en->fault.gpa = k & 1 ? bad : good;
			en->state = 1 + (k & 1);
			set_active(&p->active[0], 1ULL << i, k & 2 ? ~0ULL : 0);
		}
		break;
	}
	case 1:
		en->fault.gpa = report_gpa(r, false);
		en->state = state_val(r);
		en->qual = rnd(r);
		en->host_flags = (u32)rnd(r);
		break;
	case 2:
		set_active(&p->active[0], cmask, rnd(r));
		break;
	default:
		if (chance(r, 10))
			o->real_ve->busy = FL_VE_BUSY;
		break;
	}
}

/* A burst of actions with interrupts off, then the guest's invariants put back. */
static void section(struct eng *e, struct rng *r)
{
	unsigned n = 16 + (unsigned)below(r, 33);

	INC(st.sections);
	if (e->cpu == 0)
		rt_snapshot(e);
	for (unsigned k = 0; k < n; k++) {
		unsigned p = (unsigned)below(r, 100);

		if (p < 45)
			hc_random(e, r);
		else if (p < 65)
			scribble(e, r);
		else if (p < 92)
			report_game(e, r);
		else if (p < 94)
			decoy_game(e, r);
		else if (e->cpu == AP)
			cross(r);
		else
			report_game(e, r);
	}
	fix_registration(e, r);
	if (e->cpu == 0)
		rt_restore(e);
	if (chance(r, 75))
		e->real_ve->busy = 0;
}

static void eng_init(struct eng *e, unsigned cpu)
{
	e->cpu = cpu;
	e->real_pv = ve_pv_page();
	e->real_ve = ve_info_page();
	e->cur_ve = (u64)e->real_ve;
	e->cur_pv = (u64)e->real_pv;
	e->cur_vec = VE_VECTOR;
	e->hreg = true;
	e->host_lo = cpu == 0 ? HOST_LO : 0;
}

/* ---- ring 3 ---- */

struct ujob {
	u64 rng;
	u64 calls, eperm, other, bad_nr, bad_ret;
	u64 n, touched;
	u64 page[UPAGES], got[UPAGES];
};

static struct ujob ujobs[NUSER] __user_data;
static volatile u64 ustop __user_data;
static const u64 unrs[16] __attribute__((section(".user.rodata"))) = {
	FL_HC_VERSION, FL_HC_PUTS, FL_HC_EXIT, FL_HC_TSC_KHZ, FL_HC_VCPU_START, FL_HC_VCPU_INFO,
	FL_HC_VE_REGISTER, FL_HC_VE_UNREGISTER, FL_HC_VE_REPORT, 6, 19, 255,
	(1ULL << 32) | FL_HC_EXIT, 1ULL << 63, ~0ULL, FL_HC_EXIT,
};
static const char uleak[] __attribute__((section(".user.rodata"))) =
	"guest: hostile: ring 3 got FL_HC_PUTS printed\n";

static inline __attribute__((always_inline)) u64 uxs(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Ring 3: random VMCALLs, all of which must be FL_EPERM, and a page touched now and then. */
static void __user_text user_main(void *arg)
{
	struct ujob *j = arg;

	while (!ustop) {
		for (unsigned k = 0; k < 16; k++) {
			u64 x = uxs(&j->rng), nr = unrs[x & 15];
			u64 a = uxs(&j->rng), b = uxs(&j->rng) >> (x >> 8 & 63), c = uxs(&j->rng);
			u64 d = uxs(&j->rng) >> (x >> 16 & 63);
			s64 r;

			if (nr == FL_HC_EXIT)
				a = 0x5A;			/* were it obeyed: status 90 */
			if (nr == FL_HC_PUTS) {
				a = (u64)uleak;
				b = sizeof(uleak) - 1;
			}
			r = vmcall(nr, a, b, c, d);
			j->calls++;
			if (r == FL_EPERM) {
				j->eperm++;
			} else {
				if (!j->other) {
					j->bad_nr = nr;
					j->bad_ret = (u64)r;
				}
				j->other++;
			}
		}
		if (j->touched < j->n && (j->calls >> 7) > j->touched) {
			j->got[j->touched] = *(volatile u64 *)j->page[j->touched];
			j->touched++;
		}
		sys_yield();
	}
	for (; j->touched < j->n; j->touched++)
		j->got[j->touched] = *(volatile u64 *)j->page[j->touched];
}

static u64 user_calls(void)
{
	u64 n = 0;

	for (unsigned u = 0; u < NUSER; u++)
		n += ujobs[u].calls;
	return n;
}

/* ---- vCPU 0's tasks ---- */

static u64 calls_now(void)
{
	return __atomic_load_n(&st.calls, __ATOMIC_RELAXED) + user_calls();
}

static void check_stop(void)
{
	if (!stop && calls_now() >= target) {
		stop = 1;
		ustop = 1;
	}
}

static u64 check_page(u64 page)
{
	static unsigned shown;
	u64 bad = 0;

	for (u64 a = page; a < page + PAGE_SIZE; a += 8) {
		u64 got = *(volatile u64 *)a, want = a == page ? marker(a) : want_word(a);

		if (got == want)
			continue;
		if (!bad && shown++ < 8)
			rt_printf("\nguest: hostile: page 0x%lx: at 0x%lx got 0x%lx want 0x%lx\n",
				  page, a, got, want);
		bad++;
	}
	return bad;
}

/* Touches its pages paced over the run (page i once i/n of the calls are made), so faults
 * are in flight from start to end; marks each page, and verifies every word at the end. */
static void toucher(void *arg)
{
	struct tjob *j = arg;

	for (u64 i = 0; i < j->n; i++) {
		u64 a = j->base + i * PAGE_SIZE;

		while (!stop && calls_now() < i * target / j->n)
			yield();
		if (lazy)
			j->first_bad += !ve_touch(a);
		else
			j->first_bad += *(volatile u64 *)a != 0;
		*(volatile u64 *)a = marker(a);
		j->done++;
		yield();
	}
	for (u64 i = 0; i < j->n; i++)
		j->bad_words += check_page(j->base + i * PAGE_SIZE);
}

static void chaos(void *arg)
{
	struct rng r;

	rng_init(&r, 100 + (u64)arg);
	while (!stop) {
		u64 f = irq_save(), t = rt_tsc();

		section(&engs[0], &r);
		st.t_sect += rt_tsc() - t;
		irq_restore(f);
		check_stop();
		yield();
	}
}

/* A completion posted with a vector other than VE_VECTOR (a registration the chaos made)
 * is handed to the runtime's completion handler. */
static void forward(struct trapframe *tf)
{
	(void)tf;
	INC(st.forwarded);
	asm volatile("int %0" : : "i"(VE_VECTOR) : "memory");
}

/* ---- vCPU 1 ---- */

static s64 ap_reg;
static bool ap_drained;

static void ap_main(unsigned index)
{
	struct eng *e = &engs[AP];
	struct rng r;

	(void)index;
	rng_init(&r, 200);
	ap_reg = ve_register(VE_VECTOR);
	eng_init(e, AP);
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	if (ap_reg)
		return;
	while (!__atomic_load_n(&ap_go, __ATOMIC_ACQUIRE))
		cpu_relax();
	while (!stop) {
		section(e, &r);
		asm volatile("sti; nop; nop; cli" : : : "memory");	/* completions */
	}
	e->real_ve->busy = 0;
	ap_drained = drain(e, true);
	if (ap_drained)
		ve_unregister();	/* already unregistered: only the runtime's flag */
}

/* ---- main ---- */

static u64 canary_bad(void)
{
	u64 bad = 0;

	for (unsigned c = 0; c < 2; c++)
		for (unsigned w = 0; w < PAGE_SIZE / 8; w++)
			bad += canary[c][w] != canary_val((u64)&canary[c][w]);
	return bad;
}

static void puts_fill(void)
{
	static const char text[] = "hostile puts ok.";

	for (unsigned k = PUTS_LO; k < PUTS_HI; k++)
		putsbuf[k] = (k - PUTS_LO) % 64 == 63 ? '\n' : text[k % (sizeof(text) - 1)];
}

int main(const char *cmdline)
{
	u64 t0, t1, us, rbase, ucheck = 0;
	struct eng *e0 = &engs[0];
	bool drained, want_faults;
	int self;
	s64 r;

	rt_arg_u64(cmdline, "rng", &seed);
	rt_arg_u64(cmdline, "calls", &target);
	rt_arg_u64(cmdline, "pages", &tpages);
	lazy = !rt_arg_has(cmdline, "nolazy");
	want_faults = lazy;
	ram = ALIGN_DOWN(rt_mem_upper(), PAGE_SIZE);
	nvcpus = smp_vcpus(&self);
	rbase = ve_test_base();
	tbase = rbase;
	ubase = tbase + NTOUCH * tpages * PAGE_SIZE;
	fbase = ubase + NUSER * UPAGES * PAGE_SIZE;
	fend = MIN(ram, RT_MAP_END);
	rt_printf("guest: hostile: rng=%lu calls=%lu, %lu vCPU(s), RAM 0x%lx, %s\n", seed, target,
		  nvcpus, ram, lazy ? "lazily backed" : "not lazily backed");
	rt_printf("guest: hostile: touchers %u x %lu pages at 0x%lx, ring 3 %u x %u at 0x%lx, "
		  "fodder [0x%lx, 0x%lx)\n", NTOUCH, tpages, tbase, NUSER, UPAGES, ubase, fbase,
		  fend);
	if (!rt_check(fbase + 64 * PAGE_SIZE <= fend, "room for the regions (mem= too small?)"))
		return rt_report();

	for (unsigned c = 0; c < 2; c++)
		for (unsigned w = 0; w < PAGE_SIZE / 8; w++)
			canary[c][w] = canary_val((u64)&canary[c][w]);
	puts_fill();
	tsc_khz_ref = (u64)rt_hypercall(FL_HC_TSC_KHZ, 0, 0, 0, 0);
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();
	for (unsigned v = T_NEXC; v < T_NVEC; v++)
		if (v != VE_VECTOR && v != USER_VECTOR)
			trap_register(v, forward);
	eng_init(e0, 0);

	if (nvcpus >= 2) {
		r = smp_start(AP, ap_main);
		if (!rt_check_eq(r, 0, "FL_HC_VCPU_START(1) -> 0"))
			return rt_report();
		ap_running = true;
		for (u64 w0 = rt_tsc(); !__atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE);)
			if (rt_tsc_us(rt_tsc() - w0) > WAIT_US) {
				rt_check(false, "vcpu1 came up");
				return rt_report();
			}
		if (!rt_check_eq(ap_reg, 0, "vcpu1: FL_HC_VE_REGISTER -> 0"))
			return rt_report();
	}

	for (unsigned t = 0; t < NTOUCH; t++) {
		tjobs[t].base = tbase + t * tpages * PAGE_SIZE;
		tjobs[t].n = tpages;
		task_create(toucher, &tjobs[t], "toucher");
	}
	for (unsigned u = 0; u < NUSER; u++) {
		struct rng ur;

		rng_init(&ur, 300 + u);
		ujobs[u].rng = ur.s;
		ujobs[u].n = UPAGES;
		for (unsigned i = 0; i < UPAGES; i++)
			ujobs[u].page[i] = ubase + (u * UPAGES + i) * PAGE_SIZE + (i * 8 % PAGE_SIZE);
		if (user_create(user_main, &ujobs[u], "ring3") < 0)
			rt_check(false, "user task created");
	}
	for (unsigned c = 0; c < NCHAOS; c++)
		task_create(chaos, (void *)(u64)c, "chaos");

	t0 = rt_tsc();
	__atomic_store_n(&ap_go, 1, __ATOMIC_RELEASE);
	sched_run();
	t1 = rt_tsc();
	us = rt_tsc_us(t1 - t0);
	if (ap_running)
		rt_check(smp_wait(AP, WAIT_US), "vcpu1 finished");

	/* Quiet now: no #VE handler runs, nothing is scribbled. */
	fix_registration(e0, &(struct rng){ 1 });
	e0->real_ve->busy = 0;
	drained = drain(e0, true);
	if (drained)
		ve_unregister();
	for (unsigned u = 0; u < NUSER; u++)
		for (unsigned i = 0; i < UPAGES; i++)
			ucheck += ujobs[u].got[i] != want_word(ujobs[u].page[i]);

	u64 ring3 = user_calls(), total = st.calls + ring3, eperm3 = 0, other3 = 0;
	for (unsigned u = 0; u < NUSER; u++) {
		eperm3 += ujobs[u].eperm;
		other3 += ujobs[u].other;
		if (ujobs[u].other)
			rt_printf("\nguest: hostile: ring 3: nr=0x%lx returned %ld, not FL_EPERM\n",
				  ujobs[u].bad_nr, (s64)ujobs[u].bad_ret);
	}
	u64 tfirst = 0, twords = 0, tdone = 0;
	for (unsigned t = 0; t < NTOUCH; t++) {
		tfirst += tjobs[t].first_bad;
		twords += tjobs[t].bad_words;
		tdone += tjobs[t].done;
	}

	rt_printf("\n");	/* ends a line FL_HC_PUTS may have left open */
	rt_printf("guest: hostile: %lu hypercalls, %lu faults, results: ok=%lu enosys=%lu "
		  "einval=%lu efault=%lu ebusy=%lu enoent=%lu eperm=%lu other=%lu\n", total,
		  ve_stats.ve, st.res[R_OK], st.res[R_ENOSYS], st.res[R_EINVAL], st.res[R_EFAULT],
		  st.res[R_EBUSY], st.res[R_ENOENT], st.res[R_EPERM] + eperm3,
		  st.res[R_OTHER] + other3);
	rt_printf("guest: hostile: ring 0: %lu on vcpu0, %lu on vcpu1; ring 3: %lu (eperm=%lu "
		  "other=%lu); %lu us guest time, %lu hypercalls/s\n", st.calls_cpu[0],
		  st.calls_cpu[1], ring3, eperm3, other3, us, us ? total * 1000000 / us : 0);
	rt_printf("guest: hostile: by call: version=%lu puts=%lu tsc=%lu start=%lu info=%lu "
		  "register=%lu unregister=%lu report=%lu unknown=%lu\n", st.kind[K_VERSION],
		  st.kind[K_PUTS], st.kind[K_TSC], st.kind[K_START], st.kind[K_INFO],
		  st.kind[K_REGISTER], st.kind[K_UNREGISTER], st.kind[K_REPORT],
		  st.kind[K_UNKNOWN]);
	rt_printf("guest: hostile: sections=%lu scribbles=%lu registrations=%lu (at a decoy %lu) "
		  "puts-printed=%lu\n", st.sections, st.scribbles, st.regs, st.decoys,
		  MIN(st.puts_ok, (u64)PUTS_BUDGET));
	rt_printf("guest: hostile: forwarded-completions=%lu async-reports=%lu surprises=%lu\n",
		  st.forwarded, st.async, st.surprises);
	rt_printf("guest: hostile: accepted reports: continue=%lu suspend=%lu (chaos %lu+%lu, "
		  "runtime %lu+%lu)\n", st.acc_cont + ve_stats.cont, st.acc_susp + ve_stats.suspend,
		  st.acc_cont, st.acc_susp, ve_stats.cont, ve_stats.suspend);
	ve_print_stats("hostile");
	rt_printf("guest: hostile: vcpu0 time: sections %lu us (REPORTs %lu us, waiting for "
		  "UNREGISTER %lu us)\n", rt_tsc_us(st.t_sect), rt_tsc_us(st.t_report),
		  rt_tsc_us(st.t_drain));

	rt_check(total >= target, "made the hypercalls asked for");
	rt_check_eq(st.surprises, 0, "every result as documented (no surprise)");
	rt_check_eq(other3, 0, "every ring-3 hypercall -> FL_EPERM");
	rt_check_eq(user_stats.killed, 0, "no user task killed");
	rt_check_eq(tdone, NTOUCH * tpages, "every toucher page touched");
	rt_check_eq(tfirst, 0, "each first touch read the pattern");
	rt_check_eq(twords, 0, "every word of the touched pages as expected (marker kept)");
	rt_check_eq(ucheck, 0, "ring-3 reads held the pattern");
	rt_check_eq(canary_bad(), 0, "canary pages unchanged by REPORTs of them");
	if (want_faults)
		rt_check(ve_stats.ve >= 1, "real faults were taken (#VE)");
	rt_check_eq(ve_stats.resumed, ve_stats.ve, "every real fault finished RESOLVED");
	rt_check_eq(ve_stats.failed, 0, "no real fault FAILed");
	rt_check(drained, "vcpu0: outstanding faults drained, UNREGISTER -> 0");
	if (ap_running)
		rt_check(ap_drained, "vcpu1: outstanding faults drained, UNREGISTER -> 0");

	int status = rt_report();

	rt_printf("guest: hostile: exit status=%d by FL_HC_EXIT\n", status);
	vmcall(FL_HC_EXIT, (u64)status, 0, 0, 0);
	rt_printf("guest: hostile: FL_HC_EXIT returned\n");
	return 1;
}
