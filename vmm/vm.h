/* vmm/vm.h: a VM: its RAM (host frames, one contiguous block), its EPT, its vCPUs, its
 * virtual console, its status and counters. VMs are made from GRUB modules at boot. */
#ifndef VMM_VM_H
#define VMM_VM_H
#include "lib/types.h"
#include "host/spinlock.h"
#include "ept/ept.h"
#include "include/faultline.h"
#include "vmm/decode.h"
#include "dev/acpipm.h"
#include "dev/fwcfg.h"
#include "dev/ioapic.h"
#include "dev/kbc.h"
#include "dev/pcicfg.h"
#include "dev/pic.h"
#include "dev/pit.h"
#include "dev/rtc.h"
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

/* Accesses to what faultline does not emulate (vmm/unemul.c): ports that read all ones,
 * MSRs that #GP. The first UNEMUL_MAX distinct ones are kept with their counts. */
#define UNEMUL_MAX	16
struct unemul {
	u64 total;
	u32 n;
	struct { u32 id; u32 count; } e[UNEMUL_MAX];
};

/* The PC devices besides COM1 and the 8259s (vmm/pcdev.c); under the VM's lock. Their
 * clocks run from clock_tsc, the host TSC at the VM's creation. */
struct vpc {
	struct pit pit;			/* 0x40-0x43, 0x61; channel 0 on IRQ0 */
	struct rtc rtc;			/* 0x70-0x71 */
	struct kbc kbc;			/* 0x60, 0x64, 0x92 */
	struct pcicfg pci;		/* 0xCF8-0xCFF (0xCF9: reset control) */
	struct acpipm pm;		/* 0x600-0x60B */
	struct fwcfg fw;		/* 0x510-0x511: QEMU's fw_cfg; items from vmm/firmware.c */
	struct ioapic ioapic;		/* 0xFEC00000 (vmm/vioapic.c) */
	u64 ioapic_dropped;		/* messages of modes it does not send */
	u64 clock_tsc;
	u64 irq0_due;			/* channel 0's next rising edge (PIT ticks), PIT_NEVER */
	volatile u64 irq0_tsc;		/* the same in host TSC; 0: none (read without the lock) */
	u64 irq0_edges;			/* edges given to the PIC */
	bool sleep_reported;
};

/* The status of a VM whose guest reset its machine (i8042, port 0x92, 0xcf9): faultline
 * reboots no VM, and a reset is not a clean end (a kernel that panics resets), so the VM
 * does not pass. Above any byte a debug exit can write. */
#define VM_STATUS_RESET	0x100

struct vm {
	int id;
	char name[VM_NAME_MAX];
	volatile enum vm_state state;
	struct spinlock lock;
	int status;			/* debug-exit status (or VM_STATUS_RESET); meaningful when
					 * stopped */
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
	bool x2apic_locked;		/* apic=x2apic: the LAPICs start in x2APIC mode, locked */
	unsigned entry_want;		/* entry=: BZ_ENTRY_AUTO, _64 or _32 (a bzImage's entry) */
	u64 boot64_cr3, boot64_gdt;	/* set by vmm/linux.c for the 64-bit entry: vCPU 0 starts
					 * in 64-bit mode on these tables and GDT; 0: it starts
					 * in the multiboot state */

	u32 nvcpus;
	struct vcpu vcpus[VCPU_MAX];

	struct vuart uart;		/* COM1, on IRQ4; under lock */
	struct pic pic;			/* the 8259 pair, wired to vCPU 0; under lock */
	struct vpc pc;			/* PIT, RTC, 8042, PCI config, ACPI PM; under lock */
	u64 ports_reported[65536 / 64];	/* unhandled I/O ports already reported once */
	struct unemul un_ports, un_msrs;	/* under lock */
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

/* vmm/pcdev.c: the PC devices' ports (rows of vmm/io.c's table), their clocks, and the
 * PIT's IRQ0: due when its edge has passed (checked before vCPU 0's entries and by a
 * halted vCPU 0), given to the PIC by vpit_sync. */
void vpc_init(struct vm *vm);
u32 vpc_pit_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
u32 vpc_rtc_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
u32 vpc_kbc_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
u32 vpc_pci_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
u32 vpc_pm_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
u32 vpc_fwcfg_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
u32 vpc_post_io(struct vcpu *v, u16 port, bool in, u32 val, unsigned size);
bool vpit_due(const struct vcpu *v);	/* vCPU 0, and IRQ0's edge has passed */
void vpit_sync(struct vm *vm);		/* takes vm->lock */
/* The VMX-preemption timer value (in its units, 2^shift TSC ticks) bounded so that vCPU 0
 * exits by IRQ0's next edge. */
u64 vpit_bound(const struct vcpu *v, u64 timer, unsigned shift);
bool vpit_armed(const struct vcpu *v);	/* vCPU 0 with an IRQ0 edge to come */

/* vmm/vioapic.c: the I/O APIC at VIOAPIC_BASE and the ISA lines. virq_line: an ISA device's
 * interrupt line (IRQ 0-15) is at level, for the 8259s and the I/O APIC alike; caller holds
 * vm->lock. The page's accesses come decoded from vmm/mmio.c; an EOI of a level vector
 * (vmm/vlapic.c) ends its remote IRR. */
#define VIOAPIC_BASE	0xFEC00000ULL
void vioapic_init(struct vm *vm);
void virq_line(struct vm *vm, unsigned irq, bool level);
bool vioapic_page(const struct vcpu *v, u64 gpa);
void vioapic_mmio(struct vcpu *v, u64 gpa, bool write, u32 *val);
void vioapic_eoi(struct vm *vm, u8 vector);

/* vmm/unemul.c: counts of accesses to unemulated ports and MSRs, for the summary and the
 * monitor's `unemulated`. */
void unemul_note(struct vm *vm, struct unemul *u, u32 id);
void unemul_format(struct vm *vm, char *buf, size_t len);

/* vmm/inject.c: the one place that decides what enters the guest with the next entry
 * (a completion, a device interrupt) and when an interrupt-window exit is needed. */
void inject_before_entry(struct vcpu *v);
bool inject_pending(struct vcpu *v);	/* an event waits for this vCPU: HLT must end */

/* vmm/fault.c */
void fault_format(const struct fl_fault *f, char *buf, size_t len);
const char *fault_code_name(u32 code);	/* FL_FAULT_* as fault_format writes it */

#endif
