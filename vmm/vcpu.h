/* vmm/vcpu.h: a virtual CPU: its guest registers (those the VMCS does not hold), its VMCS,
 * the physical CPU it is pinned to, and the ring of its last exits. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H
#include "lib/types.h"
#include "vmm/controls.h"
#include "vmm/hooks.h"
#include "vmm/vlapic.h"
#include "vmm/debug/debug.h"

/* Saved and restored by vmm/vmentry.S; the order is the asm's. RSP and RIP live in the VMCS. */
struct guest_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

#define EXIT_RING	32
/* Longest guest time between two entries of the host loop (the VMX-preemption timer):
 * bounds how late a vCPU sees a stop, a pause or a request when the guest masks kicks. */
#define VCPU_TICK_MS	100

struct exit_rec {
	u32 reason;
	u64 qual, rip, tsc;
};

struct vm;

struct vcpu {
	struct guest_regs regs;		/* first: vmentry.S takes the vcpu as regs */
	struct vm *vm;
	u32 index;			/* within the VM */
	u32 cpu;			/* the physical CPU it runs on, always */
	u64 vmcs_pa;
	bool launched;
	struct vmx_ctls ctls;
	u64 cr0_shadow, cr4_shadow;
	u64 pat;			/* emulated IA32_PAT */
	struct exit_rec ring[EXIT_RING];
	u64 nexits;
	u64 entry_tsc, guest_tsc;	/* time spent in the guest */
	bool watchdog_reported;
	u64 quiet_tsc;			/* guest time over consecutive ticks (the watchdog) */
	struct vlapic apic;		/* its local APIC, x2APIC (vmm/vlapic.c); CR8 is its TPR */
	volatile bool running;		/* in vcpu_run's loop */
	struct apf_vcpu apf;		/* #VE registration, PV state */
	volatile bool started;		/* vCPU 0 always; the others by FL_HC_VCPU_START or SIPI */
	u64 start_entry, start_arg;
	bool halted;			/* executed HLT; waits out of the guest for an event */
	volatile bool asleep;		/* HLT with IF=0: only an NMI, INIT or SIPI wakes it */
	volatile bool in_guest;		/* between its EPT check and the exit (vm_ept_flush) */
	volatile u64 ept_seen;		/* the VM's ept_gen this CPU last flushed for */
	struct vcpu_debug dbg;		/* the monitor's requests (vmm/debug/debug.c) */
};

/* The physical CPU runs v until its VM stops. Called on v->cpu. */
void vcpu_run(struct vcpu *v);
/* Past the instruction that exited (the exit's length), ending an STI / MOV-SS shadow; and
 * the same for an instruction of len bytes whose exit gives no length (an EPT violation). */
void vcpu_skip_instruction(struct vcpu *v);
void vcpu_skip(struct vcpu *v, u64 len);
void vcpu_sleep(struct vcpu *v);		/* HLT with IF=0 (vmm/vcpu.c) */
void vcpu_print_ring(struct vcpu *v);
/* A guest register by the SDM's number, 0 = RAX ... 15 = R15 (4, RSP, is the VMCS's). */
u64 vcpu_gpr_get(struct vcpu *v, unsigned n);
void vcpu_gpr_set(struct vcpu *v, unsigned n, u64 val);
void vcpu_update_long_mode(struct vcpu *v);	/* after a CR0 write: EFER.LMA, the entry control */
/* CR0 or CR4 as the guest sets it: its view in the read shadow, the real register with the
 * bits VMX fixes (CR0.NE, CR4.VMXE; PE and PG free under unrestricted guest). */
void vcpu_set_cr0(struct vcpu *v, u64 val);
/* The current vCPU's code: 64 in 64-bit mode (CS.L in IA-32e mode), else 32 or 16 by CS.D
 * (SDM Vol. 3A 3.4.5). */
unsigned vcpu_code_bits(void);
void vcpu_set_cr4(struct vcpu *v, u64 val);
/* vmm/gpt.c: the guest's linear address la through its own page tables (CR0.PG off: la
 * itself) to a guest-physical address; false when a table entry is absent or not RAM. */
bool guest_translate(struct vcpu *v, u64 la, u64 *gpa);
/* [gpa, gpa + len) of the guest's RAM read into buf (or written from it), a lazy VM's page
 * that is not there yet made present first, as the CPU's own access would have had it (an
 * EPT violation the guest never sees). False: outside RAM, or a page that cannot be
 * produced. */
bool guest_ram_copy(struct vcpu *v, u64 gpa, void *buf, u64 len, bool write);
/* PAE paging's four PDPTEs at cr3 (SDM Vol. 3A 4.4.1): 0, 1 when a present one has a
 * reserved bit set (the CPU's #GP), -1 when the table is not in RAM. */
int gpt_pdptes(struct vcpu *v, u64 cr3, u64 pdpte[4]);
/* vmm/inject.c, the one writer of the entry's interruption field: an exception for the
 * guest; an event from an exit's copy of it (info as the exit encodes it, error_field the
 * VMCS field with its error code); the event an exit interrupted, given back; whether an
 * external interrupt could go in with this entry. */
void inject_exception(struct vcpu *v, u8 vector, bool error, u32 code);
void inject_event(struct vcpu *v, u32 info, u64 error_field);
void inject_vectoring(struct vcpu *v);
bool inject_can_interrupt(struct vcpu *v);

#endif
