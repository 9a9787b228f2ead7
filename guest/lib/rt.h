/* guest/lib/rt.h: the core of the runtime every faultline guest (guest/demos/, guest/tests/)
 * links with: the way to main, the console, the exit, the command line, the TSC and the
 * PASS/FAIL checks. The rest of guest/lib/ is one header per subsystem, each saying what it
 * owns: trap.h (exceptions, interrupts, GDT/IDT/TSS), smp.h (vCPUs, spinlocks), sched.h
 * (tasks), ve.h (#VE, completions, the FAIL outcome in fail.c, the test region in
 * vetest.c), fixup.h (accesses that may FAIL), user.h (ring 3), uart.h (COM1 input, the
 * 8259s). A guest includes only what it uses; guest/guest.mk links all of it.
 *
 * guest/lib/entry.S takes the CPU from multiboot's 32-bit entry to 64-bit long mode with the
 * first 4 GiB identity-mapped (a pointer is a guest-physical address); rt_start
 * (guest/lib/rt.c) reads the multiboot information, installs the exception handlers
 * (guest/lib/trap.c) and calls the guest's
 *
 *	int main(const char *cmdline);
 *
 * whose return value is the exit status (0 = passed), written to the debug-exit port 0xf4.
 *
 * The guest's command line is everything after the first "--" word of the multiboot command
 * line, leading blanks removed; without a "--" word it is empty. So faultline's module line
 * "guest.elf vm=a -- x=1" and QEMU's "-kernel g.elf -append 'a -- x=1'" both give "x=1".
 *
 * Output goes to COM1 (0x3f8). Lines end with a bare "\n" (no "\r"): faultline's console
 * prefixes each line with the VM name, and logs stay grep-friendly. */
#ifndef GUEST_RT_H
#define GUEST_RT_H
#include "lib/types.h"

#define RT_COM1		0x3F8
#define RT_CMDLINE_MAX	512
#define RT_MMAP_MAX	32
#define RT_MAP_END	(4ULL << 30)	/* entry.S identity-maps [0, 4 GiB) only */

/* Port I/O. */
static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* MSRs. EDX:EAX start at 0, so a read whose #GP a handler skips (guest/lib/fixup.h, a test's
 * own) gives 0 rather than what the registers held. */
static inline u64 rdmsr(u32 msr)
{
	u32 lo = 0, hi = 0;

	asm volatile("rdmsr" : "+a"(lo), "+d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* Console. rt_puts and rt_printf hold a lock across the whole string, so lines from two
 * vCPUs do not interleave character-wise (a vCPU already holding it, from a handler that
 * interrupted its own printing, goes through rather than deadlock). */
void rt_putc(char c);
void rt_puts(const char *s);			/* no newline added */
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Stops the VM with status (0 = passed): prints "guest: exit status=N" first. */
__attribute__((noreturn)) void rt_exit(int status);
__attribute__((noreturn)) void rt_exit_quiet(int status);	/* no message */

/* VMCALL: number in RAX, arguments in RBX, RCX, RDX, RSI, result in RAX. The argument
 * registers are treated as clobbered: the ABI does not promise to preserve them. */
static inline s64 rt_hypercall(u64 nr, u64 a, u64 b, u64 c, u64 d)
{
	asm volatile("vmcall" : "+a"(nr), "+b"(a), "+c"(b), "+d"(c), "+S"(d) : : "memory");
	return (s64)nr;
}

static inline void rt_cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* What the loader told us (copied in rt_start, so the information structure itself may be
 * overwritten afterwards). */
struct rt_region {
	u64 base, len;
	u32 type;			/* 1 = available RAM (E820 numbering) */
};
extern unsigned rt_nmmap;
extern struct rt_region rt_mmap[RT_MMAP_MAX];

const char *rt_boot_cmdline(void);	/* the whole multiboot command line */
const char *rt_loader(void);		/* the boot loader's name ("faultline"), or "" */
u64 rt_mem_upper(void);			/* end of RAM in bytes: top of the highest available region */
u64 rt_image_end(void);			/* end of this guest's image, .bss and stack included */
bool rt_on_faultline(void);		/* CPUID 0x40000000 carries faultline's signature */

/* "key=value" in a command line, value decimal or 0x hex: true and *val when present. */
bool rt_arg_u64(const char *cmdline, const char *key, u64 *val);
bool rt_arg_has(const char *cmdline, const char *word);	/* a blank-separated word */
const char *rt_cmdline(void);		/* the guest's command line (what main got) */

/* The TSC, and TSC ticks in microseconds (FL_HC_TSC_KHZ, asked once; 1 GHz assumed when
 * not on faultline). */
static inline u64 rt_tsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
u64 rt_tsc_khz(void);
u64 rt_tsc_us(u64 ticks);

/* Tests: every check prints "guest: PASS what" or "guest: FAIL what (file:line)" and counts
 * (atomically: any vCPU may check);
 * rt_report prints "guest: N passed, N failed" and returns 0 when none failed, else 1. */
#define rt_check(cond, what) rt_check_at(!!(cond), (what), __FILE__, __LINE__)
#define rt_check_eq(got, want, what) \
	rt_check_eq_at((s64)(got), (s64)(want), (what), __FILE__, __LINE__)
bool rt_check_at(bool ok, const char *what, const char *file, int line);
bool rt_check_eq_at(s64 got, s64 want, const char *what, const char *file, int line);
int rt_report(void);

/* Called by guest/lib/entry.S in 64-bit mode; calls main and exits with its status. */
__attribute__((noreturn)) void rt_start(u32 magic, u32 mbi);

/* Provided by each guest. */
int main(const char *cmdline);

#endif
