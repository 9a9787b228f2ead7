/* tests/unit/test_acpitab.c: host tests of dev/acpitab.c, read back the way an OS reads
 * them (ACPI 6.0, 5.2.5.1): the tables are put in a model of the BIOS area [0xE0000,
 * 0x100000), the RSDP is found by a scan of its 16-byte boundaries, every checksum is
 * verified, the XSDT and the RSDT are walked to the FADT and the MADT, the FADT's ports,
 * flags, FACS and DSDT are checked, the MADT's processor entries counted, and the DSDT's AML
 * must hold \_S5 as a package whose first element is 0. Every address a table gives is
 * looked up through a bounds-checked window, as a guest's parser must. */
#define _GNU_SOURCE	/* memmem */
#include "tests/unit/check.h"
#include "dev/acpitab.h"

#define AREA	0xE0000u
#define AREA_LEN 0x20000u

static unsigned char mem[AREA_LEN];

static u16 rd16(const u8 *p) { u16 v; memcpy(&v, p, 2); return v; }
static u32 rd32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 rd64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* [pa, pa + len) inside the area, or NULL. */
static const u8 *at(u64 pa, u64 len)
{
	if (pa < AREA || len > AREA_LEN || pa - AREA > AREA_LEN - len)
		return NULL;
	return mem + (pa - AREA);
}

static int sum(const u8 *p, u32 n)
{
	u8 s = 0;
	while (n--)
		s = (u8)(s + *p++);
	return s;
}

/* A table at pa with signature sig and a valid checksum over its length, or NULL. */
static const u8 *table(u64 pa, const char *sig)
{
	const u8 *h = at(pa, 36);
	if (!h || memcmp(h, sig, 4))
		return NULL;
	const u8 *t = at(pa, rd32(h + 4));
	return t && sum(t, rd32(h + 4)) == 0 ? t : NULL;
}

static const u8 *find_rsdp(void)
{
	for (u32 o = 0; o + 36 <= AREA_LEN; o += 16)
		if (!memcmp(mem + o, "RSD PTR ", 8) && sum(mem + o, 20) == 0)
			return mem + o;
	return NULL;
}

struct seen {
	const u8 *fadt, *madt;
	unsigned n;
};

/* Walks an RSDT (esize 4) or XSDT (8). */
static struct seen walk(const u8 *sdt, unsigned esize)
{
	struct seen s = { 0, 0, 0 };
	u32 len = rd32(sdt + 4);

	for (u32 o = 36; o + esize <= len; o += esize, s.n++) {
		u64 pa = esize == 4 ? rd32(sdt + o) : rd64(sdt + o);
		const u8 *h = at(pa, 36);
		if (h && !memcmp(h, "FACP", 4))
			s.fadt = table(pa, "FACP");
		else if (h && !memcmp(h, "APIC", 4))
			s.madt = table(pa, "APIC");
	}
	return s;
}

static const struct acpitab_cfg base = {
	.gpa = AREA, .ncpus = 1, .pm1a_evt = 0x600, .pm1a_cnt = 0x604, .pm_tmr = 0x608,
	.sci = 9, .reset = true, .reset_port = 0xCF9, .reset_val = 6,
};

static int build(const struct acpitab_cfg *c)
{
	memset(mem, 0, sizeof(mem));
	return acpitab_build(c, mem + (c->gpa - AREA), AREA_LEN - (c->gpa - AREA));
}

/* The MADT's entries by type; checks that each fits and LAPIC IDs run 0..n-1, enabled. */
static void madt_count(const u8 *m, unsigned count[8], unsigned *ids_ok)
{
	u32 len = rd32(m + 4);

	memset(count, 0, 8 * sizeof(unsigned));
	*ids_ok = 1;
	for (u32 o = 44; o + 2 <= len; o += m[o + 1]) {
		CHECK(m[o + 1] >= 2 && o + m[o + 1] <= len);
		if (m[o + 1] < 2)
			return;
		if (m[o] == 0 && (m[o + 3] != count[0] || !(rd32(m + o + 4) & 1)))
			*ids_ok = 0;
		if (m[o] < 8)
			count[m[o]]++;
	}
}

static void check_all(const struct acpitab_cfg *c)
{
	const u8 *rsdp = find_rsdp();

	CHECK(rsdp != NULL);
	if (!rsdp)
		return;
	CHECK_EQ(AREA + (u32)(rsdp - mem), c->gpa);
	CHECK_EQ(rsdp[15], 2);
	CHECK_EQ(rd32(rsdp + 20), 36);
	CHECK_EQ(sum(rsdp, 36), 0);
	const u8 *xsdt = table(rd64(rsdp + 24), "XSDT"), *rsdt = table(rd32(rsdp + 16), "RSDT");
	CHECK(xsdt && rsdt);
	if (!xsdt || !rsdt)
		return;
	struct seen x = walk(xsdt, 8), r = walk(rsdt, 4);
	CHECK_EQ(x.n, 2);
	CHECK_EQ(r.n, 2);
	CHECK(x.fadt && x.madt && x.fadt == r.fadt && x.madt == r.madt);
	if (!x.fadt || !x.madt)
		return;

	const u8 *f = x.fadt;
	CHECK_EQ(f[8], 6);				/* revision */
	CHECK_EQ(rd32(f + 4), 276);
	CHECK_EQ(rd16(f + 46), 9);			/* SCI_INT */
	CHECK_EQ(rd32(f + 48), 0);			/* SMI_CMD: ACPI already on */
	CHECK_EQ(rd32(f + 56), 0x600);
	CHECK_EQ(rd32(f + 64), 0x604);
	CHECK_EQ(rd32(f + 76), 0x608);
	CHECK_EQ(f[88], 4);
	CHECK_EQ(f[89], 2);
	CHECK_EQ(f[91], 4);
	CHECK_EQ(rd32(f + 112) & ((1 << 8) | (1 << 20)), 0);	/* 24-bit timer, not HW-reduced */
	CHECK_EQ(rd32(f + 112) & (1 << 10), c->reset ? 1 << 10 : 0);
	if (c->reset) {
		CHECK_EQ(f[116], 1);			/* system I/O */
		CHECK_EQ(rd64(f + 120), 0xCF9);
		CHECK_EQ(f[128], 6);
	}
	/* The X_ blocks agree with the 32-bit ones. */
	CHECK_EQ(f[148], 1);
	CHECK_EQ(rd64(f + 152), 0x600);
	CHECK_EQ(rd64(f + 176), 0x604);
	CHECK_EQ(rd64(f + 212), 0x608);
	CHECK_EQ(rd64(f + 140), rd32(f + 40));
	CHECK_EQ(rd64(f + 132), rd32(f + 36));

	const u8 *facs = at(rd64(f + 132), 64);
	CHECK(facs && !memcmp(facs, "FACS", 4) && rd32(facs + 4) == 64);
	CHECK_EQ(rd64(f + 132) % 64, 0);
	const u8 *d = table(rd64(f + 140), "DSDT");
	CHECK(d != NULL);
	if (d) {
		const u8 *s5 = memmem(d + 36, rd32(d + 4) - 36, "_S5_", 4);
		CHECK(s5 != NULL);
		/* NameOp before it; PackageOp, a one-byte PkgLength, >= 1 element, ZeroOp. */
		CHECK(s5 && s5[-1] == 0x08 && s5[4] == 0x12 && !(s5[5] & 0xC0) && s5[6] >= 1 &&
		      s5[7] == 0x00);
		CHECK(s5 && s5 + 4 + 1 + s5[5] <= d + rd32(d + 4));
	}

	const u8 *m = x.madt;
	unsigned count[8], ids_ok;
	CHECK_EQ(rd32(m + 36), 0xFEE00000);
	CHECK_EQ(rd32(m + 40) & 1, 1);			/* PCAT_COMPAT */
	madt_count(m, count, &ids_ok);
	CHECK_EQ(count[0], c->ncpus);
	CHECK(ids_ok);
	CHECK_EQ(count[1], c->ioapic ? 1 : 0);
	CHECK_EQ(count[2], c->ioapic ? 2 : 0);
	CHECK_EQ(count[4], 1);
}

TEST(one_cpu)
{
	int n = build(&base);
	CHECK(n > 0 && n <= ACPITAB_SIZE(1));
	check_all(&base);
}

TEST(four_cpus_elsewhere)
{
	struct acpitab_cfg c = base;
	c.ncpus = 4;
	c.gpa = 0xF1240;
	c.reset = false;
	CHECK(build(&c) > 0);
	check_all(&c);
}

TEST(most_cpus_with_ioapic)
{
	struct acpitab_cfg c = base;
	c.ncpus = ACPITAB_MAX_CPUS;
	c.ioapic = true;
	c.ioapic_addr = 0xFEC00000;
	int n = build(&c);
	CHECK(n > 0 && n <= ACPITAB_SIZE(ACPITAB_MAX_CPUS));
	check_all(&c);
	/* The override of IRQ0: ISA source 0 to GSI 2. */
	const u8 *rsdp = find_rsdp();
	const u8 *m = walk(table(rd64(rsdp + 24), "XSDT"), 8).madt;
	int iso0 = 0;
	for (u32 o = 44; m && o + 2 <= rd32(m + 4); o += m[o + 1]) {
		if (m[o] == 1)
			CHECK_EQ(rd32(m + o + 4), 0xFEC00000);
		if (m[o] == 2 && m[o + 3] == 0)
			iso0 = rd32(m + o + 4) == 2;
	}
	CHECK(iso0);
}

TEST(refused)
{
	struct acpitab_cfg c = base;
	u8 small[64];

	c.ncpus = 0;
	CHECK_EQ(build(&c), -1);
	c.ncpus = ACPITAB_MAX_CPUS + 1;
	CHECK_EQ(build(&c), -1);
	c.ncpus = 2;
	c.gpa = AREA + 16;
	CHECK_EQ(build(&c), -1);
	c.gpa = 0xFFFFFFC0;
	CHECK_EQ(acpitab_build(&c, mem, sizeof(mem)), -1);
	c.gpa = AREA;
	CHECK_EQ(acpitab_build(&c, small, sizeof(small)), -1);
	/* Exactly the bytes it says it used. */
	int n = build(&c);
	CHECK(n > 0);
	CHECK_EQ(acpitab_build(&c, mem, (size_t)n - 1), -1);
	CHECK_EQ(acpitab_build(&c, mem, (size_t)n), n);
}

int main(void)
{
	RUN(one_cpu);
	RUN(four_cpus_elsewhere);
	RUN(most_cpus_with_ioapic);
	RUN(refused);
	return DONE();
}
