/* tests/unit/test_ata.c: host tests of lib/ataproto.c (signatures, IDENTIFY decoding, the
 * LBA28/LBA48 task file choice, PRD tables split at 64 KiB) and lib/pcicfg.c (mechanism #1
 * addresses, BARs, the IDE prog-if). */
#include "lib/ataproto.h"
#include "lib/pcicfg.h"
#include "tests/unit/check.h"

static void put_str(u16 *id, int first, int words, const char *s)
{
	size_t n = strlen(s);

	for (int i = 0; i < words; i++) {
		u8 hi = (size_t)(2 * i) < n ? (u8)s[2 * i] : ' ';
		u8 lo = (size_t)(2 * i + 1) < n ? (u8)s[2 * i + 1] : ' ';
		id[first + i] = (u16)(hi << 8 | lo);
	}
}

TEST(signatures)
{
	CHECK_EQ(ata_signature(0x00, 0x00), ATA_KIND_DISK);
	CHECK_EQ(ata_signature(0x3C, 0xC3), ATA_KIND_DISK);
	CHECK_EQ(ata_signature(0x14, 0xEB), ATA_KIND_ATAPI);
	CHECK_EQ(ata_signature(0x69, 0x96), ATA_KIND_ATAPI);
	CHECK_EQ(ata_signature(0xFF, 0xFF), ATA_KIND_UNKNOWN);
}

/* Bochs's hard disk as it identifies itself: LBA48, MWDMA 0-2, UDMA 0-5. */
TEST(ident_lba48_dma)
{
	u16 id[256] = { 0 };
	struct ata_ident d;

	put_str(id, 27, 20, "BOCHS HARDDISK");
	id[49] = 1u << 9 | 1u << 8;
	id[53] = 1u << 2 | 1u << 1;
	id[60] = 0x0000; id[61] = 0x0002;	/* 131072 */
	id[63] = 0x0007;
	id[83] = 0x4000 | 1u << 10;
	id[86] = 1u << 10;
	id[88] = 0x003F | 1u << 13;		/* UDMA5 selected */
	id[100] = 0x0000; id[101] = 0x0002;
	ata_ident_parse(id, &d);
	CHECK_STR(d.model, "BOCHS HARDDISK");
	CHECK(d.ata && d.lba && d.lba48 && d.dma);
	CHECK_EQ(d.mwdma, 2);
	CHECK_EQ(d.udma, 5);
	CHECK_EQ(d.sectors, 131072);
}

/* LBA28 only, no DMA; a model full of odd bytes is made printable; word 83 not valid. */
TEST(ident_lba28_pio)
{
	u16 id[256] = { 0 };
	struct ata_ident d;

	put_str(id, 27, 20, "A\x01""B");
	id[49] = 1u << 9;
	id[60] = 0x1234; id[61] = 0x0567;
	id[83] = 1u << 10;			/* bits 15:14 not 01: ignored */
	id[86] = 1u << 10;
	id[100] = 0xFFFF;
	ata_ident_parse(id, &d);
	CHECK_STR(d.model, "A?B");
	CHECK(!d.lba48 && !d.dma);
	CHECK_EQ(d.mwdma, -1);
	CHECK_EQ(d.udma, -1);
	CHECK_EQ(d.sectors, 0x05671234);
	id[0] = 0x85C0;				/* ATAPI */
	id[49] = 0;
	ata_ident_parse(id, &d);
	CHECK(!d.ata && !d.lba);
	CHECK_EQ(d.sectors, 0);
}

TEST(taskfile_lba28)
{
	struct ata_tf tf;

	CHECK_EQ(ata_tf_rw(&tf, 0x0ABCDEF1, 8, true, false, true, false), 0);
	CHECK(!tf.lba48);
	CHECK_EQ(tf.cmd, ATA_CMD_READ_DMA);
	CHECK_EQ(tf.count, 8);
	CHECK_EQ(tf.lba0, 0xF1); CHECK_EQ(tf.lba1, 0xDE); CHECK_EQ(tf.lba2, 0xBC);
	CHECK_EQ(tf.device, 0xF0 | 0x0A);
	CHECK_EQ(ata_tf_rw(&tf, 5, 256, false, true, false, false), 0);
	CHECK_EQ(tf.count, 0);
	CHECK_EQ(tf.cmd, ATA_CMD_WRITE_PIO);
	CHECK_EQ(tf.device, 0xE0);
	/* The last sector LBA28 reaches, and one past it. */
	CHECK_EQ(ata_tf_rw(&tf, (1u << 28) - 1, 1, false, false, false, false), 0);
	CHECK_EQ(ata_tf_rw(&tf, (1u << 28) - 1, 2, false, false, false, false), -1);
	CHECK_EQ(ata_tf_rw(&tf, 0, 0, false, false, false, true), -1);
	CHECK_EQ(ata_tf_rw(&tf, 0, 257, false, false, false, true), -1);
	CHECK_EQ(ata_tf_rw(&tf, ~0ull, 1, false, false, false, true), -1);
}

TEST(taskfile_lba48)
{
	struct ata_tf tf;

	CHECK_EQ(ata_tf_rw(&tf, 0x123456789ABCull, 256, false, true, true, true), 0);
	CHECK(tf.lba48);
	CHECK_EQ(tf.cmd, ATA_CMD_WRITE_DMA_EXT);
	CHECK_EQ(tf.count, 0x00); CHECK_EQ(tf.hob_count, 0x01);
	CHECK_EQ(tf.lba0, 0xBC); CHECK_EQ(tf.lba1, 0x9A); CHECK_EQ(tf.lba2, 0x78);
	CHECK_EQ(tf.hob_lba0, 0x56); CHECK_EQ(tf.hob_lba1, 0x34); CHECK_EQ(tf.hob_lba2, 0x12);
	CHECK_EQ(tf.device, 0x40);
	CHECK_EQ(ata_tf_rw(&tf, 1u << 28, 1, true, false, false, true), 0);
	CHECK_EQ(tf.cmd, ATA_CMD_READ_PIO_EXT);
	CHECK_EQ(tf.device, 0x50);
	CHECK_EQ(ata_tf_rw(&tf, (1ull << 48) - 1, 2, false, false, false, true), -1);
}

TEST(prd_tables)
{
	struct ata_prd p[4];

	CHECK_EQ(sizeof(struct ata_prd), 8);
	CHECK_EQ(ata_prd_build(p, 4, 0x200000, 4096), 1);
	CHECK_EQ(p[0].addr, 0x200000); CHECK_EQ(p[0].bytes, 4096); CHECK_EQ(p[0].flags, ATA_PRD_EOT);
	/* 128 KiB from a 4 KiB-aligned address that is not 64 KiB aligned: three regions. */
	CHECK_EQ(ata_prd_build(p, 4, 0x20F000, 128 * 1024), 3);
	CHECK_EQ(p[0].addr, 0x20F000); CHECK_EQ(p[0].bytes, 0x1000); CHECK_EQ(p[0].flags, 0);
	CHECK_EQ(p[1].addr, 0x210000); CHECK_EQ(p[1].bytes, 0);	/* 64 KiB */
	CHECK_EQ(p[2].addr, 0x220000); CHECK_EQ(p[2].bytes, 0xF000);
	CHECK_EQ(p[2].flags, ATA_PRD_EOT);
	CHECK_EQ(ata_prd_build(p, 2, 0x20F000, 128 * 1024), -1);
	CHECK_EQ(ata_prd_build(p, 4, 0xFFFFF000ull, 8192), -1);		/* past 4 GiB */
	CHECK_EQ(ata_prd_build(p, 4, 0xFFFFF000ull, 4096), 1);
	CHECK_EQ(ata_prd_build(p, 4, 0x1001, 512), -1);
	CHECK_EQ(ata_prd_build(p, 4, 0x1000, 0), -1);
}

TEST(pci_config)
{
	CHECK_EQ(pci_cfg_addr(0, 1, 1, 0x20), 0x80000920u);
	CHECK_EQ(pci_cfg_addr(255, 31, 7, 0xFF), 0x80FFFFFCu);
	CHECK_EQ(pci_bar_io(0xC001), 0xC000);
	CHECK_EQ(pci_bar_io(0xC000), 0);		/* memory BAR */
	CHECK_EQ(pci_bar_io(0x1), 0);
	CHECK_EQ(pci_bar_io(0x10001), 0);
	CHECK(pci_is_ide(0x01, 0x01));
	CHECK(!pci_is_ide(0x01, 0x06));
	CHECK(!pci_ide_native(0x80, 0) && !pci_ide_native(0x80, 1));
	CHECK(pci_ide_native(0x8F, 0) && pci_ide_native(0x8F, 1));
	CHECK(pci_ide_native(0x05, 1) && !pci_ide_native(0x04, 0));
	CHECK(pci_ide_busmaster(0x80) && !pci_ide_busmaster(0x0A));
}

int main(void)
{
	RUN(signatures);
	RUN(ident_lba48_dma);
	RUN(ident_lba28_pio);
	RUN(taskfile_lba28);
	RUN(taskfile_lba48);
	RUN(prd_tables);
	RUN(pci_config);
	return DONE();
}
