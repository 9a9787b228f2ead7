/* tests/unit/msr_fixtures.h: VMX capability MSRs as faultline read them in Bochs 2.7
 * (loglevel=debug prints them at boot), for the tests of the code that derives controls
 * and checks guest state from them. corei7_skylake_x offers EPT-violation #VE and EPT A/D;
 * corei7_sandy_bridge_2600k has EPT without either. */
#ifndef TESTS_UNIT_MSR_FIXTURES_H
#define TESTS_UNIT_MSR_FIXTURES_H
#include "vmm/controls.h"

static const struct vmx_msrs skylake = {
	.basic = 0x00d810000000002bULL,		/* bit 55 set: TRUE_* MSRs exist */
	.pinbased = 0x0000007f00000016ULL,
	.procbased = 0xf7f9fffe0401e172ULL,
	.exit = 0x007fffff00036dffULL,
	.entry = 0x0000ffff000011ffULL,
	.misc = 0x00000000600401e0ULL,
	.cr0_fixed0 = 0x0000000080000021ULL,
	.cr0_fixed1 = 0x00000000ffffffffULL,
	.cr4_fixed0 = 0x0000000000002000ULL,
	.cr4_fixed1 = 0x00000000003727ffULL,
	.procbased2 = 0x02177fff00000000ULL,
	.ept_vpid = 0x00000f0106334141ULL,
	.true_pinbased = 0x0000007f00000016ULL,
	.true_procbased = 0xf7f9fffe04006172ULL,
	.true_exit = 0x007fffff00036dfbULL,
	.true_entry = 0x0000ffff000011fbULL,
};

static const struct vmx_msrs sandy = {
	.basic = 0x00d810000000002bULL,
	.pinbased = 0x0000007f00000016ULL,
	.procbased = 0xf7f9fffe0401e172ULL,
	.exit = 0x007fffff00036dffULL,
	.entry = 0x0000ffff000011ffULL,
	.misc = 0x00000000000401e0ULL,
	.cr0_fixed0 = 0x0000000080000021ULL,
	.cr0_fixed1 = 0x00000000ffffffffULL,
	.cr4_fixed0 = 0x0000000000002000ULL,
	.cr4_fixed1 = 0x00000000000627ffULL,
	.procbased2 = 0x000000ff00000000ULL,	/* EPT, unrestricted guest; no #VE */
	.ept_vpid = 0x00000f0106114141ULL,	/* bit 21 (A/D) clear */
	.true_pinbased = 0x0000007f00000016ULL,
	.true_procbased = 0xf7f9fffe04006172ULL,
	.true_exit = 0x007fffff00036dfbULL,
	.true_entry = 0x0000ffff000011fbULL,
};

#endif
