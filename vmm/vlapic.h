/* vmm/vlapic.h: a vCPU's local APIC, wired (vmm/vlapic.c): the model (dev/lapic.c) behind
 * the x2APIC MSRs, IA32_APIC_BASE and IA32_TSC_DEADLINE, its timer on the host TSC, the IPIs
 * between the vCPUs of one VM, and INIT / start-up IPIs. */
#ifndef VMM_VLAPIC_H
#define VMM_VLAPIC_H
#include "lib/types.h"
#include "dev/lapic.h"
#include "host/spinlock.h"

#define APIC_BASE_DEFAULT	0xFEE00000ULL
#define APIC_BASE_BSP		(1ULL << 8)
#define APIC_BASE_EXTD		(1ULL << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1ULL << 11)

struct vlapic {
	struct spinlock lock;		/* regs: its own vCPU, and IPI senders (lapic_accept) */
	struct lapic regs;
	u64 base;			/* IA32_APIC_BASE: locked in x2APIC mode */
	volatile u64 due_tsc;		/* the timer's next expiry (host TSC); 0: none */
	volatile bool nmi;		/* an NMI IPI waits for injection */
	volatile bool init;		/* an INIT IPI waits: reset, then wait for a SIPI */
	volatile bool sipi;		/* a start-up IPI arrived, with sipi_vector */
	volatile u8 sipi_vector;
	bool wait_sipi;			/* in wait-for-SIPI (an AP at power-on, or after INIT) */
	bool locked;			/* apic=x2apic: x2APIC mode, locked (no xAPIC page) */
	u32 xldr, xdfr, xicr_hi;	/* xAPIC mode's own registers: LDR, DFR, ICR[63:32] */
};

struct vcpu;
struct vm;

/* At the VM's creation, before any vCPU runs: ID = the vCPU's index, vCPU 0 as a BIOS
 * leaves the boot CPU (LINT0 ExtINT, LINT1 NMI), the others waiting for a SIPI. */
void vlapic_init(struct vcpu *v);
/* An interrupt message from a device of vm (the I/O APIC, an MSI): fixed or NMI to the
 * vCPUs its destination names (m->shorthand must be SH_NONE); level sets the TMR bit. */
void vlapic_irq(struct vm *vm, const struct lapic_ipi *m, bool level);
/* MSR rows (vmm/msr.c): false is #GP. */
bool vlapic_rdmsr(struct vcpu *v, u32 msr, u64 *val);
bool vlapic_wrmsr(struct vcpu *v, u32 msr, u64 val);
bool vlapic_rd_base(struct vcpu *v, u64 *val);
bool vlapic_wr_base(struct vcpu *v, u64 val);
bool vlapic_rd_deadline(struct vcpu *v, u64 *val);
/* apic=x2apic: IA32_ARCH_CAPABILITIES bit 21 and IA32_XAPIC_DISABLE_STATUS bit 0 say so. */
bool vlapic_locked(const struct vcpu *v);
/* xAPIC mode: is gpa in this vCPU's APIC page, and a 32-bit access to its register at gpa
 * (vmm/mmio.c decodes the instruction). A read fills *val. */
bool vlapic_mmio_page(const struct vcpu *v, u64 gpa);
void vlapic_mmio(struct vcpu *v, u64 gpa, bool write, u32 *val);
bool vlapic_wr_deadline(struct vcpu *v, u64 val);
/* CR8 is TPR[7:4] (SDM Vol. 3A 11.8.6.1). */
u64 vlapic_cr8(struct vcpu *v);
void vlapic_set_cr8(struct vcpu *v, u64 val);

/* Injection (vmm/inject.c): something may wait (a look without the lock); the timer's
 * expiry given to the model; inject an NMI or the highest vector (true: a window is
 * wanted); whether an event would end HLT; whether the 8259 reaches this vCPU (LINT0). */
bool vlapic_maybe(const struct vcpu *v);
void vlapic_sync(struct vcpu *v);
bool vlapic_inject(struct vcpu *v);
bool vlapic_pending(struct vcpu *v);
bool vlapic_extint(const struct vcpu *v);
/* The preemption timer bounded by the LAPIC timer's expiry (vmm/vcpu.c), and whether one is
 * armed (a halted vCPU then polls instead of HLT). */
u64 vlapic_bound(const struct vcpu *v, u64 timer, unsigned shift);
bool vlapic_armed(const struct vcpu *v);
/* INIT and SIPI (vmm/vcpu.c's loop): true while the vCPU must stay out of the guest,
 * waiting for a SIPI; on a SIPI it is put in real mode at vector << 12. */
bool vlapic_wait_sipi(struct vcpu *v);
/* An NMI or an INIT is waiting for v: what wakes a CPU halted with interrupts off. */
bool vlapic_nmi_or_init(const struct vcpu *v);

#endif
