/* boot/entry.S: the bootstrap CPU's way from the loader's 32-bit protected mode to 64-bit C.
 *
 * Multiboot leaves us with flat 32-bit segments, paging off, interrupts off, no stack.
 * We zero .bss, identity-map the first 4 GiB with 2 MiB pages (the hypervisor runs with
 * physical = virtual; the local APIC and I/O APIC live in the top 32 MiB, which is mapped
 * uncached), enable PAE, long mode and paging (SDM Vol. 3A 10.8.5 "Initializing IA-32e
 * Mode"), and far-jump into a 64-bit code segment. kmain(magic, info) takes over. */

#define CR0_PE		0x00000001
#define CR0_WP		0x00010000
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xC0000080
#define EFER_LME	0x00000100
#define EFER_NXE	0x00000800
#define PTE_P		0x001
#define PTE_RW		0x002
#define PTE_PWT		0x008
#define PTE_PCD		0x010
#define PTE_PS		0x080
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

	/* Long mode present? CPUID 0x80000001 EDX bit 29. */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	testl	$(1 << 29), %edx
	jz	no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 512 2-MiB pages each. */
	movl	$boot_pdpt, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, boot_pml4
	movl	$boot_pd, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	$boot_pdpt, %edi
	movl	$4, %ecx
1:	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	1b

	movl	$boot_pd, %edi
	xorl	%ebx, %ebx			/* physical address, low 32 bits */
	xorl	%esi, %esi			/* entry index */
2:	movl	%ebx, %eax
	orl	$(PTE_P | PTE_RW | PTE_PS), %eax
	cmpl	$0xFE000000, %ebx		/* APIC/MMIO region: uncached */
	jb	3f
	orl	$(PTE_PCD | PTE_PWT), %eax
3:	movl	%eax, (%edi, %esi, 8)
	movl	$0, 4(%edi, %esi, 8)
	addl	$0x200000, %ebx
	incl	%esi
	cmpl	$2048, %esi
	jne	2b

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0

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
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
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
