/* apf/apf.h: asynchronous page faults, the hypervisor side: lazily backed guest RAM, #VE
 * delivery (hardware or software), the PV hypercalls, the worker pool that produces pages,
 * the failure policy, and the monitor's view of it all. docs/pv-protocol.md is the
 * specification. The calls the VMX core makes into apf/ are in vmm/hooks.h; the page
 * states are apf/page.c's alone (apf/page.h). */
#ifndef APF_APF_H
#define APF_APF_H
#include "apf/state.h"
#include "vmm/hooks.h"

struct vm;
struct vcpu;
struct job;

/* ---- for the monitor (monitor/) ---- */
/* Present -> absent (the monitor's poison): 0 done, 1 was not present, -1 not lazy RAM or
 * no memory. The caller flushes the VM's vCPUs' EPT translations. */
int apf_unmap(struct vm *vm, u64 gpa);
/* gpa's page holds the guest's data (always, for RAM that is not lazily backed). */
/* `faults VM`: failures, the failed-page set, each vCPU's PV state, the pages in flight
 * and the recent faults, one line each. */
void apf_faults_print(struct vm *vm, void (*out)(const char *fmt, ...));
/* The pool: its size, and `workers` (what each worker does now). */
u32 workers_count(void);
void workers_print_now(void (*out)(const char *fmt, ...));

/* ---- for boot/main.c ---- */
void workers_start(u32 first_cpu, u32 n);

/* ---- inside apf/ ---- */
/* apf/worker.c: the pool. Each VM has its own job slots and queue (apf_jobs_init, at
 * build time); workers serve the VMs' queues round-robin. */
u32 apf_jobs_needed(u32 nvcpus);
int apf_jobs_init(struct vm *vm);
/* The pages being fetched for vm (under its apf lock): up to max, each with its waiters. */
u32 workers_inflight(struct vm *vm, u64 *gpa, u32 *waiters, u32 max);
/* Produces gpa of vm: queued to the pool when there is one; the callers below wait or not. */
struct pv_waiter {
	struct vcpu *v;
	s32 index;	/* PV entry to complete, or -1: a vCPU waiting synchronously */
	bool fatal;	/* polled mode's retry of a failed page: failing again stops the VM */
};
/* Starts (or joins) the fetch of a page. Returns 0 if queued/joined, 1 if the page is
 * present (or the RAM is not lazily backed), -1 if the page cannot be queued (no pool, gpa
 * outside RAM, or no waiter slot left on its job): the caller then uses apf_fetch_sync. */
int apf_fetch_async(struct vm *vm, u64 gpa, struct pv_waiter w);
/* Fetches synchronously on this CPU (or waits for the fetch in flight): returns when the
 * page is present or failed; 0 or -1 with *rec. Any gpa: RAM that is not lazily backed is
 * present, a gpa outside RAM fails with FL_FAULT_OUTSIDE_RAM; never an index unchecked. */
int apf_fetch_sync(struct vcpu *v, u64 gpa, struct fl_fault *rec);
void apf_complete_waiter(struct pv_waiter w, const struct fl_fault *fail);
void apf_sync_done(struct vcpu *v, const struct fl_fault *fail);	/* index -1's end */

/* Polled mode (docs/pv-protocol.md "Polled mode"; apf/apf.c). apf_poll_vcpu: take the
 * reports v's guest posted (and those put off), as CAN_CONTINUE REPORTs made from here;
 * returns how many were taken. apf_poll_deadline: an unconsumed completion is past its
 * deadline: the completion vector is pending now (true: kick v). apf_poll_flag: say in v's
 * PV page whether a worker polls it (force: write even when it should say so already).
 * apf_fetch_here (apf/worker.c): produce a page on this CPU without a job, or wait for
 * whoever produces it: 0, or -1 with *rec; used only where there is no pool, so no queued
 * job can be what it waits for. workers_wake_poller: the poller polls again (a doorbell
 * rang, a report was put off, a polled completion has a deadline to watch). */
#define APF_POLL_DEADLINE_US	2000
extern volatile u32 apf_npolled;	/* vCPUs registered in polled mode: the poller's work */
u32 apf_poll_vcpu(struct vcpu *v);
bool apf_poll_deadline(struct vcpu *v);
void apf_poll_flag(struct vcpu *v, bool polling, bool force);
int apf_fetch_here(struct vm *vm, u64 gpa, struct fl_fault *rec);
void workers_wake_poller(void);

/* apf/fail.c: the failure policy. With the VM's apf lock held (apf/page.c calls them as
 * a production ends): */
void apf_page_failed(struct vm *vm, u64 gpa, u32 code);
void apf_page_produced(struct vm *vm, u64 gpa);
bool apf_page_failed_before(struct vm *vm, u64 gpa);
/* A fault the guest cannot be told about failed: stop the VM, or pause it (on_fault=pause)
 * with the same record; _reported: the access was reported by the guest with REPORT, the
 * host saw only the VMCALL at vmcall_rip. */
void apf_fault_fatal(struct vm *vm, const struct fl_fault *f, u64 rip, const char *what);
void apf_fault_fatal_reported(struct vm *vm, const struct fl_fault *f, u64 vmcall_rip,
			      const char *what);
/* _posted: the access was reported by posting in the PV page (polled mode): no rip. */
void apf_fault_fatal_posted(struct vm *vm, const struct fl_fault *f, u32 vcpu, const char *what);
void apf_fail_summary(struct vm *vm);
void apf_failed_print(struct vm *vm, void (*out)(const char *fmt, ...));

/* apf/recent.c: the last faults of a VM. A fault enters the ring (takes the VM's apf lock);
 * recent_done (apf lock held) gives the entries of a page in flight its outcome. */
void apf_recent_add(struct vm *vm, u32 vcpu, u64 gpa, unsigned path, unsigned decision);
void apf_recent_done(struct vm *vm, u64 gpa, unsigned state, u32 code);
void apf_recent_print(struct vm *vm, void (*out)(const char *fmt, ...));

#endif
