/* guest/tests/hostile/calls.c: the hostile guest's hypercall engine (hostile.h says what
 * each piece owns). Every ring-0 hypercall goes through hv(), which counts it and compares
 * its result with what docs/pv-protocol.md and include/faultline.h say it must be, as far
 * as the guest can know; REPORT, registration and draining keep struct eng in step with
 * what the host holds, since the scribbling and the runtime rely on it. */
#include "guest/tests/hostile/hostile.h"

/* ---- hypercalls and their results ---- */

static const char *const rnames[R_N] = {
	"ok", "enosys", "einval", "efault", "ebusy", "enoent", "eperm", "other"
};
#define ANY_REPORT	(M(R_OK) | M(R_EINVAL) | M(R_EBUSY) | M(R_EFAULT))

static const char *const knames[K_N] = {
	"version", "puts", "tsc", "start", "info", "register", "unregister", "report", "unknown"
};

static unsigned rclass(s64 r)
{
	if (r >= 0)
		return R_OK;
	if (r >= FL_EPERM)
		return (unsigned)-r;
	return R_OTHER;
}

static void mask_names(unsigned want, char *ws, unsigned size)
{
	unsigned n = 0;

	for (unsigned k = 0; k < R_N; k++)
		if (want & M(k)) {
			const char *s = rnames[k];

			if (n && n < size - 1)
				ws[n++] = '|';
			while (*s && n < size - 1)
				ws[n++] = *s++;
		}
	ws[n] = 0;
}

/* A result the documentation does not allow: counted, and the first MAX_SHOW printed. */
static void surprise(unsigned cpu, const char *what, u64 nr, u64 a, u64 b, u64 c, u64 d,
		     s64 got, unsigned want, s64 exact)
{
	char ws[64];

	if (INC(st.surprises) > MAX_SHOW)
		return;
	if (want)
		mask_names(want, ws, sizeof(ws));
	rt_printf("\nguest: hostile: SURPRISE vcpu%u %s: nr=0x%lx args=(0x%lx, 0x%lx, 0x%lx, "
		  "0x%lx) -> %ld, expected %s", cpu, what, nr, a, b, c, d, got, want ? ws : "");
	if (!want)
		rt_printf("%ld", exact);
	rt_printf("\n");
}

/* A check after a call (the entry it left behind): x, y say what was seen. */
static void odd_entry(unsigned cpu, const char *what, u64 idx, u64 dec, u64 x, u64 y)
{
	if (INC(st.surprises) > MAX_SHOW)
		return;
	rt_printf("\nguest: hostile: SURPRISE vcpu%u: %s: REPORT(index=0x%lx, decision=0x%lx): "
		  "0x%lx, 0x%lx\n", cpu, what, idx, dec, x, y);
}

/* One hypercall from ring 0: counted, and checked against the results allowed (want, a
 * mask of R_*) or, with want 0, against one exact value. */
static s64 hv(unsigned cpu, unsigned kind, u64 nr, u64 a, u64 b, u64 c, u64 d, unsigned want,
	      s64 exact)
{
	s64 r = vmcall(nr, a, b, c, d);
	unsigned k = rclass(r);

	INC(st.calls);
	INC(st.calls_cpu[cpu]);
	INC(st.res[k]);
	INC(st.kind[kind]);
	if (want ? !(want & M(k)) : r != exact)
		surprise(cpu, knames[kind], nr, a, b, c, d, r, want, exact);
	return r;
}

/* ---- REPORT ---- */

/* What REPORT(idx, dec) may return now (docs/pv-protocol.md, "REPORT"). *held: the host may
 * hold the entry (and complete it while we look), so it cannot be compared after the call. */
static unsigned report_want(const struct eng *e, struct fl_pv_page *p, u64 idx, u64 dec,
			    bool *held)
{
	struct fl_pv_entry *en;
	u64 bit = 1ULL << (idx & 63);

	*held = p && idx < FL_PV_ENTRIES &&
		(runtime_entry(e, p, idx) ? e->rt_inflight & bit : e->inflight & bit);
	if (!e->hreg)
		return M(R_ENOENT);
	if (idx >= FL_PV_ENTRIES || (dec != FL_PV_CAN_CONTINUE && dec != FL_PV_SUSPEND_ME))
		return M(R_EINVAL);
	if (contested(e, p, idx))
		return ANY_REPORT;
	en = &p->entry[idx];
	if (!(p->active[0] & bit) || en->state != dec)
		return M(R_EINVAL);
	if (*held)	/* held; or completed just now, and then no longer in that state */
		return M(R_EBUSY) | M(R_EINVAL);
	return en->fault.gpa >= ram ? M(R_EFAULT) : M(R_OK);
}

static bool same_record(const struct fl_pv_entry *a, const struct fl_pv_entry *b)
{
	return a->fault.gpa == b->fault.gpa && a->fault.size == b->fault.size &&
	       a->fault.gla == b->fault.gla && a->fault.access == b->fault.access &&
	       a->fault.code == b->fault.code && a->fault.flags == b->fault.flags &&
	       a->fault.reserved == b->fault.reserved && a->qual == b->qual && a->wait == b->wait;
}

void do_report(struct eng *e, struct rng *r, u64 idx, u64 dec)
{
	struct fl_pv_page *p = cur_page(e);
	struct fl_pv_entry before, *en = NULL;
	bool held, watch;
	unsigned want;
	u64 c = rnd(r), d = edge(r);
	s64 res;

	if (p && idx < FL_PV_ENTRIES) {
		en = &p->entry[idx];
		/* Never let the host take one of the runtime's entries it does not hold. */
		if (runtime_entry(e, p, idx) && !(e->rt_inflight & (1ULL << idx)) &&
		    (p->active[0] >> idx & 1) && en->state == dec &&
		    (dec == FL_PV_CAN_CONTINUE || dec == FL_PV_SUSPEND_ME))
			dec = 3 - dec;
		before = *en;
	}
	want = report_want(e, p, idx, dec, &held);
	watch = en && !contested(e, p, idx);
	u64 tr = rt_tsc();

	res = hv(e->cpu, K_REPORT, FL_HC_VE_REPORT, idx, dec, c, d, want, 0);
	if (e->cpu == 0)
		st.t_report += rt_tsc() - tr;
	if (res == 0) {
		INC(*(dec == FL_PV_SUSPEND_ME ? &st.acc_susp : &st.acc_cont));
		if (!watch)
			return;
		u32 s = en->state, f = en->host_flags;

		if (dec == FL_PV_SUSPEND_ME && (s != FL_PV_RESOLVED || !(f & FL_PV_F_SYNC)))
			odd_entry(e->cpu, "accepted SUSPEND_ME, but the entry is not RESOLVED "
				  "with F_SYNC (state, host_flags)", idx, dec, s, f);
		if (dec == FL_PV_CAN_CONTINUE) {
			if (s == FL_PV_CAN_CONTINUE) {
				e->inflight |= 1ULL << idx;
				e->last[idx] = s;
				INC(st.async);
			} else if (s != FL_PV_RESOLVED) {
				odd_entry(e->cpu, "accepted CAN_CONTINUE left the entry neither "
					  "CAN_CONTINUE nor RESOLVED (state, host_flags)", idx, dec,
					  s, f);
			}
		}
		if (!same_record(&before, en))
			odd_entry(e->cpu, "accepted, and the host changed the entry's record "
				  "(gpa before, after)", idx, dec, before.fault.gpa, en->fault.gpa);
	} else if (watch && !held && (en->state != before.state ||
				      en->host_flags != before.host_flags ||
				      !same_record(&before, en))) {
		odd_entry(e->cpu, "refused, yet the entry changed (state before, after)", idx, dec,
			  before.state, en->state);
	}
}

/* Fill one of our own entries with a record of our choosing, then REPORT it. */
void report_game(struct eng *e, struct rng *r)
{
	struct fl_pv_page *p = e->hreg ? cur_page(e) : e->real_pv;
	unsigned lo = on_real(e, p) ? e->host_lo : 0;
	unsigned i = lo + (unsigned)below(r, FL_PV_ENTRIES - lo);
	struct fl_pv_entry *en = &p->entry[i];
	u64 dec;

	if (chance(r, 70))
		dec = FL_PV_CAN_CONTINUE;
	else if (chance(r, 60))
		dec = FL_PV_SUSPEND_ME;
	else
		dec = chance(r, 50) ? state_val(r) : edge(r);
	en->fault.gpa = report_gpa(r, dec == FL_PV_SUSPEND_ME && chance(r, 70));
	en->fault.size = chance(r, 80) ? PAGE_SIZE : edge(r);
	en->fault.gla = chance(r, 50) ? en->fault.gpa : rnd(r);
	en->fault.access = chance(r, 80) ? (u32)below(r, 8) : (u32)rnd(r);
	en->fault.code = chance(r, 80) ? 0 : (u32)rnd(r);
	en->fault.flags = chance(r, 80) ? (u32)below(r, 2) : (u32)rnd(r);
	en->fault.reserved = chance(r, 90) ? 0 : (u32)rnd(r);
	en->qual = chance(r, 80) ? below(r, 0x200) : rnd(r);
	en->host_flags = chance(r, 70) ? 0 : (u32)rnd(r);
	put_state(e, p, i, chance(r, 85) ? (u32)dec : state_val(r));
	set_active(&p->active[0], 1ULL << i, chance(r, 90) ? ~0ULL : 0);
	if (chance(r, 10))
		do_report(e, r, chance(r, 50) ? FL_PV_ENTRIES + below(r, 8) : edge(r), dec);
	else
		do_report(e, r, i, dec);
}

/* ---- registration ---- */

static u8 decoy[2][3][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));	/* VE, PV (2 pages) */

static bool in_ram(u64 gpa, u64 len)
{
	return len <= ram && gpa <= ram - len;
}

static unsigned register_want(const struct eng *e, u64 ve, u64 pv, u64 vec, u64 flags)
{
	if (e->hreg)
		return M(R_EBUSY);
	if (flags)
		return M(R_EINVAL);
	if ((ve | pv) & (PAGE_SIZE - 1))
		return M(R_EINVAL);
	if (!in_ram(ve, PAGE_SIZE) || !in_ram(pv, FL_PV_SIZE))
		return M(R_EFAULT);
	if (ve < pv + FL_PV_SIZE && pv < ve + PAGE_SIZE)
		return M(R_EINVAL);
	if (vec < 32 || vec > 255)
		return M(R_EINVAL);
	return M(R_OK);
}

static s64 do_register(struct eng *e, struct rng *r, u64 ve, u64 pv, u64 vec, u64 flags)
{
	unsigned want = register_want(e, ve, pv, vec, flags);
	s64 res;

	if (want == M(R_OK)) {
		/* It would work: only at areas we own, and never on the system call gate. */
		unsigned a = (unsigned)below(r, 3), b = (unsigned)below(r, 3);
		/* lazy: three pages of this vCPU's half of the fodder (the other vCPU must not
		 * scribble them), perhaps absent or being fetched right now for a REPORT
		 * (REGISTER makes them present before it returns) */
		u64 half = ALIGN_DOWN((fend - fbase) / 2, PAGE_SIZE), lo = fbase + e->cpu * half;
		u64 lz = rand_page(r, lo, lo + half - 3 * PAGE_SIZE);
		u64 ves[3] = { (u64)e->real_ve, (u64)decoy[e->cpu][0], lz };
		u64 pvs[3] = { (u64)e->real_pv, (u64)decoy[e->cpu][1], lz + PAGE_SIZE };

		if (!lazy && a == 2)
			a = 1;
		if (!lazy && b == 2)
			b = 1;
		ve = ves[a];
		pv = pvs[b];
		if (vec == BAD_VEC)
			vec = VE_VECTOR;
	}
	res = hv(e->cpu, K_REGISTER, FL_HC_VE_REGISTER, ve, pv, vec, flags, want, 0);
	if (res == 0) {
		e->hreg = true;
		e->cur_ve = ve;
		e->cur_pv = pv;
		e->cur_vec = vec;
		e->inflight = 0;
		INC(st.regs);
		if (ve != (u64)e->real_ve || pv != (u64)e->real_pv)
			INC(st.decoys);
	}
	return res;
}

static s64 do_unregister(struct eng *e)
{
	s64 res = hv(e->cpu, K_UNREGISTER, FL_HC_VE_UNREGISTER, 0, 0, 0, 0,
		     e->hreg ? M(R_OK) | M(R_EBUSY) : M(R_ENOENT), 0);

	if (res == 0) {
		e->hreg = false;
		e->inflight = 0;
	}
	return res;
}

static __attribute__((noreturn)) void fatal(const char *what, s64 r)
{
	rt_printf("\nguest: hostile: FATAL vcpu%u: %s (%ld)\n", cpu_id(), what, r);
	rt_exit_quiet(1);
}

/* Unregister, waiting for the host to finish what it holds (its completions need no help
 * from us: the workers post them whatever the guest does). */
bool drain(struct eng *e, bool irq_on)
{
	u64 t0 = rt_tsc();

	while (e->hreg) {
		s64 r = do_unregister(e);

		if (r == 0)
			break;
		if (r != FL_EBUSY || rt_tsc_us(rt_tsc() - t0) > WAIT_US)
			return false;
		if (irq_on)
			asm volatile("sti; nop; cli" : : : "memory");
		for (unsigned k = 0; k < 64; k++)
			cpu_relax();
	}
	INC(st.drains);
	if (e->cpu == 0)
		st.t_drain += rt_tsc() - t0;
	return true;
}

/* End of every section: registered at the runtime's own areas (any good vector). */
void fix_registration(struct eng *e, struct rng *r)
{
	u64 vec;

	if (e->hreg && e->cur_ve == (u64)e->real_ve && e->cur_pv == (u64)e->real_pv)
		return;
	if (e->hreg && !drain(e, false))
		fatal("UNREGISTER stayed FL_EBUSY: an outstanding fault never completed",
		      FL_EBUSY);
	vec = chance(r, 50) ? VE_VECTOR : 32 + below(r, 224);
	if (vec == BAD_VEC)
		vec = VE_VECTOR;
	s64 res = hv(e->cpu, K_REGISTER, FL_HC_VE_REGISTER, (u64)e->real_ve, (u64)e->real_pv,
		     vec, 0, M(R_OK), 0);
	if (res)
		fatal("REGISTER of the real areas failed", res);
	e->hreg = true;
	e->cur_ve = (u64)e->real_ve;
	e->cur_pv = (u64)e->real_pv;
	e->cur_vec = vec;
	e->inflight = 0;
	INC(st.regs);
}

void decoy_game(struct eng *e, struct rng *r)
{
	if (st.regs >= REG_BUDGET)
		return;
	for (unsigned k = 0; k < 32 && e->hreg; k++)
		if (do_unregister(e) != FL_EBUSY)
			break;
	if (!e->hreg) {
		u64 vec = chance(r, 80) ? 32 + below(r, 224) : edge(r);

		do_register(e, r, chance(r, 50) ? 0 : (u64)decoy[e->cpu][0],
			    chance(r, 50) ? 0 : (u64)decoy[e->cpu][1], vec, 0);
	}
}

/* ---- the other hypercalls ---- */

static char putsbuf[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define PUTS_LO		(PAGE_SIZE - 96)	/* the text straddles the page boundary */
#define PUTS_HI		(PAGE_SIZE + 96)

/* What a successful PUTS prints: harmless text, across the page boundary. */
void puts_fill(void)
{
	static const char text[] = "hostile puts ok.";

	for (unsigned k = PUTS_LO; k < PUTS_HI; k++)
		putsbuf[k] = (k - PUTS_LO) % 64 == 63 ? '\n' : text[k % (sizeof(text) - 1)];
}

static bool known_nr(u64 nr)
{
	return nr <= FL_HC_VCPU_INFO || (nr >= FL_HC_VE_REGISTER && nr <= FL_HC_VE_REPORT);
}

static u64 unknown_nr(struct rng *r)
{
	static const u64 odd[] = {
		6, 7, 15, 19, 20, 31, 32, 63, 64, 255, 256 + FL_HC_EXIT, 0x10000 | FL_HC_EXIT,
		(1ULL << 32) | FL_HC_EXIT, (1ULL << 63) | FL_HC_EXIT, (1ULL << 32) | FL_HC_PUTS,
		(1ULL << 32) | FL_HC_VE_REPORT, (1ULL << 32) | FL_HC_VE_UNREGISTER, ~0ULL,
		~0ULL - 1, 1ULL << 63, (u64)-FL_HC_EXIT,
	};
	u64 nr;

	do {
		if (chance(r, 50))
			nr = odd[below(r, ARRAY_SIZE(odd))];
		else
			nr = chance(r, 50) ? below(r, 4096) : rnd(r);
	} while (known_nr(nr));
	return nr;
}

static void puts_call(struct eng *e, struct rng *r)
{
	unsigned k = (unsigned)below(r, 100);
	u64 gpa, len;
	s64 want;

	if (k < 40) {				/* a length no PUTS may take */
		static const u64 bad[] = { 0, FL_PUTS_MAX + 1, ~0ULL, 1ULL << 63, 1ULL << 32,
					   FL_PUTS_MAX + 4096 };

		len = chance(r, 70) ? bad[below(r, ARRAY_SIZE(bad))] :
		      FL_PUTS_MAX + 1 + (rnd(r) >> below(r, 64));
		if (len >= 1 && len <= FL_PUTS_MAX)
			len = 0;
		hv(e->cpu, K_PUTS, FL_HC_PUTS, edge(r), len, rnd(r), rnd(r), M(R_EINVAL), 0);
		return;
	}
	len = 2 + below(r, chance(r, 50) ? 64 : FL_PUTS_MAX - 1);
	if (k < 90) {				/* a good length, a range not inside RAM */
		switch (below(r, 8)) {
		case 0: gpa = ram; break;
		case 1: gpa = ram - len + 1; break;
		case 2: gpa = ram - 1; break;
		case 3: gpa = ~0ULL - below(r, len); break;	/* wraps */
		case 4: gpa = 1ULL << 63; break;
		case 5: gpa = ram + rand_page(r, 0, 1ULL << 32); break;
		case 6: gpa = -len; break;
		default: gpa = rnd(r) | (1ULL << 62); break;
		}
		hv(e->cpu, K_PUTS, FL_HC_PUTS, gpa, len, 0, 0, M(R_EFAULT), 0);
		return;
	}
	if (e->cpu != 0 || INC(st.puts_ok) > PUTS_BUDGET) {
		/* Enough printing (and only vCPU 0 prints: vCPU 1's text would land in the
		 * middle of vCPU 0's lines): a bad one instead. */
		hv(e->cpu, K_PUTS, FL_HC_PUTS, (u64)putsbuf, 0, 0, 0, M(R_EINVAL), 0);
		return;
	}
	gpa = (u64)putsbuf + PUTS_LO + below(r, PUTS_HI - PUTS_LO - 1);
	len = 1 + below(r, MIN((u64)putsbuf + PUTS_HI - gpa, PUTS_LEN));
	want = (s64)len;
	hv(e->cpu, K_PUTS, FL_HC_PUTS, gpa, len, rnd(r), rnd(r), 0, want);
}

static void start_call(struct eng *e, struct rng *r)
{
	static const u64 idxs[] = { 0, 1, 2, 3, 255, 256 + 1, (1ULL << 32) | 1, ~0ULL,
				    1ULL << 63, (1ULL << 63) | 1 };
	u64 idx = chance(r, 85) ? idxs[below(r, ARRAY_SIZE(idxs))] : rnd(r);
	u64 entry = edge(r), arg = rnd(r);
	unsigned want;

	if (idx == 0 || idx >= nvcpus)
		want = M(R_EINVAL);
	else if (entry >= ram || entry >= (1ULL << 32))
		want = M(R_EFAULT);
	else if (idx == AP && ap_running)
		want = M(R_EBUSY);
	else {
		idx = 0;			/* it would start a vCPU at a garbage address */
		want = M(R_EINVAL);
	}
	hv(e->cpu, K_START, FL_HC_VCPU_START, idx, entry, arg, rnd(r), want, 0);
}

void hc_random(struct eng *e, struct rng *r)
{
	unsigned k = (unsigned)below(r, 100);

	if (k < 8)
		hv(e->cpu, K_VERSION, FL_HC_VERSION, edge(r), edge(r), rnd(r), rnd(r), 0,
		   FL_ABI_VERSION);
	else if (k < 18)
		puts_call(e, r);
	else if (k < 22)
		hv(e->cpu, K_TSC, FL_HC_TSC_KHZ, rnd(r), edge(r), 0, 0, 0, (s64)tsc_khz_ref);
	else if (k < 30)
		start_call(e, r);
	else if (k < 34)
		hv(e->cpu, K_INFO, FL_HC_VCPU_INFO, edge(r), rnd(r), 0, 0, 0,
		   (s64)(e->cpu | nvcpus << 16));
	else if (k < 46) {
		static const u64 vecs[] = { 0, 19, 20, 31, 32, 255, 256, 300, 0x100 | VE_VECTOR,
					    (1ULL << 32) | VE_VECTOR, ~0ULL };
		u64 pages[] = { (u64)e->real_ve, (u64)e->real_pv, (u64)decoy[e->cpu][0],
				(u64)decoy[e->cpu][1], 0, PAGE_SIZE, ram - PAGE_SIZE,
				ram - FL_PV_SIZE, ram, ~0ULL & ~(PAGE_SIZE - 1), 1ULL << 63 };
		u64 ve = chance(r, 70) ? pages[below(r, ARRAY_SIZE(pages))] : edge(r);
		u64 pv = chance(r, 70) ? pages[below(r, ARRAY_SIZE(pages))] : edge(r);
		u64 vec = chance(r, 70) ? below(r, 301) : vecs[below(r, ARRAY_SIZE(vecs))];
		u64 flags = chance(r, 70) ? 0 : chance(r, 50) ? 1ULL << below(r, 64) : rnd(r);

		if (chance(r, 15))
			ve += chance(r, 50) ? 8 : 1;
		if (chance(r, 15))
			pv += chance(r, 50) ? 8 : PAGE_SIZE / 2;
		do_register(e, r, ve, pv, vec, flags);
	} else if (k < 52 && (st.regs < REG_BUDGET || !e->hreg)) {
		do_unregister(e);
	} else if (k < 82) {
		u64 idx = chance(r, 80) ? below(r, FL_PV_ENTRIES + 8) : edge(r);
		u64 dec = chance(r, 80) ? below(r, 6) : edge(r);

		do_report(e, r, idx, dec);
	} else {
		hv(e->cpu, K_UNKNOWN, unknown_nr(r), edge(r), edge(r), edge(r), edge(r),
		   M(R_ENOSYS), 0);
	}
}
