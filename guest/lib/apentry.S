/* guest/lib/apentry.S: where an application vCPU (AP) begins, from FL_HC_VCPU_START
 * (include/faultline.h, guest/lib/smp.h).
 *
 * The hypervisor starts the AP in the multiboot machine state: 32-bit protected mode,
 * paging off, flat segments (CS 0x08, data 0x10) whose GDT we must not rely on, interrupts
 * off, EAX = FL_AP_MAGIC, EBX = the argument (guest/lib/smp.c passes the top of this AP's boot
 * stack), ESI = the vCPU index. Like guest/lib/entry.S we enable PAE, long mode and paging, but
 * on the page tables the boot vCPU already built (same CR3: one address space, identity-
 * mapped), then load the boot GDT (only for its code and data selectors; ap_start gives
 * the AP its own GDT with its own TSS) and call ap_start(index) in guest/lib/smp.c.
 *
 * EBX and ESI are kept untouched until they are used: CPUID, RDMSR and WRMSR clobber only
 * EAX, ECX and EDX. */

#define FL_AP_MAGIC	0x46414150	/* include/faultline.h (a C header) */
#define CR0_PE		0x00000001
#define CR0_WP		0x00010000
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xC0000080
#define EFER_LME	0x00000100
#define EXIT_PORT	0xF4

	.text
	.code32
	.globl ap_entry32
ap_entry32:
	cli
	cld
	/* Not started by FL_HC_VCPU_START: no stack, no index to trust. Stop the VM. */
	cmpl	$FL_AP_MAGIC, %eax
	jne	ap_bad

	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pt_pml4, %eax			/* guest/lib/entry.S: built by the boot vCPU */
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0

	/* Now in compatibility mode; a 32-bit LGDT reads a 32-bit base, which is enough (the
	 * image is below 4 GiB). The far jump loads the 64-bit code segment. */
	lgdt	rt_gdtr
	ljmp	$0x08, $ap_long

ap_bad:
	movb	$3, %al
	movw	$EXIT_PORT, %dx
	outb	%al, %dx
1:	hlt
	jmp	1b

	.code64
ap_long:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs			/* ap_start sets the GS base itself */
	movl	%ebx, %esp			/* zero-extends: the stack top, 16-byte aligned */
	xorq	%rbp, %rbp			/* ends any backtrace */
	movl	%esi, %edi			/* ap_start(index) */
	call	ap_start			/* does not return */
2:	hlt
	jmp	2b
