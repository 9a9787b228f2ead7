/* apf/pv.h: the host side of the PV protocol (docs/pv-protocol.md) for one vCPU: the
 * registration, the validation of a REPORT, the completion of an entry and the pending
 * completion to inject. Pure logic: guest memory is reached through struct pv_mem, locking
 * is the caller's (one lock per vCPU), and how an interrupt is injected is VMX's business
 * (vmm/). Host-tested with a fake guest memory. */
#ifndef APF_PV_H
#define APF_PV_H
#include "lib/types.h"
#include "include/faultline.h"

/* The VM's RAM as the protocol sees it. */
struct pv_mem {
	u64 size;				/* bytes of RAM at guest-physical 0 */
	void *(*ptr)(void *ctx, u64 gpa, u64 len);	/* NULL if not all inside RAM */
	void *ctx;
};

struct pv_vcpu {
	bool registered;
	u64 ve_gpa, pv_gpa;
	u8 vector;
	u64 held;			/* bit i: entry i reported and not yet completed */
	u8 decision[FL_PV_ENTRIES];	/* of each held entry */
	u32 outstanding;		/* held CAN_CONTINUE entries */
	bool pending;			/* a completion waits to be injected */
	u32 pending_count;		/* completions since the last injection (for batching) */
	u64 last_completed;		/* index written to host_current last */
	bool polled;			/* FL_VE_F_POLLED: no completion interrupt but by deadline */
	u64 written;			/* the completions value we wrote last (the guest
					 * zeroes its page at each register: not a count) */
	bool unconsumed;		/* polled: posted completions the guest has not acted on */
	u64 unconsumed_since;		/* ... since this time (the caller's clock) */
};

/* FL_HC_VE_REGISTER's checks (see the spec for the order and the codes); 0 or FL_E*.
 * Changes nothing on error. */
int pv_register(struct pv_vcpu *p, const struct pv_mem *m, u64 ve_gpa, u64 pv_gpa,
		u64 vector, u64 flags);
/* FL_HC_VE_UNREGISTER: 0, FL_ENOENT, or FL_EBUSY while CAN_CONTINUE entries are held. */
int pv_unregister(struct pv_vcpu *p);

/* FL_HC_VE_REPORT's checks. On success the entry is held by the host, *gpa is the page to
 * produce (page-aligned) and 0 is returned; otherwise FL_E* and nothing changes. */
int pv_report(struct pv_vcpu *p, const struct pv_mem *m, u64 index, u64 decision, u64 *gpa);

/* Ends a held entry: RESOLVED when fail is NULL, else FAIL with the record's code, flags
 * and size copied into the entry (gpa/gla/access stay the guest's). sync sets
 * FL_PV_F_SYNC. For a CAN_CONTINUE entry this posts a completion: host_current = index,
 * completions++, pending = true; returns true when pending went from false to true (the
 * caller kicks the vCPU then, and only then). Returns false for an entry not held. */
bool pv_complete(struct pv_vcpu *p, const struct pv_mem *m, u32 index,
		 const struct fl_fault *fail, bool sync, u64 now);

/* Polled mode (FL_VE_F_POLLED). pv_complete posts a CAN_CONTINUE completion without making
 * it pending (no interrupt, no kick) and notes since when completions are unconsumed (now).
 * pv_take_posted: the reports the guest posted since the last take (bit i: entry i), taken
 * with one atomic exchange, so each is taken once; the caller validates each with
 * pv_report(CAN_CONTINUE) as if the guest had made the hypercall. pv_deadline: when the
 * guest has not acted on every completion for deadline of the caller's clock (its
 * consumed word is not what we wrote last into completions), the completion interrupt
 * becomes pending after all; true when pending went from false to true (the caller kicks
 * the vCPU). */
u64 pv_take_posted(struct pv_vcpu *p, const struct pv_mem *m);
bool pv_deadline(struct pv_vcpu *p, const struct pv_mem *m, u64 now, u64 deadline);

/* Before a VM entry, once the guest can take an interrupt: true with *vector when a
 * completion is to be injected now (clears pending; *batched = completions it covers). */
bool pv_take_pending(struct pv_vcpu *p, u8 *vector, u32 *batched);

/* The registered areas (NULL when not registered or no longer inside RAM). */
struct fl_ve_info *pv_ve_info(const struct pv_vcpu *p, const struct pv_mem *m);
struct fl_pv_page *pv_page(const struct pv_vcpu *p, const struct pv_mem *m);

#endif
