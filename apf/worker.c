/* apf/worker.c: the worker pool and the one way pages arrive. A job is one guest page of
 * one VM; a fault on a page already being fetched joins that job instead of starting
 * another (deduplication), so every page is produced once. Workers are the last `workers=`
 * CPUs; they take jobs from the VMs' own queues round-robin, spend the backing store's
 * latency, fill the page, have apf/page.c map it in the VM's EPT under the VM's apf lock,
 * and post the completion to every waiter. With no workers, the faulting vCPU does the
 * same work itself, synchronously. The first worker is also the poller of polled mode
 * (docs/pv-protocol.md "Polled mode"): while it has no job it takes the reports the guests
 * posted in their PV pages, and it sleeps only after saying so in them. */
#include "apf/apf.h"
#include "apf/page.h"
#include "apf/ram.h"
#include "apf/swap.h"
#include "vmm/vm.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/percpu.h"
#include "host/smp.h"
#include "host/tsc.h"
#include "lib/string.h"

#define JOB_WAITERS	8
#define POLL_IDLE_US	20000	/* the poller sleeps after this long with nothing found */

struct job {
	struct vm *vm;
	u64 gpa;
	u32 nw;
	struct pv_waiter w[JOB_WAITERS];
	struct job *next;	/* the VM's in-flight list / the free list */
	struct job *qnext;	/* the VM's queue of jobs no worker has taken yet */
	u64 queued_tsc;		/* for the phases of a fault (apf_stats ph_*) */
};

struct worker_stat {
	u64 jobs, busy_tsc;
	u64 poll_tsc, polls, poll_sleeps;	/* the poller: time polling with nothing found */
	struct vm *volatile cur_vm;	/* the job it is on (the monitor's workers), or NULL */
	volatile u64 cur_gpa, cur_tsc;
};

static u32 first_worker, nworkers;
static volatile bool stopping;
static volatile u64 waiting;	/* jobs queued in every VM together: a worker halts at 0 */
static volatile u32 rr;		/* where the next worker starts looking: fair among VMs */
static struct worker_stat wstat[MAX_CPUS];

u32 workers_count(void)
{
	return nworkers;
}

/* Every page a VM can wait for at once needs at most one job: a vCPU holds at most
 * FL_PV_ENTRIES reported entries plus one synchronous wait (a violation exit, SUSPEND_ME or
 * REGISTER's areas), and a job is freed in the same critical section that takes its page
 * out of the in-flight list. So a VM's own pool never runs dry, and no VM can take slots
 * another one needs (issue 11: one global pool let one VM's load fail another's faults). */
u32 apf_jobs_needed(u32 nvcpus)
{
	return nvcpus * (FL_PV_ENTRIES + 1);
}

int apf_jobs_init(struct vm *vm)
{
	u32 n = apf_jobs_needed(vm->nvcpus);
	u64 pages = ALIGN_UP(n * sizeof(struct job), PAGE_SIZE) / PAGE_SIZE;
	struct job *j = page_alloc_zeroed(pages);

	if (!j)
		return -1;
	vm->apf.jobs = j;
	vm->apf.jobs_pages = pages;
	for (u32 i = 0; i < n; i++) {
		j[i].next = vm->apf.free_jobs;
		vm->apf.free_jobs = &j[i];
	}
	return 0;
}

/* Under the VM's apf lock. */
static struct job *job_alloc(struct vm *vm)
{
	struct job *j = vm->apf.free_jobs;
	if (j)
		vm->apf.free_jobs = j->next;
	return j;
}

static void job_free(struct vm *vm, struct job *j)
{
	j->next = vm->apf.free_jobs;
	vm->apf.free_jobs = j;
}

static struct job *inflight_find(struct vm *vm, u64 gpa)
{
	for (struct job *j = vm->apf.inflight; j; j = j->next)
		if (j->gpa == gpa)
			return j;
	return 0;
}

static void inflight_remove(struct vm *vm, struct job *job)
{
	for (struct job **pp = &vm->apf.inflight; *pp; pp = &(*pp)->next)
		if (*pp == job) {
			*pp = job->next;
			return;
		}
}

/* The VM's FIFO of jobs for the pool, under its apf lock. A list, not a bounded ring: a
 * push cannot fail, so no job can be lost with its page FETCHING for ever (issue 11). */
static void queue_add(struct vm *vm, struct job *j)
{
	j->qnext = 0;
	if (vm->apf.qtail)
		vm->apf.qtail->qnext = j;
	else
		vm->apf.qhead = j;
	vm->apf.qtail = j;
	vm->apf.queued++;
}

static struct job *queue_take(struct vm *vm)
{
	struct job *j = vm->apf.qhead;
	if (!j)
		return 0;
	vm->apf.qhead = j->qnext;
	if (!vm->apf.qhead)
		vm->apf.qtail = 0;
	vm->apf.queued--;
	return j;
}

/* Produces the page: latency, content, mapping. Called with nothing locked. Returns 0, or
 * -1 with *rec filled. With a job, the same critical section that publishes the page's new
 * state takes the job out of the in-flight list, frees it and copies its waiters into w
 * (*nw of them): nobody can see the page done and find its job still there (a joiner would
 * get the old result; a waiter back in the guest could need a second slot). */
static int produce(struct vm *vm, u64 gpa, struct fl_fault *rec, struct job *j,
		   struct pv_waiter *w, u32 *nw)
{
	u32 code;
	int r;

	u64 hpa = ram_frame_take(vm, gpa);
	u32 slot1 = ram_slot(vm, gpa);	/* stable: the page is FETCHING, ours */
	u64 t0 = rdtsc();

	if (!hpa) {
		r = -1;		/* the VM was stopped, with the reason */
		code = FL_FAULT_IO_ERROR;
	} else if (slot1 && !backing_live_poisoned(&vm->apf.backing, gpa)) {
		/* Evicted before: its content is the swap copy, not the source's. */
		r = swap_read(slot1 - 1, hpa);
		code = r ? FL_FAULT_IO_ERROR : 0;
		__atomic_add_fetch(&vm->apf.ram.pageins, 1, __ATOMIC_RELAXED);
	} else {
		r = backing_fill(&vm->apf.backing, gpa, (void *)hpa, &code);
		/* backing.latency_us is what one production from the source takes, its fill
		 * included (the disk's own time stands for it on a page-in from swap). */
		u64 lat = vm->apf.backing.latency_us, spent = lat ? tsc_to_us(rdtsc() - t0) : 0;
		if (spent < lat)
			udelay(lat - spent);
	}
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	/* The monitor may have poisoned the page while it was being filled: it stores the
	 * poison, then takes this lock to unmap a present page (apf_unmap), and we look again
	 * here under the lock: either it sees the page present and unmaps it, or we see the
	 * poison. */
	if (!r && backing_live_poisoned(&vm->apf.backing, gpa)) {
		r = -1;
		code = FL_FAULT_POISONED;
	}
	if (r && !code)
		code = FL_FAULT_IO_ERROR;	/* a failure is never published as success */
	code = page_publish(vm, gpa, r ? code : 0, hpa);	/* maps it, or marks it failed */
	r = code ? -1 : 0;
	if (j) {
		inflight_remove(vm, j);
		*nw = j->nw;
		memcpy(w, j->w, sizeof(j->w));
		job_free(vm, j);
	}
	spin_unlock_irqrestore(&vm->apf.lock, f);
	if (r && hpa)
		ram_frame_put(vm, hpa);
	if (r) {
		memset(rec, 0, sizeof(*rec));
		rec->gpa = gpa;
		rec->size = PAGE_SIZE;
		rec->code = code;
	}
	return r;
}

static void run_job(struct job *j)
{
	struct vm *vm = j->vm;
	struct fl_fault rec;
	struct pv_waiter w[JOB_WAITERS];
	u32 nw = 0;
	u64 t0 = rdtsc();
	struct worker_stat *ws = &wstat[cpu_index()];

	ws->cur_gpa = j->gpa;
	ws->cur_tsc = t0;
	ws->cur_vm = vm;
	u64 wait = t0 - j->queued_tsc;	/* j is freed inside produce */
	int r = produce(vm, j->gpa, &rec, j, w, &nw);
	ws->cur_vm = 0;
	APF_STAT(vm, ph_jobs, 1);
	APF_STAT(vm, ph_wait, wait);
	APF_STAT(vm, ph_produce, rdtsc() - t0);
	for (u32 i = 0; i < nw; i++)
		apf_complete_waiter(w[i], r ? &rec : 0);
	ws->jobs++;
	ws->busy_tsc += rdtsc() - t0;
}

/* The next job, looking at the VMs round-robin from a point that moves at every call, so a
 * VM with many faults queued cannot keep another VM's faults waiting behind them. */
static struct job *take_job(void)
{
	u32 n = nvms, start = __atomic_fetch_add(&rr, 1, __ATOMIC_RELAXED);

	for (u32 i = 0; i < n; i++) {
		struct vm *vm = &vms[(start + i) % n];
		if (!__atomic_load_n(&vm->apf.queued, __ATOMIC_RELAXED))
			continue;
		u64 f = spin_lock_irqsave(&vm->apf.lock);
		struct job *j = queue_take(vm);
		spin_unlock_irqrestore(&vm->apf.lock, f);
		if (j) {
			__atomic_sub_fetch(&waiting, 1, __ATOMIC_RELAXED);
			return j;
		}
	}
	return 0;
}

/* ---- the poller (polled mode) ---- */

static u32 poll_rr;		/* the poller's own: where its next pass starts */
/* A wake-up for the poller (a doorbell, a report put off, a polled completion to watch):
 * the sequence moves first, then the kick goes, only to a poller that said it sleeps. The
 * poller says so, then looks at the sequence with IF=0 before it halts: one of the two
 * sees the other, so no wake-up is lost between its last look and its HLT. */
static volatile u64 wake_seq;
static volatile bool poller_asleep;

static bool polled(struct vcpu *v)
{
	return __atomic_load_n(&v->apf.pv.polled, __ATOMIC_RELAXED) &&
	       __atomic_load_n(&v->apf.pv.registered, __ATOMIC_RELAXED);
}

/* One pass over every polled vCPU of the running VMs: the reports posted and those put off,
 * the deadlines of unconsumed completions. found: some report was taken; owed: the poller
 * may not sleep yet (reports put off, completions unconsumed); returns whether any vCPU is
 * polled at all. */
static bool poll_pass(bool up, bool *found, bool *owed)
{
	u32 n = nvms, start = poll_rr++;	/* a different VM first at each pass */
	bool any = false;

	*found = *owed = false;
	for (u32 i = 0; i < n; i++) {
		struct vm *vm = &vms[(start + i) % n];
		if (vm->state == VM_STOPPED)
			continue;
		for (u32 k = 0; k < vm->nvcpus; k++) {
			struct vcpu *v = &vm->vcpus[k];
			if (!polled(v))
				continue;
			any = true;
			if (up != v->apf.poll_up || !up)	/* going to sleep: always say it */
				apf_poll_flag(v, up, !up);
			*found |= apf_poll_vcpu(v) > 0;	/* at most 64 reports a vCPU a pass */
			if (apf_poll_deadline(v))
				smp_kick(v->cpu);	/* the completion vector, after all */
			/* An overdue completion whose vector is pending is the entry path's now:
			 * it does not keep the poller awake (a guest that never consumes, a
			 * paused VM). */
			*owed |= (v->apf.pv.unconsumed && !v->apf.pv.pending) || v->apf.poll_later;
		}
	}
	return any;
}

/* The poller without a job: polls until it has found nothing for POLL_IDLE_US, then says
 * in the PV pages that it sleeps and looks once more (the guest posts, then reads
 * host_polling: with the full barrier between our store and our look, one of the two
 * sides sees the other). Returns true when it should look for jobs again, false to sleep. */
static bool poll(struct worker_stat *ws, u64 *idle_since, u64 *seq)
{
	bool found, owed;
	u64 t0 = rdtsc();

	if (!poll_pass(true, &found, &owed))
		return false;			/* no polled vCPU: sleep as always */
	if (found || owed) {
		if (found)
			*idle_since = rdtsc();
		return true;
	}
	ws->polls++;
	if (rdtsc() - *idle_since < tsc_khz * POLL_IDLE_US / 1000) {
		cpu_relax();
		ws->poll_tsc += rdtsc() - t0;
		return true;
	}
	ws->poll_tsc += rdtsc() - t0;
	*seq = __atomic_load_n(&wake_seq, __ATOMIC_ACQUIRE);
	poll_pass(false, &found, &owed);	/* host_polling = 0 ... */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	poll_pass(false, &found, &owed);	/* ... then a last look */
	if (found || owed) {
		*idle_since = rdtsc();
		return true;
	}
	ws->poll_sleeps++;
	return false;
}

static void worker_main(void *arg)
{
	bool poller = cpu_index() == first_worker;
	u64 idle_since = rdtsc(), seq = 0;

	(void)arg;
	pr_debug("worker on cpu%u: ready%s", cpu_index(), poller ? ", the poller" : "");
	for (;;) {
		bool found, owed;
		/* The poller looks between any two jobs too (with its flag up: a job of 2 ms
		 * delays a posted report by at most that, it does not make it ring). */
		if (poller && __atomic_load_n(&apf_npolled, __ATOMIC_RELAXED))
			poll_pass(true, &found, &owed);
		struct job *j = take_job();
		if (j) {
			run_job(j);
			idle_since = rdtsc();
			continue;
		}
		if (stopping)
			return;
		seq = __atomic_load_n(&wake_seq, __ATOMIC_ACQUIRE);
		if (poller && __atomic_load_n(&apf_npolled, __ATOMIC_RELAXED) &&
		    poll(&wstat[cpu_index()], &idle_since, &seq))
			continue;
		irq_disable();
		if (poller) {
			__atomic_store_n(&poller_asleep, true, __ATOMIC_SEQ_CST);
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
		}
		/* A push counts before it kicks: with IF=0 here, a kick after this look stays
		 * pending and ends the HLT at once. The poller also looks at the wake-ups it
		 * has not seen yet. */
		if (!__atomic_load_n(&waiting, __ATOMIC_ACQUIRE) && !stopping &&
		    (!poller || __atomic_load_n(&wake_seq, __ATOMIC_ACQUIRE) == seq))
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		if (poller)
			__atomic_store_n(&poller_asleep, false, __ATOMIC_RELEASE);
		idle_since = rdtsc();	/* woken: a job, a doorbell's, or the end */
	}
}

static void kick_workers(void)
{
	for (u32 c = first_worker; c < first_worker + nworkers; c++)
		if (c != cpu_index())
			smp_kick(c);
}

void workers_wake_poller(void)
{
	if (!nworkers)
		return;
	__atomic_add_fetch(&wake_seq, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (first_worker != cpu_index() && __atomic_load_n(&poller_asleep, __ATOMIC_SEQ_CST))
		smp_kick(first_worker);
}

static void depth_count(struct vm *vm, u64 d)
{
	__atomic_add_fetch(&vm->apf.st.depth_hist[d == 0 ? 0 : d == 1 ? 1 : d < 4 ? 2 : d < 16 ? 3 : 4],
			   1, __ATOMIC_RELAXED);
}

u32 workers_inflight(struct vm *vm, u64 *gpa, u32 *waiters, u32 max)
{
	u32 n = 0;
	for (struct job *j = vm->apf.inflight; j && n < max; j = j->next, n++) {
		gpa[n] = j->gpa;
		waiters[n] = j->nw;
	}
	return n;
}

int apf_fetch_async(struct vm *vm, u64 gpa, struct pv_waiter w)
{
	gpa &= ~(PAGE_SIZE - 1);
	if (!vm->apf.lazy)
		return 1;		/* all of its RAM is present: nothing to fetch */
	if (gpa >= vm->mem || !nworkers)
		return -1;
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	u8 st = page_state(vm, gpa);
	struct job *j;

	if (st == PAGE_PRESENT || page_rescue(vm, gpa)) {
		spin_unlock_irqrestore(&vm->apf.lock, f);
		return 1;
	}
	if (st == PAGE_FETCHING) {
		j = inflight_find(vm, gpa);
		if (!j || j->nw == JOB_WAITERS) {
			spin_unlock_irqrestore(&vm->apf.lock, f);
			return -1;
		}
		j->w[j->nw++] = w;
		vm->apf.st.dedup++;
		spin_unlock_irqrestore(&vm->apf.lock, f);
		return 0;
	}
	j = job_alloc(vm);
	if (!j) {
		spin_unlock_irqrestore(&vm->apf.lock, f);
		return -1;	/* cannot happen (apf_jobs_needed); the caller produces it itself */
	}
	*j = (struct job){ .vm = vm, .gpa = gpa, .nw = 1, .w = { w }, .queued_tsc = rdtsc() };
	j->next = vm->apf.inflight;
	vm->apf.inflight = j;
	page_set_fetching(vm, gpa);
	depth_count(vm, vm->apf.queued);
	queue_add(vm, j);
	__atomic_add_fetch(&waiting, 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&vm->apf.lock, f);
	kick_workers();
	return 0;
}

/* A vCPU waiting synchronously is a waiter of its own (index -1): the job's end tells it
 * the result (apf_sync_done) and kicks it. It waits for that, not for the page state: the
 * page may be FETCHING again by then for somebody else's retry, and nobody would kick us
 * for that one. */
static int wait_job(struct vcpu *v, struct fl_fault *rec)
{
	while (!__atomic_load_n(&v->apf.sync_done, __ATOMIC_ACQUIRE) &&
	       v->vm->state != VM_STOPPED)
		__asm__ volatile("sti; hlt; cli" ::: "memory");	/* IF=0: a kick stays pending */
	if (!__atomic_load_n(&v->apf.sync_done, __ATOMIC_ACQUIRE)) {
		memset(rec, 0, sizeof(*rec));
		rec->code = FL_FAULT_NONE;	/* the VM stopped meanwhile */
		return -1;
	}
	if (!v->apf.sync_failed)
		return 0;
	*rec = v->apf.sync_rec;
	return -1;
}

void apf_sync_done(struct vcpu *v, const struct fl_fault *fail)
{
	v->apf.sync_failed = fail != 0;
	if (fail)
		v->apf.sync_rec = *fail;
	__atomic_store_n(&v->apf.sync_done, true, __ATOMIC_RELEASE);
}

/* Somebody without a job (no waiter slot left on it, or no pool) produces the page, on
 * this CPU, unless somebody already is: then wait for them, spinning on the page state
 * (there is nobody to kick us). 0 present, -1 failed (with *rec), 1: it went back to
 * ABSENT (the monitor's poison unmapped it), ask again. */
static int here_once(struct vm *vm, u64 gpa, struct fl_fault *rec)
{
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	u8 st = page_rescue(vm, gpa) ? PAGE_PRESENT : page_state(vm, gpa);

	if (st != PAGE_PRESENT && st != PAGE_FETCHING) {
		page_set_fetching(vm, gpa);
		spin_unlock_irqrestore(&vm->apf.lock, f);
		return produce(vm, gpa, rec, 0, 0, 0);
	}
	spin_unlock_irqrestore(&vm->apf.lock, f);
	if (st == PAGE_FETCHING)
		st = page_wait(vm, gpa);
	if (st == PAGE_PRESENT)
		return 0;
	if (st == PAGE_ABSENT)
		return 1;
	memset(rec, 0, sizeof(*rec));
	rec->gpa = gpa;
	rec->size = PAGE_SIZE;
	/* The code is stored before the state is published (apf/page.h). */
	rec->code = st == PAGE_FAILED ? page_fail_code(vm, gpa) : FL_FAULT_NONE;
	return -1;
}

/* One attempt of apf_fetch_sync: 0 / -1 as it, 1 to try again. */
static int fetch_once(struct vcpu *v, u64 gpa, struct fl_fault *rec)
{
	struct vm *vm = v->vm;
	struct pv_waiter w = { v, -1, false };

	if (nworkers) {
		v->apf.sync_done = false;	/* before the job can exist */
		int r = apf_fetch_async(vm, gpa, w);
		if (r == 1)
			return 0;
		if (r == 0)
			return wait_job(v, rec);
	}
	return here_once(vm, gpa, rec);
}

int apf_fetch_sync(struct vcpu *v, u64 gpa, struct fl_fault *rec)
{
	struct vm *vm = v->vm;
	int r = 1;

	gpa &= ~(PAGE_SIZE - 1);
	if (!vm->apf.lazy)
		return 0;	/* RAM that is not lazily backed is all present */
	memset(rec, 0, sizeof(*rec));
	rec->gpa = gpa;
	rec->size = PAGE_SIZE;
	if (gpa >= vm->mem) {
		rec->code = FL_FAULT_OUTSIDE_RAM;
		return -1;
	}
	/* Again only when the page went back to absent under us (the monitor's poison of a
	 * page just produced): bounded, each time is a monitor command. */
	for (int i = 0; i < 4 && r == 1; i++)
		r = fetch_once(v, gpa, rec);
	if (r == 1) {
		rec->code = FL_FAULT_POISONED;
		return -1;
	}
	return r;
}

int apf_fetch_here(struct vm *vm, u64 gpa, struct fl_fault *rec)
{
	int r = 1;

	gpa &= ~(PAGE_SIZE - 1);
	memset(rec, 0, sizeof(*rec));
	rec->gpa = gpa;
	rec->size = PAGE_SIZE;
	if (!vm->apf.lazy)
		return 0;
	if (gpa >= vm->mem) {
		rec->code = FL_FAULT_OUTSIDE_RAM;
		return -1;
	}
	for (int i = 0; i < 4 && r == 1; i++)	/* again only after a poison made it absent */
		r = here_once(vm, gpa, rec);
	if (r == 1) {
		rec->code = FL_FAULT_POISONED;
		return -1;
	}
	return r;
}

void workers_start(u32 first, u32 n)
{
	first_worker = first;
	nworkers = n;
	stopping = false;
	for (u32 c = first; c < first + n; c++)
		smp_call(c, worker_main, 0);
	if (n)
		pr_info("apf: %u worker(s) on cpu%u..cpu%u", n, first, first + n - 1);
}

void workers_stop(void)
{
	stopping = true;
	kick_workers();
	for (u32 c = first_worker; c < first_worker + nworkers; c++)
		smp_wait_idle(c);
}

void workers_print_stats(void)
{
	for (u32 c = first_worker; c < first_worker + nworkers; c++)
		pr_info("summary: worker cpu%u: jobs=%lu busy=%lu us", c, wstat[c].jobs,
			tsc_to_us(wstat[c].busy_tsc));
	for (u32 c = first_worker; c < first_worker + nworkers; c++)
		if (wstat[c].polls)
			pr_info("summary: poller cpu%u: polled idle %lu us in %lu empty passes, "
				"slept %lu times", c, tsc_to_us(wstat[c].poll_tsc), wstat[c].polls,
				wstat[c].poll_sleeps);
	ram_pool_summary();
}

/* The monitor's view: what each worker is doing now, and the queue behind them. */
void workers_print_now(void (*out)(const char *fmt, ...))
{
	u64 now = rdtsc();

	for (u32 c = first_worker; c < first_worker + nworkers; c++) {
		struct worker_stat *w = &wstat[c];
		struct vm *vm = w->cur_vm;
		if (vm)
			out("  worker cpu%u: producing page 0x%lx of vm %s for %lu us (jobs=%lu)", c,
			    w->cur_gpa, vm->name, tsc_to_us(now - w->cur_tsc), w->jobs);
		else
			out("  worker cpu%u: idle (jobs=%lu, busy %lu us in all)", c, w->jobs,
			    tsc_to_us(w->busy_tsc));
	}
	out("  job queue: %lu waiting", (u64)__atomic_load_n(&waiting, __ATOMIC_RELAXED));
}
