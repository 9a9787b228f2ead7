/* lib/x86seg.h: the protected-mode segment rules a task switch applies, pure: a descriptor
 * decoded into base, scaled limit and access rights (in the VMCS's layout, SDM Vol. 3C
 * 25.4.1: type, S, DPL, P in bits 7:0, AVL, L, D/B, G in bits 15:12), the checks of a
 * segment register loaded from a new TSS (SDM Vol. 3A 7.3, table 7-1), and how a fault
 * met while delivering an exception combines with it (SDM Vol. 3A 6.15, table 6-5).
 * vmm/taskswitch.c uses them; tests/unit/test_x86seg.c checks them. */
#ifndef LIB_X86SEG_H
#define LIB_X86SEG_H
#include "lib/types.h"

#define X86SEG_S	(1u << 4)	/* code or data (not a system descriptor) */
#define X86SEG_P	(1u << 7)
#define X86SEG_G	(1u << 15)	/* limit in 4 KiB units */

struct x86seg {
	u16 sel;
	u32 base, limit, ar;	/* limit scaled by G; ar as the VMCS holds it */
};

/* The 8 bytes d of a code, data or system descriptor (its upper half, for a 64-bit
 * system descriptor, is not read). */
void x86seg_decode(u64 d, u16 sel, struct x86seg *s);

/* Segment registers in the VMCS's (and the TSS's) order. */
enum { X86_ES, X86_CS, X86_SS, X86_DS, X86_FS, X86_GS };

/* A fault: vector and error code, or none (0). */
#define X86_FAULT(vec, code)	((1u << 31) | ((u32)(vec) << 16) | ((code) & 0xFFFCu))
#define X86_FAULT_VEC(f)	(((f) >> 16) & 0xFF)
#define X86_TS	10
#define X86_NP	11
#define X86_SS_FAULT 12
#define X86_GP	13
#define X86_DF	8
#define X86_PF	14

/* The checks of segment register reg, not null, loaded from a new TSS whose CS gives the
 * privilege cpl: 0, or the fault (#TS for a wrong kind or privilege, #NP, or #SS for SS,
 * when it is not present), with its selector. */
u32 x86seg_task_check(unsigned reg, const struct x86seg *s, unsigned cpl);

/* The exception to deliver when second arises while first (an exception) was being
 * delivered: second, #DF (8), or -1 for a triple fault (shutdown). */
int x86_fault_combine(unsigned first, unsigned second);

#endif
