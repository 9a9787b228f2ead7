/* apf/apf.h: asynchronous page faults, the hypervisor side: lazily backed guest RAM, #VE
 * delivery (hardware or software), the PV hypercalls, the worker pool that produces pages,
 * and completion injection. docs/pv-protocol.md is the specification. */
#ifndef APF_APF_H
#define APF_APF_H
#include "lib/types.h"
#include "apf/backing.h"
#include "apf/pv.h"
#include "host/spinlock.h"
#include "lib/failset.h"

struct vm;
struct vcpu;
struct job;

enum ve_mode { VE_AUTO, VE_HW, VE_SW };
enum { ON_FAULT_STOP, ON_FAULT_PAUSE };
extern const char *const on_fault_names[];
extern const char *const ve_mode_names[];

/* Page states of lazily backed RAM (one byte per 4 KiB page). */
enum { PAGE_ABSENT, PAGE_FETCHING, PAGE_PRESENT, PAGE_FAILED };

struct apf_stats {
	u64 hw_ve, sw_ve, busy_exits, unreg_exits;	/* faults by path */
	u64 off_exits;					/* ... while apf was switched off */
	u64 suspend, cont, sync_cont;			/* decisions; CAN_CONTINUE made sync */
	u64 completions, injections, batched;
	u64 fetched, dedup;				/* pages produced; faults that joined one */
	u64 produced_present;				/* productions of a present page: 0 */
	u64 reports, resolved, failed;			/* REPORTs accepted; their completions */
	u64 vectoring_exits, pe0_exits;			/* sync faults during event delivery,
							 * with CR0.PE=0 */
	u64 suspended_tsc;				/* vCPU time spent waiting for pages */
	u64 outstanding_max;
	u64 kicks;					/* IPIs sent to post completions */
	u64 failures;					/* pages that could not be produced */
	u64 sync_retries;				/* faults on failed pages, retried sync */
	u64 lat_hist[8];				/* report->completion, ticks: <1K <4K ... */
	u64 depth_hist[5];				/* job queue depth at push: 0 1 2-3 4-15 16+ */
};

/* The last faults of a VM, for the monitor's `faults` (apf/fail.c): how each came in and
 * what became of its page. */
#define APF_RECENT	16
enum { RECENT_HW_VE, RECENT_SW_VE, RECENT_BUSY, RECENT_UNREG, RECENT_OFF, RECENT_DELIVERY,
       RECENT_PE0 };
enum { RECENT_IN_FLIGHT, RECENT_PRESENT, RECENT_FAILED };

struct apf_recent {
	u64 gpa, tsc;
	u8 vcpu, path, decision, state;	/* decision: FL_PV_* for #VE paths, else 0 */
	u32 code;			/* FL_FAULT_* when failed */
};

/* Statistics are bumped from every vCPU and worker of the VM at once: always atomically. */
#define APF_STAT(vm, field, n)	__atomic_add_fetch(&(vm)->apf.st.field, (n), __ATOMIC_RELAXED)

/* Per VM (inside struct vm). */
struct apf_vm {
	bool lazy;
	unsigned ve;			/* enum ve_mode as configured; resolved to HW or SW */
	struct backing backing;
	u8 *page;			/* PAGE_* per 4 KiB page; NULL unless lazy */
	struct spinlock lock;		/* page states, EPT changes, in-flight jobs */
	struct job *inflight;		/* pages being fetched (apf/worker.c) */
	struct job *jobs, *free_jobs;	/* the VM's own job slots (apf_jobs_needed) */
	u64 jobs_pages;
	struct job *qhead, *qtail;	/* jobs no worker has taken yet, oldest first */
	volatile u32 queued;
	u8 *fail_code;			/* FL_FAULT_* of each page's last failure */
	struct failset failed;		/* pages whose last production failed (lib/failset.c) */
	unsigned on_fault;		/* ON_FAULT_STOP or ON_FAULT_PAUSE */
	u64 resume_ms;			/* a paused VM resumes by itself after this (0: never) */
	u64 fail_limit;			/* failures before every failure is fatal */
	volatile bool off;		/* apf=off: registration refused, every fault synchronous */
	struct apf_stats st;
	struct apf_recent recent[APF_RECENT];	/* ring, under lock */
	u64 nrecent;
};

/* Per vCPU (inside struct vcpu). */
struct apf_vcpu {
	struct pv_vcpu pv;
	struct spinlock lock;		/* pv: workers complete entries concurrently */
	bool ve_on;			/* hardware #VE enabled in the VMCS */
	u64 report_tsc[FL_PV_ENTRIES];	/* when each held entry was reported */
	volatile bool sync_done;	/* the job this vCPU waits for synchronously ended */
	bool sync_failed;
	struct fl_fault sync_rec;	/* ... and its record when it failed */
};

/* The VM was loaded: make its RAM lazy (only [keep] ranges present) if configured. */
int apf_vm_setup(struct vm *vm, char *err, size_t len);
/* Present -> absent (the monitor's poison): 0 done, 1 was not present, -1 not lazy RAM or
 * no memory. The caller flushes the VM's vCPUs' EPT translations. */
int apf_unmap(struct vm *vm, u64 gpa);
/* An EPT violation inside the VM's RAM: #VE, synchronous fault, or already present. */
void apf_ept_violation(struct vcpu *v, u64 gpa, u64 qual);
/* Before each VM entry: inject a pending completion when the guest can take it. */
void apf_before_entry(struct vcpu *v);
bool apf_event_pending(struct vcpu *v);
/* [gpa, gpa+len), inside RAM, made present for a host access on the guest's behalf (a
 * hypercall's buffer): 0, or -1 when a page cannot be produced. */
int apf_make_present(struct vcpu *v, u64 gpa, u64 len);
/* Hypercalls. */
s64 apf_hc_register(struct vcpu *v, u64 ve_gpa, u64 pv_gpa, u64 vector, u64 flags);
s64 apf_hc_unregister(struct vcpu *v);
s64 apf_hc_report(struct vcpu *v, u64 index, u64 decision);
void apf_summary(struct vm *vm);

/* apf/worker.c: the pool. Each VM has its own job slots and queue (apf_jobs_init, at
 * build time); workers serve the VMs' queues round-robin. */
u32 apf_jobs_needed(u32 nvcpus);
int apf_jobs_init(struct vm *vm);
void workers_start(u32 first_cpu, u32 n);
void workers_stop(void);
u32 workers_count(void);
void workers_print_now(void (*out)(const char *fmt, ...));	/* the monitor's workers */
/* The pages being fetched for vm (under its apf lock): up to max, each with its waiters. */
u32 workers_inflight(struct vm *vm, u64 *gpa, u32 *waiters, u32 max);
/* Produces gpa of vm: queued to the pool when there is one; the callers below wait or not. */
struct pv_waiter {
	struct vcpu *v;
	s32 index;	/* PV entry to complete, or -1: a vCPU waiting synchronously */
};
/* Starts (or joins) the fetch of a page. Returns 0 if queued/joined, 1 if the page is
 * present (or the RAM is not lazily backed), -1 if the page cannot be queued (no pool, gpa
 * outside RAM, or no waiter slot left on its job): the caller then uses apf_fetch_sync. */
int apf_fetch_async(struct vm *vm, u64 gpa, struct pv_waiter w);
/* Fetches synchronously on this CPU (or waits for the fetch in flight): returns when the
 * page is present or failed; 0 or -1 with *rec. Any gpa: RAM that is not lazily backed is
 * present, a gpa outside RAM fails with FL_FAULT_OUTSIDE_RAM; never an index unchecked. */
int apf_fetch_sync(struct vcpu *v, u64 gpa, struct fl_fault *rec);
void workers_print_stats(void);
void apf_complete_waiter(struct pv_waiter w, const struct fl_fault *fail);
void apf_sync_done(struct vcpu *v, const struct fl_fault *fail);	/* index -1's end */
/* The loader wrote [gpa, gpa+len): those pages of lazily backed RAM start present. */
void apf_keep(struct vm *vm, u64 gpa, u64 len);
/* apf/fail.c: the failure policy. Called with the VM's apf lock held: */
void apf_page_failed(struct vm *vm, u64 gpa, u32 code);
/* A fault enters the recent ring (takes the VM's apf lock); the two calls around it keep
 * its state; apf_recent_print is the monitor's view (with the pages in flight). */
void apf_recent_add(struct vm *vm, u32 vcpu, u64 gpa, unsigned path, unsigned decision);
void apf_recent_print(struct vm *vm, void (*out)(const char *fmt, ...));
void apf_page_produced(struct vm *vm, u64 gpa);
bool apf_page_failed_before(struct vm *vm, u64 gpa);
void apf_fail_summary(struct vm *vm);

#endif
