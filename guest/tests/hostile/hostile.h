/* guest/tests/hostile/hostile.h: what the pieces of the hostile guest share (what the guest
 * does, and why it stays alive, is at the top of hostile.c). One guest, linked from the
 * three files of this folder (guest/guest.mk links a folder's .c files as one guest):
 *  - hostile.c: main and the run's settings and shared state (command line, memory
 *    layout, counts, the engines), a section (one burst of chaos), vCPU 0's tasks
 *    (touchers, chaos), vCPU 1, and the ring-3 tasks;
 *  - calls.c: the hypercall engine: every ring-0 VMCALL goes through hv(), which
 *    counts it and compares its result with what docs/pv-protocol.md allows; REPORT,
 *    REGISTER/UNREGISTER and draining, and the other hypercalls (hc_random());
 *  - scribble.c: the random streams and arguments (edge cases, REPORT gpas),
 *    writing the PV page's words without losing a completion or the runtime's entries,
 *    scribbling, and vCPU 1's writes to vCPU 0's page. */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "guest/lib/user.h"
#include "guest/lib/ve.h"
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
#define INC(x)		__atomic_add_fetch(&(x), 1, __ATOMIC_RELAXED)

/* ---- hypercalls and their results ---- */

enum { R_OK, R_ENOSYS, R_EINVAL, R_EFAULT, R_EBUSY, R_ENOENT, R_EPERM, R_OTHER, R_N };
enum { K_VERSION, K_PUTS, K_TSC, K_START, K_INFO, K_REGISTER, K_UNREGISTER, K_REPORT,
       K_UNKNOWN, K_N };

/* Inlined everywhere: ring 3 (hostile.c's user_main) must not call into kernel text. */
static inline __attribute__((always_inline)) s64 vmcall(u64 nr, u64 a, u64 b, u64 c, u64 d)
{
	asm volatile("vmcall" : "+a"(nr), "+b"(a), "+c"(b), "+d"(c), "+S"(d) : : "memory");
	return (s64)nr;
}

struct stats {
	u64 calls, res[R_N], kind[K_N];		/* ring 0, both vCPUs */
	u64 calls_cpu[2];
	u64 acc_cont, acc_susp, async;		/* the chaos's accepted REPORTs */
	u64 surprises, scribbles, sections, decoys, regs, puts_ok, forwarded, drains;
	u64 t_sect, t_drain, t_report;		/* vCPU 0's guest time (TSC) */
};

/* ---- randomness (xorshift64*; in the header so the hot paths inline it) ---- */

struct rng {
	u64 s;
};

static inline u64 rnd(struct rng *r)
{
	u64 x = r->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static inline u64 below(struct rng *r, u64 n)
{
	return n ? rnd(r) % n : 0;
}

static inline bool chance(struct rng *r, unsigned pct)
{
	return below(r, 100) < pct;
}

/* ---- the touchers' jobs, and one vCPU's chaos ---- */

struct tjob {
	u64 base, n, first_bad, bad_words;
	volatile u64 done;
};

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

/* hostile.c's: set up by main before anything runs (but the counts and the engines). */
extern struct stats st;
extern u64 ram, nvcpus, tsc_khz_ref, seed;
extern u64 fbase, fend;				/* the fodder: lazy RAM nobody touches */
extern bool lazy, ap_running;
extern u64 canary[2][PAGE_SIZE / 8];
extern struct tjob tjobs[NTOUCH];
extern struct eng engs[2];

static inline struct fl_pv_page *cur_page(const struct eng *e)
{
	return e->hreg ? (struct fl_pv_page *)e->cur_pv : NULL;
}

static inline bool on_real(const struct eng *e, const struct fl_pv_page *p)
{
	return p == e->real_pv;
}

static inline bool runtime_entry(const struct eng *e, const struct fl_pv_page *p, u64 i)
{
	return on_real(e, p) && i < e->host_lo;
}

/* Written by vCPU 1 at any moment: nothing about it can be predicted. */
static inline bool contested(const struct eng *e, const struct fl_pv_page *p, u64 i)
{
	return ap_running && e->cpu == 0 && on_real(e, p) && i >= HOST_LO && i < CONTEST_HI;
}

/* calls.c */
void do_report(struct eng *e, struct rng *r, u64 idx, u64 dec);
void report_game(struct eng *e, struct rng *r);
bool drain(struct eng *e, bool irq_on);
void fix_registration(struct eng *e, struct rng *r);
void decoy_game(struct eng *e, struct rng *r);
void hc_random(struct eng *e, struct rng *r);
void puts_fill(void);

/* scribble.c */
void rng_init(struct rng *r, u64 stream);
u64 rand_page(struct rng *r, u64 lo, u64 hi);
u64 edge(struct rng *r);
u64 report_gpa(struct rng *r, bool present);
u32 state_val(struct rng *r);
void put_state(struct eng *e, struct fl_pv_page *p, unsigned i, u32 v);
void set_active(volatile unsigned long long *w, u64 mask, u64 val);
void rt_snapshot(struct eng *e);
void rt_restore(struct eng *e);
void scribble(struct eng *e, struct rng *r);
void cross(struct rng *r);

#endif
