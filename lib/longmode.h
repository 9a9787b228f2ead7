/* lib/longmode.h: the way from 32-bit protected mode with paging off into IA-32e (long) mode,
 * for the four places that take it: the hypervisor's boot (boot/entry.S) and application
 * processors (boot/trampoline.S, after its real-mode start), a guest's boot vCPU
 * (guest/lib/entry.S) and a guest's application vCPUs (guest/lib/apentry.S). One copy,
 * so the page-table layout and the enabling order cannot drift apart between them.
 *
 * Assembler macros (gas .macro), for .S files only: everything is inside __ASSEMBLER__, so
 * a C file that includes this gets nothing, and the C headers' own CR0_PG etc. (1ULL << n)
 * never meet these. lm_idmap_4g and lm_enable(_from) run in 32-bit code (.code32) and
 * clobber EAX, ECX, EDX and EDI only: an AP's EBX and ESI (its stack and index) and the
 * multiboot EBX survive; lm_check (CPUID) clobbers EBX too; lm_data_segments runs in
 * 64-bit code. */
#ifndef LIB_LONGMODE_H
#define LIB_LONGMODE_H
#ifdef __ASSEMBLER__

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

/* lm_check no_lm: jumps to no_lm when the CPU has no long mode (CPUID 0x80000001 EDX bit
 * 29, after checking that the extended leaf exists). Clobbers EAX, EBX, ECX, EDX: the
 * callers run it before they need EBX (the multiboot information is saved first). */
.macro lm_check no_lm
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	\no_lm
	movl	$0x80000001, %eax
	cpuid
	testl	$(1 << 29), %edx
	jz	\no_lm
.endm

/* lm_idmap_4g pml4, pdpt, pd [, uncached]: identity-maps [0, 4 GiB) with 2 MiB pages,
 * present, writable, supervisor: PML4[0] -> pdpt; pdpt[0..3] -> the four page directories
 * at pd, pd + 4 KiB, ... (16 KiB: 2048 entries, entry i maps i * 2 MiB). The tables must be
 * 4 KiB-aligned and already zero (every caller keeps them in .bss and zeroes it first): only
 * the low halves of the present entries are written, and the other 511 PML4 and 508 PDPT
 * entries stay not-present. With uncached (2 MiB-aligned), the pages from that address up
 * are PCD|PWT too (boot/entry.S: the local APIC and I/O APIC). It is compared with the
 * whole entry, address | flags, which orders as the address does: the flags are below
 * 2 MiB. All four arguments are symbols or addresses below 4 GiB (32-bit immediates). */
.macro lm_idmap_4g pml4, pdpt, pd, uncached
	movl	$\pdpt, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	%eax, \pml4
	movl	$\pd, %eax
	orl	$(PTE_P | PTE_RW), %eax
	movl	$\pdpt, %edi
	movl	$4, %ecx
.Llm_pdpt\@:
	movl	%eax, (%edi)
	addl	$4096, %eax
	addl	$8, %edi
	loop	.Llm_pdpt\@

	movl	$\pd, %edi
	movl	$(PTE_P | PTE_RW | PTE_PS), %eax
	movl	$2048, %ecx
.Llm_pd\@:
.ifnb \uncached
	cmpl	$\uncached, %eax
	jb	.Llm_cached\@
	orl	$(PTE_PCD | PTE_PWT), %eax
.Llm_cached\@:
.endif
	movl	%eax, (%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	.Llm_pd\@
.endm

/* lm_enable pml4 [, efer]: SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode", in its order:
 * CR4.PAE, CR3 = pml4, IA32_EFER.LME (plus any other EFER bits in efer, e.g. NXE), then
 * CR0.PG, which activates long mode (EFER.LMA = 1); with it CR0.WP, so that ring-0 writes
 * honour read-only pages too. The CPU is then in compatibility mode: the caller loads a GDT
 * with a 64-bit code segment and far-jumps to it. pml4 is the table's address (a symbol);
 * lm_enable_from takes any movl source for it instead (boot/trampoline.S reads it from
 * memory: an AP runs on the bootstrap CPU's tables). */
.macro lm_enable pml4, efer=EFER_LME
	lm_enable_from $\pml4, \efer
.endm

.macro lm_enable_from cr3, efer=EFER_LME
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	\cr3, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$(\efer), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$(CR0_PG | CR0_WP | CR0_PE), %eax
	movl	%eax, %cr0
.endm

/* lm_data_segments sel: the first thing in 64-bit code after the far jump: DS, ES and SS
 * get the flat data selector sel (SS must be a valid writable segment for the stack the
 * caller loads next); FS and GS get the null selector (their bases, if any, are set
 * through the MSRs later). Clobbers AX. */
.macro lm_data_segments sel
	movw	$\sel, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	xorw	%ax, %ax
	movw	%ax, %fs
	movw	%ax, %gs
.endm

#endif /* __ASSEMBLER__ */
#endif
