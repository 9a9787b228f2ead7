/* dev/acpitab.c: builds the ACPI tables of dev/acpitab.h. Offsets and field meanings are
 * the ACPI 6.0 specification's (section numbers beside each table); every multi-byte field
 * is little-endian and may be unaligned, so fields are written through put16/32/64.
 *
 * Layout in the buffer, each table aligned as the spec asks or on 16 bytes:
 *   RSDP (36) | FACS (64, 64-byte aligned: 5.2.10) | DSDT | FADT | MADT | XSDT | RSDT */
#include "dev/acpitab.h"
#include "lib/string.h"

#define OEMID		"FAULTL"	/* 6 bytes */
#define OEM_TABLE	"FAULTLIN"	/* 8 bytes */
#define CREATOR		"FLTL"
#define HDR		36		/* the system description table header: 5.2.6 */

#define RSDP_LEN	36
#define FACS_LEN	64
#define FADT_LEN	276		/* revision 6: up to the hypervisor vendor identity */
#define MADT_FIXED	44		/* header, local APIC address, flags */

/* FADT flags (5.2.9, table 5-35). */
#define F_WBINVD	(1u << 0)	/* WBINVD flushes caches: what a VM's CPU does */
#define F_PROC_C1	(1u << 2)	/* C1 (HLT) on every CPU */
#define F_PWR_BUTTON	(1u << 4)	/* set: no fixed-feature power button */
#define F_SLP_BUTTON	(1u << 5)	/* set: no fixed-feature sleep button */
#define F_FIX_RTC	(1u << 6)	/* set: no RTC wake status in the fixed registers */
#define F_RESET_REG_SUP	(1u << 10)	/* RESET_REG and RESET_VALUE are valid */

/* IAPC_BOOT_ARCH (5.2.9.3): ISA devices (COM1, PIT, RTC) present, an 8042, no VGA. */
#define BOOT_LEGACY	(1u << 0)
#define BOOT_8042	(1u << 1)
#define BOOT_NO_VGA	(1u << 2)

/* Generic Address Structure (5.2.3.2): space 1 is system I/O; access sizes 1..3 are byte,
 * word, dword. */
#define GAS_IO		1

static void put16(u8 *p, u16 v) { memcpy(p, &v, 2); }
static void put32(u8 *p, u32 v) { memcpy(p, &v, 4); }
static void put64(u8 *p, u64 v) { memcpy(p, &v, 8); }

u8 acpitab_checksum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *p++);
	return (u8)-s;
}

static void gas(u8 *p, u8 width, u8 access, u64 addr)
{
	p[0] = GAS_IO;
	p[1] = width;		/* bits */
	p[2] = 0;		/* bit offset */
	p[3] = access;
	put64(p + 4, addr);
}

/* The common header; the checksum is filled last (seal). */
static void header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEMID, 6);
	memcpy(t + 16, OEM_TABLE, 8);
	put32(t + 24, 1);		/* OEM revision */
	memcpy(t + 28, CREATOR, 4);
	put32(t + 32, 1);		/* creator revision */
}

static void seal(u8 *t, u32 len)
{
	t[9] = 0;
	t[9] = acpitab_checksum(t, len);
}

/* The DSDT's AML (ACPI 6.0, chapter 20), hand-assembled:
 *   08             NameOp
 *   5F 53 35 5F    NameSeg "_S5_" (in the root scope: \_S5_)
 *   12             PackageOp
 *   06             PkgLength, one byte: itself, NumElements and 4 elements = 6
 *   04             NumElements
 *   00 00 00 00    ZeroOp x4: PM1a_CNT.SLP_TYP, PM1b_CNT.SLP_TYP, two reserved (7.4.2)
 * PM1a's SLP_TYP 0 is the value dev/acpipm.c takes as S5. */
static const u8 aml_s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 };

static u32 dsdt(u8 *t)
{
	u32 len = HDR + sizeof(aml_s5);

	header(t, "DSDT", len, 2);	/* revision 2: integers are 64 bits */
	memcpy(t + HDR, aml_s5, sizeof(aml_s5));
	seal(t, len);
	return len;
}

/* FACS (5.2.10): no checksum; the OS owns the global lock and the waking vector. */
static void facs(u8 *t)
{
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2;			/* version */
}

/* FADT revision 6 (5.2.9, table 5-34): offsets in the comments are the spec's. */
static void fadt(u8 *t, const struct acpitab_cfg *c, u32 facs_pa, u32 dsdt_pa)
{
	u32 flags = F_WBINVD | F_PROC_C1 | F_PWR_BUTTON | F_SLP_BUTTON | F_FIX_RTC;

	header(t, "FACP", FADT_LEN, 6);
	put32(t + 36, facs_pa);			/* FIRMWARE_CTRL */
	put32(t + 40, dsdt_pa);			/* DSDT */
	t[45] = 0;				/* preferred PM profile: unspecified */
	put16(t + 46, c->sci);			/* SCI_INT */
	put32(t + 48, 0);			/* SMI_CMD 0: ACPI mode from the start */
	put32(t + 56, c->pm1a_evt);		/* PM1a_EVT_BLK */
	put32(t + 64, c->pm1a_cnt);		/* PM1a_CNT_BLK */
	put32(t + 76, c->pm_tmr);		/* PM_TMR_BLK */
	t[88] = 4;				/* PM1_EVT_LEN */
	t[89] = 2;				/* PM1_CNT_LEN */
	t[91] = 4;				/* PM_TMR_LEN */
	put16(t + 96, 0x0FFF);			/* P_LVL2_LAT > 100: no C2 */
	put16(t + 98, 0x0FFF);			/* P_LVL3_LAT > 1000: no C3 */
	t[108] = 0x32;				/* CENTURY: the RTC's CMOS index */
	put16(t + 109, BOOT_LEGACY | BOOT_8042 | BOOT_NO_VGA);
	if (c->reset) {
		flags |= F_RESET_REG_SUP;
		gas(t + 116, 8, 1, c->reset_port);	/* RESET_REG */
		t[128] = c->reset_val;			/* RESET_VALUE */
	}
	put32(t + 112, flags);
	t[131] = 0;				/* FADT minor version: 6.0 */
	put64(t + 132, facs_pa);		/* X_FIRMWARE_CTRL */
	put64(t + 140, dsdt_pa);		/* X_DSDT */
	gas(t + 148, 32, 2, c->pm1a_evt);	/* X_PM1a_EVT_BLK */
	gas(t + 172, 16, 2, c->pm1a_cnt);	/* X_PM1a_CNT_BLK */
	gas(t + 208, 32, 3, c->pm_tmr);		/* X_PM_TMR_BLK */
	seal(t, FADT_LEN);
}

static u32 madt_len(const struct acpitab_cfg *c)
{
	return MADT_FIXED + 8 * c->ncpus + 6 + (c->ioapic ? 12 + 10 + 10 : 0);
}

/* The I/O APIC entry and the ISA overrides that go with it (12 + 10 + 10 bytes). */
static void ioapic(u8 *e, const struct acpitab_cfg *c)
{
	e[0] = 1, e[1] = 12;			/* I/O APIC (5.2.12.3) */
	e[2] = (u8)c->ncpus;			/* its ID: after the CPUs' */
	e[3] = 0;
	put32(e + 4, c->ioapic_addr);
	put32(e + 8, 0);			/* global system interrupt base */
	e += 12;
	/* Interrupt Source Overrides (5.2.12.5): the PIT's IRQ0 is pin 2 of a PC's I/O APIC;
	 * the SCI is level-triggered, active high (flags 0x000D: 5.2.12.5, table 5-50). */
	e[0] = 2, e[1] = 10, e[2] = 0, e[3] = 0;
	put32(e + 4, 2);
	put16(e + 8, 0);
	e += 10;
	e[0] = 2, e[1] = 10, e[2] = 0, e[3] = c->sci;
	put32(e + 4, c->sci);
	put16(e + 8, 0x000D);
}

/* MADT revision 4 (5.2.12). */
static void madt(u8 *t, const struct acpitab_cfg *c)
{
	u32 len = madt_len(c);
	u8 *e = t + MADT_FIXED;

	header(t, "APIC", len, 4);
	put32(t + 36, ACPITAB_LAPIC);		/* local interrupt controller address */
	put32(t + 40, 1);			/* PCAT_COMPAT: there are 8259s */
	for (u32 i = 0; i < c->ncpus; i++, e += 8) {
		e[0] = 0;			/* Processor Local APIC (5.2.12.2) */
		e[1] = 8;
		e[2] = (u8)i;			/* ACPI processor UID */
		e[3] = (u8)i;			/* APIC ID */
		put32(e + 4, 1);		/* enabled */
	}
	/* Local APIC NMI (5.2.12.7): every processor's LINT1 is the NMI, as on a PC. */
	e[0] = 4, e[1] = 6, e[2] = 0xFF;
	put16(e + 3, 0);			/* flags: conforms to the bus */
	e[5] = 1;				/* LINT1 */
	e += 6;
	if (c->ioapic)
		ioapic(e, c);
	seal(t, len);
}

/* RSDT (5.2.7, 32-bit entries) or XSDT (5.2.8, 64-bit entries). */
static u32 sdt(u8 *t, const char *sig, unsigned esize, const u64 *pa, unsigned n)
{
	u32 len = HDR + esize * n;

	header(t, sig, len, 1);
	for (unsigned i = 0; i < n; i++) {
		if (esize == 4)
			put32(t + HDR + 4 * i, (u32)pa[i]);
		else
			put64(t + HDR + 8 * i, pa[i]);
	}
	seal(t, len);
	return len;
}

/* RSDP revision 2 (5.2.5.3): the first checksum covers the ACPI 1.0 part (20 bytes), the
 * extended one all 36. */
static void rsdp(u8 *t, u32 rsdt_pa, u64 xsdt_pa)
{
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, OEMID, 6);
	t[15] = 2;
	put32(t + 16, rsdt_pa);
	put32(t + 20, RSDP_LEN);
	put64(t + 24, xsdt_pa);
	t[8] = acpitab_checksum(t, 20);
	t[32] = acpitab_checksum(t, RSDP_LEN);
}

#define ALIGN16(x)	(((x) + 15u) & ~15u)

int acpitab_build(const struct acpitab_cfg *c, u8 *buf, size_t len)
{
	if (!c->ncpus || c->ncpus > ACPITAB_MAX_CPUS || c->gpa % 64 ||
	    c->gpa + ACPITAB_SIZE(ACPITAB_MAX_CPUS) > 0x100000000ULL)
		return -1;
	u32 o_facs = 64, o_dsdt = o_facs + FACS_LEN, o_fadt = ALIGN16(o_dsdt + HDR +
								     sizeof(aml_s5));
	u32 o_madt = ALIGN16(o_fadt + FADT_LEN), o_xsdt = ALIGN16(o_madt + madt_len(c));
	u32 o_rsdt = ALIGN16(o_xsdt + HDR + 16), end = o_rsdt + HDR + 8;
	if (end > len)
		return -1;

	u64 pa = c->gpa, tabs[2] = { pa + o_fadt, pa + o_madt };
	memset(buf, 0, end);
	facs(buf + o_facs);
	dsdt(buf + o_dsdt);
	fadt(buf + o_fadt, c, (u32)(pa + o_facs), (u32)(pa + o_dsdt));
	madt(buf + o_madt, c);
	sdt(buf + o_xsdt, "XSDT", 8, tabs, 2);
	sdt(buf + o_rsdt, "RSDT", 4, tabs, 2);
	rsdp(buf, (u32)(pa + o_rsdt), pa + o_xsdt);
	return (int)end;
}
