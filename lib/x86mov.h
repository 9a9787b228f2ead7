/* lib/x86mov.h: the x86 instructions a guest uses on a memory-mapped device register (the
 * xAPIC page), decoded far enough to emulate them after the EPT violation that stopped
 * them: MOV r/m,r (89), MOV r,r/m (8B), MOV r/m,imm (C7 /0), with their prefixes (operand
 * size, segment, REX). The exit gives the guest-physical address; what is needed here is
 * the direction, the register or the immediate, the size and the length (SDM Vol. 2A 2.1,
 * "Instruction Format"; 2.2.1 REX). Pure; every byte is the guest's: nothing is read past
 * n, and anything else (another opcode, a register operand, 16-bit addressing) is refused. */
#ifndef LIB_X86MOV_H
#define LIB_X86MOV_H
#include "lib/types.h"

struct x86mov {
	u8 len;		/* the instruction's bytes */
	bool write;	/* to memory (89, C7) */
	bool has_imm;	/* C7: the value is imm, not a register */
	u8 reg;		/* 0-15: RAX RCX RDX RBX RSP RBP RSI RDI R8-R15 (ModRM.reg + REX.R) */
	u8 size;	/* operand size in bytes: 2, 4 or 8 */
	u64 imm;	/* C7's immediate, sign-extended to 64 bits when size is 8 */
};

/* Decodes bytes [b, b+n). mode is 16, 32 or 64 (the code segment's default). Returns 0, or
 * -1 when it is not one of these MOVs (or n is too short). */
int x86mov_decode(const u8 *b, unsigned n, unsigned mode, struct x86mov *out);

#endif
