/* guest/tests/fail_user.c: a memory failure in ring 3 kills that task only (docs/pv-protocol.md
 * step 9, case (a) of guest/lib/fail.c). Three user tasks (guest/lib/user.h):
 *
 *  - "victim" reads a word of NGOOD good pages of lazily backed RAM (each a #VE in ring 3,
 *    CAN_CONTINUE, parked and resumed back in ring 3), then the word at poison= (default:
 *    the test region's first page; the VM must have it in backing.poison): the entry comes
 *    back FAIL and the task is killed with "guest: task victim killed: SIGBUS at ...";
 *  - "intruder" reads a word of the kernel's .bss: supervisor-only, so a #PF in ring 3
 *    kills it too ("... killed: SIGSEGV at ..."): ring 3 is really ring 3;
 *  - "survivor" reads its own NSURV pages round and round, yielding after each read, until
 *    AFTER steps after it has seen both kills (SYS_NKILLED); first it asks the kernel to
 *    print a kernel address, which SYS_PUTS refuses with -EFAULT.
 *
 * main then checks what each saw against the pattern and that the rest of the guest went
 * on: it exits 0. */
#include "guest/lib/fixup.h"
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/user.h"
#include "guest/lib/ve.h"

#define NGOOD		2
#define NSURV		8
#define AFTER		8		/* survivor's steps after the kills */
#define MAXSTEPS	10000		/* a bound, should the kill never come */

struct job {
	u64 page[NSURV];		/* the word each step reads */
	u64 got[NSURV + 1];
	u64 n;
	u64 poison;			/* victim: read last; others: a kernel address */
	u64 reached, survived;		/* victim: before / after the poisoned read */
	u64 steps, after_kill;		/* survivor */
	long puts_ret;			/* survivor: SYS_PUTS of poison, a kernel address */
};

static struct job vjob __user_data, sjob __user_data, ijob __user_data;

static void __user_text victim(void *arg)
{
	struct job *j = arg;

	for (u64 i = 0; i < j->n; i++)
		j->got[i] = *(volatile u64 *)j->page[i];
	j->reached = 1;
	j->got[j->n] = *(volatile u64 *)j->poison;	/* killed here */
	j->survived = 1;
	sys_puts(USTR("guest: FAIL victim survived its poisoned read\n"));
}

static void __user_text intruder(void *arg)
{
	struct job *j = arg;

	j->got[0] = *(volatile u64 *)j->poison;		/* killed here */
	j->survived = 1;
	sys_puts(USTR("guest: FAIL ring 3 read kernel memory\n"));
}

static void __user_text survivor(void *arg)
{
	struct job *j = arg;
	bool seen = false;

	j->puts_ret = sys_puts((const char *)j->poison);
	for (u64 s = 0; s < MAXSTEPS && j->after_kill < AFTER; s++) {
		j->got[s % j->n] = *(volatile u64 *)j->page[s % j->n];
		j->steps++;
		if (seen || (seen = sys_nkilled() >= 2))
			j->after_kill++;
		sys_yield();
	}
	sys_puts(USTR("guest: fail-user: survivor done\n"));
}

/* The k-th page of the test region that is not the poisoned one, at a word offset that
 * varies with k. */
static u64 good_word(u64 k, u64 poison)
{
	u64 p = ve_test_base() + k * PAGE_SIZE;

	if (p >= ALIGN_DOWN(poison, PAGE_SIZE))
		p += PAGE_SIZE;
	return p + (k * 72 & 0xFF8);
}

static u64 bad_reads(const struct job *j, u64 n)
{
	u64 bad = 0;

	for (u64 i = 0; i < n; i++)
		bad += j->got[i] != ve_pattern(j->page[i]);
	return bad;
}

int main(const char *cmdline)
{
	u64 poison = ALIGN_DOWN(ve_poison(), 8);

	(void)cmdline;
	if (!rt_check(ve_test_pages(NGOOD + NSURV + 1) == NGOOD + NSURV + 1,
		      "room for the test pages") ||
	    !rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();
	vjob.n = NGOOD;
	vjob.poison = poison;
	sjob.n = NSURV;
	for (u64 k = 0; k < NGOOD + NSURV; k++)
		*(k < NGOOD ? &vjob.page[k] : &sjob.page[k - NGOOD]) = good_word(k, poison);
	rt_printf("guest: fail-user: victim reads %u pages then 0x%lx; survivor reads %u pages\n",
		  NGOOD, poison, NSURV);

	ijob.poison = sjob.poison = (u64)&ve_stats;
	user_create(intruder, &ijob, "intruder");
	user_create(victim, &vjob, "victim");
	user_create(survivor, &sjob, "survivor");
	sched_run();

	rt_printf("guest: fail-user: survivor made %lu steps, %lu after the kills\n", sjob.steps,
		  sjob.after_kill);
	ve_print_stats("fail-user");
	rt_check_eq(user_stats.killed, 2, "two user tasks killed");
	rt_check_eq(user_stats.exited, 1, "the third exited by itself");
	rt_check(vjob.reached && !vjob.survived, "victim died at its poisoned read");
	rt_check(!ijob.survived, "intruder died at its read of kernel memory");
	rt_check_eq(bad_reads(&vjob, NGOOD), 0, "victim's good reads (ring 3 #VE) held the pattern");
	rt_check_eq(sjob.after_kill, AFTER, "survivor made progress after the kills");
	rt_check_eq(bad_reads(&sjob, NSURV), 0, "survivor's reads held the pattern");
	rt_check_eq(sjob.puts_ret, -EFAULT, "SYS_PUTS of a kernel address -> -EFAULT");
	rt_check_eq(ve_stats.failed, 1, "one fault finished FAIL");
	rt_check_eq(ve_stats.cont, ve_stats.ve, "every #VE (ring 3) was CAN_CONTINUE");
	rt_check_eq(ve_stats.parks + ve_stats.sync, ve_stats.ve,
		    "each ring-3 fault parked, or came back FL_PV_F_SYNC (no workers)");
	rt_check_eq(ve_pv_page()->active[0], 0, "no PV entry left active");
	return rt_report();
}
