/* guest/lib/swtch.S: the scheduler's context switch (guest/lib/sched.c).
 *
 * void sched_switch(u64 *save, u64 rsp): push the callee-saved registers (SysV ABI: RBX,
 * RBP, R12-R15; everything else the C caller already treats as clobbered), store RSP in
 * *save, load rsp, pop the other context's registers and return into it. A new task's
 * stack is laid out by guest/lib/sched.c to look like such a frame whose return address is its
 * entry function. Called with IF=0; IF is not part of the switch (each side restores its
 * own after schedule() returns). */

	.text
	.code64
	.globl sched_switch
sched_switch:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
