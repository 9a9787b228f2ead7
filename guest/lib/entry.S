/* guest/lib/entry.S: a guest's multiboot v1 header and its way from the loader's 32-bit
 * protected mode to 64-bit C (rt_start in guest/lib/rt.c).
 *
 * faultline (and QEMU's -kernel) enter us as multiboot v1 says: flat 32-bit segments, paging
 * off, interrupts off, EAX = 0x2BADB002, EBX = the information structure, no stack. Like
 * the hypervisor's own boot/entry.S we zero .bss, identity-map the first 4 GiB with 2 MiB
 * pages, enable PAE, long mode and paging (SDM Vol. 3A 10.8.5; lib/longmode.h's macros, as
 * boot/entry.S uses them) and far-jump into a 64-bit code segment of our own GDT. Guests
 * run with physical = virtual, so a pointer is a guest-physical address, which is what the
 * hypercalls take. */

#include "lib/longmode.h"

#define MB1_MAGIC	0x1BADB002
#define MB1_FLAGS	0x00000003	/* bit 0: page-aligned modules; bit 1: mem_* and mmap */
#define COM1		0x3F8
#define EXIT_PORT	0xF4

	/* The linker script puts this section first, well inside the 8 KiB the spec allows. */
	.section .multiboot, "a"
	.balign 4
	.long	MB1_MAGIC
	.long	MB1_FLAGS
	.long	-(MB1_MAGIC + MB1_FLAGS)

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	/* .data, not .bss: the zeroing below must not wipe them. */
	movl	%eax, rt_boot_magic
	movl	%ebx, rt_boot_info
	movl	$rt_stack_top, %esp

	/* Zero .bss: a loader need not, and the page tables live there. */
	movl	$__bss_start, %edi
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	shrl	$2, %ecx
	xorl	%eax, %eax
	rep stosl

	lm_check no_long_mode		/* CPUID 0x80000001 EDX bit 29 */

	/* [0, 4 GiB) identity-mapped, all write-back: a guest has no MMIO to keep uncached (no
	 * local APIC; its devices are I/O ports). Then PAE, long mode and paging on them. */
	lm_idmap_4g pt_pml4, pt_pdpt, pt_pd
	lm_enable pt_pml4

	lgdt	rt_gdtr
	ljmp	$0x08, $long_entry

	/* Nothing to run without long mode: say so on COM1 and stop with status 3. */
no_long_mode:
	movl	$no_lm_msg, %esi
	movw	$COM1, %dx
3:	movb	(%esi), %al
	testb	%al, %al
	jz	4f
	outb	%al, %dx
	incl	%esi
	jmp	3b
4:	movb	$3, %al
	movw	$EXIT_PORT, %dx
	outb	%al, %dx
5:	hlt
	jmp	5b

	.code64
long_entry:
	lm_data_segments 0x10
	movq	$rt_stack_top, %rsp
	xorq	%rbp, %rbp			/* ends any backtrace */
	movl	rt_boot_magic, %edi
	movl	rt_boot_info, %esi
	call	rt_start			/* does not return */
6:	cli
	hlt
	jmp	6b

	.section .rodata
no_lm_msg:
	.asciz	"guest: this CPU has no 64-bit long mode\n"

	/* The boot GDT, also used by guest/lib/apentry.S to reach long mode. Each vCPU then
	 * loads its own copy with its own TSS at 0x18 (guest/lib/trap.c), so this one has no
	 * TSS. */
	.section .data
	.balign 8
	.globl rt_gdt
rt_gdt:
	.quad	0				/* null */
	.quad	0x00AF9A000000FFFF		/* 0x08: 64-bit code, DPL 0 */
	.quad	0x00CF92000000FFFF		/* 0x10: data, DPL 0 */
rt_gdt_end:
	.globl rt_gdtr
rt_gdtr:
	.short	rt_gdt_end - rt_gdt - 1
	.quad	rt_gdt

	.balign 4
	.globl rt_boot_magic, rt_boot_info
rt_boot_magic:	.long 0
rt_boot_info:	.long 0

	.section .bss
	.balign 4096
	.globl pt_pml4				/* apentry.S: the APs share these tables */
pt_pml4:	.skip 4096
pt_pdpt:	.skip 4096
pt_pd:		.skip 4096 * 4
	.balign 16
	.globl rt_stack, rt_stack_top
rt_stack:	.skip 16384
rt_stack_top:
