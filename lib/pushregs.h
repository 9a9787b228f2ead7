/* lib/pushregs.h: assembler macros shared by the hypervisor's and the guest's interrupt
 * entry (host/isr.S, guest/lib/isr.S). The push order IS the layout of their register frames
 * (struct regs in host/trap.h, struct trapframe in guest/lib/trap.h): r15 at the lowest
 * address, rax at the highest, then vector and error code, then the CPU's frame. */
#ifndef LIB_PUSHREGS_H
#define LIB_PUSHREGS_H

/* Vectors for which the CPU pushes an error code (SDM Vol. 3A 6.3.1, table 6-1); the
 * others get a dummy 0 so every frame has the same shape. */
.macro PUSH_ERROR_IF_NONE vec
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
.endm

.macro PUSH_GPRS
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm

.macro POP_GPRS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
.endm

#endif
