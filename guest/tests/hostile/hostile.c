/* guest/tests/hostile/hostile.c: a hostile guest (issue 11, "Proof that it holds"). It makes
 * calls=N (default 150000; tests/t_hostile.sh asks 120000) hypercalls with random numbers and
 * edge-case arguments, scribbles over its PV page and VE information page, and meanwhile has
 * real asynchronous faults in flight: the hypervisor is the thing under test. The guest's only
 * job is to stay alive, count, and check what it can check without trusting the hypervisor: its
 * own real faults complete, the pages it was given hold the pattern, and its memory is not
 * rewritten.
 *
 * Everything random comes from xorshift64* streams seeded from rng=N on the command line
 * (default 1; one stream per task and vCPU), so a failure can be replayed; the timing of
 * completions still varies a little from run to run.
 *
 * Who does what (vCPU 0 runs tasks, guest/lib/sched.h):
 *  - three touchers (kernel tasks) touch pages= (default 512) pages each of the lazily
 *    backed region, paced
 *    over the whole run, so #VEs and completions are real and interleave with the chaos;
 *    each page's first word is then overwritten with a marker, and at the end every word
 *    of every page is verified (a page produced twice would have lost its marker);
 *  - two user tasks (ring 3, guest/lib/user.h) make random VMCALLs, each of which must come
 *    back FL_EPERM (FL_HC_EXIT included: from ring 3 it must not stop the VM), and touch
 *    pages of their own (ring-3 #VEs);
 *  - two chaos tasks run "sections" with interrupts off: a burst of random actions, then
 *    everything the runtime (guest/lib/ve.c) relies on is put back before interrupts are on;
 *  - with vcpus>=2, vCPU 1 runs the same chaos on its own registration, and races vCPU 0:
 *    it rewrites entries [32, 48) of vCPU 0's PV page while vCPU 0 REPORTs them, and sets
 *    vCPU 0's busy word.
 *
 * The actions of a section: any hypercall but FL_HC_EXIT (random numbers, known or not,
 * including ones that alias FL_HC_EXIT if truncated; arguments 0, ~0, 2^63, RAM size,
 * RAM size - 1, unaligned, page-crossing, huge lengths, vectors 0..300, flags, indexes
 * 0..71 and huge, random decisions); random bytes into PV entries, the active bitmap,
 * host_current/completions, the VE information fields and the busy word; REPORTs of
 * entries it prepared (any gpa: absent pages, pages in flight, present ones, out of RAM);
 * unregistering and registering at decoy areas (in .bss or in lazy RAM), with any vector
 * (a completion on another vector than VE_VECTOR is handed on to the runtime's handler).
 *
 * What keeps the guest alive (the runtime's #VE handler shares the PV page with the chaos):
 * entries [0, 32) of vCPU 0's page are the runtime's: a section may scribble them, but it
 * puts their state and active bits back, writes the state of an entry the host holds only
 * by compare-and-swap from its own last value and never as RESOLVED/FAIL (so a completion
 * the host posts meanwhile is never lost), never lets a REPORT of one be accepted, and
 * never writes a wait word (the completion handler wakes whatever it names). A section
 * touches no absent page (a #VE inside it would find the page half-scribbled), and ends
 * registered at the real areas. Valid REGISTERs are pointed at areas the guest owns, and
 * valid VCPU_STARTs are turned into invalid ones (vCPU 1 is started first, so a random
 * index 1 is FL_EBUSY). PUTS prints only a buffer of harmless text, from vCPU 0, at most
 * PUTS_BUDGET times. The hypervisor logs every successful registration, and its console
 * runs at the emulated line speed: past REG_BUDGET successful REGISTERs, no UNREGISTER is
 * tried but to put things back.
 *
 * Every result is compared with what docs/pv-protocol.md and include/faultline.h say it
 * must be, as far as the guest can know (an entry the host may complete at any moment
 * allows two answers); a result outside that is a "surprise", printed in full. At the end:
 * "guest: hostile: N hypercalls, M faults, results: ok=.. enosys=.. ..." and the checks;
 * the exit is FL_HC_EXIT(status), the only one. nolazy on the command line: RAM is not
 * lazily backed (no faults expected, untouched RAM reads 0).
 *
 * Bochs runs about 35,000-55,000 of these hypercalls per second of guest time; the host
 * spends about 45 s of CPU on a 120,000-call test (tests/t_hostile.sh).
 *
 * This file is main, a section, the tasks and vCPU 1; the hypercalls are in
 * guest/tests/hostile/calls.c, the randomness and scribbling in guest/tests/hostile/scribble.c
 * (guest/tests/hostile/hostile.h: what they share). */
#include "guest/tests/hostile/hostile.h"

/* Shared with the other pieces (guest/tests/hostile/hostile.h). */
struct stats st;
struct tjob tjobs[NTOUCH];
struct eng engs[2];
u64 ram, nvcpus = 1, tsc_khz_ref, seed = 1;
u64 fbase, fend;					/* fodder */
bool lazy = true, ap_running;
u64 canary[2][PAGE_SIZE / 8] __attribute__((aligned(PAGE_SIZE)));

static volatile u32 stop;
static u64 target = 150000, tbase, tpages = 512, ubase;	/* touchers, users */
static volatile u32 ap_ready, ap_go;

static u64 canary_val(u64 a)
{
	return fl_pattern_seed(0x5A5A, a) ^ MARK;
}

/* What an untouched page of the region holds. */
static u64 want_word(u64 a)
{
	return lazy ? ve_pattern(a) : 0;
}

static u64 marker(u64 a)
{
	return ~want_word(a) ^ MARK;
}

/* ---- one vCPU's chaos ---- */

/* A burst of actions with interrupts off, then the guest's invariants put back. */
static void section(struct eng *e, struct rng *r)
{
	unsigned n = 16 + (unsigned)below(r, 33);

	INC(st.sections);
	if (e->cpu == 0)
		rt_snapshot(e);
	for (unsigned k = 0; k < n; k++) {
		unsigned p = (unsigned)below(r, 100);

		if (p < 45)
			hc_random(e, r);
		else if (p < 65)
			scribble(e, r);
		else if (p < 92)
			report_game(e, r);
		else if (p < 94)
			decoy_game(e, r);
		else if (e->cpu == AP)
			cross(r);
		else
			report_game(e, r);
	}
	fix_registration(e, r);
	if (e->cpu == 0)
		rt_restore(e);
	if (chance(r, 75))
		e->real_ve->busy = 0;
}

static void eng_init(struct eng *e, unsigned cpu)
{
	e->cpu = cpu;
	e->real_pv = ve_pv_page();
	e->real_ve = ve_info_page();
	e->cur_ve = (u64)e->real_ve;
	e->cur_pv = (u64)e->real_pv;
	e->cur_vec = VE_VECTOR;
	e->hreg = true;
	e->host_lo = cpu == 0 ? HOST_LO : 0;
}

/* ---- ring 3 ---- */

struct ujob {
	u64 rng;
	u64 calls, eperm, other, bad_nr, bad_ret;
	u64 n, touched;
	u64 page[UPAGES], got[UPAGES];
};

static struct ujob ujobs[NUSER] __user_data;
static volatile u64 ustop __user_data;
static const u64 unrs[16] __attribute__((section(".user.rodata"))) = {
	FL_HC_VERSION, FL_HC_PUTS, FL_HC_EXIT, FL_HC_TSC_KHZ, FL_HC_VCPU_START, FL_HC_VCPU_INFO,
	FL_HC_VE_REGISTER, FL_HC_VE_UNREGISTER, FL_HC_VE_REPORT, 6, 19, 255,
	(1ULL << 32) | FL_HC_EXIT, 1ULL << 63, ~0ULL, FL_HC_EXIT,
};
static const char uleak[] __attribute__((section(".user.rodata"))) =
	"guest: hostile: ring 3 got FL_HC_PUTS printed\n";

static inline __attribute__((always_inline)) u64 uxs(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Ring 3: random VMCALLs, all of which must be FL_EPERM, and a page touched now and then. */
static void __user_text user_main(void *arg)
{
	struct ujob *j = arg;

	while (!ustop) {
		for (unsigned k = 0; k < 16; k++) {
			u64 x = uxs(&j->rng), nr = unrs[x & 15];
			u64 a = uxs(&j->rng), b = uxs(&j->rng) >> (x >> 8 & 63), c = uxs(&j->rng);
			u64 d = uxs(&j->rng) >> (x >> 16 & 63);
			s64 r;

			if (nr == FL_HC_EXIT)
				a = 0x5A;			/* were it obeyed: status 90 */
			if (nr == FL_HC_PUTS) {
				a = (u64)uleak;
				b = sizeof(uleak) - 1;
			}
			r = vmcall(nr, a, b, c, d);
			j->calls++;
			if (r == FL_EPERM) {
				j->eperm++;
			} else {
				if (!j->other) {
					j->bad_nr = nr;
					j->bad_ret = (u64)r;
				}
				j->other++;
			}
		}
		if (j->touched < j->n && (j->calls >> 7) > j->touched) {
			j->got[j->touched] = *(volatile u64 *)j->page[j->touched];
			j->touched++;
		}
		sys_yield();
	}
	for (; j->touched < j->n; j->touched++)
		j->got[j->touched] = *(volatile u64 *)j->page[j->touched];
}

static u64 user_calls(void)
{
	u64 n = 0;

	for (unsigned u = 0; u < NUSER; u++)
		n += ujobs[u].calls;
	return n;
}

/* ---- vCPU 0's tasks ---- */

static u64 calls_now(void)
{
	return __atomic_load_n(&st.calls, __ATOMIC_RELAXED) + user_calls();
}

static void check_stop(void)
{
	if (!stop && calls_now() >= target) {
		stop = 1;
		ustop = 1;
	}
}

static u64 check_page(u64 page)
{
	static unsigned shown;
	u64 bad = 0;

	for (u64 a = page; a < page + PAGE_SIZE; a += 8) {
		u64 got = *(volatile u64 *)a, want = a == page ? marker(a) : want_word(a);

		if (got == want)
			continue;
		if (!bad && shown++ < 8)
			rt_printf("\nguest: hostile: page 0x%lx: at 0x%lx got 0x%lx want 0x%lx\n",
				  page, a, got, want);
		bad++;
	}
	return bad;
}

/* Touches its pages paced over the run (page i once i/n of the calls are made), so faults
 * are in flight from start to end; marks each page, and verifies every word at the end. */
static void toucher(void *arg)
{
	struct tjob *j = arg;

	for (u64 i = 0; i < j->n; i++) {
		u64 a = j->base + i * PAGE_SIZE;

		while (!stop && calls_now() < i * target / j->n)
			yield();
		if (lazy)
			j->first_bad += !ve_touch(a);
		else
			j->first_bad += *(volatile u64 *)a != 0;
		*(volatile u64 *)a = marker(a);
		j->done++;
		yield();
	}
	for (u64 i = 0; i < j->n; i++)
		j->bad_words += check_page(j->base + i * PAGE_SIZE);
}

static void chaos(void *arg)
{
	struct rng r;

	rng_init(&r, 100 + (u64)arg);
	while (!stop) {
		u64 f = irq_save(), t = rt_tsc();

		section(&engs[0], &r);
		st.t_sect += rt_tsc() - t;
		irq_restore(f);
		check_stop();
		yield();
	}
}

/* A completion posted with a vector other than VE_VECTOR (a registration the chaos made)
 * is handed to the runtime's completion handler. */
static void forward(struct trapframe *tf)
{
	(void)tf;
	INC(st.forwarded);
	asm volatile("int %0" : : "i"(VE_VECTOR) : "memory");
}

/* ---- vCPU 1 ---- */

static s64 ap_reg;
static bool ap_drained;

static void ap_main(unsigned index)
{
	struct eng *e = &engs[AP];
	struct rng r;

	(void)index;
	rng_init(&r, 200);
	ap_reg = ve_register(VE_VECTOR);
	eng_init(e, AP);
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	if (ap_reg)
		return;
	while (!__atomic_load_n(&ap_go, __ATOMIC_ACQUIRE))
		cpu_relax();
	while (!stop) {
		section(e, &r);
		asm volatile("sti; nop; nop; cli" : : : "memory");	/* completions */
	}
	e->real_ve->busy = 0;
	ap_drained = drain(e, true);
	if (ap_drained)
		ve_unregister();	/* already unregistered: only the runtime's flag */
}

/* ---- main ---- */

static u64 canary_bad(void)
{
	u64 bad = 0;

	for (unsigned c = 0; c < 2; c++)
		for (unsigned w = 0; w < PAGE_SIZE / 8; w++)
			bad += canary[c][w] != canary_val((u64)&canary[c][w]);
	return bad;
}

int main(const char *cmdline)
{
	u64 t0, t1, us, rbase, ucheck = 0;
	struct eng *e0 = &engs[0];
	bool drained, want_faults;
	int self;
	s64 r;

	rt_arg_u64(cmdline, "rng", &seed);
	rt_arg_u64(cmdline, "calls", &target);
	rt_arg_u64(cmdline, "pages", &tpages);
	lazy = !rt_arg_has(cmdline, "nolazy");
	want_faults = lazy;
	ram = ALIGN_DOWN(rt_mem_upper(), PAGE_SIZE);
	nvcpus = smp_vcpus(&self);
	rbase = ve_test_base();
	tbase = rbase;
	ubase = tbase + NTOUCH * tpages * PAGE_SIZE;
	fbase = ubase + NUSER * UPAGES * PAGE_SIZE;
	fend = MIN(ram, RT_MAP_END);
	rt_printf("guest: hostile: rng=%lu calls=%lu, %lu vCPU(s), RAM 0x%lx, %s\n", seed, target,
		  nvcpus, ram, lazy ? "lazily backed" : "not lazily backed");
	rt_printf("guest: hostile: touchers %u x %lu pages at 0x%lx, ring 3 %u x %u at 0x%lx, "
		  "fodder [0x%lx, 0x%lx)\n", NTOUCH, tpages, tbase, NUSER, UPAGES, ubase, fbase,
		  fend);
	if (!rt_check(fbase + 64 * PAGE_SIZE <= fend, "room for the regions (mem= too small?)"))
		return rt_report();

	for (unsigned c = 0; c < 2; c++)
		for (unsigned w = 0; w < PAGE_SIZE / 8; w++)
			canary[c][w] = canary_val((u64)&canary[c][w]);
	puts_fill();
	tsc_khz_ref = (u64)rt_hypercall(FL_HC_TSC_KHZ, 0, 0, 0, 0);
	if (!rt_check_eq(ve_register(VE_VECTOR), 0, "FL_HC_VE_REGISTER -> 0"))
		return rt_report();
	for (unsigned v = T_NEXC; v < T_NVEC; v++)
		if (v != VE_VECTOR && v != USER_VECTOR)
			trap_register(v, forward);
	eng_init(e0, 0);

	if (nvcpus >= 2) {
		r = smp_start(AP, ap_main);
		if (!rt_check_eq(r, 0, "FL_HC_VCPU_START(1) -> 0"))
			return rt_report();
		ap_running = true;
		for (u64 w0 = rt_tsc(); !__atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE);)
			if (rt_tsc_us(rt_tsc() - w0) > WAIT_US) {
				rt_check(false, "vcpu1 came up");
				return rt_report();
			}
		if (!rt_check_eq(ap_reg, 0, "vcpu1: FL_HC_VE_REGISTER -> 0"))
			return rt_report();
	}

	for (unsigned t = 0; t < NTOUCH; t++) {
		tjobs[t].base = tbase + t * tpages * PAGE_SIZE;
		tjobs[t].n = tpages;
		task_create(toucher, &tjobs[t], "toucher");
	}
	for (unsigned u = 0; u < NUSER; u++) {
		struct rng ur;

		rng_init(&ur, 300 + u);
		ujobs[u].rng = ur.s;
		ujobs[u].n = UPAGES;
		for (unsigned i = 0; i < UPAGES; i++)
			ujobs[u].page[i] = ubase + (u * UPAGES + i) * PAGE_SIZE + (i * 8 % PAGE_SIZE);
		if (user_create(user_main, &ujobs[u], "ring3") < 0)
			rt_check(false, "user task created");
	}
	for (unsigned c = 0; c < NCHAOS; c++)
		task_create(chaos, (void *)(u64)c, "chaos");

	t0 = rt_tsc();
	__atomic_store_n(&ap_go, 1, __ATOMIC_RELEASE);
	sched_run();
	t1 = rt_tsc();
	us = rt_tsc_us(t1 - t0);
	if (ap_running)
		rt_check(smp_wait(AP, WAIT_US), "vcpu1 finished");

	/* Quiet now: no #VE handler runs, nothing is scribbled. */
	fix_registration(e0, &(struct rng){ 1 });
	e0->real_ve->busy = 0;
	drained = drain(e0, true);
	if (drained)
		ve_unregister();
	for (unsigned u = 0; u < NUSER; u++)
		for (unsigned i = 0; i < UPAGES; i++)
			ucheck += ujobs[u].got[i] != want_word(ujobs[u].page[i]);

	u64 ring3 = user_calls(), total = st.calls + ring3, eperm3 = 0, other3 = 0;
	for (unsigned u = 0; u < NUSER; u++) {
		eperm3 += ujobs[u].eperm;
		other3 += ujobs[u].other;
		if (ujobs[u].other)
			rt_printf("\nguest: hostile: ring 3: nr=0x%lx returned %ld, not FL_EPERM\n",
				  ujobs[u].bad_nr, (s64)ujobs[u].bad_ret);
	}
	u64 tfirst = 0, twords = 0, tdone = 0;
	for (unsigned t = 0; t < NTOUCH; t++) {
		tfirst += tjobs[t].first_bad;
		twords += tjobs[t].bad_words;
		tdone += tjobs[t].done;
	}

	rt_printf("\n");	/* ends a line FL_HC_PUTS may have left open */
	rt_printf("guest: hostile: %lu hypercalls, %lu faults, results: ok=%lu enosys=%lu "
		  "einval=%lu efault=%lu ebusy=%lu enoent=%lu eperm=%lu other=%lu\n", total,
		  ve_stats.ve, st.res[R_OK], st.res[R_ENOSYS], st.res[R_EINVAL], st.res[R_EFAULT],
		  st.res[R_EBUSY], st.res[R_ENOENT], st.res[R_EPERM] + eperm3,
		  st.res[R_OTHER] + other3);
	rt_printf("guest: hostile: ring 0: %lu on vcpu0, %lu on vcpu1; ring 3: %lu (eperm=%lu "
		  "other=%lu); %lu us guest time, %lu hypercalls/s\n", st.calls_cpu[0],
		  st.calls_cpu[1], ring3, eperm3, other3, us, us ? total * 1000000 / us : 0);
	rt_printf("guest: hostile: by call: version=%lu puts=%lu tsc=%lu start=%lu info=%lu "
		  "register=%lu unregister=%lu report=%lu unknown=%lu\n", st.kind[K_VERSION],
		  st.kind[K_PUTS], st.kind[K_TSC], st.kind[K_START], st.kind[K_INFO],
		  st.kind[K_REGISTER], st.kind[K_UNREGISTER], st.kind[K_REPORT],
		  st.kind[K_UNKNOWN]);
	rt_printf("guest: hostile: sections=%lu scribbles=%lu registrations=%lu (at a decoy %lu) "
		  "puts-printed=%lu\n", st.sections, st.scribbles, st.regs, st.decoys,
		  MIN(st.puts_ok, (u64)PUTS_BUDGET));
	rt_printf("guest: hostile: forwarded-completions=%lu async-reports=%lu surprises=%lu\n",
		  st.forwarded, st.async, st.surprises);
	rt_printf("guest: hostile: accepted reports: continue=%lu suspend=%lu (chaos %lu+%lu, "
		  "runtime %lu+%lu)\n", st.acc_cont + ve_stats.cont, st.acc_susp + ve_stats.suspend,
		  st.acc_cont, st.acc_susp, ve_stats.cont, ve_stats.suspend);
	ve_print_stats("hostile");
	rt_printf("guest: hostile: vcpu0 time: sections %lu us (REPORTs %lu us, waiting for "
		  "UNREGISTER %lu us)\n", rt_tsc_us(st.t_sect), rt_tsc_us(st.t_report),
		  rt_tsc_us(st.t_drain));

	rt_check(total >= target, "made the hypercalls asked for");
	rt_check_eq(st.surprises, 0, "every result as documented (no surprise)");
	rt_check_eq(other3, 0, "every ring-3 hypercall -> FL_EPERM");
	rt_check_eq(user_stats.killed, 0, "no user task killed");
	rt_check_eq(tdone, NTOUCH * tpages, "every toucher page touched");
	rt_check_eq(tfirst, 0, "each first touch read the pattern");
	rt_check_eq(twords, 0, "every word of the touched pages as expected (marker kept)");
	rt_check_eq(ucheck, 0, "ring-3 reads held the pattern");
	rt_check_eq(canary_bad(), 0, "canary pages unchanged by REPORTs of them");
	if (want_faults)
		rt_check(ve_stats.ve >= 1, "real faults were taken (#VE)");
	rt_check_eq(ve_stats.resumed, ve_stats.ve, "every real fault finished RESOLVED");
	rt_check_eq(ve_stats.failed, 0, "no real fault FAILed");
	rt_check(drained, "vcpu0: outstanding faults drained, UNREGISTER -> 0");
	if (ap_running)
		rt_check(ap_drained, "vcpu1: outstanding faults drained, UNREGISTER -> 0");

	int status = rt_report();

	rt_printf("guest: hostile: exit status=%d by FL_HC_EXIT\n", status);
	vmcall(FL_HC_EXIT, (u64)status, 0, 0, 0);
	rt_printf("guest: hostile: FL_HC_EXIT returned\n");
	return 1;
}
