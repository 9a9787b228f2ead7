/* tests/unit/test_pv.c: host tests of apf/pv.c, the host side of the PV protocol
 * (docs/pv-protocol.md).
 *
 * Guest RAM is a calloc'd 1 MiB buffer; ptr() hands out a pointer into it only when the
 * whole range is inside (and can be told to refuse everything, for the "RAM went away"
 * paths). The tests play the guest by writing the PV page the way the spec's "Guest steps"
 * do. Besides one test per check and per effect, a model-based random test runs long
 * sequences of register/report/complete/take/consume, and a threaded test completes
 * entries on one thread while another reports, consumes and takes pending completions. */
#include <stdlib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "tests/unit/check.h"
#include "apf/pv.h"

#include "tests/unit/pv_world.h"

/* ---- registration ---- */

#define TOP (~0xfffULL)		/* the last page below 2^64 */

/* One FL_HC_VE_REGISTER call each. PRE: registered before; REFUSE: ptr() answers NULL;
 * EARLY: fails before RAM is looked at (ptr() not asked). Rows with several faults show the
 * spec's order: registered, flags, alignment, RAM, overlap, vector. */
#define PRE 1
#define REFUSE 2
#define EARLY 4
static const struct reg_case {
	u64 ve, pv, vec, flags;
	int want, how;
} reg_cases[] = {
	{ VE, PV, VEC, 0, 0, 0 },
	{ VE, PV, 32, 0, 0, 0 },
	{ VE, PV, 255, 0, 0, 0 },
	{ PV - 4096, PV, VEC, 0, 0, 0 },		/* adjacent below */
	{ PV + 8192, PV, VEC, 0, 0, 0 },		/* adjacent above */
	{ 0, 4096, VEC, 0, 0, 0 },			/* page 0 is RAM too */
	{ RAM - 4096, RAM - 3 * 4096, VEC, 0, 0, 0 },	/* both at the very end */
	{ VE, PV, VEC, 0, FL_EBUSY, PRE },
	{ VE + 1, RAM * 4, 3, 7, FL_EBUSY, PRE },	/* registered beats everything */
	{ VE, PV, VEC, FL_VE_F_POLLED, 0, 0 },		/* polled mode */
	{ VE, PV, VEC, 2, FL_EINVAL, EARLY },
	{ VE, PV, VEC, 1ULL << 63, FL_EINVAL, EARLY },
	{ RAM * 4, RAM * 8, 300, 2, FL_EINVAL, EARLY },	/* flags before RAM */
	{ VE + 8, PV, VEC, 0, FL_EINVAL, EARLY },
	{ VE, PV + 0x800, VEC, 0, FL_EINVAL, EARLY },
	{ VE, PV + 1, VEC, 0, FL_EINVAL, EARLY },
	{ RAM * 4 + 1, PV, VEC, 0, FL_EINVAL, EARLY },	/* alignment before RAM */
	{ VE, RAM * 4 + 1, 3, 0, FL_EINVAL, EARLY },
	{ RAM, PV, VEC, 0, FL_EFAULT, 0 },
	{ VE, RAM, VEC, 0, FL_EFAULT, 0 },
	{ VE, RAM - 4096, VEC, 0, FL_EFAULT, 0 },	/* the PV area is 8 KiB */
	{ TOP, PV, VEC, 0, FL_EFAULT, 0 },		/* near 2^64: no wraparound */
	{ VE, TOP, VEC, 0, FL_EFAULT, 0 },
	{ VE, TOP - 4096, VEC, 0, FL_EFAULT, 0 },
	{ VE, PV, VEC, 0, FL_EFAULT, REFUSE },		/* inside by size, unreachable */
	{ RAM, RAM, VEC, 0, FL_EFAULT, 0 },		/* RAM before overlap */
	{ RAM, PV, 3, 0, FL_EFAULT, 0 },		/* RAM before vector */
	{ PV, PV, VEC, 0, FL_EINVAL, 0 },		/* overlap: same page */
	{ PV + 4096, PV, VEC, 0, FL_EINVAL, 0 },	/* on the PV area's second page */
	{ PV, PV, 300, 0, FL_EINVAL, 0 },
	{ VE, PV, 0, 0, FL_EINVAL, 0 },
	{ VE, PV, 20, 0, FL_EINVAL, 0 },
	{ VE, PV, 31, 0, FL_EINVAL, 0 },
	{ VE, PV, 256, 0, FL_EINVAL, 0 },
	{ VE, PV, (1ULL << 32) + 0x40, 0, FL_EINVAL, 0 },	/* no truncation to u8 */
};

TEST(register_checks)
{
	u8 *copy = malloc(RAM);
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(reg_cases); i++) {
		const struct reg_case *c = &reg_cases[i];
		struct pv_vcpu before;
		struct world w;
		int r;

		world_init(&w);
		if (c->how & PRE)
			CHECK_EQ(pv_register(&w.p, &w.m, 0x40000, 0x42000, 0x80, 0), 0);
		memset(w.buf, 0xa5, RAM);
		memcpy(copy, w.buf, RAM);
		before = w.p;
		w.refuse = c->how & REFUSE;
		w.calls = 0;
		r = pv_register(&w.p, &w.m, c->ve, c->pv, c->vec, c->flags);
		if (r != c->want)
			printf("  case %u: got %d\n", i, r);
		CHECK_EQ(r, c->want);
		CHECK(memcmp(copy, w.buf, RAM) == 0);	/* the guest owns its pages */
		CHECK_EQ(w.outside, 0);		/* RAM is checked by size before ptr() */
		CHECK(!(c->how & EARLY) || w.calls == 0);
		if (r) {
			CHECK(memcmp(&before, &w.p, sizeof(before)) == 0);	/* nothing changed */
		} else {
			CHECK(w.p.registered);
			CHECK_EQ(w.p.ve_gpa, c->ve);
			CHECK_EQ(w.p.pv_gpa, c->pv);
			CHECK_EQ(w.p.vector, c->vec);
			CHECK_EQ(w.p.held | w.p.outstanding | w.p.pending, 0);
			CHECK(pv_page(&w.p, &w.m) == page_at(&w, c->pv));
			CHECK((u8 *)pv_ve_info(&w.p, &w.m) == w.buf + c->ve);
		}
		free(w.buf);
	}
	free(copy);
}

TEST(unregister)
{
	struct world w;

	world_init(&w);
	CHECK_EQ(pv_unregister(&w.p), FL_ENOENT);
	CHECK(pv_page(&w.p, &w.m) == NULL && pv_ve_info(&w.p, &w.m) == NULL);
	CHECK_EQ(pv_register(&w.p, &w.m, VE, PV, VEC, 0), 0);
	fill_report(&w, 5, 0x50000, FL_PV_CAN_CONTINUE);
	CHECK_EQ(pv_unregister(&w.p), FL_EBUSY);	/* a CAN_CONTINUE is outstanding */
	CHECK(w.p.registered);
	CHECK(pv_complete(&w.p, &w.m, 5, NULL, false, 0));
	CHECK_EQ(pv_unregister(&w.p), 0);
	CHECK(!w.p.registered);
	CHECK_EQ(pv_unregister(&w.p), FL_ENOENT);
	CHECK(pv_page(&w.p, &w.m) == NULL && pv_ve_info(&w.p, &w.m) == NULL);

	/* A held SUSPEND_ME (the caller's mistake): still refused. */
	CHECK_EQ(pv_register(&w.p, &w.m, VE, PV, VEC, 0), 0);
	guest_consume(page_at(&w, PV), 5);
	fill_report(&w, 6, 0x60000, FL_PV_SUSPEND_ME);
	CHECK_EQ(pv_unregister(&w.p), FL_EBUSY);
	CHECK(!pv_complete(&w.p, &w.m, 6, NULL, true, 0));
	CHECK_EQ(pv_unregister(&w.p), 0);

	/* Re-register elsewhere, with another vector. */
	CHECK_EQ(pv_register(&w.p, &w.m, 0x40000, 0x42000, 0x80, 0), 0);
	CHECK_EQ(w.p.pv_gpa, 0x42000);
	CHECK_EQ(w.p.vector, 0x80);
	CHECK(pv_page(&w.p, &w.m) == page_at(&w, 0x42000));
	free(w.buf);
}

/* ---- report ---- */

/* A failing REPORT: *gpa and the host's books unchanged. */
static int rep_err(struct world *w, u64 index, u64 decision)
{
	struct pv_vcpu before = w->p;
	u64 gpa = 0xdead;
	int r = pv_report(&w->p, &w->m, index, decision, &gpa);

	CHECK(r < 0);
	CHECK_EQ(gpa, 0xdead);
	CHECK(memcmp(&before, &w->p, sizeof(before)) == 0);
	return r;
}

TEST(report_errors)
{
	struct world w;
	struct fl_pv_page *pg;

	world_init(&w);
	CHECK_EQ(rep_err(&w, 64, 7), FL_ENOENT);	/* registered is checked first */
	CHECK_EQ(pv_register(&w.p, &w.m, VE, PV, VEC, 0), 0);
	pg = page_at(&w, PV);
	guest_fill(pg, 3, 0x30000, FL_PV_CAN_CONTINUE);
	CHECK_EQ(rep_err(&w, 64, FL_PV_CAN_CONTINUE), FL_EINVAL);
	CHECK_EQ(rep_err(&w, ~0ULL, FL_PV_CAN_CONTINUE), FL_EINVAL);
	CHECK_EQ(rep_err(&w, 4, FL_PV_CAN_CONTINUE), FL_EINVAL);	/* inactive */
	CHECK_EQ(rep_err(&w, 3, FL_PV_NONE), FL_EINVAL);
	CHECK_EQ(rep_err(&w, 3, FL_PV_RESOLVED), FL_EINVAL);
	CHECK_EQ(rep_err(&w, 3, 7), FL_EINVAL);
	CHECK_EQ(rep_err(&w, 3, FL_PV_SUSPEND_ME), FL_EINVAL);	/* state != decision */
	pg->entry[4].state = FL_PV_CAN_CONTINUE;	/* right state, inactive */
	CHECK_EQ(rep_err(&w, 4, FL_PV_CAN_CONTINUE), FL_EINVAL);
	guest_fill(pg, 8, 0x30000, FL_PV_RESOLVED);	/* a host state as "decision" */
	CHECK_EQ(rep_err(&w, 8, FL_PV_RESOLVED), FL_EINVAL);

	/* Outside RAM: RAM itself and beyond; RAM - 1 is the last byte in. */
	guest_fill(pg, 9, RAM, FL_PV_SUSPEND_ME);
	CHECK_EQ(rep_err(&w, 9, FL_PV_SUSPEND_ME), FL_EFAULT);
	pg->entry[9].fault.gpa = ~0ULL;
	CHECK_EQ(rep_err(&w, 9, FL_PV_SUSPEND_ME), FL_EFAULT);
	fill_report(&w, 9, RAM - 1, FL_PV_SUSPEND_ME);

	/* Held twice: EBUSY, after the EINVAL checks and before the RAM check. */
	fill_report(&w, 3, 0x30000, FL_PV_CAN_CONTINUE);
	CHECK_EQ(rep_err(&w, 3, FL_PV_CAN_CONTINUE), FL_EBUSY);
	CHECK_EQ(rep_err(&w, 3, FL_PV_SUSPEND_ME), FL_EINVAL);
	pg->entry[3].fault.gpa = RAM * 2;
	CHECK_EQ(rep_err(&w, 3, FL_PV_CAN_CONTINUE), FL_EBUSY);

	/* The page is looked up through ptr() each time. */
	guest_fill(pg, 10, 0x1000, FL_PV_CAN_CONTINUE);
	w.refuse = true;
	CHECK_EQ(rep_err(&w, 10, FL_PV_CAN_CONTINUE), FL_EFAULT);
	free(w.buf);
}

TEST(report_success)
{
	struct world w;
	struct fl_pv_page *pg;

	world_reg(&w);
	pg = page_at(&w, PV);
	fill_report(&w, 0, 0x12345, FL_PV_CAN_CONTINUE);	/* rounded to 0x12000 */
	CHECK_EQ(w.p.held, 1);
	CHECK_EQ(w.p.decision[0], FL_PV_CAN_CONTINUE);
	CHECK_EQ(w.p.outstanding, 1);
	fill_report(&w, 63, 0xff000, FL_PV_SUSPEND_ME);
	CHECK_EQ(w.p.held, 1 | 1ULL << 63);
	CHECK_EQ(w.p.decision[63], FL_PV_SUSPEND_ME);
	CHECK_EQ(w.p.outstanding, 1);		/* SUSPEND_ME is not outstanding */
	/* Reporting wrote nothing into the page. */
	CHECK_EQ(pg->entry[0].state, FL_PV_CAN_CONTINUE);
	CHECK_EQ(pg->entry[0].fault.gpa, 0x12345);
	CHECK_EQ(pg->entry[63].state, FL_PV_SUSPEND_ME);
	CHECK_EQ(pg->completions, 0);
	CHECK(!w.p.pending);
	free(w.buf);
}

/* ---- complete and take ---- */

TEST(complete_resolved_and_fail)
{
	struct fl_fault fail = { .gpa = 0xbad000, .gla = 0xbad, .access = 7,
				 .code = FL_FAULT_IO_ERROR, .size = 8192, .flags = 2 };
	struct fl_fault want;
	struct fl_pv_page *pg;
	struct world w;

	world_reg(&w);
	pg = page_at(&w, PV);
	fill_report(&w, 1, 0x10000, FL_PV_SUSPEND_ME);
	fill_report(&w, 2, 0x20000, FL_PV_SUSPEND_ME);
	want = pg->entry[1].fault;
	CHECK(!pv_complete(&w.p, &w.m, 1, NULL, false, 0));
	CHECK_EQ(pg->entry[1].state, FL_PV_RESOLVED);
	CHECK_EQ(pg->entry[1].host_flags, 0);
	CHECK(memcmp(&want, &pg->entry[1].fault, sizeof(want)) == 0);

	/* FAIL: code and size copied, flags ORed in; gpa, gla, access stay the guest's. */
	want = pg->entry[2].fault;
	want.code = FL_FAULT_IO_ERROR;
	want.size = 8192;
	want.flags |= 2;
	CHECK(!pv_complete(&w.p, &w.m, 2, &fail, true, 0));
	CHECK_EQ(pg->entry[2].state, FL_PV_FAIL);
	CHECK_EQ(pg->entry[2].host_flags, FL_PV_F_SYNC);
	CHECK(memcmp(&want, &pg->entry[2].fault, sizeof(want)) == 0);
	CHECK_EQ(pg->entry[2].qual, 0x82);

	/* SUSPEND_ME posts no completion. */
	CHECK_EQ(pg->completions | pg->host_current, 0);
	CHECK(!w.p.pending);
	CHECK_EQ(w.p.held | w.p.outstanding, 0);
	free(w.buf);
}

TEST(complete_not_held)
{
	struct world w;
	struct pv_vcpu before;
	u8 *copy = malloc(RAM);

	world_reg(&w);
	guest_fill(page_at(&w, PV), 4, 0x4000, FL_PV_CAN_CONTINUE);	/* never reported */
	fill_report(&w, 5, 0x5000, FL_PV_CAN_CONTINUE);
	CHECK(pv_complete(&w.p, &w.m, 5, NULL, false, 0));
	memcpy(copy, w.buf, RAM);
	before = w.p;
	CHECK(!pv_complete(&w.p, &w.m, 4, NULL, false, 0));
	CHECK(!pv_complete(&w.p, &w.m, 5, NULL, false, 0));	/* completed already */
	CHECK(!pv_complete(&w.p, &w.m, 64, NULL, false, 0));
	CHECK(!pv_complete(&w.p, &w.m, ~0u, NULL, false, 0));
	CHECK(memcmp(copy, w.buf, RAM) == 0);
	CHECK(memcmp(&before, &w.p, sizeof(before)) == 0);
	free(copy);
	free(w.buf);
}

TEST(complete_posts_and_batches)
{
	struct fl_fault fail = { .code = FL_FAULT_POISONED, .size = 4096 };
	struct fl_pv_page *pg;
	struct world w;
	u32 batched = 0;
	u8 vec = 0;
	unsigned i;

	world_reg(&w);
	pg = page_at(&w, PV);
	CHECK(!pv_take_pending(&w.p, &vec, &batched));
	CHECK_EQ(vec, 0);
	for (i = 10; i < 14; i++)
		fill_report(&w, i, i << 12, FL_PV_CAN_CONTINUE);
	CHECK_EQ(w.p.outstanding, 4);

	/* Resolved before REPORT returned: final state, F_SYNC, and no completion owed. */
	CHECK(!pv_complete(&w.p, &w.m, 12, NULL, true, 0));
	CHECK_EQ(pg->entry[12].state, FL_PV_RESOLVED);
	CHECK_EQ(pg->entry[12].host_flags, FL_PV_F_SYNC);
	CHECK_EQ(pg->completions, 0);
	CHECK(!w.p.pending);
	CHECK_EQ(w.p.outstanding, 3);
	CHECK(pv_complete(&w.p, &w.m, 10, NULL, false, 0));	/* false -> true: kick */
	CHECK_EQ(pg->host_current, 10);
	CHECK_EQ(pg->completions, 1);
	CHECK_EQ(pg->entry[10].host_flags, 0);
	CHECK(w.p.pending);
	CHECK(!pv_complete(&w.p, &w.m, 13, NULL, false, 0));	/* already pending */
	CHECK_EQ(pg->host_current, 13);
	CHECK_EQ(pg->completions, 2);
	CHECK_EQ(w.p.outstanding, 1);
	CHECK(pv_take_pending(&w.p, &vec, &batched));
	CHECK_EQ(vec, VEC);
	CHECK_EQ(batched, 2);
	CHECK(!w.p.pending);
	CHECK(!pv_take_pending(&w.p, &vec, &batched));

	CHECK(pv_complete(&w.p, &w.m, 11, &fail, false, 0));	/* pending again: kick */
	CHECK(pv_take_pending(&w.p, &vec, &batched));
	CHECK_EQ(batched, 1);
	CHECK_EQ(pg->entry[11].state, FL_PV_FAIL);
	CHECK_EQ(pg->host_current, 11);
	CHECK_EQ(pg->completions, 3);
	CHECK_EQ(w.p.last_completed, 11);
	CHECK_EQ(w.p.outstanding, 0);
	CHECK(!pv_take_pending(&w.p, &vec, &batched));	/* taken already: nothing twice */
	free(w.buf);
}

/* The two decisions of pv.c's file comment: a completion posted before unregister is
 * still injected afterwards; with the page unreachable the books are released and nothing
 * is posted. */
TEST(complete_edges)
{
	struct world w;
	u32 batched;
	u8 vec;

	world_reg(&w);
	fill_report(&w, 0, 0x1000, FL_PV_CAN_CONTINUE);
	CHECK(pv_complete(&w.p, &w.m, 0, NULL, false, 0));
	CHECK_EQ(pv_unregister(&w.p), 0);
	CHECK_EQ(pv_register(&w.p, &w.m, VE, PV, 0x40, 0), 0);
	CHECK(pv_take_pending(&w.p, &vec, &batched));
	CHECK_EQ(vec, 0x40);
	CHECK_EQ(batched, 1);

	guest_consume(page_at(&w, PV), 0);
	fill_report(&w, 0, 0x1000, FL_PV_CAN_CONTINUE);
	w.refuse = true;
	CHECK(!pv_complete(&w.p, &w.m, 0, NULL, false, 0));
	CHECK_EQ(w.p.held | w.p.outstanding, 0);
	CHECK(!pv_take_pending(&w.p, &vec, &batched));
	CHECK(pv_page(&w.p, &w.m) == NULL && pv_ve_info(&w.p, &w.m) == NULL);
	CHECK_EQ(pv_unregister(&w.p), 0);
	free(w.buf);
}

/* ---- model-based random sequences ---- */

/* Each entry's life as the model sees it, and the counters that the exactly-once claims
 * rest on (cc: CAN_CONTINUE, sm: SUSPEND_ME). */
enum { M_FREE, M_FILLED, M_HELD, M_DONE };

struct model {
	bool reg;
	u64 pv;				/* the page registered last */
	u8 vec;
	int st[FL_PV_ENTRIES];		/* M_* */
	unsigned dec[FL_PV_ENTRIES], state[FL_PV_ENTRIES];	/* state: in the page */
	u32 outstanding, pend;
	u64 posted;			/* completions counter of the current page */
	u64 cc_reported, cc_completed, cc_batched, cc_consumed, sm_reported, sm_consumed;
	u64 cc_synced;	/* CAN_CONTINUE resolved with F_SYNC: no completion posted */
};

static u64 rnd(u64 n)
{
	static u64 x = 88172645463325252ULL;	/* xorshift64: repeatable runs */

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x % n;
}

static void model_reg(struct world *w, struct model *md)
{
	u64 k = rnd(2), ve = k ? 0x40000 : VE, pv = k ? 0x42000 : PV, vec = 32 + rnd(224);
	u64 flags = 0;
	int want = 0;

	switch (rnd(8)) {
	case 0: flags = 4; want = FL_EINVAL; break;
	case 1: ve += 0x10; want = FL_EINVAL; break;
	case 2: pv = RAM - 4096; want = FL_EFAULT; break;
	case 3: ve = pv + 4096; want = FL_EINVAL; break;
	case 4: vec = rnd(32); want = FL_EINVAL; break;
	}
	if (md->reg)
		want = FL_EBUSY;
	else if (!want)
		memset(page_at(w, pv), 0, sizeof(struct fl_pv_page));	/* the guest's set-up */
	CHECK_EQ(pv_register(&w->p, &w->m, ve, pv, vec, flags), want);
	if (want)
		return;
	md->reg = true;
	md->pv = pv;
	md->vec = vec;
	md->posted = 0;
}

/* The guest has drained its page when it unregisters: DONE entries count as consumed. */
static void model_unreg(struct world *w, struct model *md)
{
	int want = md->reg ? 0 : FL_ENOENT, i;

	for (i = 0; i < FL_PV_ENTRIES; i++)
		if (md->reg && md->st[i] == M_HELD)
			want = FL_EBUSY;
	CHECK_EQ(pv_unregister(&w->p), want);
	if (want)
		return;
	md->reg = false;
	for (i = 0; i < FL_PV_ENTRIES; i++) {
		if (md->st[i] == M_DONE)
			*(md->dec[i] == FL_PV_CAN_CONTINUE ? &md->cc_consumed : &md->sm_consumed) += 1;
		md->st[i] = M_FREE;
		md->state[i] = FL_PV_NONE;
	}
}

/* Mostly well-formed reports of a freshly filled entry; sometimes a wrong index,
 * decision, state, a held entry again, or a gpa outside RAM. */
static void model_report(struct world *w, struct model *md)
{
	struct fl_pv_page *pg = page_at(w, md->pv);
	u64 i = rnd(FL_PV_ENTRIES + 2), dec, gpa = 0;
	int want = 0, r;

	if (md->reg && i < FL_PV_ENTRIES && md->st[i] == M_FREE && rnd(4)) {
		md->dec[i] = md->state[i] = 1 + rnd(2);
		md->st[i] = M_FILLED;
		guest_fill(pg, i, rnd(8) ? rnd(RAM) : RAM + rnd(RAM), md->dec[i]);
	}
	dec = rnd(6) ? (i < FL_PV_ENTRIES ? md->dec[i] : 1) : rnd(8);
	if (!md->reg)
		want = FL_ENOENT;
	else if (i >= FL_PV_ENTRIES || (dec != 1 && dec != 2) || md->st[i] == M_FREE ||
		 md->state[i] != dec)
		want = FL_EINVAL;
	else if (md->st[i] == M_HELD)
		want = FL_EBUSY;
	else if (pg->entry[i].fault.gpa >= RAM)
		want = FL_EFAULT;
	r = pv_report(&w->p, &w->m, i, dec, &gpa);
	CHECK_EQ(r, want);
	if (r)
		return;
	CHECK_EQ(gpa, pg->entry[i].fault.gpa & ~0xfffULL);
	md->st[i] = M_HELD;
	*(dec == FL_PV_CAN_CONTINUE ? &md->cc_reported : &md->sm_reported) += 1;
	md->outstanding += dec == FL_PV_CAN_CONTINUE;
}

static void model_complete(struct world *w, struct model *md, u32 i)
{
	struct fl_fault fail = { .code = FL_FAULT_POISONED, .size = 4096 };
	bool cc, sync = rnd(2);

	if (i >= FL_PV_ENTRIES || md->st[i] != M_HELD) {
		CHECK(!pv_complete(&w->p, &w->m, i, NULL, false, 0));
		return;
	}
	cc = md->dec[i] == FL_PV_CAN_CONTINUE;
	md->st[i] = M_DONE;
	md->state[i] = rnd(2) ? FL_PV_RESOLVED : FL_PV_FAIL;
	CHECK_EQ(pv_complete(&w->p, &w->m, i, md->state[i] == FL_PV_FAIL ? &fail : NULL,
			     sync, 0), cc && !sync && md->pend == 0);
	if (!cc)
		return;
	if (sync) {
		md->outstanding--;
		md->cc_completed++;
		md->cc_synced++;
		return;
	}
	CHECK_EQ(page_at(w, md->pv)->host_current, i);
	md->outstanding--;
	md->pend++;
	md->posted++;
	md->cc_completed++;
}

static void model_take(struct world *w, struct model *md)
{
	u32 batched = 0;
	u8 vec = 0;

	CHECK_EQ(pv_take_pending(&w->p, &vec, &batched), md->pend > 0);
	if (!md->pend)
		return;
	CHECK_EQ(vec, md->vec);
	CHECK_EQ(batched, md->pend);
	md->cc_batched += batched;
	md->pend = 0;
}

static void model_consume(struct world *w, struct model *md, u32 i)
{
	if (md->st[i] != M_DONE)
		return;
	guest_consume(page_at(w, md->pv), i);
	md->st[i] = M_FREE;
	md->state[i] = FL_PV_NONE;
	*(md->dec[i] == FL_PV_CAN_CONTINUE ? &md->cc_consumed : &md->sm_consumed) += 1;
}

/* After every step: the host's books and the page agree with the model. */
static void model_check(struct world *w, struct model *md)
{
	struct fl_pv_page *pg = page_at(w, md->pv);
	u64 held = 0;
	int i;

	for (i = 0; i < FL_PV_ENTRIES; i++) {
		held |= (u64)(md->st[i] == M_HELD) << i;
		if (md->reg)
			CHECK_EQ(pg->entry[i].state, md->state[i]);
	}
	CHECK_EQ(w->p.registered, md->reg);
	CHECK_EQ(w->p.held, held);
	CHECK_EQ(w->p.outstanding, md->outstanding);
	CHECK_EQ(w->p.pending, md->pend > 0);
	CHECK_EQ(w->p.pending_count, md->pend);
	CHECK_EQ(pg->completions, md->posted);
}

TEST(model_random)
{
	struct model md = { .pv = PV };
	struct world w;
	u64 step;
	u32 i;

	world_init(&w);
	for (step = 0; step < 300000 && !check_cur_failed; step++) {
		switch (rnd(7)) {
		case 0: if (!rnd(20)) model_reg(&w, &md); break;
		case 1: if (!rnd(40)) model_unreg(&w, &md); break;
		case 2: case 3: model_report(&w, &md); break;
		case 4: model_complete(&w, &md, rnd(FL_PV_ENTRIES + 1)); break;
		case 5: model_take(&w, &md); break;
		case 6: model_consume(&w, &md, rnd(FL_PV_ENTRIES)); break;
		}
		model_check(&w, &md);
	}
	/* Drain: every report completed once, every completion covered by an injection. */
	for (i = 0; i < FL_PV_ENTRIES; i++)
		model_complete(&w, &md, i);
	model_take(&w, &md);
	for (i = 0; i < FL_PV_ENTRIES; i++)
		model_consume(&w, &md, i);
	model_check(&w, &md);
	CHECK(md.cc_reported > 1000 && md.sm_reported > 1000);
	CHECK_EQ(md.cc_completed, md.cc_reported);
	CHECK_EQ(md.cc_batched + md.cc_synced, md.cc_reported);
	CHECK(md.cc_synced > 0 && md.cc_batched > 0);
	CHECK_EQ(md.cc_consumed, md.cc_reported);
	CHECK_EQ(md.sm_consumed, md.sm_reported);
	free(w.buf);
}

/* ---- threads ---- */

/* A worker completes held entries under the vCPU lock (the mutex); the vCPU thread reports
 * and takes pending completions under it and, as the guest, consumes results without it,
 * trusting only the release order of state (TSan checks that order). Odd entries FAIL,
 * every fourth is SYNC, so the guest can check each record it sees. */
#define MT_TOTAL 20000

struct mt {
	struct world w;
	pthread_mutex_t lock;
	u64 completed, kicks;	/* the worker's, under lock */
	int done;		/* atomic: the worker has completed everything */
};

static void *mt_worker(void *arg)
{
	struct fl_fault fail = { .code = FL_FAULT_IO_ERROR, .size = 4096 };
	struct mt *t = arg;
	unsigned i = 0;

	while (!__atomic_load_n(&t->done, __ATOMIC_RELAXED)) {
		pthread_mutex_lock(&t->lock);
		if (t->w.p.held) {
			while (!(t->w.p.held & (1ULL << i)))	/* rotate: out of order */
				i = (i + 1) % FL_PV_ENTRIES;
			t->kicks += pv_complete(&t->w.p, &t->w.m, i, i & 1 ? &fail : NULL, false, 0);
			if (++t->completed == MT_TOTAL)
				__atomic_store_n(&t->done, 1, __ATOMIC_RELAXED);
		}
		pthread_mutex_unlock(&t->lock);
	}
	return NULL;
}

/* The guest's step 9 for entry i once its state is final: -1 while not, else 1 if the
 * record is not what the worker wrote. */
static int mt_consume(struct fl_pv_page *pg, unsigned i)
{
	struct fl_pv_entry *e = &pg->entry[i];
	unsigned s = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);
	int bad = 0;

	if (s != FL_PV_RESOLVED && s != FL_PV_FAIL)
		return -1;
	bad |= (s == FL_PV_FAIL) != (i & 1);
	bad |= s == FL_PV_FAIL && (e->fault.code != FL_FAULT_IO_ERROR || e->fault.size != 4096);
	bad |= e->host_flags != 0;	/* asynchronous completions only here */
	bad |= e->fault.gpa != (u64)i << 12;
	guest_consume(pg, i);
	return bad;
}

/* Under the lock: take a pending completion if there is one. */
static void mt_take(struct mt *t, u64 *takes, u64 *sum, u64 *bad)
{
	u32 batched;
	u8 vec;

	pthread_mutex_lock(&t->lock);
	if (pv_take_pending(&t->w.p, &vec, &batched)) {
		++*takes;
		*sum += batched;
		*bad += vec != VEC;
	}
	pthread_mutex_unlock(&t->lock);
}

TEST(threads)
{
	static struct mt t;
	u64 reported = 0, consumed = 0, mine = 0, takes = 0, sum = 0, bad = 0, gpa;
	struct fl_pv_page *pg;
	pthread_t th;
	unsigned i;
	int r;

	memset(&t, 0, sizeof(t));
	world_reg(&t.w);
	pg = page_at(&t.w, PV);
	pthread_mutex_init(&t.lock, NULL);
	CHECK_EQ(pthread_create(&th, NULL, mt_worker, &t), 0);
	while (consumed < MT_TOTAL) {
		for (i = 0; i < FL_PV_ENTRIES && reported < MT_TOTAL; i++) {
			if (mine & (1ULL << i))
				continue;
			guest_fill(pg, i, (u64)i << 12, FL_PV_CAN_CONTINUE);
			pthread_mutex_lock(&t.lock);
			bad += pv_report(&t.w.p, &t.w.m, i, FL_PV_CAN_CONTINUE, &gpa) != 0;
			pthread_mutex_unlock(&t.lock);
			mine |= 1ULL << i;
			reported++;
		}
		mt_take(&t, &takes, &sum, &bad);
		bad += __atomic_load_n(&pg->host_current, __ATOMIC_RELAXED) >= FL_PV_ENTRIES;
		for (i = 0; i < FL_PV_ENTRIES; i++) {
			if (!(mine & (1ULL << i)) || (r = mt_consume(pg, i)) < 0)
				continue;
			bad += r;
			mine &= ~(1ULL << i);
			consumed++;
		}
	}
	pthread_join(th, NULL);
	mt_take(&t, &takes, &sum, &bad);
	CHECK_EQ(bad, 0);
	CHECK_EQ(t.completed, MT_TOTAL);
	CHECK_EQ(sum, MT_TOTAL);
	CHECK_EQ(takes, t.kicks);	/* one kick per injection: none lost, none extra */
	CHECK(takes < MT_TOTAL);	/* batching did happen */
	CHECK_EQ(pg->completions, MT_TOTAL);
	CHECK_EQ(t.w.p.outstanding | t.w.p.held | t.w.p.pending, 0);
	CHECK_EQ(pv_unregister(&t.w.p), 0);
	pthread_mutex_destroy(&t.lock);
	free(t.w.buf);
}

/* A lost completion in the threaded test would hang the run instead of failing it: the
 * watchdog turns that into a failure (tests/unit/run.sh reports the missing summary). */
static void watchdog(int sig)
{
	static const char m[] = "  FAIL watchdog: a completion never arrived after 600 s\n";

	(void)sig;
	if (write(1, m, sizeof(m) - 1) < 0)
		_exit(2);
	_exit(1);
}

int main(void)
{
	signal(SIGALRM, watchdog);
	alarm(600);	/* a hang, not slowness: generous on a loaded machine */
	RUN(register_checks);
	RUN(unregister);
	RUN(report_errors);
	RUN(report_success);
	RUN(complete_resolved_and_fail);
	RUN(complete_not_held);
	RUN(complete_posts_and_batches);
	RUN(complete_edges);
	RUN(model_random);
	RUN(threads);
	return DONE();
}
