/* host/percpu.h: what each physical CPU owns: its stacks, its GDT and TSS, its identity.
 * GS base points at the CPU's struct cpu, so this_cpu() is one load from %gs:0. */
#ifndef HOST_PERCPU_H
#define HOST_PERCPU_H
#include "lib/types.h"

#define MAX_CPUS	64
#define STACK_SIZE	(16 * 1024)
#define IST_SIZE	(8 * 1024)

/* IST slots (TSS.IST1..3): exceptions that must not run on a possibly broken stack. */
#define IST_DF	1
#define IST_NMI	2
#define IST_MC	3

/* GDT selectors, the same on every CPU. */
#define SEL_CODE	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct cpu {
	struct cpu *self;	/* %gs:0 */
	u32 index;		/* logical number; 0 is the bootstrap CPU */
	u32 apic_id;
	u64 stack_lo, stack_hi;	/* the normal kernel stack */
	u64 ist_lo[3], ist_hi[3];
	volatile u32 online;
	u64 online_tsc;		/* TSC when it reported online */
	u64 gdt[5] __attribute__((aligned(16)));
	struct tss tss __attribute__((aligned(16)));
	volatile u32 in_trap;	/* nesting depth of fatal exception handling */
	void (*volatile work)(void *);	/* smp_call mailbox */
	void *volatile work_arg;
	volatile u32 busy;
	void *vmxon;		/* this CPU's VMXON region (host-physical = virtual) */
	void *vcpu;		/* the vCPU pinned here, if any */
	volatile u32 nmi_kicks;	/* NMIs sent by smp_kick_nmi, not yet taken */
};

extern struct cpu cpus[MAX_CPUS];
extern u32 ncpus;		/* CPUs found and allowed by cpus= */
extern volatile u32 ncpus_online;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* Safe from the first instruction of kmain: until GS is set up it reads as CPU 0. */
u32 cpu_index(void);
void percpu_init(struct cpu *c, u32 index);
void gdt_load(struct cpu *c);

#endif
