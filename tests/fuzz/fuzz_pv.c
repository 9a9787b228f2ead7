/* tests/fuzz/fuzz_pv.c: libFuzzer harness for apf/pv.c, the host side of the PV protocol
 * (docs/pv-protocol.md).
 *
 * Drives: one struct pv_vcpu through an operation stream decoded from the input:
 * pv_register (sensible, misaligned, huge and near-2^64 addresses, any vector and flags),
 * pv_unregister, pv_report (any index, any decision), pv_complete (any index, RESOLVED or
 * FAIL with any record, sync or not), pv_take_pending, pv_page/pv_ve_info; between them the
 * "guest" fills and consumes entries the spec's way, and scribbles random bytes over its PV
 * page, its VE information page, the active bitmap or anywhere in its RAM; the memory layer
 * can grow a hole (a page its ptr() refuses) at any time.
 *
 * Guest RAM is a tight malloc of the input's chosen size (not always a page multiple).
 * Around every pv_* call all of it is ASan-poisoned, and ptr() unpoisons exactly the window
 * it hands out: any read or write of guest memory that was not asked for through pv_mem, or
 * past the window asked for, or outside the buffer, is an ASan report.
 *
 * Invariants asserted after every operation, against a model written from the spec:
 * - each call's return value is the spec's: register/report/unregister codes in the spec's
 *   order of checks, report's page = fault.gpa aligned down, complete's "kick" only on the
 *   pending false->true edge of a posted CAN_CONTINUE completion, take_pending only while
 *   pending, with the registered vector and the count of completions since the last take;
 * - a failed call (and a pv_complete of an entry not held) changes nothing in struct
 *   pv_vcpu (byte compare with a copy) and nothing in guest memory; register, unregister,
 *   report and take_pending never write guest memory at all;
 * - a completion writes exactly the spec's fields of the held entry (state, host_flags, and
 *   for FAIL code, size and flags |=) and, when it posts, host_current and completions + 1;
 *   every other byte of guest RAM is unchanged;
 * - held bits only for entries reported and not yet completed, never while unregistered;
 *   outstanding == number of held CAN_CONTINUE entries; pending iff a CAN_CONTINUE
 *   completion was posted and not yet taken; pv_unregister refuses while entries are held. */
#include <sanitizer/asan_interface.h>
#include "tests/fuzz/fuzz.h"
#include "apf/pv.h"

#define PG 4096ULL
#define MAX_OPS 2000

_Static_assert(sizeof(struct fl_pv_page) <= FL_PV_SIZE, "the PV page fits its area");

struct world {
	unsigned char *ram;	/* tight malloc of size bytes */
	unsigned char *snap;	/* RAM before the current call */
	u64 size;
	u64 hole;		/* ptr() refuses ranges touching page hole (~0: no hole) */
	struct pv_mem m;
	struct pv_vcpu p;
};

/* The model: what the spec says the vCPU's host state is. */
struct model {
	bool registered;
	u64 ve, pv;
	u8 vector;		/* of the last successful register (kept by unregister) */
	u64 held;
	u8 decision[FL_PV_ENTRIES];
	bool pending;
	u32 pending_count;
	u64 last_completed;
	bool ever_posted;
	bool polled;		/* FL_VE_F_POLLED: completions post no interrupt */
};

static bool reachable(const struct world *w, u64 gpa, u64 len)
{
	if (len > w->size || gpa > w->size - len)
		return false;
	if (w->hole != ~0ULL && gpa < (w->hole + 1) * PG && w->hole * PG < gpa + len)
		return false;
	return true;
}

static void *fake_ptr(void *ctx, u64 gpa, u64 len)
{
	struct world *w = ctx;

	if (!reachable(w, gpa, len))
		return NULL;
	ASAN_UNPOISON_MEMORY_REGION(w->ram + gpa, len);
	return w->ram + gpa;
}

/* Around each call into pv.c: the RAM is closed but for ptr()'s windows; snap holds it as
 * it was before. */
static void enter(struct world *w)
{
	memcpy(w->snap, w->ram, w->size);
	ASAN_POISON_MEMORY_REGION(w->ram, w->size);
}

static void leave(struct world *w)
{
	ASAN_UNPOISON_MEMORY_REGION(w->ram, w->size);
}

static bool ram_unchanged(const struct world *w)
{
	return memcmp(w->snap, w->ram, w->size) == 0;
}

/* ---- the guest ---- */

/* Guest writes stay inside its RAM (the harness is not under test here). */
static void gwrite(struct world *w, u64 gpa, const void *src, u64 len)
{
	if (!len || len > w->size || gpa > w->size - len)
		return;
	memcpy(w->ram + gpa, src, len);
}

/* The guest's idea of where its PV page is: the last one it asked to register. */
static u64 guest_pv = ~0ULL, guest_ve = ~0ULL;

static struct fl_pv_page *gpage(struct world *w)
{
	if (guest_pv == ~0ULL || (guest_pv & 7) || FL_PV_SIZE > w->size ||
	    guest_pv > w->size - FL_PV_SIZE)
		return NULL;
	return (struct fl_pv_page *)(w->ram + guest_pv);
}

/* An address as a fuzzing guest would pass one: mostly pages in and near RAM. */
static u64 gen_gpa(struct fz *f, const struct world *w)
{
	u8 sel = fz_u8(f);
	u64 pages = w->size / PG + 3;

	switch (sel & 7) {
	case 0: case 1: case 2:
		return (fz_u8(f) % pages) * PG;
	case 3:
		return (fz_u8(f) % pages) * PG + (fz_u16(f) & 0xfff);
	case 4:
		return w->size - (u64)(fz_u8(f) % 4) * PG;
	case 5:
		return ~0ULL - (u64)(fz_u8(f) % 4) * PG - 0xfff;	/* near 2^64, aligned */
	case 6:
		return w->size + fz_u8(f);
	default:
		return fz_u64(f);
	}
}

/* ---- the checks ---- */

static int popcount64(u64 x)
{
	return __builtin_popcountll(x);
}

static void check_vcpu(const struct world *w, const struct model *md)
{
	const struct pv_vcpu *p = &w->p;
	u32 cc = 0;

	FZ_CHECK(p->registered == md->registered);
	FZ_CHECK(p->held == md->held);
	FZ_CHECK(!p->held || p->registered);	/* held bits only while registered */
	for (unsigned i = 0; i < FL_PV_ENTRIES; i++) {
		if (!(p->held & (1ULL << i)))
			continue;
		FZ_CHECK(p->decision[i] == md->decision[i]);
		FZ_CHECK(p->decision[i] == FL_PV_CAN_CONTINUE || p->decision[i] == FL_PV_SUSPEND_ME);
		cc += p->decision[i] == FL_PV_CAN_CONTINUE;
	}
	FZ_CHECK(p->outstanding == cc);		/* outstanding == held CAN_CONTINUE entries */
	FZ_CHECK(p->pending == md->pending);
	FZ_CHECK(p->pending_count == md->pending_count);
	FZ_CHECK(!p->pending || p->pending_count > 0);
	if (md->registered) {
		FZ_CHECK(p->ve_gpa == md->ve && p->pv_gpa == md->pv);
		FZ_CHECK(p->vector == md->vector);
	}
	if (md->ever_posted)
		FZ_CHECK(p->last_completed == md->last_completed);
	FZ_CHECK(popcount64(md->held) <= FL_PV_ENTRIES);
}

/* ---- the operations ---- */

static void op_register(struct fz *f, struct world *w, struct model *md)
{
	struct pv_vcpu before = w->p;
	u64 ve = gen_gpa(f, w), pv = gen_gpa(f, w), vec, flags;
	u8 vs = fz_u8(f), fs = fz_u8(f);
	int want, rc;

	vec = (vs & 0x80) ? fz_u64(f) : (u64)fz_u8(f);
	flags = (fs & 0xf0) == 0xf0 ? fz_u64(f) : 0;

	guest_ve = ve;
	guest_pv = pv;
	if (md->registered)
		want = FL_EBUSY;
	else if (flags & ~(u64)FL_VE_F_POLLED)
		want = FL_EINVAL;
	else if ((ve | pv) & (PG - 1))
		want = FL_EINVAL;
	else if (!reachable(w, ve, PG) || !reachable(w, pv, FL_PV_SIZE))
		want = FL_EFAULT;
	else if (ve < pv + FL_PV_SIZE && pv < ve + PG)
		want = FL_EINVAL;
	else if (vec < 32 || vec > 255)
		want = FL_EINVAL;
	else
		want = 0;

	enter(w);
	rc = pv_register(&w->p, &w->m, ve, pv, vec, flags);
	leave(w);

	FZ_CHECK(rc == want);
	FZ_CHECK(ram_unchanged(w));		/* registration does not touch guest memory */
	if (rc) {
		FZ_CHECK(memcmp(&before, &w->p, sizeof(before)) == 0);
		return;
	}
	md->registered = true;
	md->polled = flags & FL_VE_F_POLLED;
	md->ve = ve;
	md->pv = pv;
	md->vector = (u8)vec;
	FZ_CHECK(md->held == 0);
}

static void op_unregister(struct world *w, struct model *md)
{
	struct pv_vcpu before = w->p;
	int want = !md->registered ? FL_ENOENT : md->held ? FL_EBUSY : 0;
	int rc;

	enter(w);
	rc = pv_unregister(&w->p);
	leave(w);

	FZ_CHECK(rc == want);
	FZ_CHECK(ram_unchanged(w));
	if (rc) {
		FZ_CHECK(memcmp(&before, &w->p, sizeof(before)) == 0);
		return;
	}
	md->registered = false;
}

static void op_report(struct fz *f, struct world *w, struct model *md)
{
	struct pv_vcpu before = w->p;
	u8 is = fz_u8(f), ds = fz_u8(f);
	u64 index = (is & 0xc0) == 0xc0 ? fz_u64(f) : is % 70u;
	u64 decision = (ds & 0xf0) == 0xf0 ? fz_u64(f) : ds % 4u;
	u64 gpa = 0x5a5a5a5a5a5a5a5aULL, fgpa = 0;
	int want, rc;

	if (!md->registered) {
		want = FL_ENOENT;
	} else if (index >= FL_PV_ENTRIES) {
		want = FL_EINVAL;
	} else if (decision != FL_PV_CAN_CONTINUE && decision != FL_PV_SUSPEND_ME) {
		want = FL_EINVAL;
	} else if (!reachable(w, md->pv, FL_PV_SIZE)) {
		want = FL_EFAULT;
	} else {
		const struct fl_pv_page *pg = (const void *)(w->ram + md->pv);
		const struct fl_pv_entry *e = &pg->entry[index];

		fgpa = e->fault.gpa;
		if (!(pg->active[index / 64] & (1ULL << (index % 64))))
			want = FL_EINVAL;
		else if (e->state != decision)
			want = FL_EINVAL;
		else if (md->held & (1ULL << index))
			want = FL_EBUSY;
		else if (fgpa >= w->size)
			want = FL_EFAULT;
		else
			want = 0;
	}

	enter(w);
	rc = pv_report(&w->p, &w->m, index, decision, &gpa);
	leave(w);

	FZ_CHECK(rc == want);
	FZ_CHECK(ram_unchanged(w));		/* REPORT only reads the PV page */
	if (rc) {
		FZ_CHECK(memcmp(&before, &w->p, sizeof(before)) == 0);
		FZ_CHECK(gpa == 0x5a5a5a5a5a5a5a5aULL);
		return;
	}
	FZ_CHECK(gpa == (fgpa & ~(PG - 1)));
	FZ_CHECK(gpa < w->size);
	md->held |= 1ULL << index;
	md->decision[index] = (u8)decision;
}

static void op_complete(struct fz *f, struct world *w, struct model *md)
{
	struct pv_vcpu before = w->p;
	u8 is = fz_u8(f), how = fz_u8(f);
	u32 index = (is & 0xc0) == 0xc0 ? fz_u32(f) : is % 70u;
	bool sync = how & 1, failed = how & 2;
	struct fl_fault rec = { 0 };
	bool held, posted = false, kick, ret;
	unsigned char *expect = NULL;

	if (failed) {
		rec.gpa = fz_u64(f);
		rec.code = fz_u8(f) % 6;
		rec.size = (how & 4) ? fz_u64(f) : 4096;
		rec.flags = fz_u8(f) & 3;
		rec.gla = fz_u64(f);
		rec.access = fz_u8(f) & 7;
	}
	held = index < FL_PV_ENTRIES && (md->held & (1ULL << index));

	/* The guest RAM this call must leave behind. */
	expect = malloc(w->size);
	memcpy(expect, w->ram, w->size);
	if (held && reachable(w, md->pv, FL_PV_SIZE)) {
		struct fl_pv_page *pg = (void *)(expect + md->pv);
		struct fl_pv_entry *e = &pg->entry[index];

		if (failed) {
			e->fault.code = rec.code;
			e->fault.size = rec.size;
			e->fault.flags |= rec.flags;
		}
		e->host_flags = sync ? FL_PV_F_SYNC : 0;
		e->state = failed ? FL_PV_FAIL : FL_PV_RESOLVED;
		if (md->decision[index] == FL_PV_CAN_CONTINUE && !sync) {
			pg->host_current = index;
			pg->completions = pg->completions + 1;
			posted = true;
		}
	}
	kick = posted && !md->pending && !md->polled;	/* polled: no interrupt but by deadline */

	enter(w);
	ret = pv_complete(&w->p, &w->m, index, failed ? &rec : NULL, sync, 0);
	leave(w);

	FZ_CHECK(ret == kick);
	FZ_CHECK(memcmp(expect, w->ram, w->size) == 0);	/* exactly the spec's writes */
	free(expect);
	if (!held) {
		/* A completion only for a held entry: nothing at all happens otherwise. */
		FZ_CHECK(memcmp(&before, &w->p, sizeof(before)) == 0);
		FZ_CHECK(ram_unchanged(w));
		return;
	}
	md->held &= ~(1ULL << index);
	if (posted) {
		md->pending |= !md->polled;
		md->pending_count++;
		md->last_completed = index;
		md->ever_posted = true;
	}
}

static void op_take(struct world *w, struct model *md)
{
	struct pv_vcpu before = w->p;
	u8 vec = 0xa5;
	u32 batched = 0xa5a5a5a5u;
	bool ret;

	enter(w);
	ret = pv_take_pending(&w->p, &vec, &batched);
	leave(w);

	FZ_CHECK(ret == md->pending);
	FZ_CHECK(ram_unchanged(w));
	if (!ret) {
		FZ_CHECK(memcmp(&before, &w->p, sizeof(before)) == 0);
		FZ_CHECK(vec == 0xa5 && batched == 0xa5a5a5a5u);
		return;
	}
	FZ_CHECK(vec == md->vector);
	FZ_CHECK(vec >= 32);
	FZ_CHECK(batched == md->pending_count && batched > 0);
	md->pending = false;
	md->pending_count = 0;
}

static void op_query(struct world *w, const struct model *md)
{
	struct fl_pv_page *pg;
	struct fl_ve_info *ve;

	enter(w);
	pg = pv_page(&w->p, &w->m);
	ve = pv_ve_info(&w->p, &w->m);
	leave(w);

	FZ_CHECK(ram_unchanged(w));
	if (md->registered && reachable(w, md->pv, FL_PV_SIZE))
		FZ_CHECK(pg == (void *)(w->ram + md->pv));
	else
		FZ_CHECK(pg == NULL);
	if (md->registered && reachable(w, md->ve, PG))
		FZ_CHECK(ve == (void *)(w->ram + md->ve));
	else
		FZ_CHECK(ve == NULL);
}

/* The guest's steps 2-4 for one entry, with whatever values it likes. */
static void guest_fill(struct fz *f, struct world *w)
{
	struct fl_pv_page *pg = gpage(w);
	u8 i = fz_u8(f) % FL_PV_ENTRIES, st = fz_u8(f);
	u64 gpa;

	if (!pg)
		return;
	gpa = gen_gpa(f, w);
	pg->active[0] |= 1ULL << i;
	pg->entry[i].fault = (struct fl_fault){ .gpa = gpa, .size = 4096, .gla = gpa ^ 0x7000,
						.access = FL_ACC_WRITE,
						.flags = FL_FAULT_GLA_VALID };
	pg->entry[i].qual = 0x82;
	pg->entry[i].host_flags = 0;
	pg->guest_current = i;
	pg->entry[i].state = st < 200 ? (st & 1 ? FL_PV_CAN_CONTINUE : FL_PV_SUSPEND_ME) : st;
}

/* Step 9: back to NONE, active bit cleared. */
static void guest_consume(struct fz *f, struct world *w)
{
	struct fl_pv_page *pg = gpage(w);
	u8 i = fz_u8(f) % FL_PV_ENTRIES;

	if (!pg)
		return;
	pg->entry[i].state = FL_PV_NONE;
	pg->active[0] &= ~(1ULL << i);
}

/* Random bytes over the PV page, the VE page, the active bitmap or any RAM. */
static void guest_scribble(struct fz *f, struct world *w)
{
	u8 where = fz_u8(f), buf[64];
	u64 off = fz_u16(f), base;
	size_t n = fz_bytes(f, buf, 1 + fz_u8(f) % sizeof(buf));

	switch (where % 4) {
	case 0:
		base = guest_pv;
		off %= FL_PV_SIZE;
		break;
	case 1:
		base = guest_ve;
		off %= PG;
		break;
	case 2:
		base = guest_pv;
		off = offsetof(struct fl_pv_page, active) + off % 16;
		break;
	default:
		base = 0;
		off = (off << 4) % (w->size ? w->size : 1);
		break;
	}
	if (base == ~0ULL)
		return;
	gwrite(w, base + off, buf, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = fz_init(data, size);
	struct world w;
	struct model md;
	u8 s0 = fz_u8(&f), s1 = fz_u8(&f);
	unsigned ops = 0;

	memset(&w, 0, sizeof(w));
	memset(&md, 0, sizeof(md));
	guest_pv = guest_ve = ~0ULL;
	w.size = (1 + s0 % 24) * PG - ((s1 & 0x80) ? (s1 & 0x7f) : 0);
	w.ram = malloc(w.size);
	w.snap = malloc(w.size);
	memset(w.ram, (s1 & 0x40) ? 0xff : 0, w.size);
	w.hole = ~0ULL;
	w.m = (struct pv_mem){ w.size, fake_ptr, &w };

	while (fz_more(&f) && ops++ < MAX_OPS) {
		u8 op = fz_u8(&f);

		switch (op % 12) {
		case 0: op_register(&f, &w, &md); break;
		case 1: op_unregister(&w, &md); break;
		case 2: case 3: op_report(&f, &w, &md); break;
		case 4: case 5: op_complete(&f, &w, &md); break;
		case 6: op_take(&w, &md); break;
		case 7: op_query(&w, &md); break;
		case 8: guest_fill(&f, &w); break;
		case 9: guest_consume(&f, &w); break;
		case 10: guest_scribble(&f, &w); break;
		default: {
			u8 h = fz_u8(&f);
			w.hole = h < 128 ? ~0ULL : (u64)(h % (w.size / PG + 1));
			break;
		}
		}
		check_vcpu(&w, &md);
	}
	free(w.ram);
	free(w.snap);
	return 0;
}
