/* tests/unit/test_pv_poll.c: host tests of apf/pv.c's polled mode (FL_VE_F_POLLED,
 * docs/pv-protocol.md "Polled mode"): posted reports taken once each, completions posted
 * without an interrupt, the deadline that makes the interrupt pending after all, and a
 * threaded test where a guest thread posts and consumes while a host thread takes the
 * posted reports and completes them, as a polling worker does. */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include "tests/unit/check.h"
#include "tests/unit/pv_world.h"

static void world_polled(struct world *w)
{
	world_init(w);
	CHECK_EQ(pv_register(&w->p, &w->m, VE, PV, VEC, FL_VE_F_POLLED), 0);
	CHECK(w->p.polled);
}

/* The guest's posting of entry i (after steps 2-4): a locked OR. */
static void guest_post(struct fl_pv_page *pg, unsigned i)
{
	__atomic_fetch_or(&pg->posted[i / 64], 1ULL << (i % 64), __ATOMIC_SEQ_CST);
}

TEST(take_posted)
{
	struct world w;
	struct fl_pv_page *pg;
	u64 gpa;

	world_reg(&w);
	pg = page_at(&w, PV);
	guest_fill(pg, 3, 0x5000, FL_PV_CAN_CONTINUE);
	guest_post(pg, 3);
	CHECK_EQ(pv_take_posted(&w.p, &w.m), 0);	/* not polled: never taken */
	free(w.buf);

	world_polled(&w);
	pg = page_at(&w, PV);
	CHECK_EQ(pv_take_posted(&w.p, &w.m), 0);
	guest_fill(pg, 3, 0x5000, FL_PV_CAN_CONTINUE);
	guest_fill(pg, 40, 0x9000, FL_PV_CAN_CONTINUE);
	guest_post(pg, 3);
	guest_post(pg, 40);
	CHECK_EQ(pv_take_posted(&w.p, &w.m), (1ULL << 3) | (1ULL << 40));
	CHECK_EQ(pg->posted[0], 0);
	CHECK_EQ(pv_take_posted(&w.p, &w.m), 0);	/* each once */
	/* A taken report is validated as the hypercall's would be. */
	CHECK_EQ(pv_report(&w.p, &w.m, 3, FL_PV_CAN_CONTINUE, &gpa), 0);
	CHECK_EQ(gpa, 0x5000);
	/* A posted bit whose entry is not a report is refused by that validation. */
	guest_post(pg, 7);
	CHECK_EQ(pv_take_posted(&w.p, &w.m), 1ULL << 7);
	CHECK_EQ(pv_report(&w.p, &w.m, 7, FL_PV_CAN_CONTINUE, &gpa), FL_EINVAL);
	w.refuse = true;				/* RAM gone: nothing taken, no crash */
	guest_post(pg, 8);
	CHECK_EQ(pv_take_posted(&w.p, &w.m), 0);
	free(w.buf);
}

TEST(complete_without_interrupt)
{
	struct world w;
	struct fl_pv_page *pg;
	u8 vec;
	u32 batched;

	world_polled(&w);
	pg = page_at(&w, PV);
	fill_report(&w, 1, 0x5000, FL_PV_CAN_CONTINUE);
	fill_report(&w, 2, 0x6000, FL_PV_CAN_CONTINUE);
	CHECK(!pv_complete(&w.p, &w.m, 1, NULL, false, 100));	/* no kick */
	CHECK_EQ(pg->entry[1].state, FL_PV_RESOLVED);
	CHECK_EQ(pg->completions, 1);
	CHECK_EQ(pg->host_current, 1);
	CHECK(!w.p.pending);
	CHECK(w.p.unconsumed);
	CHECK_EQ(w.p.unconsumed_since, 100);
	CHECK(!pv_complete(&w.p, &w.m, 2, NULL, false, 150));
	CHECK_EQ(w.p.unconsumed_since, 100);			/* the oldest counts */
	CHECK(!pv_take_pending(&w.p, &vec, &batched));
	/* SUSPEND_ME (the vCPU waits in REPORT) and FL_PV_F_SYNC post nothing, as before. */
	fill_report(&w, 4, 0x7000, FL_PV_SUSPEND_ME);
	CHECK(!pv_complete(&w.p, &w.m, 4, NULL, true, 200));
	CHECK_EQ(pg->completions, 2);
	free(w.buf);
}

TEST(deadline)
{
	struct world w;
	struct fl_pv_page *pg;
	u8 vec;
	u32 batched;

	world_polled(&w);
	pg = page_at(&w, PV);
	CHECK(!pv_deadline(&w.p, &w.m, 1000, 10));		/* nothing posted */
	fill_report(&w, 1, 0x5000, FL_PV_CAN_CONTINUE);
	CHECK(!pv_complete(&w.p, &w.m, 1, NULL, false, 100));
	CHECK(!pv_deadline(&w.p, &w.m, 105, 10));		/* not yet */
	CHECK(pv_deadline(&w.p, &w.m, 110, 10));		/* due: pending, kick */
	CHECK(w.p.pending);
	CHECK(!pv_deadline(&w.p, &w.m, 115, 10));		/* once per deadline */
	CHECK(!pv_deadline(&w.p, &w.m, 125, 10));		/* already pending: no kick */
	CHECK(pv_take_pending(&w.p, &vec, &batched));
	CHECK_EQ(vec, VEC);
	CHECK_EQ(batched, 1);
	/* The guest acted on it: consumed = completions. Nothing more is owed. */
	__atomic_store_n(&pg->consumed, pg->completions, __ATOMIC_RELEASE);
	CHECK(!pv_deadline(&w.p, &w.m, 1000, 10));
	CHECK(!w.p.unconsumed);
	/* A guest that writes garbage into consumed: one interrupt per deadline, no more. */
	fill_report(&w, 2, 0x6000, FL_PV_CAN_CONTINUE);
	CHECK(!pv_complete(&w.p, &w.m, 2, NULL, false, 2000));
	pg->consumed = 12345;
	CHECK(pv_deadline(&w.p, &w.m, 2010, 10));
	CHECK(pv_take_pending(&w.p, &vec, &batched));
	CHECK(!pv_deadline(&w.p, &w.m, 2015, 10));
	CHECK(pv_deadline(&w.p, &w.m, 2020, 10));
	CHECK(pv_take_pending(&w.p, &vec, &batched));
	/* Unregister, the guest zeroes its page, registers again: its first completion is
	 * consumed as 1, and nothing is owed (the host compares with what it wrote, not with
	 * a count it kept across registrations). */
	pg->consumed = pg->completions;
	guest_consume(pg, 1);
	guest_consume(pg, 2);
	CHECK(!pv_deadline(&w.p, &w.m, 3000, 10));
	CHECK_EQ(pv_unregister(&w.p), 0);
	memset(pg, 0, sizeof(*pg));
	CHECK_EQ(pv_register(&w.p, &w.m, VE, PV, VEC, FL_VE_F_POLLED), 0);
	fill_report(&w, 5, 0x7000, FL_PV_CAN_CONTINUE);
	CHECK(!pv_complete(&w.p, &w.m, 5, NULL, false, 4000));
	CHECK_EQ(pg->completions, 1);
	pg->consumed = 1;
	CHECK(!pv_deadline(&w.p, &w.m, 5000, 10));
	CHECK(!w.p.unconsumed);
	free(w.buf);
}

/* Threads: the guest reports entries by posting and consumes completions; the host takes
 * the posted bits, validates and completes each. Every report completes exactly once. */
#define ROUNDS 20000

struct shared {
	struct world w;
	pthread_mutex_t lock;		/* the vCPU's lock: the host side's calls only */
	volatile int done;
	u64 completed, taken;
};

static void *host_thread(void *arg)
{
	struct shared *sh = arg;

	while (!__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE) || sh->completed < sh->taken ||
	       sh->taken < ROUNDS) {
		u64 gpa, bits;

		pthread_mutex_lock(&sh->lock);
		bits = pv_take_posted(&sh->w.p, &sh->w.m);
		while (bits) {
			unsigned i = (unsigned)__builtin_ctzll(bits);

			bits &= bits - 1;
			CHECK_EQ(pv_report(&sh->w.p, &sh->w.m, i, FL_PV_CAN_CONTINUE, &gpa), 0);
			sh->taken++;
			CHECK(!pv_complete(&sh->w.p, &sh->w.m, i, NULL, false, 0));
			sh->completed++;
		}
		pthread_mutex_unlock(&sh->lock);
		if (sh->taken >= ROUNDS && sh->completed == sh->taken)
			break;
	}
	return NULL;
}

TEST(threads_post_and_consume)
{
	static struct shared sh;
	struct fl_pv_page *pg;
	pthread_t t;
	u64 reported = 0, consumed = 0;
	unsigned inflight = 0;

	world_polled(&sh.w);
	pthread_mutex_init(&sh.lock, NULL);
	pg = page_at(&sh.w, PV);
	CHECK_EQ(pthread_create(&t, NULL, host_thread, &sh), 0);
	while (consumed < ROUNDS) {
		/* Post while entries are free (at most 8 in flight), then consume the done. */
		for (unsigned i = 0; i < 8 && reported < ROUNDS; i++) {
			if (__atomic_load_n(&pg->active[0], __ATOMIC_ACQUIRE) & (1ULL << i))
				continue;
			guest_fill(pg, i, 0x1000 * (i + 1), FL_PV_CAN_CONTINUE);
			guest_post(pg, i);
			reported++;
			inflight++;
		}
		for (unsigned i = 0; i < 8; i++) {
			u32 st = __atomic_load_n(&pg->entry[i].state, __ATOMIC_ACQUIRE);

			if (st == FL_PV_RESOLVED) {
				guest_consume(pg, i);
				consumed++;
				inflight--;
			}
		}
		__atomic_store_n(&pg->consumed, __atomic_load_n(&pg->completions, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&sh.done, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	CHECK_EQ(sh.taken, ROUNDS);
	CHECK_EQ(sh.completed, ROUNDS);
	CHECK_EQ(pg->completions, ROUNDS);
	CHECK_EQ(inflight, 0);
	CHECK_EQ(sh.w.p.outstanding, 0);
	CHECK(!sh.w.p.pending);
	free(sh.w.buf);
}

static void watchdog(int sig)
{
	(void)sig;
	fprintf(stderr, "test_pv_poll: no end after 600 s (a lost report or completion)\n");
	_exit(2);
}

int main(void)
{
	signal(SIGALRM, watchdog);
	alarm(600);	/* a hang, not slowness: generous on a loaded machine */
	RUN(take_posted);
	RUN(complete_without_interrupt);
	RUN(deadline);
	RUN(threads_post_and_consume);
	return DONE();
}
