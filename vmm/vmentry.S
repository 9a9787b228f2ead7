/* vmm/vmentry.S: the world switch. vmx_enter(regs, launched) saves the host's callee-saved
 * registers, records RSP as the VMCS host RSP, loads the guest's general registers and
 * executes VMLAUNCH (first entry) or VMRESUME. On a VM exit the CPU jumps to vmx_exit with
 * that RSP (SDM Vol. 3C 28.5 "Loading Host State"): it stores the guest's registers and
 * returns 0 from vmx_enter. If the instruction itself fails, vmx_enter returns 1 for
 * VMfailInvalid (CF=1: no current VMCS) or 2 for VMfailValid (ZF=1: see the
 * VM-instruction error field), SDM Vol. 3C 31.2. Offsets follow struct guest_regs. */

#define R_RAX	0
#define R_RBX	8
#define R_RCX	16
#define R_RDX	24
#define R_RSI	32
#define R_RDI	40
#define R_RBP	48
#define R_R8	56
#define R_R9	64
#define R_R10	72
#define R_R11	80
#define R_R12	88
#define R_R13	96
#define R_R14	104
#define R_R15	112
#define HOST_RSP 0x6C14

	.text
	.code64
	.globl vmx_enter, vmx_exit
vmx_enter:
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* regs: found at (%rsp) on exit */
	movq	$HOST_RSP, %rax
	vmwrite	%rsp, %rax
	jbe	1f			/* the write failed: report as VMfail */

	testl	%esi, %esi		/* flags survive the MOVs below */
	movq	R_RAX(%rdi), %rax
	movq	R_RBX(%rdi), %rbx
	movq	R_RCX(%rdi), %rcx
	movq	R_RDX(%rdi), %rdx
	movq	R_RSI(%rdi), %rsi
	movq	R_RBP(%rdi), %rbp
	movq	R_R8(%rdi), %r8
	movq	R_R9(%rdi), %r9
	movq	R_R10(%rdi), %r10
	movq	R_R11(%rdi), %r11
	movq	R_R12(%rdi), %r12
	movq	R_R13(%rdi), %r13
	movq	R_R14(%rdi), %r14
	movq	R_R15(%rdi), %r15
	movq	R_RDI(%rdi), %rdi
	jnz	2f
	vmlaunch
	jmp	1f
2:	vmresume
1:	/* Only reached when VMLAUNCH/VMRESUME (or the VMWRITE) failed. */
	movl	$1, %eax
	movl	$2, %ecx
	cmovzl	%ecx, %eax
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

vmx_exit:
	pushq	%rdi			/* the guest's RDI; the regs pointer is now at 8(%rsp) */
	movq	8(%rsp), %rdi
	movq	%rax, R_RAX(%rdi)
	movq	%rbx, R_RBX(%rdi)
	movq	%rcx, R_RCX(%rdi)
	movq	%rdx, R_RDX(%rdi)
	movq	%rsi, R_RSI(%rdi)
	movq	%rbp, R_RBP(%rdi)
	movq	%r8, R_R8(%rdi)
	movq	%r9, R_R9(%rdi)
	movq	%r10, R_R10(%rdi)
	movq	%r11, R_R11(%rdi)
	movq	%r12, R_R12(%rdi)
	movq	%r13, R_R13(%rdi)
	movq	%r14, R_R14(%rdi)
	movq	%r15, R_R15(%rdi)
	popq	%rax
	movq	%rax, R_RDI(%rdi)
	popq	%rdi
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	xorl	%eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
