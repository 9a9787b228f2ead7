/* tests/data/bzstub.S: the smallest bzImage faultline can boot, for tests/t_linux.sh: a
 * setup header (boot protocol 2.15, the fields as Linux's arch/x86/boot/header.S lays them
 * out; Documentation/arch/x86/boot.rst) and, in place of a kernel, code at both of its
 * entries that checks the state the boot protocol promises and says so on COM1.
 * The 32-bit entry (offset 0 of the kernel, entry=32): protected mode with paging off;
 *   EBX = EBP = EDI = 0.
 * The 64-bit entry (offset 0x200, XLF_KERNEL_64 in xloadflags: faultline's default):
 *   EFER.LME and LMA, CR0.PG and PE, CR4.PAE, 64-bit code (a PUSH moves RSP by 8),
 *   CS = 0x10, DS = ES = SS = 0x18, IF = 0, a loaded GDT whose 0x10 and 0x18 are the flat
 *   64-bit code and data descriptors, and all of RAM identity-mapped and writable (the
 *   last qword of the E820 map's last range written and read back).
 * Both: ESI = boot_params holding the setup header ("HdrS"), type_of_loader 0xFF, 3 E820
 *   entries; the command line at cmd_line_ptr; the initrd's first bytes at ramdisk_image
 *   (printed up to 32 printable bytes).
 * Then it stops the VM through port 0xf4: status 0 when every check held, else 1 after a
 * "bzstub: FAIL what" line. Not relocatable: it runs at code32_start, 1 MiB, where it was
 * linked (the file offset 0x400 is address 0x100000). tests/t_linux.sh also breaks copies
 * of it (truncation, magic, version, syssize, xloadflags) to see each refused. */
#define LOAD	0x100000
#define KOFF	0x400			/* setup_sects 1: two sectors of setup */
#define A(x)	((x) - kstart + LOAD)	/* the address of a kernel label */
#define COM1	0x3F8

	.code32
	.text
	.globl _start
_start:
	.org 0x1F1
	.byte 1				/* setup_sects */
	.word 0				/* root_flags */
	.long 1				/* syssize: 16 bytes at least */
	.org 0x1FE
	.word 0xAA55			/* boot_flag */
	.byte 0xEB, hdr_end - 0x202	/* jump over the header: its end */
	.ascii "HdrS"
	.word 0x020F			/* version 2.15 */
	.org 0x211
	.byte 0x01			/* loadflags: LOADED_HIGH */
	.org 0x214
	.long LOAD			/* code32_start */
	.org 0x22C
	.long 0x7FFFFFFF		/* initrd_addr_max */
	.long 0x200000			/* kernel_alignment */
	.byte 0				/* relocatable_kernel: no */
	.byte 0				/* min_alignment */
	.word 1				/* xloadflags: XLF_KERNEL_64 */
	.long 255			/* cmdline_size */
	.org 0x258
	.quad 0x1000000			/* pref_address (not used: not relocatable) */
	.long 0x10000			/* init_size */
	.org 0x26C
hdr_end:
	.org KOFF

kstart:					/* the 32-bit entry: offset 0 */
	jmp	entry32

	.org	kstart + 0x200		/* the 64-bit entry: offset 0x200 */
	.code64
entry64:
	cld
	mov	$0x80000, %esp		/* the protocol gives no stack: usable low RAM */
	mov	$A(m_efer), %r12d
	mov	$0xC0000080, %ecx
	rdmsr
	and	$0x500, %eax		/* LME | LMA */
	cmp	$0x500, %eax
	jne	fail64
	mov	$A(m_cr), %r12d
	mov	%cr0, %rax
	and	$0x80000001, %eax
	cmp	$0x80000001, %eax
	jne	fail64
	mov	%cr4, %rax
	test	$0x20, %eax
	jz	fail64
	mov	$A(m_push), %r12d	/* 64-bit code, not compatibility mode */
	mov	%rsp, %rax
	push	$0
	sub	%rsp, %rax
	pop	%rdx
	cmp	$8, %rax
	jne	fail64
	mov	$A(m_sel), %r12d
	mov	%cs, %ax
	cmp	$0x10, %ax
	jne	fail64
	mov	%ds, %ax
	cmp	$0x18, %ax
	jne	fail64
	mov	%es, %ax
	cmp	$0x18, %ax
	jne	fail64
	mov	%ss, %ax
	cmp	$0x18, %ax
	jne	fail64
	mov	$A(m_if), %r12d
	pushfq
	pop	%rax
	test	$0x200, %eax
	jnz	fail64
	mov	$A(m_gdt), %r12d
	sub	$16, %rsp
	sgdt	(%rsp)
	movzwl	(%rsp), %eax		/* limit */
	mov	2(%rsp), %rdx		/* base */
	add	$16, %rsp
	cmp	$0x1F, %eax
	jb	fail64
	mov	$0x00AF9B000000FFFF, %rax	/* flat code, L=1, execute/read */
	cmp	%rax, 0x10(%rdx)
	jne	fail64
	mov	$0x00CF93000000FFFF, %rax	/* flat data, read/write */
	cmp	%rax, 0x18(%rdx)
	jne	fail64
	mov	$A(m_hdrs), %r12d
	cmpl	$0x53726448, 0x202(%rsi)	/* "HdrS" */
	jne	fail64
	mov	$A(m_loader), %r12d
	cmpb	$0xFF, 0x210(%rsi)
	jne	fail64
	mov	$A(m_e820), %r12d
	cmpb	$3, 0x1E8(%rsi)
	jne	fail64
	/* The end of RAM: e820[2].base + len - 8 (a #PF there would be a triple fault: no
	 * IDT). Write it and read it back. */
	mov	$A(m_map), %r12d
	mov	0x2D0 + 40(%rsi), %rdi
	add	0x2D0 + 48(%rsi), %rdi
	sub	$8, %rdi
	mov	$0x5AFE64B175AFE64B, %rax
	mov	%rax, (%rdi)
	cmp	%rax, (%rdi)
	jne	fail64
	mov	$A(m_ok64), %ecx
	call	puts64
	mov	$A(m_ok), %ecx
	call	puts64
	mov	$A(m_cmdline), %ecx
	call	puts64
	mov	0x228(%rsi), %ecx
	call	puts64
	mov	$A(m_initrd), %ecx
	call	puts64
	mov	0x218(%rsi), %ebx		/* ramdisk_image */
	mov	0x21C(%rsi), %edi		/* ramdisk_size */
	cmp	$32, %edi
	jbe	1f
	mov	$32, %edi
1:	test	%edi, %edi
	jz	2f
	movzbl	(%rbx), %eax
	cmp	$0x20, %al
	jb	2f
	cmp	$0x7E, %al
	ja	2f
	call	putc64
	inc	%rbx
	dec	%edi
	jmp	1b
2:	mov	$A(m_end), %ecx
	call	puts64
	xor	%eax, %eax
	out	%al, $0xf4
	hlt

fail64:	mov	$A(m_fail), %ecx
	call	puts64
	mov	%r12, %rcx
	call	puts64
	mov	$'\n', %al
	call	putc64
	mov	$1, %al
	out	%al, $0xf4
	hlt

/* puts64: the NUL-terminated string at RCX (at most 300 bytes); putc64: AL. */
puts64:	push	%rdi
	mov	$300, %edi
3:	movzbl	(%rcx), %eax
	test	%al, %al
	jz	4f
	call	putc64
	inc	%rcx
	dec	%edi
	jnz	3b
4:	pop	%rdi
	ret
putc64:	push	%rdx
	mov	$COM1, %dx
	out	%al, %dx
	pop	%rdx
	ret

	.code32
entry32:
	cld
	mov	$0x80000, %esp		/* the protocol gives no stack: usable low RAM */
	mov	$A(m_regs), %ecx
	or	%ebx, %edi
	or	%ebp, %edi
	jnz	fail
	mov	$A(m_pg), %ecx
	mov	%cr0, %eax
	test	$0x80000000, %eax
	jnz	fail
	test	$1, %eax
	jz	fail
	mov	$A(m_hdrs), %ecx
	cmpl	$0x53726448, 0x202(%esi)	/* "HdrS" */
	jne	fail
	mov	$A(m_loader), %ecx
	cmpb	$0xFF, 0x210(%esi)
	jne	fail
	mov	$A(m_e820), %ecx
	cmpb	$3, 0x1E8(%esi)
	jne	fail
	mov	$A(m_ok32), %ecx
	call	puts
	mov	$A(m_ok), %ecx
	call	puts
	mov	$A(m_cmdline), %ecx
	call	puts
	mov	0x228(%esi), %ecx
	call	puts
	mov	$A(m_initrd), %ecx
	call	puts
	mov	0x218(%esi), %ebx		/* ramdisk_image */
	mov	0x21C(%esi), %edi		/* ramdisk_size */
	cmp	$32, %edi
	jbe	1f
	mov	$32, %edi
1:	test	%edi, %edi
	jz	2f
	movzbl	(%ebx), %eax
	cmp	$0x20, %al
	jb	2f
	cmp	$0x7E, %al
	ja	2f
	call	putc
	inc	%ebx
	dec	%edi
	jmp	1b
2:	mov	$A(m_end), %ecx
	call	puts
	xor	%eax, %eax
	out	%al, $0xf4
	hlt

fail:	push	%ecx
	mov	$A(m_fail), %ecx
	call	puts
	pop	%ecx
	call	puts
	call	newline
	mov	$1, %al
	out	%al, $0xf4
	hlt

/* puts: the NUL-terminated string at ECX (at most 300 bytes); putc: AL. */
puts:	push	%edi
	mov	$300, %edi
3:	movzbl	(%ecx), %eax
	test	%al, %al
	jz	4f
	call	putc
	inc	%ecx
	dec	%edi
	jnz	3b
4:	pop	%edi
	ret
newline:
	mov	$'\n', %al
putc:	push	%edx
	mov	$COM1, %dx
	out	%al, %dx
	pop	%edx
	ret

m_regs:		.asciz "EBX, EBP or EDI is not zero"
m_pg:		.asciz "32-bit entry: CR0.PG set or CR0.PE clear"
m_efer:		.asciz "64-bit entry: EFER.LME or LMA clear"
m_cr:		.asciz "64-bit entry: CR0.PG, CR0.PE or CR4.PAE clear"
m_push:		.asciz "64-bit entry: a PUSH did not move RSP by 8 (not 64-bit code)"
m_sel:		.asciz "64-bit entry: CS is not 0x10 or DS/ES/SS not 0x18"
m_if:		.asciz "64-bit entry: interrupts on"
m_gdt:		.asciz "64-bit entry: GDT 0x10/0x18 are not flat 64-bit code and data"
m_map:		.asciz "64-bit entry: the end of RAM is not mapped writable"
m_ok64:		.asciz "bzstub: 64-bit entry: long mode, CS=0x10 DS=ES=SS=0x18, IF=0, GDT ok, RAM mapped\n"
m_ok32:		.asciz "bzstub: 32-bit entry: protected mode, paging off\n"
m_hdrs:		.asciz "no HdrS at boot_params+0x202 (ESI wrong or no header copy)"
m_loader:	.asciz "type_of_loader is not 0xFF"
m_e820:		.asciz "e820_entries is not 3"
m_ok:		.asciz "bzstub: boot_params ok\n"
m_cmdline:	.asciz "bzstub: cmdline '"
m_initrd:	.asciz "'\nbzstub: initrd '"
m_end:		.asciz "'\n"
m_fail:		.asciz "bzstub: FAIL "
	.fill 64, 1, 0xCC
