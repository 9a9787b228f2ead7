/* guest/lib/isr.S: the guest's entry stubs, one per vector 0..255 (exceptions and interrupts),
 * their common path, and trap_continue (a handler leaving its IST stack).
 *
 * Each stub pushes a dummy error code where the CPU pushes none (SDM Vol. 3A 6.3.1 table
 * 6-1: vectors 8, 10-14, 17, 21, 29 and 30 have one; interrupts never do), then the vector
 * number; the common path saves every general register as a struct trapframe
 * (guest/lib/trap.h) and calls trap(frame). In 64-bit mode the CPU aligns RSP to 16 before it
 * pushes, and 22 quadwords follow, so the call is 16-byte aligned. If trap() returns, the
 * frame is restored and IRETQ resumes the interrupted code. */

#include "lib/pushregs.h"

	.altmacro
	.text
	.code64

.macro STUB vec
	.balign 16
isr_\vec:
	.if (\vec == 20)
	/* The #VE handler's first instruction: its TSC is what tools/bench.sh reports as the
	 * cost of delivery (access -> handler), for hardware and software #VE alike. */
	pushq	%rax
	pushq	%rdx
	rdtsc
	movl	%eax, ve_entry_tsc
	movl	%edx, ve_entry_tsc + 4
	popq	%rdx
	popq	%rax
	.endif
	PUSH_ERROR_IF_NONE \vec
	pushq	$\vec
	jmp	isr_common
.endm

	.balign 16
isr_common:
	PUSH_GPRS
	cld
	movq	%rsp, %rdi
	call	trap
trap_restore:
	POP_GPRS
	addq	$16, %rsp			/* vector and error code */
	iretq

/* void trap_continue(struct trapframe *tf, trap_fn fn): the handler copied its frame to tf
 * (16-byte aligned, on the stack it wants to finish on); go there, call fn(tf), then
 * restore that frame and IRETQ. The old stack is abandoned: for an IST stack that is what
 * lets the next event use it (the #VE handler, docs/pv-protocol.md guest step 6). */
	.globl trap_continue
trap_continue:
	movq	%rdi, %rsp
	call	*%rsi				/* RSP = tf: aligned, as at the call in isr_common */
	jmp	trap_restore

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

	.bss
	.balign 8
	.globl ve_entry_tsc
ve_entry_tsc:
	.quad	0
