/* vmm/decode.h: names and decoders for what VMX reports: exit reasons, VM-instruction
 * errors, exit qualifications, interruption information, access rights. Pure functions:
 * the hypervisor's console and the host unit tests use the same code. */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H
#include "lib/types.h"

/* Basic exit reasons (SDM Vol. 3C appendix C). */
enum exit_reason {
	EXIT_EXCEPTION_NMI = 0, EXIT_EXT_INTR = 1, EXIT_TRIPLE_FAULT = 2, EXIT_INIT = 3,
	EXIT_SIPI = 4, EXIT_INTR_WINDOW = 7, EXIT_NMI_WINDOW = 8, EXIT_TASK_SWITCH = 9,
	EXIT_CPUID = 10, EXIT_HLT = 12, EXIT_INVLPG = 14, EXIT_RDTSC = 16, EXIT_VMCALL = 18,
	EXIT_CR_ACCESS = 28, EXIT_DR_ACCESS = 29, EXIT_IO = 30, EXIT_RDMSR = 31, EXIT_WRMSR = 32,
	EXIT_ENTRY_GUEST_STATE = 33, EXIT_ENTRY_MSR_LOAD = 34, EXIT_MWAIT = 36, EXIT_MTF = 37,
	EXIT_MONITOR = 39, EXIT_PAUSE = 40, EXIT_ENTRY_MCE = 41, EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49, EXIT_INVEPT = 50, EXIT_PREEMPT_TIMER = 52, EXIT_WBINVD = 54,
	EXIT_XSETBV = 55, EXIT_VMFUNC = 59,
	EXIT_REASON_MAX = 80,
};

#define EXIT_REASON_ENTRY_FAIL	(1u << 31)	/* bit 31 of the exit reason field */

/* "CPUID", "EPT violation", ...; "reason 77" style text for unknown ones (in a static
 * buffer, so only for immediate printing). */
const char *exit_reason_name(u32 basic_reason);
/* "cpuid,io,ept-violation,48": names as exit_reason_name spells them with '-' for spaces
 * (any case), the aliases exc extint window cr io msr ept timer all, or numbers; the set
 * reasons' bits go to mask (reasons 0..127). Returns 0, or -1 with the bad item in bad. */
int exit_reasons_parse(const char *list, u64 mask[2], char *bad, size_t len);
/* "VM entry with invalid control field(s)", ...; NULL for unknown numbers. */
const char *vm_instruction_error_name(u32 error);

/* EPT-violation exit qualification (SDM Vol. 3C 28.2.1, table 28-7). */
struct ept_qual {
	bool read, write, exec;			/* the access that faulted */
	bool readable, writable, executable;	/* what the entry allowed */
	bool linear_valid;			/* bit 7: guest linear address field is valid */
	bool translation;			/* bit 8: the access was to the final translation */
	bool nmi_unblocking;			/* bit 12 */
};
struct ept_qual ept_qual_decode(u64 q);
/* "read", "write", "exec", or combinations like "read+exec". */
const char *ept_access_name(const struct ept_qual *e);

/* I/O-instruction exit qualification (table 28-5). */
struct io_qual {
	unsigned size;		/* 1, 2 or 4 bytes */
	bool in, string, rep;
	bool imm;		/* operand encoding: immediate port (else DX) */
	u16 port;
};
struct io_qual io_qual_decode(u64 q);

/* Control-register access qualification (table 28-3). */
struct cr_qual {
	unsigned cr;		/* 0, 3, 4, 8 */
	unsigned type;		/* 0 mov to CR, 1 mov from CR, 2 CLTS, 3 LMSW */
	unsigned gpr;		/* 0 = RAX ... 15 = R15 */
	u16 lmsw_src;
};
struct cr_qual cr_qual_decode(u64 q);

/* Interruption information (exit or IDT-vectoring): "valid hw-exception vector 14 with
 * error code" style text into buf. */
void intr_info_format(u32 info, char *buf, size_t len);
/* Segment access rights: "type=0xb S=1 DPL=0 P=1 L=0 D/B=1 G=1" or "unusable". */
void ar_format(u32 ar, char *buf, size_t len);

#endif
