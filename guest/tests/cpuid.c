/* guest/tests/cpuid.c: checks what faultline's CPUID shows a guest: the hypervisor leaves
 * 0x40000000 (signature) and 0x40000001 (features, ABI version), and in leaf 1 the
 * hypervisor-present bit set and VMX hidden (no nested virtualization). */
#include "guest/lib/rt.h"
#include "include/faultline.h"

#define CPUID1_ECX_VMX		(1u << 5)
#define CPUID1_ECX_HV		(1u << 31)
#define FL_FEAT_REQUIRED	(FL_FEAT_HYPERCALL | FL_FEAT_DEBUG_EXIT | FL_FEAT_CONSOLE)

static void base_leaf(void)
{
	u32 a, b, c, d;
	char sig[13];

	rt_cpuid(FL_CPUID_BASE, 0, &a, &b, &c, &d);
	for (int i = 0; i < 4; i++) {
		sig[i] = b >> (8 * i);
		sig[4 + i] = c >> (8 * i);
		sig[8 + i] = d >> (8 * i);
	}
	sig[12] = 0;
	for (int i = 0; i < 12; i++)
		if (sig[i] && (sig[i] < ' ' || sig[i] > '~'))
			sig[i] = '?';
	rt_printf("guest: cpuid 0x%x: eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x '%s'\n",
		  FL_CPUID_BASE, a, b, c, d, sig);
	rt_check(a >= FL_CPUID_FEATURES, "cpuid 0x40000000: eax >= 0x40000001");
	rt_check(b == FL_SIGNATURE_EBX && c == FL_SIGNATURE_ECX && d == FL_SIGNATURE_EDX,
		 "cpuid 0x40000000: signature \"faultline\"");
}

static void features_leaf(void)
{
	u32 a, b, c, d;

	rt_cpuid(FL_CPUID_FEATURES, 0, &a, &b, &c, &d);
	rt_printf("guest: cpuid 0x%x: eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x\n",
		  FL_CPUID_FEATURES, a, b, c, d);
	rt_check((a & FL_FEAT_REQUIRED) == FL_FEAT_REQUIRED,
		 "cpuid 0x40000001: eax has HYPERCALL, DEBUG_EXIT, CONSOLE");
	rt_check_eq(b, FL_ABI_VERSION, "cpuid 0x40000001: ebx == FL_ABI_VERSION");
}

static void leaf1(void)
{
	u32 a, b, c, d;

	rt_cpuid(1, 0, &a, &b, &c, &d);
	rt_printf("guest: cpuid 0x1: eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x\n", a, b, c, d);
	rt_check(!(c & CPUID1_ECX_VMX), "cpuid 1: ecx.vmx (bit 5) is hidden");
	rt_check(c & CPUID1_ECX_HV, "cpuid 1: ecx.hypervisor (bit 31) is set");
}

int main(const char *cmdline)
{
	(void)cmdline;
	base_leaf();
	features_leaf();
	leaf1();
	return rt_report();
}
