/* guest/tests/hostile/scribble.c: the hostile guest's randomness and scribbling (hostile.h
 * says what each piece owns): the random streams and the arguments drawn from them, the
 * only ways the chaos writes a PV entry's state or the active word (so that neither a
 * completion the host posts meanwhile nor the runtime's own entries are lost), the
 * scribbles themselves, and vCPU 1's writes to vCPU 0's page. */
#include "guest/tests/hostile/hostile.h"

extern char __image_start[], __image_end[];

/* ---- randomness ---- */

void rng_init(struct rng *r, u64 stream)
{
	u64 x = seed * 0x9E3779B97F4A7C15ULL + stream * 0xBF58476D1CE4E5B9ULL + 1;

	x ^= x >> 31;
	x *= 0x94D049BB133111EBULL;
	x ^= x >> 29;
	r->s = x ? x : 1;
}

/* ---- arguments ---- */

u64 rand_page(struct rng *r, u64 lo, u64 hi)
{
	return hi > lo ? lo + below(r, (hi - lo) / PAGE_SIZE) * PAGE_SIZE : lo;
}

/* Any 64-bit argument, biased to the edges. */
u64 edge(struct rng *r)
{
	switch (below(r, 18)) {
	case 0: return 0;
	case 1: return ~0ULL;
	case 2: return 1ULL << 63;
	case 3: return ram;
	case 4: return ram - 1;
	case 5: return ram - PAGE_SIZE;
	case 6: return ram + PAGE_SIZE;
	case 7: return 1ULL << 32;
	case 8: return (1ULL << 32) - 1;
	case 9: return below(r, ram);
	case 10: return rand_page(r, 0, ram);
	case 11: return rand_page(r, 0, ram) + PAGE_SIZE - 1 - below(r, 8);	/* page-crossing */
	case 12: return below(r, 301);
	case 13: return rnd(r) >> below(r, 64);
	case 14: return -below(r, 4097);
	case 15: return (1ULL << 63) | below(r, ram);
	case 16: return (1ULL << 32) | below(r, 256);
	default: return rnd(r);
	}
}

/* A gpa to put into a PV entry's record before a REPORT. present: only pages that are
 * there already (a SUSPEND_ME of an absent page holds the vCPU for the backing latency). */
u64 report_gpa(struct rng *r, bool present)
{
	unsigned k = (unsigned)below(r, 100);
	u64 off = chance(r, 30) ? below(r, PAGE_SIZE) : 0;

	if (present && k < 35)
		k = 35 + (unsigned)below(r, 30);
	if (k < 25)
		return rand_page(r, fbase, fend) + off;			/* absent, mostly */
	if (k < 35) {
		/* A toucher's next pages: in flight, or about to be (the REPORT joins the
		 * fault, or the fault finds the page there) */
		if (chance(r, 70))
			return rand_page(r, fbase, fend) + off;
		const struct tjob *j = &tjobs[below(r, NTOUCH)];

		return j->base + MIN(j->done + below(r, 3), j->n - 1) * PAGE_SIZE + off;
	}
	if (k < 45)
		return (u64)canary[below(r, 2)] + off;
	if (k < 55)
		return rand_page(r, (u64)__image_start, (u64)__image_end) + off;
	if (k < 60)
		return (u64)(chance(r, 50) ? (void *)ve_pv_page() : (void *)ve_info_page()) + off;
	if (k < 70) {
		static const u64 in[] = { 0, 1, 4095, 4096 };

		return chance(r, 50) ? ram - 1 - below(r, 8) : in[below(r, 4)];
	}
	switch (below(r, 7)) {					/* outside RAM */
	case 0: return ram;
	case 1: return ram + below(r, 1ULL << 30);
	case 2: return ~0ULL;
	case 3: return 1ULL << 63;
	case 4: return -PAGE_SIZE;
	case 5: return rnd(r) | (1ULL << 40);
	default: return (1ULL << 32) + ram;
	}
}

u32 state_val(struct rng *r)
{
	static const u32 v[] = { 0, 1, 2, 3, 4, 5, 7, 0xFFFFFFFFu, 0x80000001u, 0x100 + 1 };

	return chance(r, 85) ? v[below(r, ARRAY_SIZE(v))] : (u32)rnd(r);
}

/* ---- the PV page's shared words ---- */

/* The state of an entry the host may complete at any moment: only by compare-and-swap from
 * what we wrote last, and never RESOLVED or FAIL (the host's values), so a completion is
 * neither overwritten nor mistaken for ours. False once the host has completed it. */
static bool cas_state(struct fl_pv_entry *en, u32 *last, u32 v)
{
	u32 old = *last;

	if (v == FL_PV_RESOLVED || v == FL_PV_FAIL)
		v += 0x100;
	if (!__atomic_compare_exchange_n(&en->state, &old, v, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return false;
	*last = v;
	return true;
}

void put_state(struct eng *e, struct fl_pv_page *p, unsigned i, u32 v)
{
	struct fl_pv_entry *en = &p->entry[i];
	u64 bit = 1ULL << i;

	if (runtime_entry(e, p, i)) {
		if (e->rt_inflight & bit) {
			if (!cas_state(en, &e->last[i], v)) {
				e->rt_inflight &= ~bit;		/* completed: keep the host's */
				e->rt_saved[i] = en->state;
			}
			return;
		}
		en->state = v;				/* put back at the end */
		return;
	}
	if (p == cur_page(e) && (e->inflight & bit)) {
		if (!cas_state(en, &e->last[i], v))
			e->inflight &= ~bit;
		return;
	}
	en->state = v;
}

/* Bits of the active word under mask take the values in val; atomic, since vCPU 1 changes
 * bits of vCPU 0's word at the same time. */
void set_active(volatile unsigned long long *w, u64 mask, u64 val)
{
	unsigned long long old = __atomic_load_n(w, __ATOMIC_RELAXED);

	while (!__atomic_compare_exchange_n(w, &old, (old & ~mask) | (val & mask), false,
					    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		;
}

/* vCPU 0: the runtime's entries before a section, and putting them back after it. */
void rt_snapshot(struct eng *e)
{
	struct fl_pv_page *p = e->real_pv;
	u64 act = p->active[0];

	e->rt_active = act & LOWMASK;
	e->rt_inflight = 0;
	for (unsigned i = 0; i < e->host_lo; i++) {
		u32 s = p->entry[i].state;

		e->rt_saved[i] = s;
		if ((act >> i & 1) && s == FL_PV_CAN_CONTINUE) {
			e->rt_inflight |= 1ULL << i;	/* the host holds it, or just completed it */
			e->last[i] = s;
		}
	}
}

void rt_restore(struct eng *e)
{
	struct fl_pv_page *p = e->real_pv;

	for (unsigned i = 0; i < e->host_lo; i++) {
		if (e->rt_inflight & (1ULL << i))
			cas_state(&p->entry[i], &e->last[i], FL_PV_CAN_CONTINUE);
		else
			p->entry[i].state = e->rt_saved[i];
	}
	set_active(&p->active[0], LOWMASK, e->rt_active);
	e->rt_inflight = 0;
}

/* ---- scribbling ---- */

static void scribble_entry(struct eng *e, struct rng *r, struct fl_pv_page *p, unsigned i)
{
	struct fl_pv_entry *en = &p->entry[i];
	unsigned what = (unsigned)below(r, 256);

	if (what & 1)
		en->fault.gpa = chance(r, 50) ? report_gpa(r, false) : edge(r);
	if (what & 2)
		en->fault.size = edge(r);
	if (what & 4)
		en->fault.gla = rnd(r);
	if (what & 8) {
		en->fault.access = (u32)rnd(r);
		en->fault.code = (u32)rnd(r);
	}
	if (what & 16) {
		en->fault.flags = (u32)rnd(r);
		en->fault.reserved = (u32)rnd(r);
	}
	if (what & 32)
		en->qual = rnd(r);
	if (what & 64)
		en->host_flags = (u32)rnd(r);
	if (what & 128)
		put_state(e, p, i, state_val(r));
	/* never the wait word: the completion handler wakes the task it names */
}

static void scribble_ve(struct rng *r, struct fl_ve_info *vi)
{
	switch (below(r, 3)) {
	case 0:
		vi->exit_reason = (u32)rnd(r);
		vi->qual = rnd(r);
		break;
	case 1:
		vi->gla = rnd(r);
		vi->gpa = edge(r);
		vi->eptp_index = (u16)rnd(r);
		break;
	default: {
		static const u32 busy[] = { 0, FL_VE_BUSY, 1, 0x80000000u, 0xFFFFFFFEu };

		/* No #VE handler is running (sections run between tasks), so any value is
		 * safe for the guest; nonzero makes the next faults synchronous. */
		vi->busy = chance(r, 80) ? busy[below(r, ARRAY_SIZE(busy))] : (u32)rnd(r);
		break;
	}
	}
}

void scribble(struct eng *e, struct rng *r)
{
	struct fl_pv_page *p = e->hreg && chance(r, 70) ? cur_page(e) : e->real_pv;
	struct fl_ve_info *vi = e->hreg && chance(r, 70) ? (struct fl_ve_info *)e->cur_ve :
				e->real_ve;

	INC(st.scribbles);
	switch (below(r, 10)) {
	case 0: case 1: case 2:
		scribble_entry(e, r, p, (unsigned)below(r, FL_PV_ENTRIES));
		break;
	case 3:
		set_active(&p->active[0], ~0ULL, rnd(r));	/* the runtime's go back later */
		break;
	case 4:
		p->guest_current = (u32)edge(r);
		p->host_current = (u32)edge(r);
		if (chance(r, 50))
			p->completions = edge(r);
		break;
	case 5: case 6:
		scribble_ve(r, vi);
		break;
	case 7: {
		u8 *tail = (u8 *)p + PV_USED, *vt = (u8 *)vi + VE_USED;

		for (unsigned k = 0; k < 16; k++) {
			tail[below(r, FL_PV_SIZE - PV_USED)] = (u8)rnd(r);
			vt[below(r, PAGE_SIZE - VE_USED)] = (u8)rnd(r);
		}
		break;
	}
	case 8: {	/* every entry of ours at once */
		unsigned lo = on_real(e, p) ? e->host_lo : 0;

		for (unsigned i = lo; i < FL_PV_ENTRIES; i++)
			scribble_entry(e, r, p, i);
		break;
	}
	default: {	/* one entry through every state, a REPORT after each */
		unsigned i = (unsigned)below(r, FL_PV_ENTRIES);
		u64 dec = 1 + below(r, 2);

		if (!e->hreg)
			break;
		p = cur_page(e);
		set_active(&p->active[0], 1ULL << i, chance(r, 80) ? ~0ULL : 0);
		for (u32 s = 0; s < 6; s++) {
			put_state(e, p, i, s);
			do_report(e, r, i, s == 5 ? dec : s);
		}
		break;
	}
	}
}

/* vCPU 1 against vCPU 0: its entries [HOST_LO, CONTEST_HI) while vCPU 0 REPORTs them, and
 * its busy word (only ever set: clearing it under a running #VE handler would let a
 * second #VE onto the same IST stack, the guest's own bug). */
void cross(struct rng *r)
{
	struct eng *o = &engs[0];
	struct fl_pv_page *p = o->real_pv;
	unsigned i = HOST_LO + (unsigned)below(r, CONTEST_HI - HOST_LO);
	struct fl_pv_entry *en = &p->entry[i];
	u64 cmask = ((1ULL << CONTEST_HI) - 1) & ~LOWMASK;

	switch (below(r, 4)) {
	case 0: {
		u64 good = report_gpa(r, false), bad = 1ULL << 63 | rnd(r);

		for (unsigned k = 0; k < 32 + below(r, 200); k++) {	/* flip under it */
			en->fault.gpa = k & 1 ? bad : good;
			en->state = 1 + (k & 1);
			set_active(&p->active[0], 1ULL << i, k & 2 ? ~0ULL : 0);
		}
		break;
	}
	case 1:
		en->fault.gpa = report_gpa(r, false);
		en->state = state_val(r);
		en->qual = rnd(r);
		en->host_flags = (u32)rnd(r);
		break;
	case 2:
		set_active(&p->active[0], cmask, rnd(r));
		break;
	default:
		if (chance(r, 10))
			o->real_ve->busy = FL_VE_BUSY;
		break;
	}
}
