/* drivers/ata.h: the hypervisor's own ATA disk driver, for one swap disk (apf/'s backing
 * store). At most one disk is used: the one named by the command-line key swap= (off, auto:
 * the first ATA hard disk found, or a position ata0-master .. ata1-slave).
 *
 * Transfers are bus-master DMA through the PCI IDE controller's BAR4 (PIIX3/PIIX4 "Bus
 * Master IDE"), or PIO (16-bit string I/O on the data register) when there is no bus
 * master, the disk offers no DMA mode, swap.pio=on, or a DMA transfer has failed once.
 * Completion is polled, never interrupt-driven: the drive's interrupt is masked (nIEN in
 * the device control register) because the callers are workers that own their CPUs and
 * poll anyway, and the host's IOAPIC is not programmed, so IRQ14/15 would reach nobody.
 * Every wait is bounded by a deadline on time_us(). */
#ifndef DRIVERS_ATA_H
#define DRIVERS_ATA_H
#include "lib/types.h"

/* Probes per cfg.swap; prints one clear boot line either way. 0: a disk is ready, -1: none. */
int ata_init(void);
bool ata_ready(void);
u64 ata_sectors(void);		/* 512-byte sectors of the disk; 0 when none is ready */

/* Read/write count sectors (1..256, lba + count <= ata_sectors()) to/from buf, a host buffer
 * that is identity-mapped (virtual == physical, below 4 GiB) and 4 KiB aligned. Callable
 * from any CPU concurrently (one spinlock serializes the disk), with interrupts on or off.
 * Returns 0, or -1 on a bad request, a device error or a timeout (2 s), after one log line
 * naming the LBA, the ATA status and error registers and the bus-master status. */
int ata_read(u64 lba, u32 count, void *buf);
int ata_write(u64 lba, u32 count, const void *buf);

struct ata_stats {
	u64 reads, writes;			/* requests that succeeded */
	u64 sectors_read, sectors_written;
	u64 errors;				/* requests that failed (-1) */
	u64 dma, pio;				/* transfers done each way (a retry counts) */
};
extern struct ata_stats ata_stats;

/* One or two lines for the monitor or the summary. */
void ata_print(void (*out)(const char *fmt, ...));

/* For the selftest (drivers/disktest.c): one transfer by a chosen method, no fallback.
 * ATA_PIO always works on a ready disk; ATA_DMA returns -1 when DMA is not in use. */
enum ata_how { ATA_AUTO, ATA_DMA, ATA_PIO };
int ata_io(u64 lba, u32 count, void *buf, bool write, enum ata_how how);
bool ata_dma_on(void);		/* transfers use DMA now */

/* selftest=disk: reads sector 0 and prints its first 32 bytes; writes a pattern to the last
 * 8 sectors by DMA and by PIO, reads each back both ways, restores what was there. */
void ata_selftest(void);

#endif
