/* boot/entry.S: the bootstrap CPU's way from the loader's 32-bit protected mode to 64-bit C.
 *
 * Multiboot leaves us with flat 32-bit segments, paging off, interrupts off, no stack.
 * We zero .bss, identity-map the first 4 GiB with 2 MiB pages (the hypervisor runs with
 * physical = virtual; the local APIC and I/O APIC live in the top 32 MiB, which is mapped
 * uncached), enable PAE, long mode and paging (SDM Vol. 3A 10.8.5 "Initializing IA-32e
 * Mode"; both steps are lib/longmode.h's macros, shared with the guests' entry), and
 * far-jump into a 64-bit code segment. kmain(magic, info) takes over. */

#include "lib/longmode.h"

#define COM1		0x3F8

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl	%eax, boot_magic
	movl	%ebx, boot_info
	movl	$boot_stack_top, %esp

	/* Zero .bss: not every loader does, and the page tables below live there. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl
	movl	boot_magic, %eax	/* the zeroing did not touch .data, but keep it obvious */

	lm_check no_long_mode		/* CPUID 0x80000001 EDX bit 29 */

	/* [0, 4 GiB) identity-mapped; the top 32 MiB (0xFE000000 up: local APIC, I/O APIC and
	 * other MMIO) uncached. EFER.NXE as well, like the APs (boot/trampoline.S): vmm/vmcs.c
	 * gives the VMCS this EFER as the host's. */
	lm_idmap_4g boot_pml4, boot_pdpt, boot_pd, 0xFE000000
	lm_enable boot_pml4, (EFER_LME|EFER_NXE)

	lgdt	boot_gdtr
	ljmp	$0x08, $long_entry

	/* Without long mode there is nothing we can do: say so on COM1 and stop. */
no_long_mode:
	movl	$no_lm_msg, %esi
4:	movb	(%esi), %al
	testb	%al, %al
	jz	5f
	movw	$COM1, %dx
	outb	%al, %dx
	incl	%esi
	jmp	4b
5:	hlt
	jmp	5b

	.code64
long_entry:
	lm_data_segments 0x10
	movq	$boot_stack_top, %rsp
	xorq	%rbp, %rbp			/* ends the backtrace */
	movl	boot_magic, %edi
	movl	boot_info, %esi
	call	kmain
6:	cli
	hlt
	jmp	6b

	.section .rodata
no_lm_msg:
	.asciz	"faultline: this CPU has no 64-bit long mode; cannot boot\r\nfaultline: exit status=3\r\n"

	.balign 8
boot_gdt:
	.quad	0				/* null */
	.quad	0x00AF9A000000FFFF		/* 0x08: 64-bit code */
	.quad	0x00CF92000000FFFF		/* 0x10: data */
boot_gdt_end:
	.globl boot_gdtr
boot_gdtr:
	.short	boot_gdt_end - boot_gdt - 1
	.quad	boot_gdt

	.section .data
	.balign 4
	.globl boot_magic, boot_info
boot_magic:	.long 0
boot_info:	.long 0

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096 * 4
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:	.skip 16384
boot_stack_top:
