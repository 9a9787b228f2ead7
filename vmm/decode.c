/* vmm/decode.c: names and decoders for what VMX reports (see vmm/decode.h): the basic exit
 * reason table (SDM Vol. 3C appendix C), the VM-instruction error table (31.4), and the
 * exit-qualification, interruption-information and access-rights layouts (28.2.1, 25.9.2,
 * 25.4.1). Everything here is a table lookup or a bit extraction: no VMCS access, so the
 * console and the host unit tests share it. */
#include "vmm/decode.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "vmm/vmcs.h"
#include "lib/fmt.h"

/* SDM Vol. 3C appendix C, table C-1. Holes (35, 38, 42, 71) are numbers the SDM leaves
 * unused; they print as "reason N" like anything past the end of the table. */
static const char *const reason_names[] = {
	[0] = "exception or NMI",
	[1] = "external interrupt",
	[2] = "triple fault",
	[3] = "INIT signal",
	[4] = "start-up IPI (SIPI)",
	[5] = "I/O system-management interrupt",
	[6] = "other SMI",
	[7] = "interrupt window",
	[8] = "NMI window",
	[9] = "task switch",
	[10] = "CPUID",
	[11] = "GETSEC",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[17] = "RSM",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMXOFF",
	[27] = "VMXON",
	[28] = "control-register access",
	[29] = "MOV DR",
	[30] = "I/O instruction",
	[31] = "RDMSR",
	[32] = "WRMSR",
	[33] = "VM-entry failure: invalid guest state",
	[34] = "VM-entry failure: MSR loading",
	[36] = "MWAIT",
	[37] = "monitor trap flag",
	[39] = "MONITOR",
	[40] = "PAUSE",
	[41] = "VM-entry failure: machine-check event",
	[43] = "TPR below threshold",
	[44] = "APIC access",
	[45] = "virtualized EOI",
	[46] = "access to GDTR or IDTR",
	[47] = "access to LDTR or TR",
	[48] = "EPT violation",
	[49] = "EPT misconfiguration",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "VMX-preemption timer expired",
	[53] = "INVVPID",
	[54] = "WBINVD or WBNOINVD",
	[55] = "XSETBV",
	[56] = "APIC write",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "page-modification log full",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[65] = "PCONFIG",
	[66] = "SPP-related event",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[69] = "LOADIWKEY",
	[70] = "ENCLV",
	[72] = "ENQCMD PASID translation failure",
	[73] = "ENQCMDS PASID translation failure",
	[74] = "bus lock",
	[75] = "instruction timeout",
};

/* SDM Vol. 3C 31.4, table 31-1 "VM-Instruction Error Numbers". 14, 21 and 27 are
 * reserved, so they stay NULL like unknown numbers. */
static const char *const error_names[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *exit_reason_name(u32 basic_reason)
{
	static char buf[24];	/* "reason 4294967295" */

	if (basic_reason < ARRAY_SIZE(reason_names) && reason_names[basic_reason])
		return reason_names[basic_reason];
	fmt(buf, sizeof(buf), "reason %u", basic_reason);
	return buf;
}

/* One item of a reason list: an alias, a name with '-' for its spaces (any case), or a
 * number. Sets the reasons' bits; false if nothing matched. */
static const struct {
	const char *alias;
	u32 r1, r2;
} reason_alias[] = {
	{ "exc", 0, 0 }, { "extint", 1, 1 }, { "window", 7, 7 }, { "cr", 28, 28 },
	{ "io", 30, 30 }, { "msr", 31, 32 }, { "ept", 48, 49 }, { "timer", 52, 52 },
	{ "all", 0, EXIT_REASON_MAX - 1 },
};

static bool name_is(const char *name, const char *item, size_t n)
{
	size_t i = 0;
	for (; i < n && name[i]; i++) {
		char a = name[i] == ' ' ? '-' : name[i], b = item[i];
		if ((a | 0x20) != (b | 0x20) || ((a | 0x20) >= 'a' && (a | 0x20) <= 'z') !=
		    ((b | 0x20) >= 'a' && (b | 0x20) <= 'z'))
			return false;
	}
	return i == n && !name[i];
}

static bool reason_item(const char *item, size_t n, u64 mask[2])
{
	u64 num;
	for (size_t i = 0; i < ARRAY_SIZE(reason_alias); i++)
		if (strlen(reason_alias[i].alias) == n && !strncmp(reason_alias[i].alias, item, n)) {
			for (u32 r = reason_alias[i].r1; r <= reason_alias[i].r2; r++)
				mask[r / 64] |= 1ULL << (r % 64);
			return true;
		}
	for (u32 r = 0; r < ARRAY_SIZE(reason_names); r++)
		if (reason_names[r] && name_is(reason_names[r], item, n)) {
			mask[r / 64] |= 1ULL << (r % 64);
			return true;
		}
	if (parse_u64(item, n, &num) || num >= EXIT_REASON_MAX)
		return false;
	mask[num / 64] |= 1ULL << (num % 64);
	return true;
}

int exit_reasons_parse(const char *list, u64 mask[2], char *bad, size_t len)
{
	mask[0] = mask[1] = 0;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (!n || !reason_item(p, n, mask)) {
			fmt(bad, len, "%.*s", (int)n, p);
			return -1;
		}
		p += n + (e ? 1 : 0);
	}
	return 0;
}

const char *vm_instruction_error_name(u32 error)
{
	return error < ARRAY_SIZE(error_names) ? error_names[error] : NULL;
}

static bool bit(u64 v, unsigned n)
{
	return (v >> n) & 1;
}

/* Table 28-7: bits 2:0 are the access (read, write, instruction fetch), bits 5:3 what the
 * EPT paging-structure entries allowed (the AND of R, W, X over the walk). */
struct ept_qual ept_qual_decode(u64 q)
{
	struct ept_qual e = {
		.read = bit(q, 0), .write = bit(q, 1), .exec = bit(q, 2),
		.readable = bit(q, 3), .writable = bit(q, 4), .executable = bit(q, 5),
		.linear_valid = bit(q, 7), .translation = bit(q, 8),
		.nmi_unblocking = bit(q, 12),
	};
	return e;
}

const char *ept_access_name(const struct ept_qual *e)
{
	/* Indexed by read | write << 1 | exec << 2. */
	static const char *const names[8] = {
		"none", "read", "write", "read+write",
		"exec", "read+exec", "write+exec", "read+write+exec",
	};
	return names[e->read | e->write << 1 | e->exec << 2];
}

/* Table 28-5: size-1 in bits 2:0 (0, 1 or 3), direction (1 = IN) in bit 3, string in 4,
 * REP in 5, operand encoding (1 = immediate) in 6, port in 31:16. */
struct io_qual io_qual_decode(u64 q)
{
	struct io_qual io = {
		.size = (q & 7) + 1,
		.in = bit(q, 3), .string = bit(q, 4), .rep = bit(q, 5), .imm = bit(q, 6),
		.port = (q >> 16) & 0xFFFF,
	};
	return io;
}

/* Table 28-3: CR number in 3:0, access type in 5:4, GPR in 11:8 (MOV only), LMSW source
 * data in 31:16 (LMSW only). */
struct cr_qual cr_qual_decode(u64 q)
{
	struct cr_qual c = {
		.cr = q & 0xF,
		.type = (q >> 4) & 3,
		.gpr = (q >> 8) & 0xF,
		.lmsw_src = (q >> 16) & 0xFFFF,
	};
	return c;
}

/* Interruption types, bits 10:8 (SDM Vol. 3C 25.9.2, table 25-19); 1 is reserved. */
static const char *const intr_types[8] = {
	"external interrupt", NULL, "NMI", "hardware exception", "software interrupt",
	"privileged software exception", "software exception", "other event",
};

void intr_info_format(u32 info, char *buf, size_t len)
{
	const char *type = intr_types[(info >> 8) & 7];
	int n;

	if (!(info & INTR_VALID)) {
		/* Bits 30:0 are meaningless then, but a nonzero value is worth seeing. */
		if (info)
			fmt(buf, len, "not valid (0x%x)", info);
		else
			fmt(buf, len, "not valid");
		return;
	}
	if (type)
		n = fmt(buf, len, "valid %s vector %u", type, info & 0xFF);
	else
		n = fmt(buf, len, "valid reserved type 1 vector %u", info & 0xFF);
	if (n < 0 || (size_t)n >= len)
		return;
	fmt(buf + n, len - n, "%s%s", info & INTR_ERROR_CODE ? " with error code" : "",
	    info & (1u << 12) ? ", NMI unblocking" : "");
}

/* Table 25-2: the descriptor's access byte and flags nibble, plus bit 16 "unusable", which
 * makes every other bit meaningless. */
void ar_format(u32 ar, char *buf, size_t len)
{
	if (ar & AR_UNUSABLE) {
		fmt(buf, len, "unusable");
		return;
	}
	fmt(buf, len, "type=0x%x S=%d DPL=%u P=%d AVL=%d L=%d D/B=%d G=%d", AR_TYPE(ar),
	    !!(ar & AR_S), AR_DPL(ar), !!(ar & AR_P), !!(ar & AR_AVL), !!(ar & AR_L),
	    !!(ar & AR_DB), !!(ar & AR_G));
}
