/* guest/storm.c: the fault storm (issue 11, "Proof that it holds"). A VM with vcpus=2 and
 * lazy=on touches thousands of lazily backed pages from tasks= (default 6) tasks on each
 * vCPU, in an order drawn from a deterministic PRNG (rng= on the command line), while the
 * monitor pauses and resumes the VM, poisons pages and switches asynchronous faults off and
 * on (tests/t_storm.sh). At the end every page is verified word by word.
 *
 * Command line (numbers decimal or 0x hex):
 *   seed=S        the VM's backing.seed (pattern content)
 *   rng=R         seeds the touch order, each touch's kind, and the special pages (below)
 *                 (default 1)
 *   base=A        first page of the storm region (default 0x800000; >= ve_test_base())
 *   pages=N       pages in the region (default 8000, at most 16384)
 *   tasks=T       tasks per vCPU (default 6, at most 7)
 *   npoison=N nflaky=N nmp=N   how many special pages specials() draws (default 5, 5, 6)
 *
 * Special pages, drawn from rng= (specials(): the test repeats the draw to write the VM's
 * line, and checks the three lines the guest prints against it):
 *  - poison: 1-3 page ranges on the VM's backing.poison: each must FAIL with code=poisoned
 *    at its first touch, and is never touched again (a second fault on a failed page is
 *    retried once, synchronously, and would stop the VM: docs/pv-protocol.md, "Failures");
 *  - flaky: ranges on the VM's backing.flaky=...:1: each must FAIL with code=io-error at
 *    its first touch; its task touches it again some touches later (the hypervisor's
 *    synchronous retry, which must produce it);
 *  - mp: single pages the monitor poisons (`poison VM GPA`) while the storm runs: each may
 *    FAIL with code=poisoned once, at any touch after that (what it held is gone then);
 *    the test checks that every one did, since all were poisoned before the verification;
 *  - any other FAIL, a FAIL whose record names another page, and any word that is not what
 *    the pattern backing store (or the guest's own marker write) put there is an error.
 *
 * The region's pages are shuffled and dealt to the tasks; a page belongs to one task, which
 * touches it first (a read then a write of its marker word, or the write first), in one of
 * three contexts: a plain task (CAN_CONTINUE), a nosleep section, or IF=0 (both
 * SUSPEND_ME). Now and then a task also reads a word of a random clean page of the region,
 * owned by any task of either vCPU (a fault there may join a fetch in flight). Every access
 * goes through a load or store with an exception-table entry (guest/fixup.h), so a FAIL
 * completion resumes behind it with -EFAULT and the record in fixup_last(). When its tasks
 * are done, each vCPU's main context reads every word of their pages.
 *
 * Clean windows. With asynchronous faults off (the monitor's `apf VM off`) a fault is a
 * synchronous exit that the guest cannot be told about, so a failure there stops the VM:
 * the guest must not touch poison, flaky or mp pages then. The test types 'w' to the VM's
 * COM1 (vCPU 0 polls it) to open a clean window; once both vCPUs have adopted it (each
 * checks before every touch) the guest prints "storm: clean window open", and only then
 * does the test switch asynchronous faults off. Once WIN_SYNC first touches took no #VE
 * (synchronous exits) the guest prints "storm: window N: ..." (or sooner, if no clean page
 * is left); the test switches them on again, then types 'g', and the guest prints "storm:
 * clean window closed". Inside a window tasks touch only clean pages and put special ones
 * off.
 *
 * The test types 'f' when it has typed its last command. Until then the VM's last eighth
 * of first touches waits (hold(); a window lets it go on), so that on a fast host the
 * commands still meet faults in flight, and so does the verification (run()), so that
 * every page the monitor poisons is poisoned before it.
 *
 * Output: "storm: N%" progress lines (pages first-touched, every 5%), "storm: vcpuN
 * verifying" when a vCPU's tasks are done, then per vCPU and for the VM the counters, and
 *   "guest: storm: vcpu0 N faults vcpu1 M faults, verified P pages, expected FAILs F, bad 0"
 * (N, M: #VEs taken, each one REPORT) and exit status 0 only when every check passed. */
#include "guest/fixup.h"
#include "guest/rt.h"
#include "guest/sched.h"
#include "guest/smp.h"
#include "guest/uart.h"
#include "guest/ve.h"
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
#define EFAULT_RET	(-EFAULT)

/* What a page is (kind, fixed after the command line) and what became of it (state, written
 * only by its owner task, or by its vCPU's main context after the tasks ended). */
enum { K_POISON = 1, K_FLAKY = 2, K_MP = 4 };
enum { S_NEW, S_OK, S_FAILED, S_RETRY };

static u8 kind[MAXPAGES];
static u8 state[MAXPAGES];
static u8 written[MAXPAGES];		/* the marker word holds marker() */
static u32 order[MAXPAGES];
static u8 owner_cpu[MAXPAGES];

static u64 base = 8ULL << 20, npages = 8000, ntasks = 6, rng_seed = 1, seed;
static u64 nkind[8];			/* pages of each kind */

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

static struct task_ctx ctxs[NTASKS_MAX];
static u32 mine_all[MAXPAGES];		/* order[], regrouped by task */

/* Main contexts' verification results, per vCPU. */
struct verify {
	u64 pages, words_bad, fail_mp, bad, late_first;
	s64 reg, unreg;
	int index;
	u64 active_left;
	bool done;
};
static struct verify ver[NCPU];

static volatile u64 progress_pages;	/* first touches done, every task */
static volatile u32 progress_said;	/* twentieths announced */
static volatile u32 ap_ready, go;

/* ---- PRNG: splitmix64 ---- */

static u64 rnd(u64 *s)
{
	u64 z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* ---- guarded accesses: a FAIL completion resumes at the fixup with -EFAULT ---- */

#define EX_ENTRY							\
	".pushsection __ex_table, \"a\"\n"				\
	".balign 8\n"							\
	".quad 1b, 3b\n"						\
	".popsection\n"

static inline int gload(u64 addr, u64 *v)
{
	int err = 0;
	u64 val;

	asm volatile("1:	movq (%2), %0\n"
		     "2:\n"
		     ".pushsection .fixup, \"ax\"\n"
		     "3:	movl %3, %1\n"
		     "	xorl %k0, %k0\n"
		     "	jmp 2b\n"
		     ".popsection\n"
		     EX_ENTRY
		     : "=&r"(val), "+r"(err) : "r"(addr), "i"(EFAULT_RET) : "memory");
	*v = val;
	return err;
}

static inline int gstore(u64 addr, u64 v)
{
	int err = 0;

	asm volatile("1:	movq %2, (%1)\n"
		     "2:\n"
		     ".pushsection .fixup, \"ax\"\n"
		     "3:	movl %3, %0\n"
		     "	jmp 2b\n"
		     ".popsection\n"
		     EX_ENTRY
		     : "+r"(err) : "r"(addr), "r"(v), "i"(EFAULT_RET) : "memory");
	return err;
}

/* ---- pages ---- */

static u64 page_gpa(u32 p)
{
	return base + (u64)p * PAGE_SIZE;
}

static u64 pattern(u64 addr)
{
	return fl_pattern_seed(seed, addr);
}

static u64 marker_off(u32 p)
{
	return ((u64)p * 328 + 64) & 0xFF8;
}

static u64 marker(u64 addr)
{
	return ~pattern(addr) ^ 0x53544f524d000000ULL;	/* "STORM" */
}

static u64 read_off(u32 p, u64 r)
{
	u64 off = (r & 0x1FF) * 8;

	return off == marker_off(p) ? off ^ 8 : off;
}

static unsigned reports;

static bool report_ok(void)
{
	return __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED) < MAX_REPORTS;
}

/* ---- clean windows (COM1 input on vCPU 0, adopted by each vCPU before each touch) ---- */

static volatile u32 win_req;		/* the test's last request: 1 open, 0 closed */
static volatile u32 win_ack[NCPU];	/* what each vCPU has adopted */
static volatile u32 quiet[NCPU];	/* this vCPU touches nothing any more */
static volatile u32 win_said;		/* what was last announced */
static volatile u32 win_opens;		/* windows opened: the current one's number */
static volatile u32 win_sync;		/* first touches without a #VE in the current one */
static volatile u32 win_sync_said;	/* the window whose faults were said */
static volatile u32 monitor_done;	/* 'f': the test has done all it does to this VM */
static volatile u32 held;		/* some task waited for 'f' */
static spinlock_t win_lock;

/* vCPU 0 reads what the test typed to COM1, one poll in POLL_EVERY calls (an I/O exit).
 * Polled, not by IRQ4: the main contexts (the verification, the wait for vCPU 1) run with
 * IF=0, and a window must be answered there too. Only vCPU 0 reads the UART, so LSR.DR
 * and the RBR read that follows belong together. */
static void poll_com1(void)
{
	static unsigned polls;

	if (cpu_id() != 0 || polls++ % POLL_EVERY)
		return;
	for (unsigned i = 0; i < COM1_FIFO && com1_rx_ready(); i++) {
		u8 c = com1_rx();

		if (c == 'w')
			__atomic_store_n(&win_req, 1, __ATOMIC_RELEASE);
		else if (c == 'g')
			__atomic_store_n(&win_req, 0, __ATOMIC_RELEASE);
		else if (c == 'f' && !monitor_done) {
			__atomic_store_n(&monitor_done, 1, __ATOMIC_RELEASE);
			rt_printf("guest: storm: the monitor is done (%lu pages first-touched)\n",
				  (u64)progress_pages);
		}
	}
}

/* Announces the request once every vCPU that still touches pages has adopted it. */
static void announce(void)
{
	u64 f = irq_save();
	u32 r;
	bool all = true;

	spin_lock(&win_lock);
	r = __atomic_load_n(&win_req, __ATOMIC_ACQUIRE);
	for (unsigned c = 0; c < NCPU; c++)
		if (!quiet[c] && win_ack[c] != r)
			all = false;
	if (all && win_said != r) {
		win_said = r;
		if (r) {
			__atomic_store_n(&win_sync, 0, __ATOMIC_RELAXED);
			win_opens++;
		}
		rt_printf("guest: storm: clean window %s (%lu pages first-touched)\n",
			  r ? "open" : "closed", (u64)progress_pages);
	}
	spin_unlock(&win_lock);
	irq_restore(f);
}

/* This vCPU's window state, adopting the latest request. */
static bool window(void)
{
	unsigned c = cpu_id();
	u32 r;

	poll_com1();
	r = __atomic_load_n(&win_req, __ATOMIC_ACQUIRE);
	if (win_ack[c] != r) {
		/* faultline applies `apf VM on` to a vCPU at its next entry (apf_before_entry):
		 * until then its faults are still synchronous exits, where a failure stops the
		 * VM. A hypercall is an exit and an entry, before any special page is touched. */
		if (!r)
			rt_hypercall(FL_HC_VERSION, 0, 0, 0, 0);
		__atomic_store_n(&win_ack[c], r, __ATOMIC_RELEASE);
		announce();
	}
	return win_ack[c];
}

/* A first touch inside a window took no #VE (asynchronous faults are off: it was a
 * synchronous exit), or no clean page is left to touch there (out): once WIN_SYNC such
 * touches were made, or when out, the guest says so once per window, and the test, which
 * waits for that line, switches asynchronous faults on again. */
static void window_sync(bool out)
{
	u32 n = out ? win_sync : __atomic_add_fetch(&win_sync, 1, __ATOMIC_RELAXED);
	u32 w = win_opens, said = win_sync_said;

	if ((out || n == WIN_SYNC) && said != w &&
	    __atomic_compare_exchange_n(&win_sync_said, &said, w, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		rt_printf("guest: storm: window %u: %u first touches without #VE%s\n", w, n,
			  out ? " (no clean page left)" : "");
}

static void set_quiet(void)
{
	__atomic_store_n(&quiet[cpu_id()], 1, __ATOMIC_RELEASE);
	announce();
}

/* Waits until no window is open: a task yields, a main context spins, opening interrupts
 * for an instant each time round (under Bochs 2.7 a kick cannot reach a vCPU that computes
 * with IF=0). Bounded: the test always closes a window. */
static void wait_window_closed(bool in_task)
{
	u64 t0 = rt_tsc(), f = in_task ? 0 : irq_save();

	while (window()) {
		if (rt_tsc_us(rt_tsc() - t0) > WAIT_US) {
			rt_printf("guest: storm: FAIL a clean window stayed open too long\n");
			rt_exit(1);
		}
		if (in_task)
			yield();
		else
			asm volatile("sti; pause; cli" ::: "memory");
	}
	if (!in_task)
		irq_restore(f);
}

/* ---- one access and its outcome ---- */

/* A FAIL on page p with record rec: expected or an error. Updates state. */
static void on_fail(u32 p, u64 *bad, u64 *fpoison, u64 *fflaky, u64 *fmp)
{
	const struct fl_fault *rec = fixup_last();
	u64 gpa = page_gpa(p);
	u32 code = rec->code;

	if (rec->gpa != gpa) {
		(*bad)++;
		if (report_ok())
			rt_printf("guest: storm: BAD FAIL record names gpa=0x%lx for an access to "
				  "page 0x%lx (code=%s)\n", (u64)rec->gpa, gpa, ve_fault_code(code));
		state[p] = S_FAILED;
		return;
	}
	if ((kind[p] & K_POISON) && state[p] == S_NEW && code == FL_FAULT_POISONED) {
		(*fpoison)++;
		state[p] = S_FAILED;
	} else if ((kind[p] & K_FLAKY) && state[p] == S_NEW && code == FL_FAULT_IO_ERROR) {
		(*fflaky)++;
		state[p] = S_RETRY;
	} else if ((kind[p] & K_MP) && state[p] != S_FAILED && code == FL_FAULT_POISONED) {
		(*fmp)++;
		state[p] = S_FAILED;
	} else {
		(*bad)++;
		if (report_ok())
			rt_printf("guest: storm: BAD unexpected FAIL of page 0x%lx (kind %u, state %u):"
				  " code=%s\n", gpa, kind[p], state[p], ve_fault_code(code));
		state[p] = S_FAILED;
	}
}

static void bad_word(u64 addr, u64 got, u64 want, u64 *bad)
{
	(*bad)++;
	if (report_ok())
		rt_printf("guest: storm: BAD word at 0x%lx: got 0x%lx want 0x%lx (vcpu%u)\n", addr,
			  got, want, cpu_id());
}

/* The owner's touch of page p (first, or a flaky page's retry). Returns 0, or -1 when the
 * access failed (state then says how). */
static int touch(struct task_ctx *t, u32 p)
{
	u64 gpa = page_gpa(p), r = rnd(&t->rng), maddr = gpa + marker_off(p);
	u64 raddr = gpa + read_off(p, r >> 8), v = 0;
	unsigned ctx = (r >> 32) % 100;
	bool wfirst = r & 1, fail = false;
	u64 f = 0;

	if (ctx < 8) {
		t->c.if0++;
		f = irq_save();
	} else if (ctx < 20) {
		t->c.nosleep++;
		sched_nosleep_begin();
	}
	if (wfirst) {
		t->c.writes_first++;
		fail = gstore(maddr, marker(maddr)) != 0;
		fail = fail || gload(raddr, &v) != 0;
	} else {
		fail = gload(raddr, &v) != 0;
		fail = fail || gstore(maddr, marker(maddr)) != 0;
	}
	if (ctx < 8)
		irq_restore(f);
	else if (ctx < 20)
		sched_nosleep_end();

	if (fail) {
		on_fail(p, &t->c.bad, &t->c.fail_poison, &t->c.fail_flaky, &t->c.fail_mp);
		return -1;
	}
	if (state[p] == S_RETRY)
		t->c.flaky_ok++;
	else if (kind[p] & (K_POISON | K_FLAKY)) {
		t->c.bad++;
		if (report_ok())
			rt_printf("guest: storm: BAD page 0x%lx (kind %u) was produced\n", gpa, kind[p]);
	}
	state[p] = S_OK;
	written[p] = 1;
	if (v != pattern(raddr))
		bad_word(raddr, v, pattern(raddr), &t->c.bad);
	return 0;
}

/* A read of a random word of a random clean page of the region, whoever owns it. */
static void shared_read(struct task_ctx *t)
{
	u64 r = rnd(&t->rng);
	u32 p = (u32)(r % npages);
	u64 addr, v;

	if (kind[p] || state[p] == S_FAILED)
		return;		/* only clean pages; a failed one was counted as an error */
	addr = page_gpa(p) + read_off(p, r >> 40);
	t->c.shared++;
	if (gload(addr, &v)) {
		u64 fp = 0, ff = 0, fm = 0;

		on_fail(p, &t->c.bad, &fp, &ff, &fm);	/* a clean page: always an error */
		return;
	}
	if (v != pattern(addr))
		bad_word(addr, v, pattern(addr), &t->c.bad);
}

static void progress(void)
{
	u64 done = __atomic_add_fetch(&progress_pages, 1, __ATOMIC_RELAXED);
	u32 step = (u32)(done * 20 / npages), said = progress_said;

	if (step > said && step < 20 &&
	    __atomic_compare_exchange_n(&progress_said, &said, step, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		rt_printf("guest: storm: %u%% (%lu pages first-touched, %lu #VE)\n", step * 5, done,
			  (u64)ve_stats.ve);
}

/* Flaky pages whose retry is due (all of them when force). */
static void retries(struct task_ctx *t, bool force)
{
	for (u32 i = 0; i < t->nretry;) {
		u32 p = t->retry[i];

		if ((!force && t->steps < t->retry_due[i]) || window()) {
			i++;
			continue;
		}
		t->retry[i] = t->retry[--t->nretry];
		t->retry_due[i] = t->retry_due[t->nretry];
		touch(t, p);	/* a second FAIL is an error (on_fail); the VM would stop first */
	}
}

/* The VM's last pages (1/HOLD_AT_LAST of them) wait for the test's 'f' (all its monitor
 * commands typed): on a fast host the storm could otherwise end before the test is
 * through, and the commands would no longer meet faults in flight. Normally 'f' comes
 * well before. */
static void hold(void)
{
	u64 t0 = rt_tsc();
	u32 was = 0;

	if (__atomic_compare_exchange_n(&held, &was, 1, false, __ATOMIC_RELAXED,
					__ATOMIC_RELAXED))
		rt_printf("guest: storm: holding at %lu pages first-touched until the monitor is "
			  "done\n", (u64)progress_pages);
	/* window() keeps vCPU 0 reading COM1; inside a clean window the storm goes on (the
	 * test waits for progress there), and holds again after it. */
	while (!__atomic_load_n(&monitor_done, __ATOMIC_ACQUIRE) && !window()) {
		if (rt_tsc_us(rt_tsc() - t0) > WAIT_US) {
			rt_printf("guest: storm: FAIL the monitor never said it was done\n");
			rt_exit(1);
		}
		yield();
	}
}

static void storm_task(void *arg)
{
	struct task_ctx *t = arg;

	for (u32 i = 0; i < t->n; i++) {
		u32 p, ve0;
		bool win;
		int r;

		if (!monitor_done && progress_pages >= npages - npages / HOLD_AT_LAST)
			hold();
		win = window();		/* before every touch: adopt the latest request */
		p = t->mine[i];

		/* Special pages wait for the window to close: put off behind a clean one. */
		if (kind[p] && win) {
			u32 j = i + 1;

			while (j < t->n && kind[t->mine[j]])
				j++;
			if (j < t->n) {
				t->mine[i] = t->mine[j];
				t->mine[j] = p;
				p = t->mine[i];
				t->c.deferred++;
			} else {
				window_sync(true);
				wait_window_closed(true);
			}
		}
		t->steps++;
		t->c.first++;
		ve0 = ve_ctx_stats(sched_id())->ve;
		r = touch(t, p);
		if (win && ve_ctx_stats(sched_id())->ve == ve0)
			window_sync(false);
		if (r && state[p] == S_RETRY) {
			if (t->nretry < RETRY_MAX) {
				t->retry[t->nretry] = p;
				t->retry_due[t->nretry++] = t->steps + RETRY_DELAY;
			} else {
				retries(t, true);	/* cannot happen with RETRY_MAX >= flaky pages */
				t->retry[t->nretry] = p;
				t->retry_due[t->nretry++] = t->steps + RETRY_DELAY;
			}
		}
		progress();
		if (rnd(&t->rng) % SHARED_ONE_IN == 0)
			shared_read(t);
		if (t->nretry)
			retries(t, false);
	}
	while (t->nretry) {
		wait_window_closed(true);
		retries(t, true);
	}
	t->c.done = 1;
}

/* ---- the end: every page of this vCPU's tasks, every word ---- */

static u64 verify_page(u32 p, struct verify *vr)
{
	u64 gpa = page_gpa(p), bad = 0, moff = marker_off(p);

	for (u64 off = 0; off < PAGE_SIZE; off += 8) {
		u64 a = gpa + off, v, want;

		if (gload(a, &v)) {
			u64 fp = 0, ff = 0;

			on_fail(p, &vr->bad, &fp, &ff, &vr->fail_mp);
			return bad;
		}
		want = off == moff && written[p] ? marker(a) : pattern(a);
		if (v != want) {
			bad++;
			bad_word(a, v, want, &vr->bad);
		}
	}
	vr->pages++;
	return bad;
}

static void verify_cpu(unsigned cpu)
{
	struct verify *vr = &ver[cpu];

	rt_printf("guest: storm: vcpu%u verifying its tasks' pages\n", cpu);
	/* Clean pages first, then the special ones, outside any window. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			wait_window_closed(false);
		for (u32 p = 0; p < npages; p++) {
			if (owner_cpu[p] != cpu || !kind[p] != !pass)
				continue;
			if (pass)
				wait_window_closed(false);
			else
				window();
			if (state[p] == S_NEW || state[p] == S_RETRY) {
				/* Never touched, or a retry left over: cannot happen after the tasks. */
				vr->late_first++;
				if (report_ok())
					rt_printf("guest: storm: BAD page 0x%lx left in state %u\n",
						  page_gpa(p), state[p]);
				continue;
			}
			if (state[p] == S_OK)
				vr->words_bad += verify_page(p, vr);
		}
	}
	vr->active_left = ve_pv_page()->active[0];
	vr->unreg = ve_unregister();
	set_quiet();
	__atomic_store_n(&vr->done, true, __ATOMIC_RELEASE);
}

/* The special pages, drawn from rng= by a generator simple enough to repeat in the test
 * (tests/t_storm.sh: storm_specials), which puts the same pages on the VM's line (a module
 * line holds 255 characters: too few to list them twice). x <- (x * 1103515245 + 12345)
 * mod 2^31, starting at rng mod 2^31; a draw below n is (x >> 8) mod n. npoison ranges,
 * then nflaky ranges, each of 1-3 pages at 1 + draw(pages - 4) with length draw(3) + 1,
 * then nmp single pages at 1 + draw(pages - 4); a candidate whose pages or neighbours are
 * taken is drawn again. The ranges are printed in lib/ranges.h's syntax with K units. */
static u32 lcg;

static u32 draw(u32 n)
{
	lcg = (u32)(((u64)lcg * 1103515245u + 12345u) & 0x7FFFFFFF);
	return (lcg >> 8) % n;
}

static u64 nspecial[3] = { 5, 5, 6 };		/* npoison, nflaky, nmp */
static char special_txt[3][160];

static void specials(void)
{
	static const u8 kinds[3] = { K_POISON, K_FLAKY, K_MP };

	lcg = (u32)(rng_seed & 0x7FFFFFFF);
	for (unsigned w = 0; w < 3; w++) {
		char *txt = special_txt[w];
		size_t at = 0;

		for (u64 c = 0; c < nspecial[w];) {
			u32 p = 1 + draw((u32)npages - 4), len = w < 2 ? draw(3) + 1 : 1;
			bool free = true;

			for (u32 i = p - 1; i <= p + len && i < npages; i++)
				free = free && !kind[i];
			if (!free)
				continue;
			for (u32 i = p; i < p + len; i++)
				kind[i] = kinds[w];
			if (w < 2)
				at += fmt(txt + at, sizeof(special_txt[w]) - at, "%s%luK", at ? "," : "",
					  (u64)((base >> 10) + p * 4ULL));
			else
				at += fmt(txt + at, sizeof(special_txt[w]) - at, "%s0x%lx", at ? "," : "",
					  page_gpa(p));
			if (len > 1)
				at += fmt(txt + at, sizeof(special_txt[w]) - at, "+%uK", len * 4);
			at = MIN(at, sizeof(special_txt[w]) - 1);
			c++;
		}
	}
}

/* ---- set-up and the two vCPUs ---- */

static void deal(void)
{
	u64 s = rng_seed;
	u32 ntot = (u32)(NCPU * ntasks), at = 0;

	for (u32 i = 0; i < npages; i++)
		order[i] = i;
	for (u32 i = (u32)npages - 1; i > 0; i--) {
		u32 j = (u32)(rnd(&s) % (i + 1)), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	/* Task k (vCPU k % NCPU) gets order[k], order[k + ntot], ...: random pages, in a
	 * random order. */
	for (u32 k = 0; k < ntot; k++) {
		struct task_ctx *t = &ctxs[k];

		t->k = k;
		t->cpu = k % NCPU;
		t->rng = rng_seed * 0x100000001B3ULL + k + 1;
		t->mine = &mine_all[at];
		for (u32 i = k; i < npages; i += ntot) {
			mine_all[at++] = order[i];
			owner_cpu[order[i]] = (u8)t->cpu;
		}
		t->n = (u32)(&mine_all[at] - t->mine);
	}
}

static void prepare(unsigned cpu)
{
	static const char *const names[NCPU] = { "storm0", "storm1" };

	smp_vcpus(&ver[cpu].index);
	ver[cpu].reg = ve_register(VE_VECTOR);
	for (u32 k = cpu; k < NCPU * ntasks; k += NCPU)
		task_create(storm_task, &ctxs[k], names[cpu]);
}

/* A vCPU whose tasks are done verifies only once the test has typed its last command (its
 * last poison among them), so that every page the monitor poisoned is poisoned by then. */
static void run(unsigned cpu)
{
	u64 t0;

	sched_run();
	for (t0 = rt_tsc(); !__atomic_load_n(&monitor_done, __ATOMIC_ACQUIRE);) {
		if (rt_tsc_us(rt_tsc() - t0) > WAIT_US) {
			rt_printf("guest: storm: FAIL the monitor never said it was done\n");
			rt_exit(1);
		}
		window();		/* vCPU 0 reads COM1 here */
		cpu_relax();
	}
	verify_cpu(cpu);
}

static void ap_main(unsigned index)
{
	(void)index;
	prepare(AP);
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		cpu_relax();
	run(AP);
}

/* ---- the report ---- */

static void sum(int cpu, struct counts *s)
{
	for (u32 k = 0; k < NCPU * ntasks; k++)
		if (cpu < 0 || ctxs[k].cpu == (unsigned)cpu)
			for (u32 i = 0; i < sizeof(*s) / sizeof(u64); i++)
				((u64 *)s)[i] += ((const u64 *)&ctxs[k].c)[i];
}

int main(const char *cmdline)
{
	int self;
	unsigned n = smp_vcpus(&self);
	u64 nfailed = 0, t0;
	struct counts s = { 0 };
	const struct ve_stats *vs = &ve_stats;
	u64 verified, vbad, fmp, expected;

	seed = ve_seed();
	rt_arg_u64(cmdline, "rng", &rng_seed);
	rt_arg_u64(cmdline, "base", &base);
	rt_arg_u64(cmdline, "pages", &npages);
	rt_arg_u64(cmdline, "tasks", &ntasks);
	rt_arg_u64(cmdline, "npoison", &nspecial[0]);
	rt_arg_u64(cmdline, "nflaky", &nspecial[1]);
	rt_arg_u64(cmdline, "nmp", &nspecial[2]);
	base = ALIGN_DOWN(base, PAGE_SIZE);
	rt_printf("guest: storm: %u vCPUs, %lu tasks each, %lu pages at 0x%lx, rng=%lu seed=%lu\n",
		  n, ntasks, npages, base, rng_seed, seed);
	if (!rt_check(n >= NCPU, "the VM has 2 vCPUs (vcpus=2)") ||
	    !rt_check(ntasks >= 1 && ntasks <= TASKS_MAX, "tasks= within 1..7") ||
	    !rt_check(npages >= NCPU * ntasks && npages <= MAXPAGES, "pages= within 14..16384") ||
	    !rt_check(base >= ve_test_base() &&
		      base + npages * PAGE_SIZE <= MIN(rt_mem_upper(), RT_MAP_END),
		      "the region is lazily backed RAM of this VM") ||
	    !rt_check(npages >= 64 || nspecial[0] + nspecial[1] + nspecial[2] == 0,
		      "room for the special pages") ||
	    !rt_check(nspecial[0] + nspecial[1] + nspecial[2] <= npages / 16 &&
		      nspecial[1] * 3 <= RETRY_MAX, "npoison=, nflaky=, nmp= not too many"))
		return rt_report();
	specials();
	rt_printf("guest: storm: poison=%s\n", special_txt[0]);
	rt_printf("guest: storm: flaky=%s\n", special_txt[1]);
	rt_printf("guest: storm: mp=%s\n", special_txt[2]);
	for (u32 p = 0; p < npages; p++)
		nkind[kind[p]]++;
	rt_printf("guest: storm: %lu poisoned, %lu flaky, %lu the monitor may poison\n",
		  nkind[K_POISON], nkind[K_FLAKY], nkind[K_MP]);
	deal();

	com1_fifo_reset();	/* the test's clean-window requests come in here (poll_com1) */

	prepare(0);
	if (!rt_check_eq(smp_start(AP, ap_main), 0, "FL_HC_VCPU_START(1) -> 0"))
		return rt_report();
	for (t0 = rt_tsc(); !__atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE);) {
		if (rt_tsc_us(rt_tsc() - t0) > WAIT_US) {
			rt_check(false, "vcpu1 came up and registered");
			return rt_report();
		}
		cpu_relax();
	}
	rt_printf("guest: storm: started\n");
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	run(0);
	/* vCPU 1 may still be touching pages: keep reading COM1 for it meanwhile. */
	for (t0 = rt_tsc(); !__atomic_load_n(&ver[AP].done, __ATOMIC_ACQUIRE);) {
		if (rt_tsc_us(rt_tsc() - t0) > WAIT_US) {
			rt_check(false, "vcpu1 finished");
			return rt_report();
		}
		window();
		cpu_relax();
	}
	sum(-1, &s);
	rt_printf("guest: storm: totals: %lu first touches, %lu shared reads, %lu put off by "
		  "a window, %lu nosleep, %lu IF=0, %lu write-first\n", s.first, s.shared, s.deferred,
		  s.nosleep, s.if0, s.writes_first);

	for (u32 p = 0; p < npages; p++)
		nfailed += state[p] == S_FAILED;
	verified = ver[0].pages + ver[AP].pages;
	vbad = ver[0].bad + ver[AP].bad + ver[0].late_first + ver[AP].late_first;
	fmp = s.fail_mp + ver[0].fail_mp + ver[AP].fail_mp;
	expected = s.fail_poison + s.fail_flaky + fmp;
	for (unsigned c = 0; c < NCPU; c++) {
		struct counts sc = { 0 };
		char who[16] = "storm vcpu0";

		who[10] = (char)('0' + c);
		sum((int)c, &sc);
		ve_print_stats_cpu(who, c);
		rt_printf("guest: storm vcpu%u: first=%lu shared=%lu FAILs poison=%lu flaky=%lu "
			  "mp=%lu (+%lu at the end), flaky retried ok=%lu, verified=%lu\n", c, sc.first,
			  sc.shared, sc.fail_poison, sc.fail_flaky, sc.fail_mp, ver[c].fail_mp,
			  sc.flaky_ok, ver[c].pages);
	}
	ve_print_stats("storm");
	rt_printf("guest: storm: FAILs: poisoned %lu of %lu, flaky %lu of %lu (retried ok %lu), "
		  "monitor-poisoned %lu of %lu; %lu clean windows\n", s.fail_poison, nkind[K_POISON],
		  s.fail_flaky, nkind[K_FLAKY], s.flaky_ok, fmp, nkind[K_MP], (u64)win_opens);
	rt_printf("guest: storm: vcpu0 %lu faults vcpu1 %lu faults, verified %lu pages, expected "
		  "FAILs %lu, bad %lu\n", ve_stats_cpu[0].ve, ve_stats_cpu[AP].ve, verified, expected,
		  s.bad + vbad + ver[0].words_bad + ver[AP].words_bad);

	for (unsigned c = 0; c < NCPU; c++) {
		rt_check(ver[c].index == (int)c, "FL_HC_VCPU_INFO named each vCPU");
		rt_check_eq(ver[c].reg, 0, "FL_HC_VE_REGISTER -> 0 on each vCPU");
		rt_check_eq(ver[c].unreg, 0, "FL_HC_VE_UNREGISTER -> 0 on each vCPU (none held)");
		rt_check_eq(ver[c].active_left, 0, "no PV entry left active on each vCPU");
	}
	rt_check_eq(s.done, NCPU * ntasks, "every task finished");
	rt_check_eq(s.first, npages, "every page was first-touched by its task");
	rt_check_eq(s.bad + vbad, 0, "no unexpected FAIL, no wrong word at a touch");
	rt_check_eq(ver[0].words_bad + ver[AP].words_bad, 0, "every verified word is right");
	rt_check_eq(s.fail_poison, nkind[K_POISON], "every poisoned page FAILed once (poisoned)");
	rt_check_eq(s.fail_flaky, nkind[K_FLAKY], "every flaky page FAILed once (io-error)");
	rt_check_eq(s.flaky_ok, nkind[K_FLAKY], "every flaky page was produced on its retry");
	rt_check(fmp <= nkind[K_MP], "monitor-poisoned pages FAILed at most once each");
	rt_check_eq(nfailed, nkind[K_POISON] + fmp, "the failed pages are the poisoned ones");
	rt_check_eq(verified + nfailed, npages, "every other page was verified");
	rt_check_eq(vs->resumed + vs->failed, vs->ve, "every #VE ended RESOLVED or FAIL");
	rt_check_eq(vs->failed, expected, "every FAIL completion was an expected one");
	rt_check_eq(fixup_count(), expected, "every FAIL went through the exception table");
	rt_check(vs->cont > 0 && vs->suspend > 0, "both decisions were made");
	return rt_report();
}
