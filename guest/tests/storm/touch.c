/* guest/tests/storm/touch.c: the storm guest's touches (storm.h says what each piece owns):
 * clean windows, one touch and its outcome, the tasks, and the verification at the end. Every
 * access to the region is a guarded one (load_u64, store_u64: guest/lib/fixup.h), so a FAIL
 * resumes here with -EFAULT and on_fail() decides whether it was one the test expects. */
#include "guest/tests/storm/storm.h"

static volatile u64 progress_pages;	/* first touches done, every task */
static volatile u32 progress_said;	/* twentieths announced */

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
volatile u32 win_opens;		/* windows opened: the current one's number */
static volatile u32 win_sync;		/* first touches without a #VE in the current one */
static volatile u32 win_sync_said;	/* the window whose faults were said */
volatile u32 monitor_done;	/* 'f': the test has done all it does to this VM */
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
bool window(void)
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

/* Tasks that may still touch a clean page: created (storm.c: prepare), less those done or
 * waiting in wait_window_closed for a window to close. */
volatile u32 tasks_touching;

/* For a context with nothing clean left to touch (a main context whose tasks are done, a
 * task waiting for a window to close): once no task at all can touch a clean page, no
 * touch will ever say an open window's line, so it is said now (once per window, as
 * window_sync does), or the test, which waits for that line before it switches
 * asynchronous faults on again, would wait for ever (seen: a 3000-page storm whose window
 * opened with 160 pages left, all touched before WIN_SYNC). While some task still touches,
 * the line waits for that task (its WIN_SYNC synchronous touches, or its special pages). */
bool window_idle(void)
{
	bool w = window();

	if (w && !__atomic_load_n(&tasks_touching, __ATOMIC_ACQUIRE))
		window_sync(true);
	return w;
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

	if (in_task)
		__atomic_sub_fetch(&tasks_touching, 1, __ATOMIC_RELEASE);

	while (window_idle()) {
		if (rt_tsc_us(rt_tsc() - t0) > WAIT_US) {
			rt_printf("guest: storm: FAIL a clean window stayed open too long\n");
			rt_exit(1);
		}
		if (in_task)
			yield();
		else
			asm volatile("sti; pause; cli" ::: "memory");
	}
	if (in_task)
		__atomic_add_fetch(&tasks_touching, 1, __ATOMIC_RELEASE);
	else
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
		fail = store_u64((u64 *)maddr, marker(maddr)) != 0;
		fail = fail || load_u64(&v, (const u64 *)raddr) != 0;
	} else {
		fail = load_u64(&v, (const u64 *)raddr) != 0;
		fail = fail || store_u64((u64 *)maddr, marker(maddr)) != 0;
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
	if (load_u64(&v, (const u64 *)addr)) {
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

void storm_task(void *arg)
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
	__atomic_sub_fetch(&tasks_touching, 1, __ATOMIC_RELEASE);
}

/* ---- the end: every page of this vCPU's tasks, every word ---- */

static u64 verify_page(u32 p, struct verify *vr)
{
	u64 gpa = page_gpa(p), bad = 0, moff = marker_off(p);

	for (u64 off = 0; off < PAGE_SIZE; off += 8) {
		u64 a = gpa + off, v, want;

		if (load_u64(&v, (const u64 *)a)) {
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

void verify_cpu(unsigned cpu)
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
