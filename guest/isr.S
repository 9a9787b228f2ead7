/* guest/isr.S: the guest's exception entry stubs, one per vector 0..31, and their common path.
 *
 * Each stub pushes a dummy error code where the CPU pushes none (SDM Vol. 3A 6.3.1 table
 * 6-1: vectors 8, 10-14, 17, 21, 29 and 30 have one), then the vector number; the common
 * path saves every general register as a struct trapframe (guest/trap.h) and calls
 * trap(frame). In 64-bit mode the CPU aligns RSP to 16 before it pushes, and 22 quadwords
 * follow, so the call is 16-byte aligned. If trap() returns, the frame is restored and
 * IRETQ resumes the interrupted code (later handlers, e.g. #VE, will want that). */

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
	addq	$16, %rsp			/* vector and error code */
	iretq

	.set i, 0
	.rept 32
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
	.rept 32
	ISR_ADDR %i
	.set i, i + 1
	.endr
