/* boot/trampoline.S: where an application processor starts. A STARTUP IPI starts it in real
 * mode at vector*4096 (SDM Vol. 3A 9.4.4 "MP Initialization Example"), so smp.c copies this
 * code to TRAMP_BASE below 1 MiB and fills in the parameters at its end before each start.
 * The code walks real mode -> 32-bit protected mode -> long mode with the bootstrap CPU's
 * page tables, loads the stack it was given and jumps to ap_entry(cpu index). It is written
 * for the address it will run at: every absolute reference is TRAMP_BASE + offset. */

#include "lib/longmode.h"

#define TRAMP_BASE	0x8000
#define REL(x)		(TRAMP_BASE + (x) - tramp_start)

	.section .rodata
	.globl tramp_start, tramp_end, tramp_cr3, tramp_stack, tramp_entry, tramp_cpu
	.code16
tramp_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	lgdtl	REL(tramp_gdtr)
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $REL(tramp_pm)

	.code32
tramp_pm:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	/* The bootstrap CPU's tables (tramp_cr3), EFER as boot/entry.S sets it. */
	lm_enable_from tramp_cr3_abs, (EFER_LME|EFER_NXE)
	ljmp	$0x18, $REL(tramp_lm)

	.code64
tramp_lm:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movq	REL(tramp_stack), %rsp
	xorq	%rbp, %rbp
	movl	REL(tramp_cpu), %edi
	movq	REL(tramp_entry), %rax
	callq	*%rax
1:	cli
	hlt
	jmp	1b

	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF		/* 0x08: 32-bit code */
	.quad	0x00CF92000000FFFF		/* 0x10: data */
	.quad	0x00AF9A000000FFFF		/* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdtr:
	.short	tramp_gdt_end - tramp_gdt - 1
	.long	REL(tramp_gdt)
	.balign 8
tramp_cr3:	.quad 0
	.set	tramp_cr3_abs, TRAMP_BASE + tramp_cr3 - tramp_start	/* where an AP reads it */
tramp_stack:	.quad 0
tramp_entry:	.quad 0
tramp_cpu:	.long 0
tramp_end:
