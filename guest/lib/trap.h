/* guest/lib/trap.h: the guest runtime's exceptions and interrupts: the saved register frame,
 * the IDT (all 256 vectors have a stub, shared by all vCPUs), each vCPU's GDT (with ring-3
 * code and data for guest/lib/user.c), TSS and IST stacks (guest/lib/smp.h), and handler
 * registration (for every vCPU).
 * Without a registered handler a vector is fatal: one line naming it, one with the
 * registers, then exit status 3; from ring 3, trap_user_fault gets it first. */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H
#include "lib/types.h"

/* Pushed by guest/lib/isr.S, in this order from the lowest address. */
struct trapframe {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* the CPU's interrupt frame */
};

#define T_DE	0
#define T_DB	1
#define T_NMI	2
#define T_BP	3
#define T_UD	6
#define T_DF	8
#define T_GP	13
#define T_PF	14
#define T_MC	18
#define T_VE	20
#define T_NEXC	32	/* the exceptions; 32..255 are interrupt vectors */
#define T_NVEC	256	/* vectors with a stub and a gate */

/* IST slots of the TSS (SDM Vol. 3A 7.14.5): 0 = no stack switch. */
#define IST_FATAL	1	/* #DF, NMI, #MC: RSP cannot be trusted */
#define IST_VE		2	/* #VE: its own stack (docs/pv-protocol.md, guest step 1) */

#define EXIT_EXCEPTION	3	/* status of a guest killed by an unhandled exception */

/* Selectors of every vCPU's GDT: the boot ones, the TSS (two slots), then ring 3's (RPL 3
 * included), the order SYSRET would want although we enter ring 3 by IRETQ. */
#define SEL_KCODE	0x08
#define SEL_KDATA	0x10
#define SEL_TSS		0x18
#define SEL_UDATA	(0x28 | 3)
#define SEL_UCODE	(0x30 | 3)

static inline bool trap_user_mode(const struct trapframe *tf)
{
	return (tf->cs & 3) == 3;
}

/* A handler returns to resume the interrupted code (IRETQ), or does not return. */
typedef void (*trap_fn)(struct trapframe *tf);

void trap_init(void);				/* the IDT, then trap_init_cpu; once, at start */
void trap_init_cpu(void);			/* this vCPU's GDT, TSS, IST stacks; loads the IDT */
void trap_register(unsigned vector, trap_fn fn);	/* any of the 256 vectors */
void trap_set_ist(unsigned vector, unsigned ist);	/* run vector on IST slot ist (0: none) */
void trap_set_user(unsigned vector);		/* DPL 3: ring 3 may raise it with INT n */
/* This vCPU's TSS.rsp0: the stack an interrupt or exception from ring 3 lands on (but the
 * IST ones, which start on their IST stack). The scheduler sets it on every switch. */
void trap_set_rsp0(u64 rsp);
u64 trap_rsp0(void);
/* Called instead of the fatal report for an exception from ring 3 that has no handler
 * (guest/lib/user.c kills the task); NULL: fatal as from ring 0. */
extern trap_fn trap_user_fault;
void trap(struct trapframe *tf);		/* called by guest/lib/isr.S */
/* guest/lib/isr.S, for a handler that must leave its stack (an IST stack) before it finishes:
 * it copies its frame to tf on the new stack (16-byte aligned) and calls this, which sets
 * RSP = tf, calls fn(tf) there, restores the frame and IRETQs. Does not return. */
__attribute__((noreturn)) void trap_continue(struct trapframe *tf, trap_fn fn);
const char *trap_name(u64 vector);

#endif
