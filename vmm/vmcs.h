/* vmm/vmcs.h: VMCS field encodings (SDM Vol. 3C appendix B "Field Encoding in VMCS"),
 * VMREAD/VMWRITE, and the bits of the controls faultline uses. The host tests include this
 * file too (for the encodings), so the instruction wrappers are guarded by __faultline_hv. */
#ifndef VMM_VMCS_H
#define VMM_VMCS_H
#include "lib/types.h"

enum vmcs_field {
	/* 16-bit */
	VPID = 0x0000, EPTP_INDEX = 0x0004,
	GUEST_ES_SEL = 0x0800, GUEST_CS_SEL = 0x0802, GUEST_SS_SEL = 0x0804, GUEST_DS_SEL = 0x0806,
	GUEST_FS_SEL = 0x0808, GUEST_GS_SEL = 0x080A, GUEST_LDTR_SEL = 0x080C, GUEST_TR_SEL = 0x080E,
	HOST_ES_SEL = 0x0C00, HOST_CS_SEL = 0x0C02, HOST_SS_SEL = 0x0C04, HOST_DS_SEL = 0x0C06,
	HOST_FS_SEL = 0x0C08, HOST_GS_SEL = 0x0C0A, HOST_TR_SEL = 0x0C0C,
	/* 64-bit */
	IO_BITMAP_A = 0x2000, IO_BITMAP_B = 0x2002, MSR_BITMAP = 0x2004,
	EXIT_MSR_STORE_ADDR = 0x2006, EXIT_MSR_LOAD_ADDR = 0x2008, ENTRY_MSR_LOAD_ADDR = 0x200A,
	TSC_OFFSET = 0x2010, EPT_POINTER = 0x201A, VE_INFO_ADDR = 0x202A,
	GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_PTR = 0x2800, GUEST_DEBUGCTL = 0x2802, GUEST_PAT = 0x2804, GUEST_EFER = 0x2806,
	GUEST_PDPTE0 = 0x280A, GUEST_PDPTE1 = 0x280C, GUEST_PDPTE2 = 0x280E, GUEST_PDPTE3 = 0x2810,
	HOST_PAT = 0x2C00, HOST_EFER = 0x2C02,
	/* 32-bit */
	PIN_CONTROLS = 0x4000, PROC_CONTROLS = 0x4002, EXCEPTION_BITMAP = 0x4004,
	PF_ERROR_MASK = 0x4006, PF_ERROR_MATCH = 0x4008, CR3_TARGET_COUNT = 0x400A,
	EXIT_CONTROLS = 0x400C, EXIT_MSR_STORE_COUNT = 0x400E, EXIT_MSR_LOAD_COUNT = 0x4010,
	ENTRY_CONTROLS = 0x4012, ENTRY_MSR_LOAD_COUNT = 0x4014, ENTRY_INTR_INFO = 0x4016,
	ENTRY_EXCEPTION_ERROR = 0x4018, ENTRY_INSTR_LEN = 0x401A, TPR_THRESHOLD = 0x401C,
	PROC_CONTROLS2 = 0x401E,
	VM_INSTRUCTION_ERROR = 0x4400, EXIT_REASON = 0x4402, EXIT_INTR_INFO = 0x4404,
	EXIT_INTR_ERROR = 0x4406, IDT_VECTORING_INFO = 0x4408, IDT_VECTORING_ERROR = 0x440A,
	EXIT_INSTR_LEN = 0x440C, EXIT_INSTR_INFO = 0x440E,
	GUEST_ES_LIMIT = 0x4800, GUEST_CS_LIMIT = 0x4802, GUEST_SS_LIMIT = 0x4804,
	GUEST_DS_LIMIT = 0x4806, GUEST_FS_LIMIT = 0x4808, GUEST_GS_LIMIT = 0x480A,
	GUEST_LDTR_LIMIT = 0x480C, GUEST_TR_LIMIT = 0x480E, GUEST_GDTR_LIMIT = 0x4810,
	GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814, GUEST_CS_AR = 0x4816, GUEST_SS_AR = 0x4818, GUEST_DS_AR = 0x481A,
	GUEST_FS_AR = 0x481C, GUEST_GS_AR = 0x481E, GUEST_LDTR_AR = 0x4820, GUEST_TR_AR = 0x4822,
	GUEST_INTERRUPTIBILITY = 0x4824, GUEST_ACTIVITY = 0x4826, GUEST_SMBASE = 0x4828,
	GUEST_SYSENTER_CS = 0x482A, PREEMPTION_TIMER = 0x482E,
	HOST_SYSENTER_CS = 0x4C00,
	/* natural width */
	CR0_MASK = 0x6000, CR4_MASK = 0x6002, CR0_SHADOW = 0x6004, CR4_SHADOW = 0x6006,
	EXIT_QUALIFICATION = 0x6400, GUEST_LINEAR_ADDR = 0x640A,
	GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806, GUEST_CS_BASE = 0x6808, GUEST_SS_BASE = 0x680A,
	GUEST_DS_BASE = 0x680C, GUEST_FS_BASE = 0x680E, GUEST_GS_BASE = 0x6810,
	GUEST_LDTR_BASE = 0x6812, GUEST_TR_BASE = 0x6814, GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681A, GUEST_RSP = 0x681C, GUEST_RIP = 0x681E,
	GUEST_RFLAGS = 0x6820, GUEST_PENDING_DBG = 0x6822, GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6C00, HOST_CR3 = 0x6C02, HOST_CR4 = 0x6C04, HOST_FS_BASE = 0x6C06,
	HOST_GS_BASE = 0x6C08, HOST_TR_BASE = 0x6C0A, HOST_GDTR_BASE = 0x6C0C,
	HOST_IDTR_BASE = 0x6C0E, HOST_SYSENTER_ESP = 0x6C10, HOST_SYSENTER_EIP = 0x6C12,
	HOST_RSP = 0x6C14, HOST_RIP = 0x6C16,
};

/* Pin-based controls (SDM Vol. 3C 25.6.1). */
#define PIN_EXT_INTR		(1u << 0)
#define PIN_NMI			(1u << 3)
#define PIN_VIRTUAL_NMI		(1u << 5)
#define PIN_PREEMPT_TIMER	(1u << 6)
/* Primary processor-based controls (25.6.2). */
#define PROC_INTR_WINDOW	(1u << 2)
#define PROC_TSC_OFFSET		(1u << 3)
#define PROC_HLT		(1u << 7)
#define PROC_INVLPG		(1u << 9)
#define PROC_MWAIT		(1u << 10)
#define PROC_RDPMC		(1u << 11)
#define PROC_RDTSC		(1u << 12)
#define PROC_CR3_LOAD		(1u << 15)
#define PROC_CR3_STORE		(1u << 16)
#define PROC_CR8_LOAD		(1u << 19)
#define PROC_CR8_STORE		(1u << 20)
#define PROC_MOV_DR		(1u << 23)
#define PROC_IO_UNCOND		(1u << 24)
#define PROC_IO_BITMAP		(1u << 25)
#define PROC_MTF		(1u << 27)
#define PROC_MSR_BITMAP		(1u << 28)
#define PROC_MONITOR		(1u << 29)
#define PROC_PAUSE		(1u << 30)
#define PROC_SECONDARY		(1u << 31)
/* Secondary processor-based controls: see vmm/vmx.h (PROC2_*). */
#define PROC2_VPID		(1u << 5)
/* VM-exit controls (25.7.1). */
#define EXIT_SAVE_DEBUG		(1u << 2)
#define EXIT_HOST_64		(1u << 9)
#define EXIT_ACK_INTR		(1u << 15)
#define EXIT_SAVE_PAT		(1u << 18)
#define EXIT_LOAD_PAT		(1u << 19)
#define EXIT_SAVE_EFER		(1u << 20)
#define EXIT_LOAD_EFER		(1u << 21)
#define EXIT_SAVE_PREEMPT	(1u << 22)
/* VM-entry controls (25.8.1). */
#define ENTRY_LOAD_DEBUG	(1u << 2)
#define ENTRY_IA32E		(1u << 9)
#define ENTRY_LOAD_PAT		(1u << 14)
#define ENTRY_LOAD_EFER		(1u << 15)

/* Segment access rights as the VMCS holds them (25.4.1, table 25-2). */
#define AR_TYPE(ar)	((ar) & 0xF)
#define AR_S		(1u << 4)
#define AR_DPL(ar)	(((ar) >> 5) & 3)
#define AR_P		(1u << 7)
#define AR_AVL		(1u << 12)
#define AR_L		(1u << 13)
#define AR_DB		(1u << 14)
#define AR_G		(1u << 15)
#define AR_UNUSABLE	(1u << 16)

/* Interruption-information format (entry and exit, 25.8.3 / 25.9.2). */
#define INTR_VALID		(1u << 31)
#define INTR_ERROR_CODE		(1u << 11)
#define INTR_TYPE_EXT		(0u << 8)
#define INTR_TYPE_NMI		(2u << 8)
#define INTR_TYPE_HW_EXC	(3u << 8)
#define INTR_TYPE_SW_INT	(4u << 8)

#ifdef __faultline_hv
static inline u64 vmread(u64 field)
{
	u64 v;
	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}
/* Returns 0, or nonzero when the write failed (unsupported or read-only field). */
static inline int vmwrite(u64 field, u64 v)
{
	u8 fail;
	__asm__ volatile("vmwrite %2, %1; setna %0" : "=qm"(fail) : "r"(field), "rm"(v) : "cc", "memory");
	return fail;
}
#endif

/* vmm/vmcs.c: the current VMCS for a person, one line per pr call (pr_err's wrapper for an
 * entry failure, log_plain for the monitor); the guest's segments alone. */
/* One guest segment register (sel_f: its selector's field): selector, base, limit and
 * access rights. */
void vmcs_seg(u64 sel_f, u16 sel, u64 base, u32 limit, u32 ar);
void vmcs_dump(void (*pr)(const char *fmt, ...));
void vmcs_dump_segs(void (*pr)(const char *fmt, ...));

#endif
