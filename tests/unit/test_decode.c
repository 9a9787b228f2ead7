/* tests/unit/test_decode.c: host tests of vmm/decode.c: exit-reason and VM-instruction-error
 * names (SDM Vol. 3C appendix C, 31.4), unknown numbers, and each decoder on qualification
 * values assembled by hand from the SDM tables.
 * Build: gcc ... -I. tests/unit/test_decode.c vmm/decode.c lib/fmt.c */
#include "vmm/decode.h"
#include "vmm/vmcs.h"
#include "tests/unit/check.h"

static char buf[128];

TEST(reason_names)
{
	CHECK_STR(exit_reason_name(0), "exception or NMI");
	CHECK_STR(exit_reason_name(EXIT_EXT_INTR), "external interrupt");
	CHECK_STR(exit_reason_name(EXIT_TRIPLE_FAULT), "triple fault");
	CHECK_STR(exit_reason_name(EXIT_CPUID), "CPUID");
	CHECK_STR(exit_reason_name(EXIT_HLT), "HLT");
	CHECK_STR(exit_reason_name(EXIT_VMCALL), "VMCALL");
	CHECK_STR(exit_reason_name(EXIT_CR_ACCESS), "control-register access");
	CHECK_STR(exit_reason_name(EXIT_IO), "I/O instruction");
	CHECK_STR(exit_reason_name(EXIT_RDMSR), "RDMSR");
	CHECK_STR(exit_reason_name(EXIT_WRMSR), "WRMSR");
	CHECK_STR(exit_reason_name(EXIT_ENTRY_GUEST_STATE), "VM-entry failure: invalid guest state");
	CHECK_STR(exit_reason_name(EXIT_ENTRY_MSR_LOAD), "VM-entry failure: MSR loading");
	CHECK_STR(exit_reason_name(EXIT_ENTRY_MCE), "VM-entry failure: machine-check event");
	CHECK_STR(exit_reason_name(EXIT_EPT_VIOLATION), "EPT violation");
	CHECK_STR(exit_reason_name(EXIT_EPT_MISCONFIG), "EPT misconfiguration");
	CHECK_STR(exit_reason_name(EXIT_PREEMPT_TIMER), "VMX-preemption timer expired");
	CHECK_STR(exit_reason_name(EXIT_XSETBV), "XSETBV");
	CHECK_STR(exit_reason_name(EXIT_VMFUNC), "VMFUNC");
	CHECK_STR(exit_reason_name(69), "LOADIWKEY");
}

/* Every basic reason 0..69 the SDM defines has a name; its unused numbers do not. */
TEST(reason_table_complete)
{
	char want[32];

	for (unsigned r = 0; r <= 69; r++) {
		const char *n = exit_reason_name(r);
		snprintf(want, sizeof(want), "reason %u", r);
		if (r == 35 || r == 38 || r == 42)
			CHECK_STR(n, want);
		else
			CHECK(n && strcmp(n, want) != 0 && n[0]);
	}
}

TEST(reason_unknown)
{
	CHECK_STR(exit_reason_name(35), "reason 35");
	CHECK_STR(exit_reason_name(77), "reason 77");
	CHECK_STR(exit_reason_name(EXIT_REASON_MAX), "reason 80");
	CHECK_STR(exit_reason_name(0xFFFFFFFFu), "reason 4294967295");
	/* The caller masks the entry-failure bit off before asking. */
	CHECK_STR(exit_reason_name(EXIT_REASON_ENTRY_FAIL | 33), "reason 2147483681");
	CHECK_STR(exit_reason_name((EXIT_REASON_ENTRY_FAIL | 33) & 0xFFFF),
		  "VM-entry failure: invalid guest state");
}

TEST(error_names)
{
	CHECK_STR(vm_instruction_error_name(1), "VMCALL executed in VMX root operation");
	CHECK_STR(vm_instruction_error_name(4), "VMLAUNCH with non-clear VMCS");
	CHECK_STR(vm_instruction_error_name(5), "VMRESUME with non-launched VMCS");
	CHECK_STR(vm_instruction_error_name(7), "VM entry with invalid control field(s)");
	CHECK_STR(vm_instruction_error_name(8), "VM entry with invalid host-state field(s)");
	CHECK_STR(vm_instruction_error_name(12),
		  "VMREAD/VMWRITE from/to unsupported VMCS component");
	CHECK_STR(vm_instruction_error_name(13), "VMWRITE to read-only VMCS component");
	CHECK_STR(vm_instruction_error_name(26), "VM entry with events blocked by MOV SS");
	CHECK_STR(vm_instruction_error_name(28), "invalid operand to INVEPT/INVVPID");
}

TEST(error_unknown)
{
	CHECK(vm_instruction_error_name(0) == NULL);
	CHECK(vm_instruction_error_name(14) == NULL);	/* reserved */
	CHECK(vm_instruction_error_name(21) == NULL);
	CHECK(vm_instruction_error_name(27) == NULL);
	CHECK(vm_instruction_error_name(29) == NULL);
	CHECK(vm_instruction_error_name(0xFFFFFFFFu) == NULL);
	for (unsigned e = 1; e <= 28; e++)
		if (e != 14 && e != 21 && e != 27)
			CHECK(vm_instruction_error_name(e) != NULL);
}

/* Table 28-7. 0x182 = write (bit 1) | linear valid (bit 7) | translation (bit 8), nothing
 * allowed: a write to a not-present page. 0x1029 = read (0) | readable (3) | executable (5)
 * | NMI unblocking (12). */
TEST(ept_qual)
{
	struct ept_qual e = ept_qual_decode(0x182);

	CHECK(!e.read && e.write && !e.exec);
	CHECK(!e.readable && !e.writable && !e.executable);
	CHECK(e.linear_valid && e.translation && !e.nmi_unblocking);
	CHECK_STR(ept_access_name(&e), "write");

	e = ept_qual_decode(0x1029);
	CHECK(e.read && !e.write && !e.exec);
	CHECK(e.readable && !e.writable && e.executable);
	CHECK(!e.linear_valid && !e.translation && e.nmi_unblocking);
	CHECK_STR(ept_access_name(&e), "read");

	e = ept_qual_decode(0x3C);	/* exec (2) | R (3) | W (4) | X (5) */
	CHECK(e.exec && e.readable && e.writable && e.executable);
	CHECK_STR(ept_access_name(&e), "exec");
	e = ept_qual_decode(0x5);
	CHECK_STR(ept_access_name(&e), "read+exec");
	e = ept_qual_decode(0x3);
	CHECK_STR(ept_access_name(&e), "read+write");
	e = ept_qual_decode(0x7);
	CHECK_STR(ept_access_name(&e), "read+write+exec");
	e = ept_qual_decode(0x6);
	CHECK_STR(ept_access_name(&e), "write+exec");
	e = ept_qual_decode(0);
	CHECK_STR(ept_access_name(&e), "none");
}

/* Table 28-5. */
TEST(io_qual)
{
	/* out dx, al with dx = 0x3f8: size 1 (bits 2:0 = 0), out, DX: port << 16. */
	struct io_qual io = io_qual_decode(0x03f80000);
	CHECK_EQ(io.size, 1);
	CHECK(!io.in && !io.string && !io.rep && !io.imm);
	CHECK_EQ(io.port, 0x3f8);

	/* in eax, 0x60: size 4 (3), in (bit 3 = 0x8), immediate (bit 6 = 0x40):
	 * 0x00600000 | 0x40 | 0x8 | 0x3 = 0x0060004b. */
	io = io_qual_decode(0x0060004b);
	CHECK_EQ(io.size, 4);
	CHECK(io.in && !io.string && !io.rep && io.imm);
	CHECK_EQ(io.port, 0x60);

	/* rep outsw to 0x1f0: size 2 (1), string (0x10), rep (0x20): 0x01f00031. */
	io = io_qual_decode(0x01f00031);
	CHECK_EQ(io.size, 2);
	CHECK(!io.in && io.string && io.rep && !io.imm);
	CHECK_EQ(io.port, 0x1f0);

	/* Bits 63:32 are not part of it; port 0xffff. */
	io = io_qual_decode(0xFFFFFFFF00000000ULL | 0xffff0008);
	CHECK_EQ(io.port, 0xffff);
	CHECK(io.in);
}

/* Table 28-3. */
TEST(cr_qual)
{
	/* mov cr3, rbx: CR 3, type 0, GPR 3 (bits 11:8): 0x303. */
	struct cr_qual q = cr_qual_decode(0x303);
	CHECK_EQ(q.cr, 3);
	CHECK_EQ(q.type, 0);
	CHECK_EQ(q.gpr, 3);

	/* mov rax, cr0: type 1 (bits 5:4 = 0x10), GPR 0. */
	q = cr_qual_decode(0x10);
	CHECK_EQ(q.cr, 0);
	CHECK_EQ(q.type, 1);
	CHECK_EQ(q.gpr, 0);

	/* mov cr8, r15: CR 8, GPR 15: 0xf08. */
	q = cr_qual_decode(0xf08);
	CHECK_EQ(q.cr, 8);
	CHECK_EQ(q.gpr, 15);

	/* clts: type 2 (0x20). lmsw with source 0x1234: type 3 (0x30), source << 16. */
	CHECK_EQ(cr_qual_decode(0x20).type, 2);
	q = cr_qual_decode(0x12340030);
	CHECK_EQ(q.type, 3);
	CHECK_EQ(q.lmsw_src, 0x1234);
	CHECK_EQ(q.cr, 0);
}

TEST(intr_info)
{
	/* #PF: valid | error code (bit 11) | hw exception (3 << 8) | 14. */
	intr_info_format(0x80000b0e, buf, sizeof(buf));
	CHECK_STR(buf, "valid hardware exception vector 14 with error code");
	intr_info_format(INTR_VALID | INTR_TYPE_EXT | 0x20, buf, sizeof(buf));
	CHECK_STR(buf, "valid external interrupt vector 32");
	intr_info_format(INTR_VALID | INTR_TYPE_NMI | 2 | (1u << 12), buf, sizeof(buf));
	CHECK_STR(buf, "valid NMI vector 2, NMI unblocking");
	intr_info_format(INTR_VALID | INTR_TYPE_SW_INT | 0x80, buf, sizeof(buf));
	CHECK_STR(buf, "valid software interrupt vector 128");
	intr_info_format(INTR_VALID | (5u << 8) | 1, buf, sizeof(buf));
	CHECK_STR(buf, "valid privileged software exception vector 1");
	intr_info_format(INTR_VALID | (6u << 8) | 3, buf, sizeof(buf));
	CHECK_STR(buf, "valid software exception vector 3");
	intr_info_format(INTR_VALID | (7u << 8), buf, sizeof(buf));
	CHECK_STR(buf, "valid other event vector 0");
	intr_info_format(INTR_VALID | (1u << 8) | 9, buf, sizeof(buf));
	CHECK_STR(buf, "valid reserved type 1 vector 9");
	intr_info_format(0, buf, sizeof(buf));
	CHECK_STR(buf, "not valid");
	intr_info_format(0x30e, buf, sizeof(buf));
	CHECK_STR(buf, "not valid (0x30e)");

	/* Short buffers truncate and stay terminated. */
	char small[12];
	intr_info_format(0x80000b0e, small, sizeof(small));
	CHECK_STR(small, "valid hardw");
	intr_info_format(0x80000b0e, buf, 40);
	CHECK_STR(buf, "valid hardware exception vector 14 with");
}

TEST(access_rights)
{
	ar_format(0xc09b, buf, sizeof(buf));
	CHECK_STR(buf, "type=0xb S=1 DPL=0 P=1 AVL=0 L=0 D/B=1 G=1");
	ar_format(0xa09b, buf, sizeof(buf));	/* 64-bit code: L=1, D/B=0 */
	CHECK_STR(buf, "type=0xb S=1 DPL=0 P=1 AVL=0 L=1 D/B=0 G=1");
	ar_format(0x8b, buf, sizeof(buf));	/* busy TSS */
	CHECK_STR(buf, "type=0xb S=0 DPL=0 P=1 AVL=0 L=0 D/B=0 G=0");
	ar_format(0x10f3, buf, sizeof(buf));	/* DPL 3, AVL */
	CHECK_STR(buf, "type=0x3 S=1 DPL=3 P=1 AVL=1 L=0 D/B=0 G=0");
	ar_format(0x10000, buf, sizeof(buf));
	CHECK_STR(buf, "unusable");
	ar_format(0x1c09b, buf, sizeof(buf));
	CHECK_STR(buf, "unusable");
}

/* The monitor's trace REASONS list. */
TEST(reasons_parse)
{
	u64 m[2];
	char bad[32];

	CHECK_EQ(exit_reasons_parse("cpuid,HLT,io", m, bad, sizeof(bad)), 0);
	CHECK_EQ(m[0], (1ULL << 10) | (1ULL << 12) | (1ULL << 30));
	CHECK_EQ(m[1], 0);
	CHECK_EQ(exit_reasons_parse("ept-violation,msr,0x30", m, bad, sizeof(bad)), 0);
	CHECK_EQ(m[0], (1ULL << 48) | (1ULL << 31) | (1ULL << 32));
	CHECK_EQ(exit_reasons_parse("ept", m, bad, sizeof(bad)), 0);
	CHECK_EQ(m[0], (1ULL << 48) | (1ULL << 49));
	CHECK_EQ(exit_reasons_parse("all", m, bad, sizeof(bad)), 0);
	CHECK(m[0] == ~0ULL && m[1] == (1ULL << (EXIT_REASON_MAX - 64)) - 1);
	CHECK_EQ(exit_reasons_parse("cpuid,bogus", m, bad, sizeof(bad)), -1);
	CHECK_STR(bad, "bogus");
	CHECK_EQ(exit_reasons_parse("cpuid,,hlt", m, bad, sizeof(bad)), -1);
	CHECK_STR(bad, "");
	CHECK_EQ(exit_reasons_parse("200", m, bad, sizeof(bad)), -1);
	CHECK_EQ(exit_reasons_parse("cpu", m, bad, sizeof(bad)), -1);	/* no prefixes */
	CHECK_EQ(exit_reasons_parse("ept violation", m, bad, sizeof(bad)), -1);
}

int main(void)
{
	RUN(reason_names);
	RUN(reason_table_complete);
	RUN(reason_unknown);
	RUN(error_names);
	RUN(error_unknown);
	RUN(ept_qual);
	RUN(io_qual);
	RUN(cr_qual);
	RUN(intr_info);
	RUN(access_rights);
	RUN(reasons_parse);
	return DONE();
}
