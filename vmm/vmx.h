/* vmm/vmx.h: what the CPU offers for VMX (SDM Vol. 3C chapter 24 "Introduction to VMX
 * Operation", appendix A "VMX Capability Reporting Facility"). The probe reads the
 * capability MSRs once; everything later derives its choices from struct vmx_caps. */
#ifndef VMM_VMX_H
#define VMM_VMX_H
#include "lib/types.h"

#define MSR_VMX_BASIC		0x480
#define MSR_VMX_PINBASED	0x481
#define MSR_VMX_PROCBASED	0x482
#define MSR_VMX_EXIT		0x483
#define MSR_VMX_ENTRY		0x484
#define MSR_VMX_MISC		0x485
#define MSR_VMX_CR0_FIXED0	0x486
#define MSR_VMX_CR0_FIXED1	0x487
#define MSR_VMX_CR4_FIXED0	0x488
#define MSR_VMX_CR4_FIXED1	0x489
#define MSR_VMX_PROCBASED2	0x48B
#define MSR_VMX_EPT_VPID_CAP	0x48C
#define MSR_VMX_TRUE_PINBASED	0x48D
#define MSR_VMX_TRUE_PROCBASED	0x48E
#define MSR_VMX_TRUE_EXIT	0x48F
#define MSR_VMX_TRUE_ENTRY	0x490
#define MSR_VMX_VMFUNC		0x491

/* Secondary processor-based controls (SDM Vol. 3C 25.6.2, table 25-7). */
#define PROC2_EPT		(1u << 1)
#define PROC2_UNRESTRICTED	(1u << 7)
#define PROC2_EPT_VE		(1u << 18)

struct vmx_caps {
	bool vmx;		/* CPUID.1:ECX.VMX */
	u64 basic, procbased, procbased2, ept_vpid;
	bool true_ctls;		/* IA32_VMX_BASIC bit 55 */
	bool ept, unrestricted, ept_ve, ept_2m, ept_ad, ept_wb, ept_4level;
};

extern struct vmx_caps vmx_caps;

/* Fills vmx_caps. Returns 0 when VMX, EPT and unrestricted guest are all usable; else -1
 * with the reason (one line) in why. Optional features that are absent are logged once. */
int vmx_probe(char *why, size_t len);

struct vmx_msrs;
extern struct vmx_msrs vmx_msrs;	/* read once on the bootstrap CPU */
void vmx_read_msrs(struct vmx_msrs *m);
int vmx_on(char *why, size_t len);	/* on the calling CPU */
int invept(u64 eptp);	/* 0, or -1 if the CPU refused it */

#endif
