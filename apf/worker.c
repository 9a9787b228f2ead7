/* apf/worker.c: the worker pool and the one way pages arrive. A job is one guest page of
 * one VM; a fault on a page already being fetched joins that job instead of starting
 * another (deduplication), so every page is produced once. Workers are the last `workers=`
 * CPUs; they take jobs from a bounded lock-free queue (lib/queue.c), spend the backing
 * store's latency, fill the page, map it in the VM's EPT under the VM's apf lock (the lock
 * every path that changes that EPT takes), and post the completion to every waiter. With no
 * workers, the faulting vCPU does the same work itself, synchronously. */
#include "apf/apf.h"
#include "vmm/vm.h"
#include "boot/cpu.h"
#include "boot/log.h"
#include "boot/percpu.h"
#include "boot/smp.h"
#include "boot/tsc.h"
#include "lib/queue.h"
#include "lib/string.h"

#define JOBS		256
#define JOB_WAITERS	8

struct job {
	struct vm *vm;
	u64 gpa;
	u32 nw;
	struct pv_waiter w[JOB_WAITERS];
	struct job *next;	/* the VM's in-flight list / the free list */
};

struct worker_stat {
	u64 jobs, busy_tsc;
	struct vm *volatile cur_vm;	/* the job it is on (the monitor's workers), or NULL */
	volatile u64 cur_gpa, cur_tsc;
};

static struct job jobs[JOBS];
static struct job *free_jobs;
static struct spinlock free_lock = SPINLOCK_INIT;
static struct queue q;
static struct queue_cell cells[JOBS];
static u32 first_worker, nworkers;
static volatile bool stopping;
static struct worker_stat wstat[MAX_CPUS];

u32 workers_count(void)
{
	return nworkers;
}

static struct job *job_alloc(void)
{
	u64 f = spin_lock_irqsave(&free_lock);
	struct job *j = free_jobs;
	if (j)
		free_jobs = j->next;
	spin_unlock_irqrestore(&free_lock, f);
	return j;
}

static void job_free(struct job *j)
{
	u64 f = spin_lock_irqsave(&free_lock);
	j->next = free_jobs;
	free_jobs = j;
	spin_unlock_irqrestore(&free_lock, f);
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

/* Produces the page: latency, content, mapping. Called with nothing locked. Returns 0, or
 * -1 with *rec filled. */
static int produce(struct vm *vm, u64 gpa, struct fl_fault *rec)
{
	u32 code;
	int r;

	udelay(vm->apf.backing.latency_us);
	r = backing_fill(&vm->apf.backing, gpa, (void *)(vm->ram_hpa + gpa), &code);
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	if (!r && ept_map(&vm->ept, gpa, vm->ram_hpa + gpa, PAGE_SIZE, EPT_RWX)) {
		r = -1;
		code = FL_FAULT_IO_ERROR;	/* no memory for an EPT table */
	}
	if (!r) {
		/* Not present -> present needs no INVEPT: not-present entries are not cached. */
		vm->apf.page[gpa / PAGE_SIZE] = PAGE_PRESENT;
		vm->apf.st.fetched++;
		apf_page_produced(vm, gpa);
	} else {
		apf_page_failed(vm, gpa, code);
	}
	spin_unlock_irqrestore(&vm->apf.lock, f);
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
	u32 nw;
	u64 t0 = rdtsc();
	struct worker_stat *ws = &wstat[cpu_index()];

	ws->cur_gpa = j->gpa;
	ws->cur_tsc = t0;
	ws->cur_vm = vm;
	int r = produce(vm, j->gpa, &rec);
	ws->cur_vm = 0;

	u64 f = spin_lock_irqsave(&vm->apf.lock);
	inflight_remove(vm, j);
	nw = j->nw;
	memcpy(w, j->w, sizeof(w));
	spin_unlock_irqrestore(&vm->apf.lock, f);
	for (u32 i = 0; i < nw; i++)
		apf_complete_waiter(w[i], r ? &rec : 0);
	job_free(j);
	ws->jobs++;
	ws->busy_tsc += rdtsc() - t0;
}

static void worker_main(void *arg)
{
	u64 j;
	(void)arg;
	pr_debug("worker on cpu%u: ready", cpu_index());
	for (;;) {
		if (queue_pop(&q, &j)) {
			run_job((struct job *)j);
			continue;
		}
		if (stopping)
			return;
		irq_disable();
		if (!queue_depth(&q) && !stopping)
			__asm__ volatile("sti; hlt; cli" ::: "memory"); /* a push kicks us */
	}
}

static void kick_workers(void)
{
	for (u32 c = first_worker; c < first_worker + nworkers; c++)
		if (c != cpu_index())
			smp_kick(c);
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
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	u8 *st = &vm->apf.page[gpa / PAGE_SIZE];
	struct job *j;

	if (*st == PAGE_PRESENT) {
		spin_unlock_irqrestore(&vm->apf.lock, f);
		return 1;
	}
	if (*st == PAGE_FETCHING) {
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
	j = nworkers ? job_alloc() : 0;
	if (!j) {
		spin_unlock_irqrestore(&vm->apf.lock, f);
		return -1;
	}
	*j = (struct job){ .vm = vm, .gpa = gpa, .nw = 1, .w = { w } };
	j->next = vm->apf.inflight;
	vm->apf.inflight = j;
	*st = PAGE_FETCHING;
	spin_unlock_irqrestore(&vm->apf.lock, f);
	depth_count(vm, queue_depth(&q));
	queue_push(&q, (u64)j);	/* never full: the queue holds every job there can be */
	kick_workers();
	return 0;
}

/* Waits with HLT: whoever finishes the page kicks the waiters' CPUs. */
static int wait_page(struct vcpu *v, u64 gpa, bool kicked, struct fl_fault *rec)
{
	volatile u8 *st = &v->vm->apf.page[gpa / PAGE_SIZE];
	while (*st == PAGE_FETCHING && v->vm->state != VM_STOPPED) {
		if (kicked)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		else
			cpu_relax();	/* no waiter slot: nobody will kick us */
	}
	if (*st == PAGE_PRESENT)
		return 0;
	memset(rec, 0, sizeof(*rec));
	rec->gpa = gpa;
	rec->size = PAGE_SIZE;
	rec->code = *st == PAGE_FAILED ? v->vm->apf.fail_code[gpa / PAGE_SIZE] : FL_FAULT_NONE;
	return -1;
}

int apf_fetch_sync(struct vcpu *v, u64 gpa, struct fl_fault *rec)
{
	struct vm *vm = v->vm;
	struct pv_waiter w = { v, -1 };
	int r;

	gpa &= ~(PAGE_SIZE - 1);
	if (nworkers) {
		r = apf_fetch_async(vm, gpa, w);
		if (r == 1)
			return 0;
		return wait_page(v, gpa, r == 0, rec);
	}
	/* No pool: this CPU produces the page, unless another vCPU already is. */
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	u8 *st = &vm->apf.page[gpa / PAGE_SIZE];
	if (*st == PAGE_PRESENT) {
		spin_unlock_irqrestore(&vm->apf.lock, f);
		return 0;
	}
	if (*st == PAGE_FETCHING) {
		spin_unlock_irqrestore(&vm->apf.lock, f);
		return wait_page(v, gpa, false, rec);
	}
	*st = PAGE_FETCHING;
	spin_unlock_irqrestore(&vm->apf.lock, f);
	return produce(vm, gpa, rec);
}

void workers_start(u32 first, u32 n)
{
	queue_init(&q, cells, JOBS);
	for (u32 i = 0; i < JOBS; i++) {
		jobs[i].next = free_jobs;
		free_jobs = &jobs[i];
	}
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
	out("  job queue: %lu waiting", (u64)queue_depth(&q));
}
