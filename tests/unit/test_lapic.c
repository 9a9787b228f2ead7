/* tests/unit/test_lapic.c: host tests of dev/lapic.c, a vCPU's local APIC in x2APIC mode.
 *
 * The reset state (and the BIOS-like one of vCPU 0); the register rules of x2APIC mode
 * (read-only, write-only, holes and reserved bits are #GP); priority against TPR and ISR
 * with nested EOIs; illegal vectors into the ESR; the timer one-shot, periodic (missed
 * periods coalesce), TSC-deadline, masked, and the mode change that disarms it; ICR
 * decoding (fixed, NMI, INIT assert/de-assert, SIPI, shorthands, self); destination
 * matching in physical and logical (cluster) mode; and a random walk that must stay sane. */
#include "tests/unit/check.h"
#include "dev/lapic.h"

static u64 rd(struct lapic *a, u32 reg, u64 now)
{
	u64 v = 0xDEAD;
	CHECK(lapic_read(a, reg, now, &v));
	return v;
}

static bool wr(struct lapic *a, u32 reg, u64 val, u64 now)
{
	struct lapic_ipi ipi;
	bool sent;
	return lapic_write(a, reg, val, now, &ipi, &sent);
}

TEST(reset_state)
{
	struct lapic a;
	u64 v;

	lapic_init(&a, 3, false);
	CHECK_EQ(rd(&a, LAPIC_ID, 0), 3);
	CHECK_EQ(rd(&a, LAPIC_VER, 0), 0x60014);
	CHECK_EQ(rd(&a, LAPIC_SVR, 0), 0xFF);		/* software-disabled */
	CHECK_EQ(rd(&a, LAPIC_LVT_LINT0, 0), LVT_MASKED);
	CHECK_EQ(rd(&a, LAPIC_LDR, 0), 1u << 3);
	CHECK(!lapic_extint(&a));
	CHECK_EQ(lapic_next(&a), LAPIC_NEVER);
	CHECK_EQ(lapic_pending(&a), -1);
	lapic_init(&a, 0, true);
	CHECK(lapic_extint(&a));
	CHECK_EQ(rd(&a, LAPIC_LVT_LINT1, 0), DM_NMI << 8);
	CHECK(rd(&a, LAPIC_SVR, 0) & SVR_ENABLE);
	lapic_init(&a, 0x25, false);
	CHECK_EQ(rd(&a, LAPIC_LDR, 0), 0x20020);	/* cluster 2, bit 5 */
	CHECK(!lapic_read(&a, LAPIC_EOI, 0, &v));	/* write-only */
	CHECK(!lapic_read(&a, LAPIC_SELF_IPI, 0, &v));
	CHECK(!lapic_read(&a, 0x04, 0, &v));		/* a hole */
	CHECK(!lapic_read(&a, 0xFF, 0, &v));
}

TEST(register_rules)
{
	struct lapic a;

	lapic_init(&a, 1, true);
	CHECK(!wr(&a, LAPIC_ID, 5, 0));			/* read-only */
	CHECK(!wr(&a, LAPIC_LDR, 5, 0));
	CHECK(!wr(&a, LAPIC_PPR, 0, 0));
	CHECK(!wr(&a, LAPIC_IRR + 3, 0, 0));
	CHECK(!wr(&a, LAPIC_TIMER_CUR, 0, 0));
	CHECK(!wr(&a, LAPIC_EOI, 1, 0));		/* EOI takes 0 only */
	CHECK(!wr(&a, LAPIC_ESR, 1, 0));
	CHECK(!wr(&a, LAPIC_TPR, 0x100, 0));		/* reserved bits */
	CHECK(!wr(&a, LAPIC_TPR, 1ULL << 32, 0));	/* 63:32 of a 32-bit register */
	CHECK(!wr(&a, LAPIC_SVR, 0x1000, 0));		/* no directed EOI offered */
	CHECK(!wr(&a, LAPIC_TIMER_DCR, 4, 0));
	CHECK(!wr(&a, LAPIC_LVT_TIMER, 0x700, 0));	/* the timer has no delivery mode */
	CHECK(!wr(&a, LAPIC_SELF_IPI, 0x100, 0));
	CHECK(!wr(&a, LAPIC_ICR, 1u << 13, 0));
	CHECK(!wr(&a, LAPIC_ICR, 1u << 20, 0));
	CHECK(wr(&a, LAPIC_TPR, 0x20, 0));
	CHECK_EQ(rd(&a, LAPIC_TPR, 0), 0x20);
	/* Delivery status and remote IRR written back as read: ignored, not #GP. */
	CHECK(wr(&a, LAPIC_LVT_LINT0, (1u << 12) | (1u << 14) | 0x700, 0));
	CHECK_EQ(rd(&a, LAPIC_LVT_LINT0, 0), 0x700);
	/* Software-disabled: every LVT masked, and stays masked. */
	CHECK(wr(&a, LAPIC_SVR, 0xFF, 0));
	CHECK(!lapic_extint(&a));
	CHECK(wr(&a, LAPIC_LVT_LINT0, 0x700, 0));
	CHECK_EQ(rd(&a, LAPIC_LVT_LINT0, 0), 0x700 | LVT_MASKED);
}

TEST(priority_and_eoi)
{
	struct lapic a;

	lapic_init(&a, 0, true);
	lapic_accept(&a, 0x41, false);
	lapic_accept(&a, 0x80, false);
	lapic_accept(&a, 0x35, false);
	CHECK_EQ(rd(&a, LAPIC_IRR + 2, 0), 1u << 1);	/* 0x41 is bit 1 of word 2 */
	CHECK_EQ(lapic_ack(&a), 0x80);
	CHECK_EQ(lapic_ppr(&a), 0x80);
	CHECK_EQ(lapic_pending(&a), -1);		/* 0x41, 0x35 below the class in service */
	lapic_accept(&a, 0x91, false);
	CHECK_EQ(lapic_ack(&a), 0x91);			/* nests above 0x80 */
	CHECK_EQ(rd(&a, LAPIC_ISR + 4, 0), (1u << 0) | (1u << 17));
	CHECK(wr(&a, LAPIC_EOI, 0, 0));			/* ends 0x91, the highest */
	CHECK_EQ(lapic_ppr(&a), 0x80);
	CHECK(wr(&a, LAPIC_EOI, 0, 0));			/* ends 0x80 */
	CHECK_EQ(lapic_ppr(&a), 0);
	/* TPR: 0x41 is class 4, not above TPR 0x40; 0x35 neither. */
	CHECK(wr(&a, LAPIC_TPR, 0x40, 0));
	CHECK_EQ(lapic_pending(&a), -1);
	CHECK(wr(&a, LAPIC_TPR, 0x3F, 0));
	CHECK_EQ(lapic_pending(&a), 0x41);
	CHECK_EQ(lapic_ack(&a), 0x41);
	CHECK_EQ(lapic_pending(&a), -1);		/* 0x35 is below 0x41's class */
	CHECK(wr(&a, LAPIC_EOI, 0, 0));
	CHECK(wr(&a, LAPIC_TPR, 0, 0));
	CHECK_EQ(lapic_ack(&a), 0x35);
	CHECK(wr(&a, LAPIC_EOI, 0, 0));
	CHECK_EQ(lapic_ack(&a), -1);
	CHECK(wr(&a, LAPIC_EOI, 0, 0));			/* nothing in service: harmless */
	/* Level-triggered: TMR set until the EOI. */
	lapic_accept(&a, 0x60, true);
	CHECK_EQ(rd(&a, LAPIC_TMR + 3, 0), 1);
	CHECK_EQ(lapic_ack(&a), 0x60);
	CHECK_EQ(a.level_eoi, 0);
	CHECK(wr(&a, LAPIC_EOI, 0, 0));
	CHECK_EQ(rd(&a, LAPIC_TMR + 3, 0), 0);
	CHECK_EQ(a.level_eoi, 0x60);			/* for the I/O APIC's remote IRR */
}

TEST(illegal_vectors)
{
	struct lapic a;

	lapic_init(&a, 0, true);
	CHECK(wr(&a, LAPIC_LVT_ERROR, 0xFE, 0));
	lapic_accept(&a, 3, false);
	lapic_accept(&a, 300, false);
	CHECK_EQ(rd(&a, LAPIC_ESR, 0), 0);		/* latched by the next write */
	CHECK(wr(&a, LAPIC_ESR, 0, 0));
	CHECK_EQ(rd(&a, LAPIC_ESR, 0), ESR_RECV_ILLEGAL);
	CHECK_EQ(lapic_ack(&a), 0xFE);			/* the error interrupt */
	CHECK(wr(&a, LAPIC_EOI, 0, 0));
	CHECK(wr(&a, LAPIC_SELF_IPI, 15, 0));
	CHECK(wr(&a, LAPIC_ESR, 0, 0));
	CHECK_EQ(rd(&a, LAPIC_ESR, 0), ESR_SEND_ILLEGAL);
	CHECK(wr(&a, LAPIC_ESR, 0, 0));
	CHECK_EQ(rd(&a, LAPIC_ESR, 0), 0);
	/* An illegal error vector does not loop. */
	CHECK(wr(&a, LAPIC_LVT_ERROR, 2, 0));
	lapic_accept(&a, 1, false);
	CHECK_EQ(lapic_ack(&a), 0xFE);			/* only the earlier one */
}

TEST(timer_oneshot)
{
	struct lapic a;

	lapic_init(&a, 0, true);
	CHECK(wr(&a, LAPIC_TIMER_DCR, 0x1, 0));		/* divide by 4 */
	CHECK(wr(&a, LAPIC_LVT_TIMER, 0xEC, 0));
	CHECK(wr(&a, LAPIC_TIMER_INIT, 1000, 100));
	CHECK_EQ(lapic_next(&a), 100 + 4000);
	CHECK_EQ(rd(&a, LAPIC_TIMER_CUR, 100), 1000);
	CHECK_EQ(rd(&a, LAPIC_TIMER_CUR, 2100), 500);
	CHECK(!lapic_tick(&a, 4099));
	CHECK_EQ(lapic_pending(&a), -1);
	CHECK(lapic_tick(&a, 4100));
	CHECK_EQ(lapic_pending(&a), 0xEC);
	CHECK_EQ(rd(&a, LAPIC_TIMER_CUR, 4100), 0);
	CHECK_EQ(lapic_next(&a), LAPIC_NEVER);
	CHECK(!lapic_tick(&a, 99999));
	/* Count 0 stops it. */
	CHECK(wr(&a, LAPIC_TIMER_INIT, 10, 5000));
	CHECK(wr(&a, LAPIC_TIMER_INIT, 0, 5001));
	CHECK_EQ(lapic_next(&a), LAPIC_NEVER);
	/* Masked: it counts and expires, but nothing is accepted. */
	lapic_ack(&a);
	wr(&a, LAPIC_EOI, 0, 0);
	CHECK(wr(&a, LAPIC_LVT_TIMER, LVT_MASKED | 0xEC, 0));
	CHECK(wr(&a, LAPIC_TIMER_INIT, 10, 6000));
	CHECK(lapic_tick(&a, 6040));
	CHECK_EQ(lapic_pending(&a), -1);
}

TEST(timer_periodic)
{
	struct lapic a;

	lapic_init(&a, 0, true);
	CHECK(wr(&a, LAPIC_TIMER_DCR, 0xB, 0));		/* divide by 1 */
	CHECK(wr(&a, LAPIC_LVT_TIMER, (TIMER_PERIODIC << 17) | 0x30, 0));
	CHECK(wr(&a, LAPIC_TIMER_INIT, 100, 0));
	CHECK(lapic_tick(&a, 100));
	CHECK_EQ(lapic_next(&a), 200);
	CHECK_EQ(rd(&a, LAPIC_TIMER_CUR, 150), 50);
	CHECK_EQ(rd(&a, LAPIC_TIMER_CUR, 200), 100);	/* reloaded */
	CHECK_EQ(lapic_ack(&a), 0x30);
	CHECK(wr(&a, LAPIC_EOI, 0, 0));
	/* Five periods missed: one interrupt, the next edge on the grid. */
	CHECK(lapic_tick(&a, 750));
	CHECK_EQ(lapic_next(&a), 800);
	CHECK_EQ(lapic_ack(&a), 0x30);
	CHECK_EQ(lapic_ack(&a), -1);
	/* To one-shot: the current period is the last. */
	CHECK(wr(&a, LAPIC_LVT_TIMER, 0x30, 760));
	CHECK(lapic_tick(&a, 800));
	CHECK(!lapic_tick(&a, 900));
}

TEST(timer_deadline)
{
	struct lapic a;

	lapic_init(&a, 0, true);
	lapic_deadline_write(&a, 5000, 0);		/* not in deadline mode: ignored */
	CHECK_EQ(lapic_deadline_read(&a), 0);
	CHECK(wr(&a, LAPIC_TIMER_INIT, 100, 0));
	CHECK(wr(&a, LAPIC_LVT_TIMER, (TIMER_DEADLINE << 17) | 0xEF, 10));
	CHECK_EQ(lapic_next(&a), LAPIC_NEVER);		/* the count was disarmed */
	CHECK(wr(&a, LAPIC_TIMER_INIT, 100, 10));	/* ignored in this mode */
	CHECK_EQ(rd(&a, LAPIC_TIMER_INIT, 10), 0);
	lapic_deadline_write(&a, 5000, 20);
	CHECK_EQ(lapic_deadline_read(&a), 5000);
	CHECK_EQ(lapic_next(&a), 5000);
	CHECK(!lapic_tick(&a, 4999));
	CHECK(lapic_tick(&a, 5000));
	CHECK_EQ(lapic_deadline_read(&a), 0);		/* cleared when it fires */
	CHECK_EQ(lapic_ack(&a), 0xEF);
	CHECK(!lapic_tick(&a, 9999));
	/* A deadline in the past fires at once; 0 disarms. */
	lapic_deadline_write(&a, 1, 10000);
	CHECK(lapic_tick(&a, 10000));
	lapic_deadline_write(&a, 20000, 10000);
	lapic_deadline_write(&a, 0, 10000);
	CHECK(!lapic_tick(&a, 30000));
	/* Leaving deadline mode disarms it. */
	lapic_deadline_write(&a, 40000, 30000);
	CHECK(wr(&a, LAPIC_LVT_TIMER, 0xEF, 30000));
	CHECK_EQ(lapic_next(&a), LAPIC_NEVER);
}

static bool send(struct lapic *a, u64 icr, struct lapic_ipi *ipi)
{
	bool sent = false;
	CHECK(lapic_write(a, LAPIC_ICR, icr, 0, ipi, &sent));
	return sent;
}

TEST(icr_decode)
{
	struct lapic a;
	struct lapic_ipi ipi;

	lapic_init(&a, 0, true);
	CHECK(send(&a, (1ULL << 32) | 0x40, &ipi));	/* fixed, physical, to 1 */
	CHECK_EQ(ipi.mode, DM_FIXED);
	CHECK_EQ(ipi.vector, 0x40);
	CHECK_EQ(ipi.dest, 1);
	CHECK(!ipi.logical);
	CHECK_EQ(ipi.shorthand, SH_NONE);
	CHECK_EQ(rd(&a, LAPIC_ICR, 0), (1ULL << 32) | 0x40);
	CHECK(send(&a, (0x10002ULL << 32) | 0x800 | 0x41, &ipi));	/* logical */
	CHECK(ipi.logical);
	CHECK_EQ(ipi.dest, 0x10002);
	CHECK(send(&a, (3u << 18) | 0x400, &ipi));	/* NMI to all but self */
	CHECK_EQ(ipi.mode, DM_NMI);
	CHECK_EQ(ipi.shorthand, SH_OTHERS);
	CHECK(send(&a, (1ULL << 32) | 0x4500, &ipi));	/* INIT assert, level */
	CHECK_EQ(ipi.mode, DM_INIT);
	CHECK(!send(&a, (1ULL << 32) | 0x8500, &ipi));	/* INIT de-assert: nothing */
	CHECK(send(&a, (1ULL << 32) | 0x4600 | 0x9A, &ipi));	/* SIPI, page 0x9A */
	CHECK_EQ(ipi.mode, DM_SIPI);
	CHECK_EQ(ipi.vector, 0x9A);
	CHECK(send(&a, (1ULL << 32) | 0x100 | 0x50, &ipi));	/* lowest priority: */
	CHECK_EQ(ipi.mode, DM_LOWEST);		/* the caller arbitrates */
	CHECK(!send(&a, (1ULL << 32) | 0x100 | 0x05, &ipi));	/* illegal vector */
	wr(&a, LAPIC_ESR, 0, 0);
	CHECK(!send(&a, (1ULL << 32) | 0x200, &ipi));	/* SMI: nothing */
	/* Fixed with an illegal vector: ESR, not sent. */
	CHECK(!send(&a, (1ULL << 32) | 0x05, &ipi));
	wr(&a, LAPIC_ESR, 0, 0);
	CHECK_EQ(rd(&a, LAPIC_ESR, 0), ESR_SEND_ILLEGAL);
	/* Self shorthand: accepted here. */
	CHECK(!send(&a, (1u << 18) | 0x77, &ipi));
	CHECK_EQ(lapic_pending(&a), 0x77);
	CHECK(wr(&a, LAPIC_SELF_IPI, 0x78, 0));
	CHECK_EQ(lapic_ack(&a), 0x78);
	CHECK_EQ(lapic_ack(&a), -1);			/* 0x77: the same class is in service */
	CHECK(wr(&a, LAPIC_EOI, 0, 0));
	CHECK_EQ(lapic_ack(&a), 0x77);
	/* Sending to all, self included: the caller routes it (to this APIC too). */
	CHECK(send(&a, (2u << 18) | 0x79, &ipi));
	CHECK_EQ(ipi.shorthand, SH_ALL);
}

TEST(destinations)
{
	struct lapic a;

	lapic_init(&a, 0x12, false);	/* cluster 1, bit 2 */
	CHECK(lapic_match(&a, false, 0x12));
	CHECK(!lapic_match(&a, false, 0x13));
	CHECK(lapic_match(&a, false, 0xFFFFFFFF));
	CHECK(lapic_match(&a, true, 0x10004));
	CHECK(lapic_match(&a, true, 0x1FFFF));
	CHECK(!lapic_match(&a, true, 0x10003));
	CHECK(!lapic_match(&a, true, 0x20004));
	CHECK(lapic_match(&a, true, 0xFFFFFFFF));
}

/* Whatever a guest writes, in any order, nothing escapes the registers and the priority
 * rules hold. */
TEST(random_walk)
{
	struct lapic a;
	u64 seed = 12345, now = 0;

	lapic_init(&a, 0, true);
	for (int i = 0; i < 200000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		u32 reg = (seed >> 33) & 0xFF, op = (seed >> 41) & 7;
		u64 val = seed >> (seed & 31), out;
		struct lapic_ipi ipi;
		bool sent;
		now += (seed >> 50) & 0x3F;
		if (op == 0)
			lapic_read(&a, reg, now, &out);
		else if (op < 4)
			lapic_write(&a, reg, op == 1 ? val & 0xFFFFFFFF : val, now, &ipi, &sent);
		else if (op == 4)
			lapic_accept(&a, (u32)val & 0x1FF, val & 1);
		else if (op == 5)
			lapic_deadline_write(&a, now + (val & 0xFFF), now);
		else
			lapic_ack(&a);
		lapic_tick(&a, now);
		int p = lapic_pending(&a);
		CHECK(p < 256);
		CHECK(p < 0 || p >= 16);
		CHECK(lapic_next(&a) == LAPIC_NEVER || lapic_next(&a) + 0x1000000000ULL > now);
	}
}

int main(void)
{
	RUN(reset_state);
	RUN(register_rules);
	RUN(priority_and_eoi);
	RUN(illegal_vectors);
	RUN(timer_oneshot);
	RUN(timer_periodic);
	RUN(timer_deadline);
	RUN(icr_decode);
	RUN(destinations);
	RUN(random_walk);
	return DONE();
}
