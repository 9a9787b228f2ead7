/* guest/tests/stock/trampoline.S: where an application processor starts (SDM Vol. 3A 9.4.4
 * and 11.6.1: a start-up IPI with vector VV starts it in real mode at CS = VV00, IP = 0,
 * i.e. at physical 0xVV000). smp.c copies stock_tramp .. stock_tramp_end to TRAMP_BASE
 * below 1 MiB and fills in tr_cr3, tr_stack and tr_index first; the SIPI vector is then
 * TRAMP_BASE >> 12.
 *
 * The AP counts itself in tr_entries (so the BSP can tell that the second SIPI, sent to a
 * CPU already running, was ignored as 9.4.4 says), loads the trampoline's flat GDT, enters
 * 32-bit protected mode, then long mode on the BSP's page tables (lib/longmode.h, SDM
 * 10.8.5), loads guest/lib/entry.S's GDT for its 64-bit code segment, and, in 64-bit code
 * in the image above 1 MiB, takes its stack and calls stock_ap_main(index) (smp.c).
 * Everything before the jump to 64-bit code runs from the copy, so its addresses are
 * computed as TRAMP_BASE + offset (ABS below). */

#include "lib/longmode.h"

#define TRAMP_BASE	0x8000
#define ABS(sym)	TRAMP_BASE+sym-stock_tramp	/* no blanks: a macro argument */
#define OFF(sym)	sym - stock_tramp

	.section .rodata
	.balign 16
	.globl stock_tramp, stock_tramp_end, tr_entries, tr_cr3, tr_stack, tr_index
	.code16
stock_tramp:
	cli
	cld
	movw	%cs, %ax			/* TRAMP_BASE >> 4: offsets from here */
	movw	%ax, %ds
	lock incl OFF(tr_entries)
	lgdtl	OFF(tr_gdtr)
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $ABS(tr_pm32)

	.code32
tr_pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	lm_enable_from ABS(tr_cr3)
	lgdt	rt_gdtr				/* guest/lib/entry.S: 0x08 is 64-bit code */
	ljmp	$0x08, $stock_ap64

	.balign 8
tr_gdt:
	.quad	0
	.quad	0x00CF9A000000FFFF		/* 0x08: 32-bit code, flat */
	.quad	0x00CF92000000FFFF		/* 0x10: data, flat */
tr_gdtr:
	.word	3 * 8 - 1
	.long	ABS(tr_gdt)
	.balign 8
tr_stack:	.quad	0			/* the AP's stack top, 16-byte aligned */
tr_cr3:		.long	0			/* the BSP's page tables, below 4 GiB */
tr_index:	.long	0			/* the runtime's CPU index for this AP */
tr_entries:	.long	0			/* APs that ran the first instructions */
stock_tramp_end:

	.text
	.code64
stock_ap64:
	lm_data_segments 0x10
	movq	ABS(tr_stack), %rsp
	movl	ABS(tr_index), %edi
	xorq	%rbp, %rbp			/* ends any backtrace */
	call	stock_ap_main			/* does not return */
1:	cli
	hlt
	jmp	1b
