/* guest/tests/overcommit.c: more RAM than the host lets the VM hold (issue 15). With lazy=on
 * and resident= below mem=, the hypervisor evicts cold pages to its swap disk and brings
 * them back on the next touch; this guest proves that nothing is lost or mixed up on the
 * way.
 *
 * The region is [from=, default ve_test_base()) up to the end of RAM (below 4 GiB), or its
 * first pages= pages. Three passes over every page:
 *
 *	0  write every 64-bit word with want(a) = mix64(a + seed * golden), in address order;
 *	1  verify every word, the pages in a full-cycle permutation (stride coprime with the
 *	   page count), so the hypervisor's clock cannot predict the next page;
 *	2  verify every word again, backwards.
 *
 * seed= (default: the TSC at start, printed) makes the pattern this run's and this VM's:
 * a page of another VM, or a stale slot of an earlier run, fails on every word.
 *
 * The work runs as tasks= tasks (default 4, at most 15) on disjoint slices, registered for
 * #VE (ve_register), so a task that waits for a page parks and the others go on; `nove`
 * leaves the guest unregistered (every fault synchronous; tasks= then only cuts the work in
 * slices). Every access is a guarded one (guest/lib/fixup.h): a page the hypervisor cannot
 * bring back (FAIL, e.g. code=io-error from a bad swap sector) makes the access return
 * -EFAULT; the page is then marked failed and never touched again (a second touch of a
 * failed page stops the VM: docs/pv-protocol.md "Failures"). Failures are errors, unless
 * `expect_fail` is given: then at least one page must fail, every failure must say
 * io-error, and every other page must verify.
 *
 * Prints "guest: overcommit: N pages x 3 passes verified, tasks=T" on success and the #VE
 * counters, and ends with rt_report(). */
#include "guest/lib/fixup.h"
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"
#include "guest/tests/mix64.h"

#define NPASSES		3
#define MAX_PAGES	(1U << 20)	/* 4 GiB: the runtime maps no more */
#define MAX_REPORTS	8
#define GOLDEN		0x9E3779B97F4A7C15ULL

struct slice {
	u64 first, n;			/* page indexes [first, first + n) of the region */
	u64 bad_words, failed, fail_other;
	u64 pages_ok;			/* pages the last pass verified whole */
	bool done;
};

static u64 base, npages, ntasks = 4, seed;
static bool expect_fail;
static struct slice slices[SCHED_NTASKS];
static u64 failed_map[MAX_PAGES / 64];	/* pages that came back FAIL: never touched again */
static unsigned reports, fail_reports;

static u64 want(u64 a)
{
	return mix64(a + seed * GOLDEN);
}

static u64 gcd(u64 a, u64 b)
{
	while (b) {
		u64 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The i-th page of slice s in pass p (i < s->n): each pass visits every page once. */
static u64 page_at(const struct slice *s, unsigned p, u64 i, u64 stride)
{
	if (p == 1)
		return s->first + (i * stride + s->n / 3) % s->n;
	if (p == 2)
		return s->first + s->n - 1 - i;
	return s->first + i;
}

static bool is_failed(u64 pg)
{
	return failed_map[pg / 64] & (1ULL << (pg % 64));
}

static void page_failed(struct slice *s, u64 pg, unsigned pass)
{
	const struct fl_fault *rec = fixup_last();

	failed_map[pg / 64] |= 1ULL << (pg % 64);
	s->failed++;
	s->fail_other += rec->code != FL_FAULT_IO_ERROR;
	if (fail_reports++ < MAX_REPORTS)
		rt_printf("guest: overcommit: page 0x%lx failed in pass %u: code=%s\n",
			  (u64)(base + pg * PAGE_SIZE), pass, ve_fault_code(rec->code));
}

/* One page of one pass: 0 written, or verified; false when the page failed. */
static bool do_page(struct slice *s, u64 pg, unsigned pass)
{
	u64 a0 = base + pg * PAGE_SIZE, bad = 0;

	for (u64 a = a0; a < a0 + PAGE_SIZE; a += 8) {
		u64 got, w = want(a);

		if (pass == 0) {
			if (store_u64((u64 *)a, w))
				goto failed;
			continue;
		}
		if (load_u64(&got, (const u64 *)a))
			goto failed;
		if (got == w)
			continue;
		bad++;
		if (reports++ < MAX_REPORTS)
			rt_printf("guest: overcommit: pass %u at 0x%lx got 0x%lx want 0x%lx\n",
				  pass, a, got, w);
	}
	s->bad_words += bad;
	return true;
failed:
	s->bad_words += bad;
	page_failed(s, pg, pass);
	return false;
}

static void worker(void *arg)
{
	struct slice *s = arg;
	u64 stride = (s->n * 2654435769ULL) >> 32;	/* about n / golden ratio */

	while (gcd(stride, s->n) != 1)
		stride++;
	for (unsigned p = 0; p < NPASSES; p++) {
		s->pages_ok = 0;
		for (u64 i = 0; i < s->n; i++) {
			u64 pg = page_at(s, p, i, stride);

			if (!is_failed(pg) && do_page(s, pg, p))
				s->pages_ok++;
		}
	}
	s->done = true;
}

int main(const char *cmdline)
{
	const struct ve_stats *st = &ve_stats;
	u64 end = MIN(rt_mem_upper(), RT_MAP_END), want_pages = ~0ULL;
	u64 bad = 0, failed = 0, fail_other = 0, ok = 0, done = 0, t0, us;
	bool use_ve = !rt_arg_has(cmdline, "nove");

	base = ve_test_base();
	seed = rt_tsc() & 0xFFFFFF;
	rt_arg_u64(cmdline, "from", &base);
	rt_arg_u64(cmdline, "pages", &want_pages);
	rt_arg_u64(cmdline, "tasks", &ntasks);
	rt_arg_u64(cmdline, "seed", &seed);
	expect_fail = rt_arg_has(cmdline, "expect_fail");
	base = ALIGN_UP(base, PAGE_SIZE);
	npages = end > base ? MIN(want_pages, (end - base) / PAGE_SIZE) : 0;
	if (!rt_check(ntasks >= 1 && ntasks < SCHED_NTASKS, "tasks= within 1..15") ||
	    !rt_check(base >= ALIGN_UP(rt_image_end(), PAGE_SIZE), "from= above the image") ||
	    !rt_check(npages >= ntasks && npages <= MAX_PAGES, "a page per task, at most 4 GiB"))
		return rt_report();
	rt_printf("guest: overcommit: %lu pages (%lu MiB) at [0x%lx, 0x%lx), tasks=%lu, seed=%lu, "
		  "%s\n", npages, npages >> 8, base, (u64)(base + npages * PAGE_SIZE), ntasks, seed,
		  use_ve ? "#VE registered" : "not registered (every fault synchronous)");
	if (use_ve && !rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();
	/* hold_ve: registered, but the busy word held set: every fault synchronous, and the
	 * registered pages untouched (cold) for the whole run. */
	bool hold = use_ve && rt_arg_has(cmdline, "hold_ve");
	if (hold)
		ve_hold(true);

	for (u64 t = 0, first = 0; t < ntasks; t++) {
		slices[t].first = first;
		slices[t].n = npages / ntasks + (t < npages % ntasks);
		first += slices[t].n;
		task_create(worker, &slices[t], "overcommit");
	}
	t0 = rt_tsc();
	sched_run();
	us = rt_tsc_us(rt_tsc() - t0);

	for (u64 t = 0; t < ntasks; t++) {
		bad += slices[t].bad_words;
		failed += slices[t].failed;
		fail_other += slices[t].fail_other;
		ok += slices[t].pages_ok;
		done += slices[t].done;
	}
	if (failed)
		rt_printf("guest: overcommit: %lu pages failed (%lu io-error)%s\n", failed,
			  failed - fail_other, expect_fail ? ", as expected" : "");
	if (done == ntasks && !bad && ok == npages - failed)
		rt_printf("guest: overcommit: %lu pages x %u passes verified, tasks=%lu\n", ok,
			  NPASSES, ntasks);
	rt_printf("guest: overcommit: %lu us of guest time, %lu bad words\n", us, bad);
	ve_print_stats("overcommit");
	rt_printf("guest: overcommit: %lu #VE for %lu pages (%lu.%02lu per page), idle halted "
		  "%lu times, %lu switches\n", st->ve, npages, st->ve / npages,
		  st->ve * 100 / npages % 100, sched_stats.halts, sched_stats.switches);

	rt_check_eq(done, ntasks, "every task finished");
	rt_check_eq(bad, 0, "every word of every page read back what was written");
	rt_check_eq(ok, npages - failed, "every page not failed verified in the last pass");
	if (expect_fail) {
		rt_check(failed >= 1, "expect_fail: some page failed");
		rt_check_eq(fail_other, 0, "expect_fail: every failure was an io-error");
	} else {
		rt_check_eq(failed, 0, "no page failed");
	}
	if (hold)
		ve_hold(false);
	if (use_ve) {
		rt_check_eq(st->resumed + st->failed, st->ve, "every #VE finished RESOLVED or FAIL");
		rt_check_eq(st->completions, st->parks, "every park was ended by a completion");
		rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
		rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	} else {
		rt_check_eq(st->ve, 0, "not registered: no #VE");
	}
	return rt_report();
}
