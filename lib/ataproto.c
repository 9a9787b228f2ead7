/* lib/ataproto.c: ATA encodings and decodings (see lib/ataproto.h). */
#include "lib/ataproto.h"

enum ata_kind ata_signature(u8 mid, u8 high)
{
	if ((mid == 0x00 && high == 0x00) || (mid == 0x3C && high == 0xC3))
		return ATA_KIND_DISK;		/* PATA, SATA */
	if ((mid == 0x14 && high == 0xEB) || (mid == 0x69 && high == 0x96))
		return ATA_KIND_ATAPI;		/* PATAPI, SATAPI */
	return ATA_KIND_UNKNOWN;
}

/* The highest set bit among the low `bits` bits of w, or -1. */
static int top_mode(u16 w, int bits)
{
	for (int m = bits - 1; m >= 0; m--)
		if (w & (1u << m))
			return m;
	return -1;
}

void ata_ident_parse(const u16 id[256], struct ata_ident *out)
{
	int n = 0;

	/* ATA strings hold two characters per word, the first in bits 15:8 (ATA/ATAPI-6 3.2.9). */
	for (int w = 27; w <= 46; w++) {
		out->model[n++] = (char)(id[w] >> 8);
		out->model[n++] = (char)(id[w] & 0xFF);
	}
	out->model[n] = '\0';
	while (n > 0 && (out->model[n - 1] == ' ' || out->model[n - 1] == '\0'))
		out->model[--n] = '\0';
	for (int i = 0; i < n; i++)
		if (out->model[i] < 0x20 || out->model[i] > 0x7E)
			out->model[i] = '?';

	out->ata = !(id[0] & 0x8000);
	out->lba = id[49] & (1u << 9);
	/* Word 83 is valid when bits 15:14 read 01 (ATA/ATAPI-6 table 27, note on 82-84). */
	out->lba48 = (id[83] & 0xC000) == 0x4000 && (id[83] & (1u << 10)) && (id[86] & (1u << 10));
	out->mwdma = top_mode(id[63], 3);
	out->udma = (id[53] & (1u << 2)) ? top_mode(id[88], 7) : -1;
	out->dma = (id[49] & (1u << 8)) && (out->mwdma >= 0 || out->udma >= 0);
	if (out->lba48)
		out->sectors = (u64)id[100] | (u64)id[101] << 16 | (u64)id[102] << 32 |
			       (u64)id[103] << 48;
	else if (out->lba)
		out->sectors = (u64)id[60] | (u64)id[61] << 16;
	else
		out->sectors = 0;	/* CHS only: not driven */
}

int ata_tf_rw(struct ata_tf *tf, u64 lba, u32 count, bool slave, bool write, bool dma,
	      bool lba48)
{
	u64 end = lba + count;

	if (count < 1 || count > 256 || end < lba)
		return -1;
	*tf = (struct ata_tf){ 0 };
	/* Device register: bit 6 LBA, bit 4 DEV; bits 7 and 5 are obsolete but still set by
	 * convention (ATA/ATAPI-6 7.2.10 marks them obsolete, old devices want them). */
	tf->device = 0xE0 | (slave ? 0x10 : 0);
	if (end <= (1ull << 28)) {
		tf->count = (u8)count;		/* 256 is written as 0 */
		tf->lba0 = (u8)lba;
		tf->lba1 = (u8)(lba >> 8);
		tf->lba2 = (u8)(lba >> 16);
		tf->device |= (u8)((lba >> 24) & 0x0F);
		tf->cmd = dma ? (write ? ATA_CMD_WRITE_DMA : ATA_CMD_READ_DMA)
			      : (write ? ATA_CMD_WRITE_PIO : ATA_CMD_READ_PIO);
		return 0;
	}
	if (!lba48 || end > (1ull << 48))
		return -1;
	tf->lba48 = true;
	tf->count = (u8)count;
	tf->hob_count = (u8)(count >> 8);	/* 256 is 0x0100 */
	tf->lba0 = (u8)lba;
	tf->lba1 = (u8)(lba >> 8);
	tf->lba2 = (u8)(lba >> 16);
	tf->hob_lba0 = (u8)(lba >> 24);
	tf->hob_lba1 = (u8)(lba >> 32);
	tf->hob_lba2 = (u8)(lba >> 40);
	tf->device = 0x40 | (slave ? 0x10 : 0);	/* LBA48: bits 3:0 are reserved */
	tf->cmd = dma ? (write ? ATA_CMD_WRITE_DMA_EXT : ATA_CMD_READ_DMA_EXT)
		      : (write ? ATA_CMD_WRITE_PIO_EXT : ATA_CMD_READ_PIO_EXT);
	return 0;
}

int ata_prd_build(struct ata_prd *prd, unsigned max, u64 pa, u32 bytes)
{
	unsigned n = 0;

	if (!bytes || (pa & 1) || (bytes & 1) || pa + bytes > 0x100000000ull)
		return -1;
	while (bytes) {
		u32 room = 0x10000 - (u32)(pa & 0xFFFF);	/* to the next 64 KiB boundary */
		u32 len = MIN(bytes, room);

		if (n == max)
			return -1;
		prd[n].addr = (u32)pa;
		prd[n].bytes = (u16)len;		/* 64 KiB is written as 0 */
		prd[n].flags = 0;
		n++;
		pa += len;
		bytes -= len;
	}
	prd[n - 1].flags = ATA_PRD_EOT;
	return (int)n;
}
