/* guest/tests/restore.c: lazy restore (issue 15). With backing=image the VM's memory comes
 * from an image file (a GRUB module, written by tools/mkimage), page by page on first
 * touch: page gpa G holds image bytes [G, G + 4096), zero past the image's end. The image
 * holds restore_word(o) at every 8-byte offset o (guest/tests/restore_image.h).
 *
 * Checks every word of pages= pages (default 256) from from= (default 16M) against
 * restore_word, and with tail=ADDR that the page at ADDR (past the image's end) is all
 * zero. The pages are read by tasks= tasks (default 4) registered for #VE (`nove`: not
 * registered, every fault synchronous), each a slice, so the image reads overlap; passes=
 * (default 1) reads them that many times, every other pass backwards, so that under a
 * resident= cap later passes read pages that were evicted since.
 * Prints "guest: restore: N pages match the image" and ends with rt_report(). */
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/ve.h"
#include "guest/tests/restore_image.h"

#define MAX_REPORTS	8

struct slice {
	u64 first, n;			/* gpa of the first page, pages */
	u64 bad_pages, bad_words;
};

static struct slice slices[SCHED_NTASKS];
static u64 npasses = 1;
static unsigned reports;

static u64 check_page(u64 gpa, bool zero)
{
	u64 bad = 0;

	for (u64 a = gpa; a < gpa + PAGE_SIZE; a += 8) {
		u64 got = *(volatile u64 *)a, want = zero ? 0 : restore_word(a);

		if (got == want)
			continue;
		bad++;
		if (reports++ < MAX_REPORTS)
			rt_printf("guest: restore: at 0x%lx got 0x%lx want 0x%lx%s\n", a, got, want,
				  zero ? " (past the image)" : "");
	}
	return bad;
}

static void reader(void *arg)
{
	struct slice *s = arg;

	for (u64 p = 0; p < npasses; p++) {
		for (u64 i = 0; i < s->n; i++) {
			u64 pg = p % 2 ? s->n - 1 - i : i;
			u64 bad = check_page(s->first + pg * PAGE_SIZE, false);

			s->bad_words += bad;
			s->bad_pages += bad != 0;
		}
	}
}

int main(const char *cmdline)
{
	u64 from = 16ULL << 20, npages = 256, ntasks = 4, tail = 0, bad_pages = 0, bad_words = 0;
	u64 end = MIN(rt_mem_upper(), RT_MAP_END);
	bool use_ve = !rt_arg_has(cmdline, "nove"), has_tail;

	rt_arg_u64(cmdline, "from", &from);
	rt_arg_u64(cmdline, "pages", &npages);
	rt_arg_u64(cmdline, "tasks", &ntasks);
	rt_arg_u64(cmdline, "passes", &npasses);
	has_tail = rt_arg_u64(cmdline, "tail", &tail);
	from = ALIGN_DOWN(from, PAGE_SIZE);
	tail = ALIGN_DOWN(tail, PAGE_SIZE);
	if (!rt_check(ntasks >= 1 && ntasks < SCHED_NTASKS && npages >= ntasks && npasses >= 1,
		      "tasks= within 1..15, a page per task, a pass") ||
	    !rt_check(from >= ALIGN_UP(rt_image_end(), PAGE_SIZE) && from < end &&
		      npages <= (end - from) / PAGE_SIZE, "from= and pages= inside free RAM") ||
	    !rt_check(!has_tail || (tail >= ALIGN_UP(rt_image_end(), PAGE_SIZE) && tail < end),
		      "tail= inside free RAM"))
		return rt_report();
	rt_printf("guest: restore: checking %lu pages at 0x%lx against the image, %lu passes, "
		  "tasks=%lu%s\n", npages, from, npasses, ntasks, use_ve ? "" : ", not registered");
	if (use_ve && !rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();

	for (u64 t = 0, first = from; t < ntasks; t++) {
		slices[t].first = first;
		slices[t].n = npages / ntasks + (t < npages % ntasks);
		first += slices[t].n * PAGE_SIZE;
		task_create(reader, &slices[t], "reader");
	}
	sched_run();
	for (u64 t = 0; t < ntasks; t++) {
		bad_pages += slices[t].bad_pages;
		bad_words += slices[t].bad_words;
	}
	if (!bad_words)
		rt_printf("guest: restore: %lu pages match the image\n", npages);
	else
		rt_printf("guest: restore: %lu page reads of %lu differ from the image (%lu words)\n",
			  bad_pages, npages * npasses, bad_words);
	rt_check_eq(bad_words, 0, "every word is the image's");
	if (has_tail) {
		u64 bad = check_page(tail, true);

		if (!bad)
			rt_printf("guest: restore: page 0x%lx past the image is zero\n", tail);
		rt_check_eq(bad, 0, "the page past the image's end is all zero");
	}
	ve_print_stats("restore");
	if (use_ve)
		rt_check_eq(ve_unregister(), 0, "FL_HC_VE_UNREGISTER -> 0");
	return rt_report();
}
