/* guest/tests/apf_hog.c: one VM holding as many faults in flight as the protocol lets it, to
 * show that another VM's faults neither fail nor wait behind them (issue 11, defect 2: with one
 * pool of 256 jobs for every VM, a 4-vCPU VM holding 256 faults got another VM stopped with
 * code=none on a good page).
 *
 * Every vCPU (all of the VM's, up to 4) registers its own VE information page and PV area
 * by hand, then fills all FL_PV_ENTRIES entries with CAN_CONTINUE reports of distinct absent
 * pages and REPORTs each one: no #VE is taken, the entries are written as the #VE handler
 * would write them. It keeps IF=0, so no completion interrupt is ever injected; it watches
 * the PV page's completions counter instead (the host writes it for every CAN_CONTINUE
 * completion, docs/pv-protocol.md "Completion"). Then each entry must say RESOLVED, and
 * each page must hold the pattern. Prints "guest: apf-hog: vcpuN held 64 faults, 64
 * resolved" per vCPU. Give the VM a large backing.latency_us so the faults stay in flight. */
#include "guest/lib/rt.h"
#include "guest/lib/smp.h"
#include "guest/lib/trap.h"
#include "guest/lib/ve.h"

#define HOG_VECTOR	0xF4
#define WAIT_US		(120ULL * 1000 * 1000)	/* guest time; only a failure waits this long */

struct area {
	struct fl_ve_info ve __attribute__((aligned(PAGE_SIZE)));
	u8 pad[PAGE_SIZE - sizeof(struct fl_ve_info)];
	struct fl_pv_page pv __attribute__((aligned(PAGE_SIZE)));
	u8 pad2[FL_PV_SIZE - sizeof(struct fl_pv_page)];
};

struct result {
	s64 reg, unreg;
	u32 reported, resolved, bad_state, bad_words, report_errors;
	bool timed_out;
};

static struct area areas[SMP_MAX_CPUS] __attribute__((aligned(PAGE_SIZE)));
static struct result results[SMP_MAX_CPUS];
static u64 base;

/* A completion posted before UNREGISTER stays pending (the spec loses none) and arrives
 * once the vCPU runs with IF=1 again: the counter has already told us, so ignore it. */
static void late_completion(struct trapframe *tf)
{
	(void)tf;
}

static u64 page_of(unsigned cpu, unsigned i)
{
	return base + ((u64)cpu * FL_PV_ENTRIES + i) * PAGE_SIZE;
}

static void hog(unsigned cpu)
{
	struct area *a = &areas[cpu];
	struct result *r = &results[cpu];
	struct fl_pv_page *pg = &a->pv;

	asm volatile("cli" ::: "memory");
	r->reg = rt_hypercall(FL_HC_VE_REGISTER, (u64)&a->ve, (u64)pg, HOG_VECTOR, 0);
	if (r->reg)
		return;
	for (unsigned i = 0; i < FL_PV_ENTRIES; i++) {
		struct fl_pv_entry *e = &pg->entry[i];
		e->fault.gpa = page_of(cpu, i);
		e->fault.size = PAGE_SIZE;
		e->fault.access = FL_ACC_READ;
		__atomic_store_n(&e->state, FL_PV_CAN_CONTINUE, __ATOMIC_RELEASE);
		__atomic_or_fetch(&pg->active[i / 64], 1ULL << (i % 64), __ATOMIC_RELEASE);
		s64 rc = rt_hypercall(FL_HC_VE_REPORT, i, FL_PV_CAN_CONTINUE, 0, 0);
		if (rc)
			r->report_errors++;
		else
			r->reported++;
	}
	u64 t0 = rt_tsc();
	while (__atomic_load_n(&pg->completions, __ATOMIC_ACQUIRE) < r->reported) {
		if (rt_tsc_us(rt_tsc() - t0) > WAIT_US) {
			r->timed_out = true;
			break;
		}
		cpu_relax();
	}
	for (unsigned i = 0; i < FL_PV_ENTRIES; i++) {
		struct fl_pv_entry *e = &pg->entry[i];
		if (__atomic_load_n(&e->state, __ATOMIC_ACQUIRE) != FL_PV_RESOLVED) {
			r->bad_state++;
			continue;
		}
		r->resolved++;
		r->bad_words += *(volatile u64 *)page_of(cpu, i) != ve_pattern(page_of(cpu, i));
		e->state = FL_PV_NONE;
		__atomic_and_fetch(&pg->active[i / 64], ~(1ULL << (i % 64)), __ATOMIC_RELEASE);
	}
	r->unreg = rt_hypercall(FL_HC_VE_UNREGISTER, 0, 0, 0, 0);
}

int main(const char *cmdline)
{
	int self;
	unsigned n = smp_vcpus(&self);

	(void)cmdline;
	if (n > SMP_MAX_CPUS)
		n = SMP_MAX_CPUS;
	base = ve_test_base();
	if (!rt_check(ve_test_pages(n * FL_PV_ENTRIES) == n * FL_PV_ENTRIES,
		      "room for every vCPU's pages"))
		return rt_report();
	rt_printf("guest: apf-hog: %u vCPU(s) x %u faults at 0x%lx\n", n, FL_PV_ENTRIES, base);
	trap_register(HOG_VECTOR, late_completion);
	for (unsigned c = 1; c < n; c++)
		rt_check_eq(smp_start(c, hog), 0, "FL_HC_VCPU_START -> 0");
	hog(0);
	for (unsigned c = 1; c < n; c++)
		rt_check(smp_wait(c, WAIT_US), "the vCPU finished");
	for (unsigned c = 0; c < n; c++) {
		struct result *r = &results[c];
		rt_printf("guest: apf-hog: vcpu%u held %u faults, %u resolved%s\n", c, r->reported,
			  r->resolved, r->timed_out ? " (timed out waiting)" : "");
		rt_check_eq(r->reg, 0, "FL_HC_VE_REGISTER -> 0");
		rt_check_eq(r->report_errors, 0, "every REPORT -> 0");
		rt_check_eq(r->resolved, FL_PV_ENTRIES, "every entry RESOLVED");
		rt_check_eq(r->bad_words, 0, "every page holds the pattern");
		rt_check_eq(r->unreg, 0, "FL_HC_VE_UNREGISTER -> 0");
	}
	return rt_report();
}
