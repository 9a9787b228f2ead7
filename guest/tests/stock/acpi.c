/* guest/tests/stock/acpi.c: the ACPI tables as a kernel finds them (ACPI 6.5 section 5.2):
 * the RSDP on a 16-byte boundary in the EBDA's first KiB or in 0xE0000-0xFFFFF (5.2.5.1),
 * its checksum (and the extended one from revision 2), then the XSDT (revision >= 2 with an
 * address) or the RSDT, every table's checksum, the MADT's processors (5.2.12: Processor
 * Local APIC, type 0, and Processor Local x2APIC, type 9; enabled ones are the CPUs), and
 * the FADT (5.2.9): PM1a_CNT_BLK (X_PM1a_CNT_BLK when it is an I/O address) and the DSDT,
 * whose \_S5 package gives SLP_TYPa for the power-off (7.4.2, 4.8.3.2.1: SLP_TYP in bits
 * 10-12 and SLP_EN, bit 13, of PM1_CNT).
 *
 * Every pointer comes from memory the firmware wrote: each is checked to lie below 4 GiB
 * (guest/lib/entry.S maps that much) and each length to be sane before a byte is read. */
#include "guest/tests/stock/stock.h"
#include "lib/string.h"

#define HDR_LEN		36		/* the system description table header */
#define TABLE_MAX	(1u << 20)	/* a table longer than this is taken as garbage */
#define SDT_MAX		64		/* RSDT/XSDT entries looked at */

struct sdt {				/* ACPI 6.5 table 5.4 */
	char sig[4];
	u32 len;
	u8 rev, sum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __attribute__((packed));

static unsigned ntables, bad_sums;

static u8 sum(const void *p, u32 len)
{
	const u8 *b = p;
	u8 s = 0;

	while (len--)
		s += *b++;
	return s;
}

/* A table at pa, or NULL when it cannot be one: the pointer or its length out of bounds. */
static const struct sdt *table_at(u64 pa)
{
	const struct sdt *t = (const void *)(uintptr_t)pa;

	if (!pa || pa >= RT_MAP_END - TABLE_MAX)
		return NULL;
	if (t->len < HDR_LEN || t->len > TABLE_MAX)
		return NULL;
	return t;
}

static bool table_sum(const struct sdt *t)
{
	bool ok = sum(t, t->len) == 0;

	ntables++;
	if (!ok) {
		bad_sums++;
		check("acpi", false, "%.4s checksum", t->sig);
	}
	return ok;
}

static const u8 *rsdp_scan(u64 from, u64 len)
{
	for (u64 p = from; p + 20 <= from + len; p += 16) {
		const u8 *r = (const u8 *)(uintptr_t)p;

		if (!memcmp(r, "RSD PTR ", 8) && !sum(r, 20))
			return r;
	}
	return NULL;
}

/* A word of low memory. Through an opaque pointer: GCC takes a constant address in the
 * first page for a null pointer's offset and refuses to compile the read. */
static u16 low_word(uintptr_t pa)
{
	const volatile u16 *p;

	asm("" : "=r"(p) : "0"(pa));
	return *p;
}

static const u8 *rsdp_find(void)
{
	u64 ebda = (u64)low_word(0x40E) << 4;	/* the BDA's EBDA segment */
	const u8 *r = NULL;

	/* The EBDA, when the BDA names one below 640 KiB (5.2.5.1: its first 1 KiB). */
	if (ebda >= 0x400 && ebda < 0xA0000 - 1024)
		r = rsdp_scan(ebda, 1024);
	return r ? r : rsdp_scan(0xE0000, 0x20000);
}

/* ---- MADT ---- */

static void madt_cpu(u32 id, u32 flags)
{
	if (!(flags & 1))
		return;				/* not enabled (online-capable or absent) */
	if (st.madt_cpus < STOCK_MAX_CPUS)
		st.apic_ids[st.madt_cpus] = id;
	st.madt_cpus++;
}

static void madt(const struct sdt *t)
{
	const u8 *p = (const u8 *)t + 44, *end = (const u8 *)t + t->len;
	unsigned entries = 0;

	if (!check("acpi", t->len >= 44, "MADT is long enough for its header (%u bytes)", t->len))
		return;
	st.madt_lapic = *(const u32 *)((const u8 *)t + 36);
	/* Each entry is type, length, body; a length below 2 would never advance. */
	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1], entries++) {
		if (p[0] == 0 && p[1] >= 8)
			madt_cpu(p[3], *(const u32 *)(p + 4));
		else if (p[0] == 9 && p[1] >= 16)
			madt_cpu(*(const u32 *)(p + 4), *(const u32 *)(p + 8));
		else if (p[0] == 1 && p[1] >= 12 && !st.ioapic_addr) {	/* I/O APIC */
			st.ioapic_id = p[2];
			st.ioapic_addr = *(const u32 *)(p + 4);
			st.ioapic_gsi = *(const u32 *)(p + 8);
		} else if (p[0] == 2 && p[1] >= 10 && p[2] == 0 && p[3] == 0)	/* ISA IRQ0 */
			st.irq0_gsi = *(const u32 *)(p + 4);
	}
	check("acpi", p == end, "MADT: %u entries walked to the table's end", entries);
	note("acpi", "MADT: local APIC at 0x%x, %u enabled CPUs, APIC IDs %u %u %u %u",
	     st.madt_lapic, st.madt_cpus, st.apic_ids[0], st.apic_ids[1], st.apic_ids[2],
	     st.apic_ids[3]);
	check("acpi", st.madt_cpus >= 1, "MADT lists %u CPU(s)", st.madt_cpus);
	if (st.fwcfg)
		check("acpi", st.madt_cpus == st.fwcfg_cpus,
		      "MADT's %u CPU(s) = fw_cfg's nb_cpus %u", st.madt_cpus, st.fwcfg_cpus);
}

/* ---- FADT and \_S5 ---- */

/* AML (ACPI 6.5 section 20): Name(_S5, Package(n) { SLP_TYPa, ... }) is NameOp 0x08, the
 * name (an optional root prefix '\' before it), PackageOp 0x12, a PkgLength (its lead byte's
 * bits 6-7 count the bytes that follow), NumElements, then the first element: ZeroOp 0x00,
 * OneOp 0x01 or BytePrefix 0x0A and a byte. -1 when no such bytes are found. */
static int s5_find(const struct sdt *dsdt)
{
	const u8 *b = (const u8 *)dsdt, *end = b + dsdt->len;

	for (const u8 *p = b + HDR_LEN; p + 4 + 5 <= end; p++) {
		const u8 *q;

		if (memcmp(p, "_S5_", 4))
			continue;
		if (!(p[-1] == 0x08 || (p[-1] == '\\' && p[-2] == 0x08)))
			continue;
		q = p + 4;
		if (*q++ != 0x12)
			continue;
		q += 1 + (*q >> 6);		/* PkgLength */
		q++;				/* NumElements */
		if (q + 2 > end)
			return -1;
		if (q[0] == 0x00 || q[0] == 0x01)
			return q[0];
		if (q[0] == 0x0A)
			return q[1] & 7;
		return -1;
	}
	return -1;
}

static void fadt(const struct sdt *t)
{
	const u8 *f = (const u8 *)t;
	u64 dsdt_pa;
	u32 pm1a;
	const struct sdt *dsdt;

	if (!check("acpi", t->len >= 68, "FADT reaches PM1a_CNT_BLK (%u bytes)", t->len))
		return;
	dsdt_pa = *(const u32 *)(f + 40);
	pm1a = *(const u32 *)(f + 64);
	/* ACPI 2.0+: X_PM1a_CNT_BLK (offset 172, a Generic Address: space 1 is I/O) and X_DSDT
	 * (offset 140) win when set. */
	if (t->len >= 184 && f[172] == 1 && *(const u64 *)(f + 176))
		pm1a = (u32) * (const u64 *)(f + 176);
	if (t->len >= 148 && *(const u64 *)(f + 140))
		dsdt_pa = *(const u64 *)(f + 140);
	check("acpi", pm1a && pm1a <= 0xFFFF, "FADT: PM1a_CNT at port 0x%x", pm1a);
	if (pm1a && pm1a <= 0xFFFF)
		st.pm1a_cnt = (u16)pm1a;
	dsdt = table_at(dsdt_pa);
	if (!check("acpi", dsdt && !memcmp(dsdt->sig, "DSDT", 4), "FADT: DSDT at 0x%lx", dsdt_pa))
		return;
	if (!table_sum(dsdt))
		return;
	st.s5_typ = s5_find(dsdt);
	if (st.s5_typ >= 0)
		note("acpi", "DSDT: \\_S5 package gives SLP_TYPa %d", st.s5_typ);
	else
		note("acpi", "DSDT: no \\_S5 package bytes found: SLP_TYP 0 will be used");
}

static void table(const struct sdt *t)
{
	note("acpi", "table %.4s rev %u len %u oem \"%.6s\"", t->sig, t->rev, t->len, t->oem);
	if (!table_sum(t))
		return;
	if (!memcmp(t->sig, "APIC", 4))
		madt(t);
	else if (!memcmp(t->sig, "FACP", 4))
		fadt(t);
}

void acpi_test(void)
{
	const u8 *r = rsdp_find();
	u64 xsdt = 0, pa;
	const struct sdt *root;
	unsigned esize, n;
	bool found_madt = false, found_fadt = false;

	if (!check("acpi", r, "RSDP found (EBDA or 0xE0000-0xFFFFF), its checksum right"))
		return;
	note("acpi", "RSDP at 0x%lx rev %u oem \"%.6s\"", (u64)(uintptr_t)r, r[15], r + 9);
	if (r[15] >= 2) {
		u32 len = *(const u32 *)(r + 20);
		check("acpi", len >= 36 && len < 4096 && !sum(r, len), "RSDP extended checksum");
		xsdt = *(const u64 *)(r + 24);
	}
	root = table_at(xsdt ? xsdt : *(const u32 *)(r + 16));
	esize = xsdt ? 8 : 4;
	if (!check("acpi", root && !memcmp(root->sig, xsdt ? "XSDT" : "RSDT", 4),
		   "%s found", xsdt ? "XSDT" : "RSDT") || !table_sum(root))
		return;
	n = (root->len - HDR_LEN) / esize;
	if (n > SDT_MAX)
		n = SDT_MAX;
	for (unsigned i = 0; i < n; i++) {
		const u8 *e = (const u8 *)root + HDR_LEN + i * esize;
		const struct sdt *t;

		pa = esize == 8 ? *(const u64 *)e : *(const u32 *)e;
		t = table_at(pa);
		if (!check("acpi", t, "%s entry %u (0x%lx) is a table", xsdt ? "XSDT" : "RSDT", i,
			   pa))
			continue;
		found_madt |= !memcmp(t->sig, "APIC", 4);
		found_fadt |= !memcmp(t->sig, "FACP", 4);
		table(t);
	}
	check("acpi", found_madt && found_fadt, "the MADT and the FADT are listed");
	check("acpi", !bad_sums, "checksums of all %u tables (root, entries, DSDT) are right",
	      ntables);
}

/* S5: SLP_TYPa from \_S5 (0 when not found, as QEMU's PIIX4 and faultline's PM1a take it),
 * with SLP_EN. QEMU acts on it from its main loop, so the CPU may run on a little: wait up
 * to 10 s of TSC time before returning (the caller reports the failure). */
void acpi_poweroff(void)
{
	u16 typ = st.s5_typ > 0 ? (u16)st.s5_typ : 0;

	if (!st.pm1a_cnt) {
		rt_printf("stock: acpi: FAIL no PM1a_CNT to power off through\n");
		return;
	}
	rt_printf("stock: acpi: powering off: port 0x%x <- SLP_TYP %u | SLP_EN\n", st.pm1a_cnt,
		  typ);
	outw(st.pm1a_cnt, (u16)(typ << 10 | 1u << 13));
	udelay(10 * 1000 * 1000);
	rt_printf("stock: acpi: FAIL still running 10 s after the power-off\n");
}
