/* lib/x86seg.c: segment descriptors and the task-switch checks of segment registers, and
 * the double-fault rule (lib/x86seg.h says what each is and where the SDM says so). */
#include "lib/x86seg.h"

void x86seg_decode(u64 d, u16 sel, struct x86seg *s)
{
	s->sel = sel;
	s->base = (u32)((d >> 16) & 0xFFFFFF) | (u32)((d >> 56) & 0xFF) << 24;
	s->limit = (u32)(d & 0xFFFF) | (u32)((d >> 32) & 0xF0000);
	s->ar = (u32)(d >> 40) & 0xF0FF;
	if (s->ar & X86SEG_G)
		s->limit = s->limit << 12 | 0xFFF;
}

u32 x86seg_task_check(unsigned reg, const struct x86seg *s, unsigned cpl)
{
	unsigned type = s->ar & 0xF, dpl = (s->ar >> 5) & 3, rpl = s->sel & 3;
	bool code = type & 8, conforming = code && (type & 4);

	if (!(s->ar & X86SEG_S))
		return X86_FAULT(X86_TS, s->sel);
	if (reg == X86_CS) {		/* code; non-conforming at DPL = CPL, conforming <= */
		if (!code || (conforming ? dpl > cpl : dpl != cpl))
			return X86_FAULT(X86_TS, s->sel);
	} else if (reg == X86_SS) {	/* writable data at DPL = RPL = CPL */
		if (code || !(type & 2) || dpl != cpl || rpl != cpl)
			return X86_FAULT(X86_TS, s->sel);
	} else {			/* data or readable code; privilege unless conforming */
		if ((code && !(type & 2)) || (!conforming && (dpl < cpl || dpl < rpl)))
			return X86_FAULT(X86_TS, s->sel);
	}
	if (!(s->ar & X86SEG_P))
		return X86_FAULT(reg == X86_SS ? X86_SS_FAULT : X86_NP, s->sel);
	return 0;
}

/* #DE and #TS-#GP are contributory; #PF is a class of its own; the rest are benign. */
static bool contributory(unsigned v)
{
	return v == 0 || (v >= X86_TS && v <= X86_GP);
}

int x86_fault_combine(unsigned first, unsigned second)
{
	if (first == X86_DF && (contributory(second) || second == X86_PF))
		return -1;
	if ((contributory(first) && contributory(second)) ||
	    (first == X86_PF && (contributory(second) || second == X86_PF)))
		return X86_DF;
	return (int)second;
}
