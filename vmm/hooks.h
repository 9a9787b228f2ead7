/* vmm/hooks.h: every call the VMX core makes into the layer above it, asynchronous page
 * faults (apf/), and the state of that layer it embeds in struct vm and struct vcpu
 * (apf/state.h, types only). This is the one upward edge of the layering
 * (docs/architecture.md, checked by tools/layers.sh): a reader of vmm/ sees here, and
 * only here, where the core hands a VM's memory faults to apf/. Implemented in apf/. */
#ifndef VMM_HOOKS_H
#define VMM_HOOKS_H
#include "lib/types.h"
#include "apf/state.h"

struct vm;
struct vcpu;

/* Building a VM (vmm/vm.c, vmm/load.c). apf_vm_alloc: the VM's RAM (apf/ram.c: one block,
 * or the frame table of lazily backed RAM), page states, failure codes and job slots;
 * apf_vm_release frees them. apf_vm_setup: the EPT of the VM's RAM (lazy: every page
 * absent but those the loader wrote). */
int apf_vm_alloc(struct vm *vm, char *err, size_t len);
void apf_vm_release(struct vm *vm);
int apf_vm_setup(struct vm *vm, char *err, size_t len);

/* Guest RAM from the host (apf/ram.c): the one gpa -> host lookup. The loader: n bytes of src at gpa, then zeros up to len; the pages are present. */
int ram_load(struct vm *vm, u64 gpa, const void *src, u64 n, u64 len, char *err, size_t elen);

/* A pointer to [gpa, gpa + len) when that is inside one page of RAM and the page has a
 * frame; NULL otherwise. Without a lock: for pinned pages, or a VM that is not running. */
void *ram_ptr(struct vm *vm, u64 gpa, u64 len);
/* Copies between guest RAM and buf, page by page, each under the VM's lock: 0; -1 the
 * range is not all RAM; 1 a page is not there (*missing: its gpa; nothing is fetched
 * here: the caller makes it present, or, like the monitor, says so). A write marks the
 * pages dirty for eviction. */
int ram_copy(struct vm *vm, u64 gpa, void *buf, u64 len, bool write, u64 *missing);

/* A hypercall's buffer read for the guest: its pages made present as needed (a page
 * evicted meanwhile is made present again, a bounded number of times): 0, or -1 (not RAM,
 * or a page cannot be produced). */
int apf_guest_read(struct vcpu *v, u64 gpa, void *buf, u64 len);

/* Exits (vmm/exit.c, vmm/hypercall.c). An EPT violation inside the VM's RAM: #VE,
 * synchronous fault, or already present. The PV hypercalls. apf_make_present: [gpa,
 * gpa+len), inside RAM, made present for a host access on the guest's behalf (a
 * hypercall's buffer): 0, or -1 when a page cannot be produced. */
void apf_ept_violation(struct vcpu *v, u64 gpa, u64 qual);
s64 apf_hc_register(struct vcpu *v, u64 ve_gpa, u64 pv_gpa, u64 vector, u64 flags);
s64 apf_hc_unregister(struct vcpu *v);
s64 apf_hc_report(struct vcpu *v, u64 index, u64 decision);
int apf_make_present(struct vcpu *v, u64 gpa, u64 len);

/* Entries (vmm/inject.c). apf_before_entry: hardware #VE follows the monitor's apf switch.
 * apf_event_pending: a completion waits (HLT must end). apf_take_completion: the vector of
 * the completion interrupt to inject now (the caller checked the guest can take one), or
 * false when there is none after all. */
void apf_before_entry(struct vcpu *v);
bool apf_event_pending(struct vcpu *v);
bool apf_take_completion(struct vcpu *v, u8 *vector);
bool apf_poll_deadline(struct vcpu *v);	/* polled mode: a completion is overdue */

/* The end of the run (vmm/run.c): the VM's apf summary lines; the pool's. */
void apf_summary(struct vm *vm);
void workers_stop(void);
void workers_print_stats(void);

#endif
