/* apf/pv.c: the host side of the PV protocol for one vCPU (see apf/pv.h; the specification
 * is docs/pv-protocol.md, cited below as "spec").
 *
 * Owns the host's view of one vCPU's registration: the validation of FL_HC_VE_REGISTER,
 * FL_HC_VE_UNREGISTER and FL_HC_VE_REPORT, the host's writes into the PV page when an entry
 * is completed, and the pending completion interrupt. The caller holds the vCPU's lock
 * around every call; the guest is never locked out, so everything read from guest memory is
 * read once into a local and never trusted after that (the guest may rewrite its page while
 * we look at it, from another vCPU or a DMA-like device model).
 *
 * Decisions:
 * - Guest-shared fields are read with __atomic_load_n: one load each, so a value that
 *   passed a check is the value used (no double fetch), and the compiler cannot re-read a
 *   non-volatile field such as fault.gpa. Fields the guest reads at any time (state,
 *   host_current, completions) are written with __atomic_store_n for the same reason.
 * - The PV page is looked up through m->ptr on every call rather than cached: the mapping
 *   is the memory layer's business, and a NULL answer is an FL_EFAULT, not a crash.
 * - A pending completion survives unregister and a later register: a completion posted
 *   before unregister may have a task parked on it (spec, "Guest steps" 8), and the spec
 *   promises that none is lost. At worst the guest takes one interrupt that finds nothing.
 * - pv_take_pending does not rewrite host_current: it has no pv_mem, and it need not, since
 *   every CAN_CONTINUE completion writes host_current (last_completed keeps the same value
 *   for the caller's logs).
 */
#include "lib/types.h"
#include "lib/string.h"
#include "include/faultline.h"
#include "apf/pv.h"

#define PAGE_MASK (PAGE_SIZE - 1)

/* [gpa, gpa + len) inside the VM's RAM, without overflow (len <= size first, so size - len
 * cannot wrap), and reachable through the memory layer. */
static bool in_ram(const struct pv_mem *m, u64 gpa, u64 len)
{
	if (len > m->size || gpa > m->size - len)
		return false;
	return m->ptr(m->ctx, gpa, len) != NULL;
}

/* Half-open ranges [a, a + alen) and [b, b + blen); both already inside RAM, so the sums
 * do not wrap. */
static bool overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

/* Spec, "Registration": each check in the spec's order, the first failing one decides the
 * code. The CPL check (FL_EPERM) is the hypercall dispatcher's: it has the guest state. */
int pv_register(struct pv_vcpu *p, const struct pv_mem *m, u64 ve_gpa, u64 pv_gpa,
		u64 vector, u64 flags)
{
	if (p->registered)
		return FL_EBUSY;
	if (flags & ~(u64)FL_VE_F_POLLED)
		return FL_EINVAL;	/* the others are reserved */
	if ((ve_gpa & PAGE_MASK) || (pv_gpa & PAGE_MASK))
		return FL_EINVAL;
	if (!in_ram(m, ve_gpa, PAGE_SIZE) || !in_ram(m, pv_gpa, FL_PV_SIZE))
		return FL_EFAULT;
	if (overlap(ve_gpa, PAGE_SIZE, pv_gpa, FL_PV_SIZE))
		return FL_EINVAL;
	if (vector < 32 || vector > 255)
		return FL_EINVAL;	/* 0..31 are exceptions; u64, so no truncation first */

	/* Guest memory is not touched: the guest set up its PV page before the call (spec,
	 * "Objects": both areas are the guest's). pending is kept, see the file comment. */
	p->ve_gpa = ve_gpa;
	p->pv_gpa = pv_gpa;
	p->vector = (u8)vector;
	p->held = 0;
	p->outstanding = 0;
	p->polled = flags & FL_VE_F_POLLED;
	p->unconsumed = false;
	p->registered = true;
	return 0;
}

/* Spec, "Unregister". A held SUSPEND_ME entry cannot exist here (that vCPU is inside this
 * very hypercall, not waiting in REPORT), but if the caller ever got that wrong, refusing
 * is the side that keeps an entry from being completed into an unregistered page. */
int pv_unregister(struct pv_vcpu *p)
{
	if (!p->registered)
		return FL_ENOENT;
	if (p->outstanding > 0 || p->held != 0)
		return FL_EBUSY;
	p->registered = false;
	return 0;
}

struct fl_pv_page *pv_page(const struct pv_vcpu *p, const struct pv_mem *m)
{
	if (!p->registered)
		return NULL;
	return m->ptr(m->ctx, p->pv_gpa, FL_PV_SIZE);
}

struct fl_ve_info *pv_ve_info(const struct pv_vcpu *p, const struct pv_mem *m)
{
	if (!p->registered)
		return NULL;
	return m->ptr(m->ctx, p->ve_gpa, PAGE_SIZE);
}

/* Spec, "REPORT": registered [ENOENT]; index, active bit, state == decision, decision
 * [EINVAL]; not held [EBUSY]; fault.gpa inside RAM [EFAULT]. The arguments are checked
 * before guest memory is looked at, so a bad index never indexes the page. */
int pv_report(struct pv_vcpu *p, const struct pv_mem *m, u64 index, u64 decision, u64 *gpa)
{
	struct fl_pv_page *pg;
	struct fl_pv_entry *e;
	u64 active, fgpa;
	u32 state;

	if (!p->registered)
		return FL_ENOENT;
	if (index >= FL_PV_ENTRIES)
		return FL_EINVAL;
	if (decision != FL_PV_CAN_CONTINUE && decision != FL_PV_SUSPEND_ME)
		return FL_EINVAL;
	pg = pv_page(p, m);
	if (!pg)
		return FL_EFAULT;
	e = &pg->entry[index];

	/* One load each (see the file comment). Acquire on state: the guest writes the
	 * record before the state (spec, "Guest steps" 3-4), so what we read after it is at
	 * least as new. */
	active = __atomic_load_n(&pg->active[index / 64], __ATOMIC_RELAXED);
	state = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
	fgpa = __atomic_load_n(&e->fault.gpa, __ATOMIC_RELAXED);

	if (!(active & (1ULL << (index % 64))))
		return FL_EINVAL;
	if (state != decision)
		return FL_EINVAL;
	if (p->held & (1ULL << index))
		return FL_EBUSY;
	if (fgpa >= m->size)
		return FL_EFAULT;

	p->held |= 1ULL << index;
	p->decision[index] = (u8)decision;
	if (decision == FL_PV_CAN_CONTINUE)
		p->outstanding++;
	*gpa = ALIGN_DOWN(fgpa, PAGE_SIZE);	/* the guest should have aligned it; we do not rely on it */
	return 0;
}

/* The host's writes into a completed entry (spec, "States of an entry"): the record and
 * host_flags first, state last with release order, so a guest that sees RESOLVED or FAIL
 * sees the rest. gpa, gla and access stay the guest's. */
static void finish_entry(struct fl_pv_entry *e, const struct fl_fault *fail, bool sync)
{
	u32 state = FL_PV_RESOLVED;

	if (fail) {
		e->fault.code = fail->code;
		e->fault.size = fail->size;
		e->fault.flags |= fail->flags;
		state = FL_PV_FAIL;
	}
	e->host_flags = sync ? FL_PV_F_SYNC : 0;
	__atomic_store_n(&e->state, state, __ATOMIC_RELEASE);
}

/* Spec, "Completion": the state, then host_current, then completions, each visible to a
 * guest handler that reads host_current first and then scans the states. */
static void post_completion(struct pv_vcpu *p, struct fl_pv_page *pg, u32 index)
{
	u64 n = __atomic_load_n(&pg->completions, __ATOMIC_RELAXED);

	p->written = n + 1;	/* what a guest that acted on everything writes into consumed */
	__atomic_store_n(&pg->host_current, index, __ATOMIC_RELEASE);
	__atomic_store_n(&pg->completions, n + 1, __ATOMIC_RELEASE);
}

bool pv_complete(struct pv_vcpu *p, const struct pv_mem *m, u32 index,
		 const struct fl_fault *fail, bool sync, u64 now)
{
	struct fl_pv_page *pg;
	bool was_pending;
	u8 decision;

	if (index >= FL_PV_ENTRIES || !(p->held & (1ULL << index)))
		return false;
	decision = p->decision[index];

	/* The page is reachable while registered (registration checked it and RAM does not
	 * shrink). If it ever were not, the host's bookkeeping is still released below, so
	 * unregister is not refused forever; there is nothing the guest could be told. */
	pg = pv_page(p, m);
	if (pg)
		finish_entry(&pg->entry[index], fail, sync);
	p->held &= ~(1ULL << index);
	if (decision != FL_PV_CAN_CONTINUE)
		return false;	/* SUSPEND_ME: the vCPU waits in REPORT; no interrupt */

	p->outstanding--;
	/* Resolved before REPORT returned (FL_PV_F_SYNC): the guest sees the final state when
	 * the hypercall returns and never parks, so no completion interrupt is owed (spec,
	 * "REPORT": handled as SUSPEND_ME). */
	if (!pg || sync)
		return false;
	/* Polled: had the guest acted on every earlier completion? Then this one starts the
	 * deadline afresh. */
	bool caught_up = __atomic_load_n(&pg->consumed, __ATOMIC_ACQUIRE) == p->written;
	post_completion(p, pg, index);
	p->pending_count++;
	p->last_completed = index;
	if (p->polled) {	/* the guest reads it at its next schedule point */
		if (!p->unconsumed || caught_up)
			p->unconsumed_since = now;
		p->unconsumed = true;
		return false;
	}
	was_pending = p->pending;
	p->pending = true;
	return !was_pending;	/* only the false -> true edge kicks the vCPU */
}

/* Spec, "Completion": one injection covers every completion since the last one; the guest
 * scans the states, so pending_count is only for the caller's statistics. */
bool pv_take_pending(struct pv_vcpu *p, u8 *vector, u32 *batched)
{
	if (!p->pending)
		return false;
	*vector = p->vector;
	*batched = p->pending_count;
	p->pending = false;
	p->pending_count = 0;
	return true;
}

/* Polled mode, spec "Polled mode": one exchange takes every bit posted so far; a bit the
 * guest sets after it is taken by the next call. */
u64 pv_take_posted(struct pv_vcpu *p, const struct pv_mem *m)
{
	struct fl_pv_page *pg;

	if (!p->polled || !(pg = pv_page(p, m)))
		return 0;
	if (!__atomic_load_n(&pg->posted[0], __ATOMIC_RELAXED))
		return 0;	/* the common look: no locked write to a line the guest writes */
	return __atomic_exchange_n(&pg->posted[0], 0, __ATOMIC_ACQ_REL);
}

/* The guest acted on every completion when its consumed word equals what we wrote last
 * into completions (a guest that writes anything else, or scribbles over completions, is
 * only ever interrupted once per deadline: bounded). */
bool pv_deadline(struct pv_vcpu *p, const struct pv_mem *m, u64 now, u64 deadline)
{
	struct fl_pv_page *pg;
	bool was_pending;

	if (!p->polled || !p->unconsumed)
		return false;
	pg = pv_page(p, m);
	if (!pg || __atomic_load_n(&pg->consumed, __ATOMIC_ACQUIRE) == p->written) {
		p->unconsumed = false;
		return false;
	}
	if (now - p->unconsumed_since < deadline)
		return false;
	p->unconsumed_since = now;	/* the next look is a deadline later */
	was_pending = p->pending;
	p->pending = true;
	return !was_pending;
}
