/* guest/lib/user.c: ring-3 tasks (API and rules in guest/lib/user.h): the user page tables,
 * entry to ring 3, the system calls, and the deaths of user tasks.
 *
 * A user task is a scheduler task whose function is user_start, created with the user
 * page tables as its CR3 (guest/lib/sched.c loads them, and points TSS.rsp0 at the top of its
 * stack, on every switch to it). user_start builds an interrupt frame for ring 3 on that
 * stack and IRETQs; from then on its kernel stack is empty while it runs in ring 3, and
 * every interrupt, exception or system call starts at its top. A #VE in ring 3 starts on
 * the #VE IST stack instead and moves there (guest/lib/ve.c, step 6).
 *
 * The user page tables are built once: PML4 -> PDPT -> four page directories of 2 MiB
 * pages mapping [0, 4 GiB) one to one like guest/lib/entry.S's. U/S is the AND of all levels
 * (SDM Vol. 3A 5.11.2), so it is set on every upper level and, of the leaves, only on the
 * 2 MiB pages of the test region and, through 4 KiB page tables, on the pages of the .user
 * section: everything else stays supervisor-only. */
#include "guest/lib/fixup.h"
#include "guest/lib/rt.h"
#include "guest/lib/sched.h"
#include "guest/lib/smp.h"
#include "guest/lib/user.h"
#include "guest/lib/ve.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_PS		0x080ULL
#define LARGE		(2ULL << 20)
#define NPT		2		/* 4 KiB tables: the .user section spans <= 2 large pages */
#define PUTS_MAX	256
#define ENOSYS		38
#define STR(x)		#x
#define XSTR(x)		STR(x)

struct utask {
	user_fn fn;
	void *arg;
	int tid;			/* its scheduler task id; 0: slot free */
};

extern char __user_start[], __user_end[];	/* guest/lib/linker.ld */
void user_ret(void);				/* below: fn's return address */

static u64 upml4[512] __attribute__((aligned(4096)));
static u64 updpt[512] __attribute__((aligned(4096)));
static u64 upd[4][512] __attribute__((aligned(4096)));
static u64 upt[NPT][512] __attribute__((aligned(4096)));
static u64 region_lo, region_hi;		/* the test region, user-accessible */
static u8 ustacks[USER_MAX][USER_STACK] __attribute__((section(".user.bss"), aligned(16)));
static struct utask utasks[USER_MAX];
static spinlock_t init_lock, slot_lock;
static volatile bool ready;
struct user_stats user_stats;

/* Where a returning fn goes: ring 3 code, so it is in .user.text. */
asm(".pushsection .user.text, \"ax\"\n"
    ".globl user_ret\n"
    "user_ret:\n"
    "	xorl %edi, %edi\n"
    "	movl $" XSTR(SYS_EXIT) ", %eax\n"
    "	int $" XSTR(USER_VECTOR) "\n"
    "	ud2\n"
    ".popsection\n");

static bool in(u64 a, u64 lo, u64 hi)
{
	return a >= lo && a < hi;
}

/* The 2 MiB page at pa: large and user-accessible in the test region; split into 4 KiB
 * pages where it holds part of the .user section. */
static u64 pde(u64 pa, unsigned *npt)
{
	u64 ulo = (u64)__user_start, uhi = (u64)__user_end;
	u64 *pt;

	if (uhi <= pa || ulo >= pa + LARGE)
		return pa | PTE_P | PTE_RW | PTE_PS | (in(pa, region_lo, region_hi) ? PTE_US : 0);
	if (*npt == NPT) {
		rt_printf("guest: user: .user section [0x%lx, 0x%lx) too large\n", ulo, uhi);
		rt_exit(EXIT_EXCEPTION);
	}
	pt = upt[(*npt)++];
	for (unsigned i = 0; i < 512; i++) {
		u64 p = pa + i * PAGE_SIZE;

		pt[i] = p | PTE_P | PTE_RW | (in(p, ulo, uhi) ? PTE_US : 0);
	}
	return (u64)pt | PTE_P | PTE_RW | PTE_US;
}

static void build_tables(void)
{
	unsigned npt = 0;

	region_lo = ve_test_base();
	region_hi = MIN(rt_mem_upper(), RT_MAP_END);
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned j = 0; j < 512; j++)
			upd[i][j] = pde(((u64)i * 512 + j) * LARGE, &npt);
		updpt[i] = (u64)upd[i] | PTE_P | PTE_RW | PTE_US;
	}
	upml4[0] = (u64)updpt | PTE_P | PTE_RW | PTE_US;
}

bool user_access_ok(u64 addr, u64 len)
{
	u64 end = addr + len;

	if (end < addr)
		return false;
	return (addr >= (u64)__user_start && end <= (u64)__user_end) ||
	       (addr >= region_lo && end <= region_hi);
}

/* ---- entering ring 3 ---- */

static void enter(struct trapframe *tf)
{
	(void)tf;		/* trap_continue's IRETQ does it */
}

/* The task's first function, in ring 0 on its stack: a frame as if ring 3 had been
 * interrupted at fn's first instruction, with fn's return address on the user stack. */
static void user_start(void *arg)
{
	struct utask *u = arg;
	u64 *top = (u64 *)(ustacks[u - utasks] + USER_STACK);
	struct trapframe tf __attribute__((aligned(16))) = {
		.rip = (u64)u->fn, .cs = SEL_UCODE, .rflags = RFLAGS_IF | 2,
		.rsp = (u64)(top - 1), .ss = SEL_UDATA, .rdi = (u64)u->arg,
	};

	top[-1] = (u64)user_ret;
	asm volatile("cli" : : : "memory");
	trap_continue(&tf, enter);
}

/* ---- leaving it ---- */

static void slot_free(void)
{
	int tid = sched_id();

	for (unsigned i = 0; i < USER_MAX; i++)
		if (utasks[i].tid == tid)
			__atomic_store_n(&utasks[i].tid, 0, __ATOMIC_RELEASE);
}

static __attribute__((noreturn)) void die(bool killed)
{
	__atomic_add_fetch(killed ? &user_stats.killed : &user_stats.exited, 1,
			   __ATOMIC_RELAXED);
	slot_free();
	task_exit();
}

void user_kill_bus(const struct fl_fault *rec)
{
	rt_printf("guest: task %s killed: SIGBUS at gla=0x%lx (fault gpa=0x%lx code=%s)\n",
		  sched_name(), (u64)rec->gla, (u64)rec->gpa, ve_fault_code(rec->code));
	die(true);
}

/* trap_user_fault: an exception in ring 3 nobody handles. */
static void kill_segv(struct trapframe *tf)
{
	u64 cr2;

	asm volatile("mov %%cr2, %0" : "=r"(cr2));
	rt_printf("guest: task %s killed: SIGSEGV at rip=0x%lx (%s error=0x%lx cr2=0x%lx)\n",
		  sched_name(), tf->rip, trap_name(tf->vector), tf->error, cr2);
	die(true);
}

/* ---- system calls ---- */

/* The string through the fixup helper: a user pointer into a page that cannot be produced
 * is an error for the caller, not a kernel panic. */
static s64 do_puts(u64 s)
{
	char buf[PUTS_MAX];
	unsigned n = 0;

	while (n < PUTS_MAX - 1) {
		if (!user_access_ok(s + n, 1) || copy_from_guest_memory(&buf[n], (void *)(s + n), 1))
			return -EFAULT;
		if (!buf[n])
			break;
		n++;
	}
	buf[n] = 0;
	rt_puts(buf);
	return n;
}

/* INT 0x80, IF=0 (an interrupt gate) on the task's stack. */
static void syscall(struct trapframe *tf)
{
	__atomic_add_fetch(&user_stats.syscalls, 1, __ATOMIC_RELAXED);
	if (tf->rax == SYS_EXIT) {
		if (tf->rdi)
			rt_printf("guest: task %s exited with status %ld\n", sched_name(),
				  (s64)tf->rdi);
		die(false);
	} else if (tf->rax == SYS_YIELD) {
		yield();
		tf->rax = 0;
	} else if (tf->rax == SYS_PUTS) {
		tf->rax = do_puts(tf->rdi);
	} else if (tf->rax == SYS_NKILLED) {
		tf->rax = __atomic_load_n(&user_stats.killed, __ATOMIC_RELAXED);
	} else {
		tf->rax = -ENOSYS;
	}
}

/* ---- creation ---- */

static void init_once(void)
{
	if (ready)
		return;
	spin_lock(&init_lock);
	if (!ready) {
		build_tables();
		trap_register(USER_VECTOR, syscall);
		trap_set_user(USER_VECTOR);
		trap_user_fault = kill_segv;
		ready = true;
	}
	spin_unlock(&init_lock);
}

static struct utask *slot_claim(void)
{
	struct utask *u = NULL;

	spin_lock(&slot_lock);
	for (unsigned i = 0; i < USER_MAX && !u; i++)
		if (!utasks[i].tid) {
			u = &utasks[i];
			u->tid = -1;		/* claimed; the task id follows */
		}
	spin_unlock(&slot_lock);
	return u;
}

int user_create(user_fn fn, void *arg, const char *name)
{
	struct utask *u;
	int tid;

	init_once();
	u = slot_claim();
	if (!u)
		return -1;
	u->fn = fn;
	u->arg = arg;
	tid = task_create_mm(user_start, u, name, (u64)upml4);
	u->tid = tid > 0 ? tid : 0;
	if (tid > 0)
		__atomic_add_fetch(&user_stats.created, 1, __ATOMIC_RELAXED);
	return tid;
}
