/* drivers/acpi.c: RSDP, RSDT/XSDT, MADT, FADT and \_S5 (see drivers/acpi.h). Every table's
 * checksum is verified before it is believed. Physical memory below 4 GiB is identity
 * mapped, so a table address is a pointer. */
#include "drivers/acpi.h"
#include "host/cpu.h"
#include "host/log.h"
#include "lib/string.h"

struct acpi_info acpi;

struct sdt_header {
	char sig[4];
	u32 length;
	u8 revision, checksum;
	char oem[6], oem_table[8];
	u32 oem_rev, creator, creator_rev;
} __attribute__((packed));

static bool sum_ok(const void *p, u64 len)
{
	u8 s = 0;
	for (u64 i = 0; i < len; i++)
		s += ((const u8 *)p)[i];
	return s == 0;
}

static bool mapped(u64 pa, u64 len)
{
	return pa && pa + len > pa && pa + len <= 0x100000000ULL;
}

/* A read of low memory that gcc cannot see as an access through a null-based pointer. */
static u16 phys_read16(u64 pa)
{
	volatile u16 *p;
	__asm__("" : "=r"(p) : "0"(pa));
	return *p;
}

static const u8 *rsdp_scan(u64 start, u64 len)
{
	for (u64 p = start; p + 20 <= start + len; p += 16)
		if (!memcmp((const void *)p, "RSD PTR ", 8) && sum_ok((const void *)p, 20))
			return (const u8 *)p;
	return 0;
}

static const u8 *rsdp_find(const struct bootinfo *bi)
{
	const u8 *p;
	if (bi->has_rsdp && !memcmp(bi->rsdp, "RSD PTR ", 8) && sum_ok(bi->rsdp, 20))
		return bi->rsdp;
	/* The first KiB of the EBDA (segment at 0x40E), then 0xE0000-0xFFFFF. */
	u64 ebda = (u64)phys_read16(0x40E) << 4;
	if (ebda >= 0x80000 && ebda < 0xA0000 && (p = rsdp_scan(ebda, 1024)))
		return p;
	return rsdp_scan(0xE0000, 0x20000);
}

static const struct sdt_header *table_ok(u64 pa)
{
	const struct sdt_header *h = (const void *)pa;
	if (!mapped(pa, sizeof(*h)) || h->length < sizeof(*h) || !mapped(pa, h->length))
		return 0;
	return sum_ok(h, h->length) ? h : 0;
}

static const struct sdt_header *find_table(const u8 *rsdp, const char *sig)
{
	u32 rsdt = *(const u32 *)(rsdp + 16);
	u64 xsdt = rsdp[15] >= 2 ? *(const u64 *)(rsdp + 24) : 0;
	bool x = xsdt && sum_ok(rsdp, 36); /* ACPI 2.0+ extended checksum covers all 36 bytes */
	const struct sdt_header *root = table_ok(x ? xsdt : rsdt);
	unsigned esz = x ? 8 : 4;

	if (!root)
		return 0;
	for (u32 off = sizeof(*root); off + esz <= root->length; off += esz) {
		const u8 *e = (const u8 *)root + off;
		u64 pa = x ? *(const u64 *)e : *(const u32 *)e;
		const struct sdt_header *t = table_ok(pa);
		if (t && !memcmp(t->sig, sig, 4))
			return t;
	}
	return 0;
}

static void madt_parse(const struct sdt_header *madt)
{
	const u8 *p = (const u8 *)madt;
	acpi.lapic_addr = *(const u32 *)(p + 36);
	for (u32 off = 44; off + 2 <= madt->length;) {
		u8 type = p[off], len = p[off + 1];
		u32 id, flags;
		if (len < 2 || off + len > madt->length)
			break;
		if (type == 0 && len >= 8) {		/* processor local APIC */
			id = p[off + 3];
			flags = *(const u32 *)(p + off + 4);
		} else if (type == 9 && len >= 16) {	/* processor local x2APIC */
			id = *(const u32 *)(p + off + 4);
			flags = *(const u32 *)(p + off + 8);
		} else {
			off += len;
			continue;
		}
		off += len;
		if (!(flags & 1))	/* disabled (online-capable CPUs are not hot-added here) */
			continue;
		if (acpi.ncpus < MAX_CPUS)
			acpi.apic_ids[acpi.ncpus++] = id;
		else
			acpi.ncpus_dropped++;
	}
}

/* \_S5 is a Package in AML: "_S5_" NameOp, PackageOp, PkgLength, NumElements, then the
 * SLP_TYPa and SLP_TYPb values (each a BytePrefix 0x0A + byte, or a bare 0/1 constant). */
static int aml_byte(const u8 *p, u8 *v)
{
	if (*p == 0x0A) {
		*v = p[1];
		return 2;
	}
	*v = *p == 0x01 ? 1 : 0;
	return 1;
}

static void s5_find(const struct sdt_header *dsdt)
{
	const u8 *p = (const u8 *)dsdt;
	for (u32 i = sizeof(*dsdt); i + 12 < dsdt->length; i++) {
		if (memcmp(p + i, "_S5_", 4) || p[i + 4] != 0x12)
			continue;
		const u8 *q = p + i + 5;
		q += ((*q >> 6) & 3) + 1;	/* PkgLength: lead byte + extra bytes */
		q++;				/* NumElements */
		q += aml_byte(q, &acpi.slp_typa);
		aml_byte(q, &acpi.slp_typb);
		acpi.has_s5 = true;
		return;
	}
}

static void fadt_parse(const struct sdt_header *fadt)
{
	const u8 *p = (const u8 *)fadt;
	if (fadt->length < 72)
		return;
	acpi.pm1a_cnt = (u16)*(const u32 *)(p + 64);
	acpi.pm1b_cnt = (u16)*(const u32 *)(p + 68);
	const struct sdt_header *dsdt = table_ok(*(const u32 *)(p + 40));
	if (dsdt && !memcmp(dsdt->sig, "DSDT", 4))
		s5_find(dsdt);
}

int acpi_init(const struct bootinfo *bi)
{
	const u8 *rsdp = rsdp_find(bi);
	const struct sdt_header *madt, *fadt;

	if (!rsdp) {
		pr_warn("acpi: no RSDP found: assuming one CPU, no ACPI power-off");
		return -1;
	}
	acpi.rsdp = (u64)rsdp;
	fadt = find_table(rsdp, "FACP");
	if (fadt)
		fadt_parse(fadt);
	madt = find_table(rsdp, "APIC");
	if (!madt) {
		pr_warn("acpi: RSDP at 0x%llx but no valid MADT: assuming one CPU",
			(unsigned long long)acpi.rsdp);
		return -1;
	}
	madt_parse(madt);
	pr_info("acpi: RSDP at 0x%llx (revision %u%s), MADT lists %u enabled CPUs%s",
		(unsigned long long)acpi.rsdp, rsdp[15], rsdp == bi->rsdp ? ", from multiboot2" : "",
		acpi.ncpus, acpi.ncpus_dropped ? " (more than MAX_CPUS: extra ignored)" : "");
	if (acpi.pm1a_cnt)
		pr_debug("acpi: PM1a_CNT=0x%x PM1b_CNT=0x%x \\_S5=%s", acpi.pm1a_cnt,
			 acpi.pm1b_cnt, acpi.has_s5 ? "found" : "absent");
	return acpi.ncpus ? 0 : -1;
}

void acpi_poweroff(void)
{
	if (!acpi.pm1a_cnt || !acpi.has_s5)
		return;
	/* SLP_TYPx in bits 10-12, SLP_EN bit 13 (ACPI 6.x 4.8.3.2.1). */
	outw(acpi.pm1a_cnt, (u16)((acpi.slp_typa << 10) | (1 << 13)));
	if (acpi.pm1b_cnt)
		outw(acpi.pm1b_cnt, (u16)((acpi.slp_typb << 10) | (1 << 13)));
}
