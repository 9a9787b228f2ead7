/* lib/ataproto.h: the pure parts of the ATA protocol that drivers/ata.c speaks: the
 * command opcodes, the device signature after a reset or a refused IDENTIFY, decoding the
 * IDENTIFY DEVICE data, choosing and encoding a read/write task file (LBA28 or LBA48), and
 * building a bus-master PRD table. No port I/O, so the host unit tests compile it as it is.
 * References: ATA/ATAPI-6 (T13/1410D rev 3b): 8.15 IDENTIFY DEVICE, 6.2 signatures and
 * 9.12 the device signature, 8.24-8.27/8.55-8.62 the read/write commands; Intel PIIX3/PIIX4
 * datasheet, "Bus Master IDE" (the PRD format). */
#ifndef LIB_ATAPROTO_H
#define LIB_ATAPROTO_H
#include "lib/types.h"

/* Command opcodes (ATA/ATAPI-6 chapter 8). */
#define ATA_CMD_READ_PIO	0x20	/* READ SECTOR(S) */
#define ATA_CMD_READ_PIO_EXT	0x24
#define ATA_CMD_WRITE_PIO	0x30	/* WRITE SECTOR(S) */
#define ATA_CMD_WRITE_PIO_EXT	0x34
#define ATA_CMD_READ_DMA	0xC8
#define ATA_CMD_READ_DMA_EXT	0x25
#define ATA_CMD_WRITE_DMA	0xCA
#define ATA_CMD_WRITE_DMA_EXT	0x35
#define ATA_CMD_FLUSH		0xE7	/* FLUSH CACHE */
#define ATA_CMD_FLUSH_EXT	0xEA
#define ATA_CMD_IDENTIFY	0xEC

/* What the LBA mid/high registers say a device is, after IDENTIFY DEVICE aborted or a
 * reset (ATA/ATAPI-6 9.12; SATA's values from Serial ATA 1.0a 11.2). */
enum ata_kind { ATA_KIND_DISK, ATA_KIND_ATAPI, ATA_KIND_UNKNOWN };
enum ata_kind ata_signature(u8 lba_mid, u8 lba_high);

/* The IDENTIFY DEVICE words a driver needs (ATA/ATAPI-6 table 27). */
struct ata_ident {
	char model[41];		/* words 27-46, byte-swapped, trailing blanks cut */
	bool ata;		/* word 0 bit 15 clear: an ATA device (not ATAPI) */
	bool lba;		/* word 49 bit 9 */
	bool lba48;		/* word 83 bit 10 (supported) and word 86 bit 10 (enabled) */
	bool dma;		/* word 49 bit 8 and some multiword or Ultra DMA mode */
	int mwdma;		/* highest multiword DMA mode supported (word 63), -1: none */
	int udma;		/* highest Ultra DMA mode supported (word 88 when word 53 bit 2), -1 */
	u64 sectors;		/* addressable sectors: words 100-103 with LBA48, else 60-61 */
};
void ata_ident_parse(const u16 id[256], struct ata_ident *out);

/* A task file for one read or write: the registers in the order drivers/ata.c writes them
 * (the "previous" HOB bytes first when lba48; ATA/ATAPI-6 6.20). */
struct ata_tf {
	bool lba48;
	u8 cmd;
	u8 count, lba0, lba1, lba2;		/* sector count, LBA low/mid/high */
	u8 hob_count, hob_lba0, hob_lba1, hob_lba2;
	u8 device;				/* LBA bit, DEV bit, LBA28's bits 27:24 */
};
/* count 1..256 sectors at lba on the master (slave false) or slave. LBA28 when the whole
 * range lies below 2^28, else LBA48 if the device has it. Returns 0, or -1 when the range
 * cannot be addressed (count 0 or over 256, beyond 2^48, or past 2^28 without LBA48). */
int ata_tf_rw(struct ata_tf *tf, u64 lba, u32 count, bool slave, bool write, bool dma,
	      bool lba48);

/* One Physical Region Descriptor (PIIX datasheet, "Bus Master IDE" PRD format): a 32-bit
 * physical address (bit 0 zero), a byte count (bit 0 zero; 0 means 64 KiB) and bit 15 of
 * the last half-word, End Of Table. A region must not cross a 64 KiB boundary. */
struct ata_prd {
	u32 addr;
	u16 bytes;
	u16 flags;
} __attribute__((packed));
#define ATA_PRD_EOT	0x8000

/* Fills prd[0..n) for bytes at physical pa, splitting at every 64 KiB boundary, and marks
 * the last EOT. Returns n, or -1 when the buffer is not addressable (above 4 GiB, odd
 * address or length, zero length) or needs more than max entries. */
int ata_prd_build(struct ata_prd *prd, unsigned max, u64 pa, u32 bytes);

#endif
