/* include/faultline.h: the guest ABI of faultline, the one header guests include.
 *
 * Discovery: CPUID leaf 0x40000000 returns the highest hypervisor leaf in EAX and the
 * signature "faultline\0\0\0" in EBX, ECX, EDX. Leaf 0x40000001 returns the feature bitmap
 * in EAX and the ABI version in EBX.
 *
 * Hypercalls: VMCALL with the number in RAX and arguments in RBX, RCX, RDX, RSI; the result
 * comes back in RAX (0 or positive: success; negative: one of the FL_E* codes below). An
 * unknown number returns FL_ENOSYS. Every argument is validated; a bad call changes nothing.
 *
 * Debug exit: a byte written to I/O port 0xf4 stops the VM with that status (0 = passed). */
#ifndef FAULTLINE_H
#define FAULTLINE_H

#define FL_CPUID_BASE		0x40000000u
#define FL_CPUID_FEATURES	0x40000001u
#define FL_SIGNATURE_EBX	0x6c756166u	/* "faul" */
#define FL_SIGNATURE_ECX	0x6e696c74u	/* "tlin" */
#define FL_SIGNATURE_EDX	0x00000065u	/* "e\0\0\0" */
#define FL_ABI_VERSION		1

/* Feature bits (CPUID 0x40000001 EAX). */
#define FL_FEAT_HYPERCALL	(1u << 0)	/* VMCALL interface */
#define FL_FEAT_DEBUG_EXIT	(1u << 1)	/* port 0xf4 stops the VM */
#define FL_FEAT_CONSOLE		(1u << 2)	/* virtual COM1 at 0x3f8 */
#define FL_FEAT_VE_HW		(1u << 3)	/* this VM gets #VE from the hardware */

#define FL_DEBUG_EXIT_PORT	0xf4

/* Hypercall numbers (RAX). */
#define FL_HC_VERSION		0	/* () -> FL_ABI_VERSION */
#define FL_HC_PUTS		1	/* (gpa, len) -> len: prints guest memory on the VM console */
#define FL_HC_EXIT		2	/* (status) -> does not return: stops the VM */
#define FL_HC_TSC_KHZ		3	/* () -> TSC frequency in kHz */
#define FL_HC_VCPU_START	4	/* (index, entry, arg) -> 0: start an application vCPU */
#define FL_HC_VCPU_INFO		5	/* () -> this vCPU's index | (vCPUs in the VM << 16) */
#define FL_HC_VE_REGISTER	16	/* (ve_gpa, pv_gpa, vector, flags) -> 0: this vCPU takes #VE */
#define FL_HC_VE_UNREGISTER	17	/* () -> 0: no more #VE for this vCPU */
#define FL_HC_VE_REPORT		18	/* (index, decision) -> 0: see docs/pv-protocol.md */

/* FL_HC_VCPU_START: vCPU `index` (1 .. vCPUs-1; each starts at most once) begins at guest-
 * physical `entry` (below 4 GiB, inside RAM) in the multiboot machine state: 32-bit
 * protected mode, paging off, flat 4 GiB segments (CS 0x08, data 0x10), interrupts off,
 * EAX = FL_AP_MAGIC, EBX = arg (low 32 bits), ESI = index. Until then it does not run. */
#define FL_AP_MAGIC		0x46414150u	/* "PAAF": started by FL_HC_VCPU_START */

/* Errors (negative RAX). */
#define FL_ENOSYS		(-1)	/* no such hypercall */
#define FL_EINVAL		(-2)	/* an argument is out of range or malformed */
#define FL_EFAULT		(-3)	/* a guest-physical range is outside the VM's RAM */
#define FL_EBUSY		(-4)	/* the object is in use */
#define FL_ENOENT		(-5)	/* no such object */
#define FL_EPERM		(-6)	/* not allowed from this context (e.g. CPL > 0) */

#define FL_PUTS_MAX		4096

/* The memory-fault record: one type for every place a guest memory fault is reported (the
 * console, the VM summary, and later the PV page). Modelled on KVM's memory_fault exit:
 * a code says what happened, flags qualify it, gpa/size say where. */
#define FL_ACC_READ		(1u << 0)
#define FL_ACC_WRITE		(1u << 1)
#define FL_ACC_EXEC		(1u << 2)

#define FL_FAULT_NONE		0
#define FL_FAULT_OUTSIDE_RAM	1	/* the address is not guest RAM */
#define FL_FAULT_POISONED	2	/* the backing store can never produce the page */
#define FL_FAULT_IO_ERROR	3	/* the backing store failed to produce it this time */
#define FL_FAULT_MISCONFIG	4	/* the hypervisor's EPT entry is malformed */

#define FL_FAULT_GLA_VALID	(1u << 0)	/* gla holds the guest-linear address */

struct fl_fault {
	unsigned long long gpa;		/* guest-physical address, aligned down to size */
	unsigned long long size;	/* bytes covered: 4096 */
	unsigned long long gla;		/* guest-linear address (if FL_FAULT_GLA_VALID) */
	unsigned int access;		/* FL_ACC_* of the faulting access */
	unsigned int code;		/* FL_FAULT_* */
	unsigned int flags;		/* FL_FAULT_GLA_VALID, ... */
	unsigned int reserved;
};

/* ---- #VE and the PV page (docs/pv-protocol.md is the specification) ---- */

#define FL_VE_VECTOR		20	/* #VE: fault class, no error code */
#define FL_VE_BUSY		0xFFFFFFFFu

/* The VE information area, as the CPU writes it (SDM Vol. 3C "Virtualization-Exception
 * Information"); the software #VE path writes exactly the same. One 4 KiB page per vCPU. */
struct fl_ve_info {
	unsigned int exit_reason;	/* 48: EPT violation */
	volatile unsigned int busy;	/* FL_VE_BUSY while a #VE is being handled; 0: free */
	unsigned long long qual;	/* exit qualification (access bits 0-2, bit 7: gla valid) */
	unsigned long long gla;		/* guest-linear address */
	unsigned long long gpa;		/* guest-physical address */
	unsigned short eptp_index;
};

#define FL_PV_ENTRIES		64	/* like KVM's ASYNC_PF_PER_VCPU */
#define FL_PV_SIZE		8192	/* two pages */

/* Entry states. The guest writes NONE, CAN_CONTINUE, SUSPEND_ME; the host RESOLVED, FAIL. */
#define FL_PV_NONE		0	/* free */
#define FL_PV_CAN_CONTINUE	1	/* guest: I park the task; tell me by the completion vector */
#define FL_PV_SUSPEND_ME	2	/* guest: keep this vCPU until the page is there */
#define FL_PV_RESOLVED		3	/* host: the page is present; retry the access */
#define FL_PV_FAIL		4	/* host: the page cannot be produced; fault holds the record */

/* FL_HC_VE_REGISTER flags. */
#define FL_VE_F_POLLED		(1u << 0)	/* polled mode: reports posted in the PV page,
						 * completions read from it (docs/pv-protocol.md) */
/* FL_HC_VE_REPORT's index for the doorbell of polled mode: take every posted report now. */
#define FL_PV_DOORBELL		0xFFFFu

/* Entry host_flags. */
#define FL_PV_F_SYNC		(1u << 0)	/* the host resolved it before REPORT returned */

struct fl_pv_entry {
	struct fl_fault fault;		/* guest: gpa, gla, access, flags from the VE info;
					 * host on FAIL: code (and size) */
	unsigned long long qual;	/* guest: the VE information's exit qualification */
	volatile unsigned int state;	/* FL_PV_* */
	volatile unsigned int host_flags; /* FL_PV_F_* */
	unsigned long long wait;	/* the guest's wait object; the host never reads it */
};

struct fl_pv_page {
	struct fl_pv_entry entry[FL_PV_ENTRIES];
	volatile unsigned int guest_current;	/* guest: the entry being reported */
	volatile unsigned int host_current;	/* host: the latest entry it completed */
	volatile unsigned long long active[FL_PV_ENTRIES / 64]; /* guest: entries in use */
	volatile unsigned long long completions; /* host: completions posted, ever */
	/* Polled mode (FL_VE_F_POLLED) only: */
	volatile unsigned long long posted[FL_PV_ENTRIES / 64]; /* guest: bit i set (a locked
						 * OR) reports entry i; the host takes the bits
						 * with an atomic exchange */
	volatile unsigned long long consumed;	/* guest: the completions value it has acted on */
	volatile unsigned int host_polling;	/* host: 1 while a worker polls posted; 0: ring
						 * the doorbell after posting */
};

/* Lazily backed memory's test content (the "pattern" backing store): every 64-bit word of
 * guest RAM holds fl_pattern(its guest-physical address), so a guest can verify each byte.
 * It is split in two so that a page's fill computes the seed's part once: word = mix(gpa ^
 * key(seed)). */
static inline unsigned long long fl_pattern_key(unsigned long long seed)
{
	return 0x6661756c746c696eULL ^ (seed << 48);	/* "faultlin" */
}

static inline unsigned long long fl_pattern_mix(unsigned long long x)
{
	x ^= x >> 31;
	x *= 0x9E3779B97F4A7C15ULL;
	x ^= x >> 29;
	return x;
}

static inline unsigned long long fl_pattern_seed(unsigned long long seed,
						     unsigned long long gpa)
{
	return fl_pattern_mix(gpa ^ fl_pattern_key(seed));
}

/* With the VM key backing.seed=S (default 0), a VM's pattern is fl_pattern_seed(S, gpa):
 * two VMs with different seeds can tell their pages apart. */
static inline unsigned long long fl_pattern(unsigned long long gpa)
{
	return fl_pattern_seed(0, gpa);
}

#endif
