/* lib/x86regs.h: the architectural bits of CR0, CR4 and IA32_EFER that faultline reads or
 * sets, for the host and for its view of a guest (SDM Vol. 3A 2.5 "Control Registers",
 * 2.2.1 "Extended Feature Enable Register"). One copy: C only (the assembler's are in
 * lib/longmode.h). */
#ifndef LIB_X86REGS_H
#define LIB_X86REGS_H

#define CR0_PE		(1ULL << 0)	/* protection enable */
#define CR0_TS		(1ULL << 3)	/* task switched */
#define CR0_ET		(1ULL << 4)	/* extension type: 1 since the 486 */
#define CR0_NE		(1ULL << 5)	/* numeric error: fixed 1 under VMX */
#define CR0_NW		(1ULL << 29)	/* not write-through */
#define CR0_CD		(1ULL << 30)	/* cache disable */
#define CR0_PG		(1ULL << 31)	/* paging */

#define CR4_PSE		(1ULL << 4)
#define CR4_PAE		(1ULL << 5)
#define CR4_VMXE	(1ULL << 13)

#define EFER_LME	(1ULL << 8)	/* long mode enable */
#define EFER_LMA	(1ULL << 10)	/* long mode active (the CPU's) */

#endif
