/* tests/unit/pv_world.h: the fixture of apf/pv.c's host tests (test_pv.c, test_pv_poll.c):
 * guest RAM is a calloc'd 1 MiB buffer; ptr() hands out a pointer into it only when the
 * whole range is inside (and can be told to refuse everything, for the "RAM went away"
 * paths); the guest's steps of docs/pv-protocol.md are played by writing the PV page. */
#ifndef TESTS_UNIT_PV_WORLD_H
#define TESTS_UNIT_PV_WORLD_H
#include <stdlib.h>
#include "tests/unit/check.h"
#include "apf/pv.h"

#define RAM (1024 * 1024ULL)
#define VE 0x10000ULL
#define PV 0x20000ULL
#define VEC 0xecu

struct world {
	u8 *buf;
	bool refuse;		/* every ptr() answers NULL */
	int calls, outside;	/* outside: asked for a range not inside RAM */
	struct pv_mem m;
	struct pv_vcpu p;
};

static inline void *fake_ptr(void *ctx, u64 gpa, u64 len)
{
	struct world *w = ctx;

	w->calls++;
	if (len > RAM || gpa > RAM - len) {
		w->outside++;
		return NULL;
	}
	return w->refuse ? NULL : w->buf + gpa;
}

static inline void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->buf = calloc(1, RAM);
	w->m = (struct pv_mem){ RAM, fake_ptr, w };
}

/* A world registered with the default layout. */
static inline void world_reg(struct world *w)
{
	world_init(w);
	CHECK_EQ(pv_register(&w->p, &w->m, VE, PV, VEC, 0), 0);
}

static inline struct fl_pv_page *page_at(struct world *w, u64 gpa)
{
	return (struct fl_pv_page *)(w->buf + gpa);
}

/* The guest's steps 2-4 for entry i: active bit, record, decision in state. gpa is stored
 * as given, so a test can play a guest that did not align it. */
static inline void guest_fill(struct fl_pv_page *pg, unsigned i, u64 gpa, unsigned decision)
{
	struct fl_pv_entry *e = &pg->entry[i];

	__atomic_fetch_or(&pg->active[i / 64], 1ULL << (i % 64), __ATOMIC_RELAXED);
	e->fault = (struct fl_fault){ .gpa = gpa, .size = 4096, .gla = 0x7000 + i,
				      .access = FL_ACC_WRITE, .flags = FL_FAULT_GLA_VALID };
	e->qual = 0x82;
	e->host_flags = 0;
	pg->guest_current = i;
	__atomic_store_n(&e->state, decision, __ATOMIC_RELEASE);
}

/* The guest's step 9: back to NONE, active bit cleared. */
static inline void guest_consume(struct fl_pv_page *pg, unsigned i)
{
	__atomic_store_n(&pg->entry[i].state, FL_PV_NONE, __ATOMIC_RELAXED);
	__atomic_fetch_and(&pg->active[i / 64], ~(1ULL << (i % 64)), __ATOMIC_RELEASE);
}

/* The guest's steps 2-5 for entry i, expecting REPORT to succeed with gpa's page. */
static inline void fill_report(struct world *w, unsigned i, u64 gpa, unsigned decision)
{
	u64 page = ~0ULL;

	guest_fill(page_at(w, w->p.pv_gpa), i, gpa, decision);
	CHECK_EQ(pv_report(&w->p, &w->m, i, decision, &page), 0);
	CHECK_EQ(page, gpa & ~0xfffULL);
}

#endif
