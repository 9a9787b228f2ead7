/* host/trap.h: interrupts and exceptions: the IDT, the saved register frame, handler
 * registration, and the fatal paths (register dump, symbolized backtrace, stop every CPU). */
#ifndef HOST_TRAP_H
#define HOST_TRAP_H
#include "lib/types.h"

/* Pushed by host/isr.S, in this order from the lowest address. */
struct regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* the CPU's interrupt frame */
};

#define VEC_DB		1
#define VEC_NMI		2
#define VEC_BP		3
#define VEC_DF		8
#define VEC_PF		14
#define VEC_MC		18
#define VEC_IPI_CALL	0xF0	/* "look at your mailbox" IPI between CPUs */
#define VEC_SPURIOUS	0xFF

typedef void (*trap_fn)(struct regs *r);

void idt_init(void);		/* builds the shared IDT once */
void idt_load(void);		/* on each CPU */
void trap_register(u8 vector, trap_fn fn);
u64 idt_base(void);
void trap_dispatch(struct regs *r);	/* an interrupt taken on VM exit */
void trap_stop_if_stopping(void);	/* an NMI taken on VM exit */
void trap(struct regs *r);	/* called by isr.S */

const char *exception_name(u64 vector);
void dump_regs(const struct regs *r);
void backtrace_from(u64 rip, u64 rbp, u64 leaf_ret);
void backtrace_regs(const struct regs *r);

/* Exit statuses (`faultline: exit status=N`), documented in the README. */
#define EXIT_OK		0	/* every VM passed (or there were none) */
#define EXIT_VM_FAILED	1	/* at least one VM failed */
#define EXIT_PANIC	2	/* the hypervisor itself failed */
#define EXIT_NO_VMX	3	/* the platform lacks long mode, VMX, EPT or unrestricted guest */

void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Stops the other CPUs, prints `faultline: exit status=N`, leaves the emulator. */
void fl_exit(int status) __attribute__((noreturn));
/* The monitor's reboot: a machine reset (host/exit.c), after the summary. */
void fl_reboot(void) __attribute__((noreturn));

#endif
