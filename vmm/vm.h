/* vmm/vm.h: a VM: its RAM (host frames, one contiguous block), its EPT, its vCPUs, its
 * virtual console, its status and counters. VMs are made from GRUB modules at boot. */
#ifndef VMM_VM_H
#define VMM_VM_H
#include "lib/types.h"
#include "host/spinlock.h"
#include "ept/ept.h"
#include "include/faultline.h"
#include "vmm/decode.h"
#include "dev/pic.h"
#include "dev/uart.h"
#include "vmm/vcpu.h"

#define VM_MAX		16
#define VCPU_MAX	8
#define VM_NAME_MAX	16
#define VM_CMDLINE_MAX	256
#define VUART_LINE	160

enum vm_state { VM_EMPTY, VM_READY, VM_RUNNING, VM_PAUSED, VM_STOPPED };

/* COM1: the 16550 registers (dev/uart.c) and the output line not yet printed (vmm/io.c). */
struct vuart {
	struct uart regs;
	char line[VUART_LINE];
	unsigned len;
};

struct vm {
	int id;
	char name[VM_NAME_MAX];
	volatile enum vm_state state;
	struct spinlock lock;
	int status;			/* debug-exit status; meaningful when stopped */
	bool failed;			/* stopped for a reason other than status 0 */
	char why[256];			/* how it stopped, one line */
	bool has_fault;
	struct fl_fault fault;		/* the record that stopped it, if any */
	u64 fault_rip;

	u64 mem;			/* bytes of guest RAM at guest-physical 0 */
	u64 ram_hpa;			/* not lazy: host-physical base of the RAM (apf/ram.c) */
	struct ept ept;
	volatile u64 ept_gen;		/* bumped by vm_ept_flush; each vCPU's ept_seen follows */
	u64 msr_bitmap_pa;
	char cmdline[VM_CMDLINE_MAX];	/* the guest's, after `--` */
	u64 entry;			/* guest entry point */
	u32 selftest;			/* deliberate guest-state corruption (vm_selftest_names) */

	u32 nvcpus;
	struct vcpu vcpus[VCPU_MAX];

	struct vuart uart;		/* COM1, on IRQ4; under lock */
	struct pic pic;			/* the 8259 pair, wired to vCPU 0; under lock */
	u64 ports_reported[65536 / 64];	/* unhandled I/O ports already reported once */
	u64 exits[EXIT_REASON_MAX + 1];	/* by basic reason; the last slot: others */
	u64 start_tsc, stop_tsc;
	u64 pause_tsc, pauses;
	struct apf_vm apf;		/* lazily backed RAM, #VE mode, backing store */
};

extern struct vm vms[VM_MAX];
extern u32 nvms;
extern u32 vms_refused;	/* a run with a refused VM never reports success */

/* Builds every VM described by the GRUB modules; a bad one is refused with a message and
 * the others go on. Returns how many VMs are ready. */
struct bootinfo;
u32 vm_create_all(const struct bootinfo *bi);
/* Starts every vCPU on its CPU, runs cpu0's share (its vCPU, or else cpu0_work when not
 * NULL: the monitor, which returns when the user quits), waits for every VM to stop. */
void vm_run_all(void (*cpu0_work)(void));
/* Prints the summary; returns the hypervisor's exit status (0 only if every VM asked for
 * was started and passed). */
int vm_summary(void);

/* Stops vm (first caller wins): status is the guest's; failed marks an abnormal stop;
 * why is printed. Other vCPUs of the VM are kicked out of the guest. */
void vm_stop(struct vm *vm, int status, bool failed, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void vm_stop_fault(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what);
/* The same, where the faulting access's rip is not the host's to know: where says what is
 * known ("reported with REPORT from rip=0x..."); rip is kept as the record's. */
void vm_stop_fault_at(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what,
		      const char *where);
/* Pause: every vCPU stays out of the guest until vm_resume (the monitor, or resume_ms=). */
void vm_pause(struct vm *vm, const char *why);
/* Pause with a record, the line worded as vm_stop_fault_at's. */
void vm_pause_fault_at(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what,
		       const char *where);
void vm_resume(struct vm *vm);
bool vm_wait_paused(struct vcpu *v);	/* false: leave the vCPU loop */

/* After a change that removes or narrows a translation of vm's EPT: returns once no vCPU
 * of vm can still use a translation cached before the call (each has done INVEPT or is
 * outside the guest and will before its next entry). Kicks the vCPUs in the guest. False
 * (with a line) when one has not answered in 2 s: the caller must not reuse the frame. */
bool vm_ept_flush(struct vm *vm);

/* Guest RAM access from the hypervisor: pointer to [gpa, gpa+len) or NULL if not all RAM. */
void *vm_gpa(struct vm *vm, u64 gpa, u64 len);

void vm_selftest_corrupt(struct vcpu *v);

/* vmm/io.c */
void vuart_putc(struct vm *vm, char c);
void vuart_flush(struct vm *vm);
/* A byte typed for this VM (the monitor's console switch) arrives at its COM1 receiver. */
void vuart_input(struct vm *vm, u8 c);

/* vmm/inject.c: the one place that decides what enters the guest with the next entry
 * (a completion, a device interrupt) and when an interrupt-window exit is needed. */
void inject_before_entry(struct vcpu *v);
bool inject_pending(struct vcpu *v);	/* an event waits for this vCPU: HLT must end */

/* vmm/fault.c */
void fault_format(const struct fl_fault *f, char *buf, size_t len);
const char *fault_code_name(u32 code);	/* FL_FAULT_* as fault_format writes it */

#endif
