/* tests/data/bzstub.S: the smallest bzImage faultline can boot, for tests/t_linux.sh: a
 * setup header (boot protocol 2.15, the fields as Linux's arch/x86/boot/header.S lays them
 * out; Documentation/arch/x86/boot.rst) and, in place of a kernel, 32-bit code that checks
 * the state the 32-bit boot protocol promises and says so on COM1:
 *   ESI = boot_params holding the setup header ("HdrS"), type_of_loader 0xFF, 3 E820
 *   entries; EBX = EBP = EDI = 0; the command line at cmd_line_ptr; the initrd's first
 *   bytes at ramdisk_image (printed up to 32 printable bytes).
 * Then it stops the VM through port 0xf4: status 0 when every check held, else 1 after a
 * "bzstub: FAIL what" line. Not relocatable: it runs at code32_start, 1 MiB, where it was
 * linked (the file offset 0x400 is address 0x100000). tests/t_linux.sh also breaks copies
 * of it (truncation, magic, version, syssize) to see each refused. */
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
	.word 0				/* xloadflags */
	.long 255			/* cmdline_size */
	.org 0x258
	.quad 0x1000000			/* pref_address (not used: not relocatable) */
	.long 0x10000			/* init_size */
	.org 0x26C
hdr_end:
	.org KOFF

kstart:
	cld
	mov	$0x80000, %esp		/* the protocol gives no stack: usable low RAM */
	mov	$A(m_regs), %ecx
	or	%ebx, %edi
	or	%ebp, %edi
	jnz	fail
	mov	$A(m_hdrs), %ecx
	cmpl	$0x53726448, 0x202(%esi)	/* "HdrS" */
	jne	fail
	mov	$A(m_loader), %ecx
	cmpb	$0xFF, 0x210(%esi)
	jne	fail
	mov	$A(m_e820), %ecx
	cmpb	$3, 0x1E8(%esi)
	jne	fail
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
m_hdrs:		.asciz "no HdrS at boot_params+0x202 (ESI wrong or no header copy)"
m_loader:	.asciz "type_of_loader is not 0xFF"
m_e820:		.asciz "e820_entries is not 3"
m_ok:		.asciz "bzstub: boot_params ok\n"
m_cmdline:	.asciz "bzstub: cmdline '"
m_initrd:	.asciz "'\nbzstub: initrd '"
m_end:		.asciz "'\n"
m_fail:		.asciz "bzstub: FAIL "
	.fill 64, 1, 0xCC
