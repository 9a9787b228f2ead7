/* host/isr.S: one entry stub per vector. Each pushes a dummy error code where the CPU does
 * not push one (SDM Vol. 3A 6.3.1 table 6-1: vectors 8, 10-14, 17, 21, 29, 30 have one), then
 * the vector number, saves every general register as a struct regs (host/trap.h) and calls
 * trap(). The frame is 16-byte aligned at the call (the CPU aligns RSP before pushing in
 * 64-bit mode; 22 quadwords follow). */

#include "lib/pushregs.h"

	.altmacro
	.text
	.code64

.macro STUB vec
	.balign 16
isr_\vec:
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
	POP_GPRS
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
