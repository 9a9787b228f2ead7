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

/* Building a VM (vmm/vm.c, vmm/load.c). apf_vm_alloc: the page states, failure codes and
 * job slots of lazily backed RAM (nothing for other RAM); apf_vm_release frees them.
 * apf_keep: the loader wrote [gpa, gpa+len), those pages start present. apf_vm_setup: the
 * EPT of the VM's RAM (lazy: every page absent but the kept ones). */
int apf_vm_alloc(struct vm *vm, char *err, size_t len);
void apf_vm_release(struct vm *vm);
void apf_keep(struct vm *vm, u64 gpa, u64 len);
int apf_vm_setup(struct vm *vm, char *err, size_t len);

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
