/* guest/lib/apentry.S: where an application vCPU (AP) begins, from FL_HC_VCPU_START
 * (include/faultline.h, guest/lib/smp.h).
 *
 * The hypervisor starts the AP in the multiboot machine state: 32-bit protected mode,
 * paging off, flat segments (CS 0x08, data 0x10) whose GDT we must not rely on, interrupts
 * off, EAX = FL_AP_MAGIC, EBX = the argument (guest/lib/smp.c passes the top of this AP's
 * boot stack), ESI = the vCPU index. Like guest/lib/entry.S we enable PAE, long mode and
 * paging (lm_enable, lib/longmode.h), but on the page tables the boot vCPU already built
 * (same CR3: one address space, identity-mapped), then load the boot GDT (only for its
 * code and data selectors; ap_start gives the AP its own GDT with its own TSS) and call
 * ap_start(index) in guest/lib/smp.c.
 *
 * EBX and ESI are kept untouched until they are used: lm_enable clobbers only EAX, ECX and
 * EDX. */

#include "lib/longmode.h"

#define FL_AP_MAGIC	0x46414150	/* include/faultline.h (a C header) */
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

	/* pt_pml4: the tables guest/lib/entry.S built on the boot vCPU. */
	lm_enable pt_pml4

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
	lm_data_segments 0x10			/* ap_start sets the GS base itself */
	movl	%ebx, %esp			/* zero-extends: the stack top, 16-byte aligned */
	xorq	%rbp, %rbp			/* ends any backtrace */
	movl	%esi, %edi			/* ap_start(index) */
	call	ap_start			/* does not return */
2:	hlt
	jmp	2b
