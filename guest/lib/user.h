/* guest/lib/user.h: ring-3 tasks in the guest runtime (guest/lib/user.c).
 *
 * A user task is a scheduler task (guest/lib/sched.h) that leaves for ring 3 by IRETQ and
 * comes back only through an interrupt, an exception or a system call (INT 0x80, a DPL-3
 * gate). It runs on the user page tables: the kernel's identity map of the first 4 GiB,
 * supervisor-only, except two user-accessible ranges, the image's .user section (code,
 * constants, data and stacks marked below; guest/lib/linker.ld) and the lazily backed test
 * region [ve_test_base(), end of RAM). One address space serves every user task (they are
 * not isolated from each other, only from the kernel). Pointers keep their values.
 *
 * Code that runs in ring 3 must live in .user.text and touch only user memory: it cannot
 * call the runtime (rt_printf, ve_touch: supervisor pages) and must not make the compiler
 * call memset/memcpy or use jump tables. Its system calls are the inline functions below.
 *
 * A memory failure in ring 3 (FAIL, docs/pv-protocol.md step 9) kills the task with a
 * SIGBUS-like report, an exception without a handler with a SIGSEGV-like one; the rest
 * of the guest goes on. */
#ifndef GUEST_USER_H
#define GUEST_USER_H
#include "lib/types.h"
#include "guest/lib/trap.h"
#include "include/faultline.h"

#define __user_text	__attribute__((section(".user.text")))
#define __user_data	__attribute__((section(".user.data")))
/* A string constant ring 3 can pass to sys_puts. */
#define USTR(s) ({ static const char __ustr[] __attribute__((section(".user.rodata"))) = s; \
		   __ustr; })

#define USER_MAX	4		/* user tasks alive at once */
#define USER_STACK	8192		/* bytes of ring-3 stack each */
#define USER_VECTOR	0x80		/* the system call gate */

#define SYS_EXIT	0		/* (status): the task exits; does not return */
#define SYS_YIELD	1		/* (): yield() */
#define SYS_PUTS	2		/* (string): prints it; its length, or -EFAULT */
#define SYS_NKILLED	3		/* (): user tasks killed so far */

typedef void (*user_fn)(void *arg);

/* A task that runs fn(arg) in ring 3 (fn in .user.text, arg a user pointer or a plain
 * value); returning from fn is sys_exit(0). Returns the task id or -1 (no task slot, or
 * USER_MAX user tasks alive). The first call builds the user page tables and installs the
 * gate. */
int user_create(user_fn fn, void *arg, const char *name);

/* Whether [addr, addr + len) is user-accessible (the two ranges above). */
bool user_access_ok(u64 addr, u64 len);

/* Called by the FAIL path (guest/lib/fail.c) for a fault taken in ring 3: prints
 * "guest: task NAME killed: SIGBUS at gla=0x... (fault gpa=0x... code=NAME)" and ends the
 * current task. */
__attribute__((noreturn)) void user_kill_bus(const struct fl_fault *rec);

struct user_stats {
	u64 created, exited, killed;	/* killed: by a signal, not counted as exited */
	u64 syscalls;
};
extern struct user_stats user_stats;

/* ---- ring 3's side: INT 0x80 with the number in RAX, the argument in RDI, the result in
 * RAX; nothing else changes (the gate's frame restores every register). ---- */

static inline __attribute__((always_inline)) long sys_call(long nr, long arg)
{
	asm volatile("int %2" : "+a"(nr) : "D"(arg), "i"(USER_VECTOR) : "memory");
	return nr;
}

static inline __attribute__((always_inline, noreturn)) void sys_exit(int status)
{
	sys_call(SYS_EXIT, status);
	__builtin_unreachable();
}

static inline __attribute__((always_inline)) void sys_yield(void)
{
	sys_call(SYS_YIELD, 0);
}

static inline __attribute__((always_inline)) long sys_puts(const char *s)
{
	return sys_call(SYS_PUTS, (long)s);
}

static inline __attribute__((always_inline)) long sys_nkilled(void)
{
	return sys_call(SYS_NKILLED, 0);
}

#endif
