/* guest/tests/fail_flaky.c: a transient failure, retried (docs/pv-protocol.md step 9, and the
 * hypervisor's failed-page set). The VM's backing store fails the first production of
 * each of pages= (default 4) pages from flaky= (default: the test region's first page;
 * the VM key backing.flaky=ADDR+LEN:1 must cover them). A kernel task copies each page
 * through copy_from_guest_memory: the first copy takes a #VE, the entry comes back FAIL
 * with code io-error, and the fixup makes the copy return -EFAULT; the task copies again:
 * another #VE, the hypervisor retries the failed page synchronously, it is produced this
 * time, the entry comes back RESOLVED (FL_PV_F_SYNC) and the page's content is verified.
 * Prints "guest: fail-flaky: N pages failed once then succeeded"; exits 0. */
#include "guest/lib/fixup.h"
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"

static u64 buf[PAGE_SIZE / 8];
static u64 first, npages, ok, bad_words;

/* Copies page p twice: true if the first copy failed with io-error and the second
 * succeeded with the right content. */
static bool twice(u64 p)
{
	int r1, r2;
	u64 bad = 0;
	u32 code;

	r1 = copy_from_guest_memory(buf, (void *)p, PAGE_SIZE);
	code = fixup_last()->code;
	r2 = copy_from_guest_memory(buf, (void *)p, PAGE_SIZE);
	for (u64 i = 0; !r2 && i < PAGE_SIZE / 8; i++)
		bad += buf[i] != ve_pattern(p + i * 8);
	bad_words += bad;
	rt_printf("guest: fail-flaky: page 0x%lx: first copy %d (code=%s), retry %d, %lu bad "
		  "words\n", p, r1, r1 ? ve_fault_code(code) : "none", r2, bad);
	return r1 == -EFAULT && code == FL_FAULT_IO_ERROR && r2 == 0 && !bad;
}

static void copier(void *arg)
{
	(void)arg;
	for (u64 i = 0; i < npages; i++)
		ok += twice(first + i * PAGE_SIZE);
}

int main(const char *cmdline)
{
	const struct ve_stats *s = &ve_stats;

	first = ve_test_base();
	npages = 4;
	rt_arg_u64(cmdline, "flaky", &first);
	rt_arg_u64(cmdline, "pages", &npages);
	first = ALIGN_DOWN(first, PAGE_SIZE);
	if (!rt_check(npages > 0 && first >= ve_test_base() &&
		      first + npages * PAGE_SIZE <= MIN(rt_mem_upper(), RT_MAP_END),
		      "flaky pages inside the lazily backed test region") ||
	    !rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	task_create(copier, NULL, "copier");
	sched_run();

	rt_printf("guest: fail-flaky: %lu pages failed once then succeeded\n", ok);
	ve_print_stats("fail-flaky");
	rt_check_eq(ok, npages, "every page failed once (io-error), then was produced");
	rt_check_eq(bad_words, 0, "every retried page holds the pattern");
	rt_check_eq(s->failed, npages, "a FAIL per page");
	rt_check_eq(s->resumed, npages, "a RESOLVED per page");
	rt_check(s->sync >= npages, "the retries were resolved synchronously (FL_PV_F_SYNC)");
	rt_check_eq(fixup_count(), npages, "each failure went through the fixup");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
