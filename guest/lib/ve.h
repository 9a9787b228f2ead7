/* guest/lib/ve.h: the guest side of faultline's asynchronous faults (docs/pv-protocol.md): the
 * #VE handler, the completion handler, registration, counters, test hooks (guest/lib/ve.c),
 * and helpers the test guests share: the lazy test region and its content check
 * (guest/lib/vetest.c).
 *
 * A task (guest/lib/sched.h) that touches an absent page of lazily backed RAM takes a #VE; the
 * handler reports it and, when the task may sleep, parks it until the completion interrupt
 * says the page is there, so other tasks run meanwhile. Everything else (IF=0, a main
 * context, the idle task, a nosleep section, a #VE inside a #VE) asks the hypervisor to
 * suspend the vCPU instead.
 *
 * Everything here is per vCPU (guest/lib/smp.h): each vCPU registers its own VE information
 * page and PV area (the same completion vector on all), takes its #VEs on its own IST
 * stack, and handles the completions of the faults it reported; the functions below act
 * on the calling vCPU's (ve_stats alone sums all vCPUs). */
#ifndef GUEST_VE_H
#define GUEST_VE_H
#include "lib/types.h"
#include "guest/lib/sched.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "include/faultline.h"

#define VE_VECTOR	0xF3	/* the completion vector the guests register (any of 32..255) */
#define VE_LOG		64	/* the last #VE addresses remembered (ve_seen) */

/* Installs the #VE handler (vector 20, IST_VE) and the completion handler on vector;
 * ve_register does it too. A guest that never registers still installs the #VE handler,
 * so a #VE that should not come is reported rather than fatal as an unknown exception. */
void ve_install(unsigned vector);

/* FL_HC_VE_REGISTER with the VE information page and the PV area (zeroed first, unless
 * already registered: then the call only shows what the hypervisor says, FL_EBUSY).
 * Returns the hypercall's result: 0 or an FL_E* code. */
s64 ve_register(unsigned vector);
s64 ve_unregister(void);			/* FL_HC_VE_UNREGISTER's result */
/* Hold this vCPU's VE-information busy word set (on) or clear it again (off): while held,
 * no #VE is delivered and every fault is synchronous (a busy-word exit), so the registered
 * areas are not touched: what tests/t_swap.sh's pinning test needs. */
void ve_hold(bool on);
bool ve_registered(void);

/* The two areas, for tests that build their own hypercalls. */
struct fl_ve_info *ve_info_page(void);
struct fl_pv_page *ve_pv_page(void);

struct ve_stats {
	u64 ve;			/* #VE taken (handler entries) */
	u64 cont, suspend;	/* decisions reported */
	u64 why_if, why_nosleep, why_nested;	/* reasons for SUSPEND_ME (first that applied) */
	u64 sync;		/* reports that came back with FL_PV_F_SYNC */
	u64 parks;		/* a task parked on its entry (guest step 8) */
	u64 resumed;		/* faults finished RESOLVED (guest step 9) */
	u64 failed;		/* faults finished FAIL */
	u64 irqs;		/* completion interrupts */
	u64 completions;	/* parked tasks those interrupts woke */
	u64 host_current;	/* the last host_current the completion handler read */
	u64 posted;		/* polled mode: reports posted in the PV page */
	u64 doorbells;		/* ... of which rang the doorbell (no worker polled) */
	u64 polls;		/* ... schedule points that found completions */
	u64 mwaits;		/* ... idle MWAITs on the completions word */
	u64 mwait_stores;	/* ... that ended with the word changed (the host's store) */
};
extern struct ve_stats ve_stats;			/* the VM's: every vCPU's summed */
extern struct ve_stats ve_stats_cpu[SMP_MAX_CPUS];	/* each vCPU's */
void ve_print_stats(const char *who);			/* the VM's */
void ve_print_stats_cpu(const char *who, unsigned cpu);	/* one vCPU's, once it is quiet */

/* The same, per context of this vCPU (sched_id(): -1 main, 0 idle, else a task id): how
 * each fault of a given task ended. */
struct ve_ctx_stats {
	u32 ve;			/* #VE taken */
	u32 sync;		/* came back with FL_PV_F_SYNC */
	u32 parked;		/* faults that parked at least once */
	u32 resumed, failed;	/* finished RESOLVED / FAIL */
};
const struct ve_ctx_stats *ve_ctx_stats(int id);
void ve_ctx_stats_reset(void);	/* this vCPU's, all contexts (task ids are reused) */

/* How many of this vCPU's last VE_LOG #VEs were for the 4 KiB page holding gpa. */
unsigned ve_seen(u64 gpa);

/* Test hook: called by the #VE handler after the REPORT and before it clears the busy word
 * (still on the IST stack, busy word set), with the entry just reported. */
extern void (*ve_hook_before_clear)(struct fl_pv_entry *e);

/* The FAIL path of guest step 9 (guest/lib/fail.c), with the interrupted frame and a copy of
 * the record: a fault in ring 3 kills the task (guest/lib/user.h); in the kernel, a load with
 * an exception-table entry resumes at its fixup (guest/lib/fixup.h); anything else is a panic:
 * "guest: PANIC: unhandled memory failure at rip=0x...: gpa=0x... code=NAME", status 2.
 * Returns only to resume the (possibly changed) frame. */
#define EXIT_PANIC	2
void ve_fail(struct trapframe *tf, const struct fl_fault *rec);
/* Test hook, asked first: returning true resumes the frame unchanged, so the access is
 * retried (a guest that ignores failures; the hypervisor must stop it). */
extern bool (*ve_hook_fail)(struct trapframe *tf, const struct fl_fault *rec);
/* FL_FAULT_* as a word: "outside-ram", "poisoned", "io-error", ... */
const char *ve_fault_code(u32 code);

/* Test helpers: the lazily backed test region [ve_test_base(), rt_mem_upper()), and the
 * pattern backing store's content: fl_pattern_seed(ve_seed(), address), where ve_seed() is
 * seed=N from the guest's command line (default 0), the VM's backing.seed=N. */
u64 ve_test_base(void);
u64 ve_test_pages(u64 want);		/* want, or fewer if the region is smaller */
u64 ve_seed(void);
/* The address the failure tests read: poison=ADDR from the guest's command line (the VM's
 * backing.poison= must cover its page), default ve_test_base(). */
u64 ve_poison(void);
u64 ve_pattern(u64 gpa);		/* what the 64-bit word at gpa must hold */
/* A page's content check; returns the number of bad words (prints some). */
u64 ve_check_page(u64 gpa);
/* The first touch of page gpa: one read of a word inside it (the offset varies with the
 * page, so the fault's address is not always page-aligned); returns whether it held
 * ve_pattern(its address). */
bool ve_touch(u64 gpa);

#endif
