/* tests/unit/test_x86seg.c: lib/x86seg.c: descriptors decoded as the VMCS wants them
 * (base, limit scaled by G, access rights), the checks of each segment register a task
 * switch loads (SDM Vol. 3A 7.3, table 7-1: #TS for a wrong kind or privilege, #NP, #SS for
 * SS, with the selector), and the double-fault rule (SDM Vol. 3A 6.15, table 6-5). */
#include "tests/unit/check.h"
#include "lib/x86seg.h"

static struct x86seg seg(u64 d, u16 sel)
{
	struct x86seg s;
	x86seg_decode(d, sel, &s);
	return s;
}

TEST(decode)
{
	struct x86seg s = seg(0x00CF9A000000FFFFULL, 0x08);	/* flat 32-bit code, G */
	CHECK(s.base == 0 && s.limit == 0xFFFFFFFF && s.ar == 0xC09A && s.sel == 0x08);
	s = seg(0x12409A345678ABCDULL, 0x10);			/* byte granular */
	CHECK(s.base == 0x12345678 && s.limit == 0x0ABCD && s.ar == 0x409A);
	s = seg(0x0000891000000067ULL, 0x20);			/* a 32-bit TSS */
	CHECK(s.base == 0x100000 && s.limit == 0x67 && s.ar == 0x89);
	s = seg(0xFFFFFFFFFFFFFFFFULL, 0xFFFF);			/* every bit: 4 GiB, no bits 11:8 */
	CHECK(s.base == 0xFFFFFFFF && s.limit == 0xFFFFFFFF && s.ar == 0xF0FF);
}

/* The check of register reg loaded with descriptor d by selector sel at privilege cpl. */
static u32 chk(unsigned reg, u64 d, u16 sel, unsigned cpl)
{
	struct x86seg s = seg(d, sel);
	return x86seg_task_check(reg, &s, cpl);
}

#define CODE0	0x00CF9A000000FFFFULL	/* DPL 0 code, readable */
#define CODE3	0x00CFFA000000FFFFULL	/* DPL 3 */
#define CONF0	0x00CF9E000000FFFFULL	/* DPL 0 conforming, readable */
#define XONLY0	0x00CF98000000FFFFULL	/* DPL 0 execute-only */
#define DATA0	0x00CF92000000FFFFULL	/* DPL 0 writable data */
#define DATA3	0x00CFF2000000FFFFULL
#define RO0	0x00CF90000000FFFFULL	/* DPL 0 read-only data */
#define NP	(~(1ULL << 47))		/* clears P */
#define TSS	0x0000891000000067ULL	/* a system descriptor */

TEST(cs)
{
	CHECK(chk(X86_CS, CODE0, 0x08, 0) == 0);
	CHECK(chk(X86_CS, CODE3, 0x1B, 3) == 0);
	CHECK(chk(X86_CS, CODE0, 0x0B, 3) == X86_FAULT(X86_TS, 0x08));
	CHECK(chk(X86_CS, CONF0, 0x0B, 3) == 0);	/* DPL <= CPL */
	CHECK(chk(X86_CS, DATA0, 0x10, 0) == X86_FAULT(X86_TS, 0x10));
	CHECK(chk(X86_CS, TSS, 0x20, 0) == X86_FAULT(X86_TS, 0x20));
	CHECK(chk(X86_CS, CODE0 & NP, 0x08, 0) ==
	      X86_FAULT(X86_NP, 0x08));
}

TEST(ss)
{
	CHECK(chk(X86_SS, DATA0, 0x10, 0) == 0);
	CHECK(chk(X86_SS, DATA3, 0x13, 3) == 0);
	CHECK(chk(X86_SS, DATA0, 0x13, 3) == X86_FAULT(X86_TS, 0x10));
	CHECK(chk(X86_SS, DATA3, 0x10, 0) == X86_FAULT(X86_TS, 0x10));
	CHECK(chk(X86_SS, RO0, 0x10, 0) == X86_FAULT(X86_TS, 0x10));
	CHECK(chk(X86_SS, CODE0, 0x18, 0) == X86_FAULT(X86_TS, 0x18));
	CHECK(chk(X86_SS, DATA0 & NP, 0x10, 0) ==
	      X86_FAULT(X86_SS_FAULT, 0x10));
}

TEST(data)
{
	CHECK(chk(X86_DS, DATA0, 0x10, 0) == 0);
	CHECK(chk(X86_ES, RO0, 0x10, 0) == 0);
	CHECK(chk(X86_FS, CODE0, 0x08, 0) == 0);	/* readable code */
	CHECK(chk(X86_GS, XONLY0, 0x08, 0) == X86_FAULT(X86_TS, 0x08));
	CHECK(chk(X86_DS, DATA0, 0x13, 3) == X86_FAULT(X86_TS, 0x10));
	CHECK(chk(X86_DS, DATA3, 0x13, 3) == 0);
	CHECK(chk(X86_DS, CONF0, 0x0B, 3) == 0);	/* conforming */
	CHECK(chk(X86_DS, DATA0 & NP, 0x10, 0) ==
	      X86_FAULT(X86_NP, 0x10));
	CHECK(chk(X86_DS, TSS, 0x20, 0) == X86_FAULT(X86_TS, 0x20));
}

TEST(double_fault)
{
	CHECK(x86_fault_combine(13, 10) == X86_DF);	/* contributory + contributory */
	CHECK(x86_fault_combine(0, 11) == X86_DF);
	CHECK(x86_fault_combine(14, 14) == X86_DF);	/* #PF + #PF */
	CHECK(x86_fault_combine(14, 13) == X86_DF);
	CHECK(x86_fault_combine(13, 14) == 14);		/* contributory, then #PF: serial */
	CHECK(x86_fault_combine(1, 13) == 13);		/* benign first */
	CHECK(x86_fault_combine(8, 10) == -1);		/* during #DF: shutdown */
	CHECK(x86_fault_combine(8, 14) == -1);
	CHECK(x86_fault_combine(8, 1) == 1);
}

int main(void)
{
	RUN(decode);
	RUN(cs);
	RUN(ss);
	RUN(data);
	RUN(double_fault);
	return DONE();
}
