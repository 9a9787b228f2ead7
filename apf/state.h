/* apf/state.h: what the VMX core embeds of asynchronous page faults: the per-VM state
 * (inside struct vm) and the per-vCPU state (inside struct vcpu), with their counters.
 * Types only: vmm/hooks.h includes this header, which is the one place a lower layer
 * (vmm/) sees into an upper one (apf/). Who may touch what, and under which lock, is said
 * beside each field; the page states belong to apf/page.c alone. */
#ifndef APF_STATE_H
#define APF_STATE_H
#include "lib/types.h"
#include "lib/failset.h"
#include "apf/backing.h"
#include "apf/pv.h"
#include "host/spinlock.h"
#include "include/faultline.h"

struct job;

enum ve_mode { VE_AUTO, VE_HW, VE_SW };
enum { ON_FAULT_STOP, ON_FAULT_PAUSE };
extern const char *const on_fault_names[];
extern const char *const ve_mode_names[];

/* Page states of lazily backed RAM (one byte per 4 KiB page): read and changed through
 * apf/page.h only. EVICTING: out of the EPT, its frame still held while it is written to
 * swap (a fault on it takes it back at once: page_rescue). */
enum { PAGE_ABSENT, PAGE_FETCHING, PAGE_PRESENT, PAGE_FAILED, PAGE_EVICTING };

/* Where a lazily backed VM's pages live (apf/ram.c; the arrays per 4 KiB page, changed
 * under the VM's apf lock by apf/page.c). A VM that is not lazy has one block instead
 * (struct vm's ram_hpa) and none of this. */
#define RAM_PIN_MAX	0x3F		/* meta: pin count (VE info, PV pages; 3 per vCPU) */
#define RAM_EVICT	0x40		/* meta: an evictor owns the page (EVICTING, or
					 * rescued and still being written) */
#define RAM_DIRTY	0x80		/* meta: written by the host since its swap copy */
struct apf_ram {
	u32 *frame;			/* host frame number (hpa >> 12); 0: none */
	u32 *slot;			/* swap slot + 1 holding a copy; 0: none */
	u8 *meta;
	u64 cap;			/* frames it may hold: resident= (default all) */
	volatile u64 resident, resident_max;
	u64 hand;			/* the clock's hand, a page index (under the lock) */
	u64 evictions, pageins, writes, clean, rescues, young, stalls;
};

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
	u64 posted, posted_bad, posted_later;		/* polled mode: reports taken from the PV
							 * page, bits that were no report, put off */
	u64 doorbells, deadline_irqs;			/* REPORT(DOORBELL)s; completion vectors
							 * a deadline made */
	u64 ph_jobs, ph_wait, ph_produce;		/* jobs; ticks queued -> taken by a worker,
							 * taken -> page published */
	u64 ph_inj, ph_inject;				/* injected completions; ticks posted ->
							 * injected (the kick, the exit, the entry) */
};

/* The last faults of a VM, for the monitor's `faults` (apf/recent.c): how each came in and
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
	u8 *page;			/* PAGE_* per 4 KiB page; NULL unless lazy
					 * (apf/page.c's: see its lock rule) */
	struct spinlock lock;		/* page states, EPT changes, in-flight jobs */
	struct job *inflight;		/* pages being fetched (apf/worker.c) */
	struct job *jobs, *free_jobs;	/* the VM's own job slots (apf_jobs_needed) */
	u64 jobs_pages;
	struct job *qhead, *qtail;	/* jobs no worker has taken yet, oldest first */
	volatile u32 queued;
	u8 *fail_code;			/* FL_FAULT_* of each page's last failure
					 * (apf/page.c's) */
	struct failset failed;		/* pages whose last production failed (lib/failset.c) */
	unsigned on_fault;		/* ON_FAULT_STOP or ON_FAULT_PAUSE */
	u64 resume_ms;			/* a paused VM resumes by itself after this (0: never) */
	u64 fail_limit;			/* failures before every failure is fatal */
	volatile bool off;		/* apf=off: registration refused, every fault synchronous */
	struct apf_ram ram;
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
	u64 poll_later, poll_retry;	/* polled: reports taken but put off (apf/apf.c),
					 * and which of them are a failed page's retry */
	u64 poll_gpa[FL_PV_ENTRIES];	/* ... and their pages */
	bool poll_up;			/* polled: host_polling as the poller last wrote it */
	u64 posted_tsc;			/* when the first completion not injected yet was posted */
	u64 pinned_hpa[3];		/* the frames of REGISTER's three pages, checked at
					 * unregister: a pinned page never moves */
};

/* Cheap looks for the path before every entry (vmm/inject.c), inline so that an entry
 * with nothing to do pays no call: a completion waits; the monitor's apf switch is yet to
 * reach this vCPU's hardware #VE (apf_before_entry applies it). */
static inline bool apf_vcpu_pending(const struct apf_vcpu *a)
{
	return a->pv.pending;
}

static inline bool apf_vcpu_unconsumed(const struct apf_vcpu *a)
{
	return a->pv.unconsumed;
}

static inline bool apf_switch_due(const struct apf_vm *m, const struct apf_vcpu *a)
{
	return m->ve == VE_HW && a->pv.registered && a->ve_on == m->off;
}

#endif
