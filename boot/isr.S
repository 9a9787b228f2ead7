/* boot/isr.S: one entry stub per vector. Each pushes a dummy error code where the CPU does
 * not push one (SDM Vol. 3A 6.3.1 table 6-1: vectors 8, 10-14, 17, 21, 29, 30 have one), then
 * the vector number, saves every general register as a struct regs (boot/trap.h) and calls
 * trap(). The frame is 16-byte aligned at the call (the CPU aligns RSP before pushing in
 * 64-bit mode; 22 quadwords follow). */

	.altmacro
	.text
	.code64

.macro STUB vec
	.balign 16
isr_\vec:
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	isr_common
.endm

	.balign 16
isr_common:
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
	cld
	movq	%rsp, %rdi
	call	trap
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
	addq	$16, %rsp
	iretq

	.set i, 0
	.rept 256
	STUB %i
	.set i, i + 1
	.endr

.macro ISR_ADDR vec
	.quad isr_\vec
.endm

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.set i, 0
	.rept 256
	ISR_ADDR %i
	.set i, i + 1
	.endr
