/* guest/tests/storm/storm.h: what the pieces of the storm guest share (what the guest does,
 * and what the test checks, is at the top of storm.c). One guest, linked from the two files
 * of this folder (guest/guest.mk links a folder's .c files as one guest):
 *  - storm.c: main and the run's settings and shared state (command line, the pages' kinds
 *    and states, the tasks, the verification results), the special pages' draw
 *    (specials(), which tests/t_storm.sh repeats), dealing the pages to the tasks, both
 *    vCPUs' set-up and run, and the report;
 *  - touch.c: clean windows (COM1 input, adopted by each vCPU before each touch),
 *    one touch and its outcome (expected FAIL or error), the tasks (storm_task(): holds,
 *    put-off special pages, flaky retries, shared reads, progress), and each vCPU's
 *    word-by-word verification of its tasks' pages.
 * Here: the limits, the pages' kinds and states, the counters, and what is small and hot
 * enough to be inlined into both (the PRNG, a page's words). */
#ifndef GUEST_STORM_H
#define GUEST_STORM_H

#include "guest/lib/fixup.h"
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/smp.h"
#include "guest/lib/uart.h"
#include "guest/lib/ve.h"
#include "lib/fmt.h"

#define AP		1
#define NCPU		2
#define MAXPAGES	16384
#define TASKS_MAX	7
#define NTASKS_MAX	(NCPU * TASKS_MAX)
#define RETRY_MAX	64
#define RETRY_DELAY	8		/* own touches between a flaky FAIL and its retry */
#define SHARED_ONE_IN	8		/* a shared read after about one touch in 8 */
#define MAX_REPORTS	16
#define POLL_EVERY	16		/* window() calls per COM1 poll on vCPU 0 */
#define HOLD_AT_LAST	8		/* the last 1/8 of the pages waits for the test's 'f' */
#define WIN_SYNC	200		/* faults without #VE in a window before it is said */
#define WAIT_US		(600ULL * 1000 * 1000)	/* guest TSC time; only a failure waits */

/* What a page is (kind, fixed after the command line) and what became of it (state, written
 * only by its owner task, or by its vCPU's main context after the tasks ended). */
enum { K_POISON = 1, K_FLAKY = 2, K_MP = 4 };
enum { S_NEW, S_OK, S_FAILED, S_RETRY };

/* A task's results; the per-vCPU and VM totals are sums of these (all u64: sum()). */
struct counts {
	u64 first, shared, deferred, nosleep, if0, writes_first;
	u64 fail_poison, fail_flaky, fail_mp, flaky_ok;
	u64 bad, done;
};

/* One task's work. */
struct task_ctx {
	unsigned cpu, k;		/* vCPU, global task index */
	u64 rng;
	u32 *mine;			/* its pages, in touch order (a slice of mine_all) */
	u32 n;
	u32 retry[RETRY_MAX];		/* flaky pages to touch again */
	u64 retry_due[RETRY_MAX];
	u32 nretry;
	u64 steps;
	struct counts c;
};

/* Main contexts' verification results, per vCPU. */
struct verify {
	u64 pages, words_bad, fail_mp, bad, late_first;
	s64 reg, unreg;
	int index;
	u64 active_left;
	bool done;
};

/* storm.c's: set up by main before any task runs (but the states, written by the owners). */
extern u8 kind[MAXPAGES];
extern u8 state[MAXPAGES];
extern u8 written[MAXPAGES];		/* the marker word holds marker() */
extern u8 owner_cpu[MAXPAGES];
extern u64 base, npages, seed;
extern struct verify ver[NCPU];

/* touch.c's, read by storm.c's main and run(). */
extern volatile u32 win_opens;		/* windows opened: the current one's number */
extern volatile u32 monitor_done;	/* 'f': the test has done all it does to this VM */

/* ---- PRNG: splitmix64 ---- */

static inline u64 rnd(u64 *s)
{
	u64 z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* ---- pages ---- */

static inline u64 page_gpa(u32 p)
{
	return base + (u64)p * PAGE_SIZE;
}

static inline u64 pattern(u64 addr)
{
	return fl_pattern_seed(seed, addr);
}

static inline u64 marker_off(u32 p)
{
	return ((u64)p * 328 + 64) & 0xFF8;
}

static inline u64 marker(u64 addr)
{
	return ~pattern(addr) ^ 0x53544f524d000000ULL;	/* "STORM" */
}

static inline u64 read_off(u32 p, u64 r)
{
	u64 off = (r & 0x1FF) * 8;

	return off == marker_off(p) ? off ^ 8 : off;
}

/* touch.c */
bool window(void);
bool window_idle(void);	/* window(), for a context with nothing clean left to touch */
extern volatile u32 tasks_touching;
void storm_task(void *arg);
void verify_cpu(unsigned cpu);

#endif
