/* guest/tests/storm/storm.c: the fault storm (issue 11, "Proof that it holds"). A VM with
 * vcpus=2 and lazy=on touches thousands of lazily backed pages from tasks= (default 6) tasks on
 * each vCPU, in an order drawn from a deterministic PRNG (rng= on the command line), while the
 * monitor pauses and resumes the VM, poisons pages and switches asynchronous faults off and on
 * (tests/t_storm.sh). At the end every page is verified word by word.
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
 * goes through a load or store with an exception-table entry (guest/lib/fixup.h), so a FAIL
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
 * (N, M: #VEs taken, each one REPORT) and exit status 0 only when every check passed.
 *
 * Two files (storm.h says what each owns): this one sets up and reports; the touches, the
 * clean windows and the verification are in touch.c. */
#include "guest/tests/storm/storm.h"

/* The run's state: what storm.h declares is shared with touch.c. */
u8 kind[MAXPAGES];
u8 state[MAXPAGES];
u8 written[MAXPAGES];
static u32 order[MAXPAGES];
u8 owner_cpu[MAXPAGES];

u64 base = 8ULL << 20, npages = 8000, seed;
static u64 ntasks = 6, rng_seed = 1;
static u64 nkind[8];			/* pages of each kind */

static struct task_ctx ctxs[NTASKS_MAX];
static u32 mine_all[MAXPAGES];		/* order[], regrouped by task */
struct verify ver[NCPU];

static volatile u32 ap_ready, go;

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
	for (u32 k = cpu; k < NCPU * ntasks; k += NCPU) {
		__atomic_add_fetch(&tasks_touching, 1, __ATOMIC_RELEASE);	/* before go */
		task_create(storm_task, &ctxs[k], names[cpu]);
	}
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
		window_idle();		/* vCPU 0 reads COM1 here; nothing left to touch */
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
		window_idle();
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
