/* drivers/ata.c: the swap disk's driver (see drivers/ata.h): finding it (PCI, then the four
 * ATA positions), and reading and writing it by bus-master DMA or PIO, polled.
 * Register layout: ATA/ATAPI-6 chapter 7 (command block: data +0, error/features +1, sector
 * count +2, LBA low/mid/high +3..+5, device +6, status/command +7; control block: alternate
 * status / device control). Bus master: Intel PIIX3/PIIX4 datasheet, "Bus Master IDE"
 * (per channel 8 ports at BAR4 + 8 * channel: command +0, status +2, PRD table address +4).
 * Encodings (task files, IDENTIFY, PRDs) are lib/ataproto.c's, unit-tested on the host. */
#include "drivers/ata.h"
#include "drivers/pci.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/spinlock.h"
#include "host/tsc.h"
#include "lib/ataproto.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* Command block registers (offsets from the channel's command base). */
#define REG_DATA	0
#define REG_ERROR	1
#define REG_COUNT	2
#define REG_LBA0	3
#define REG_LBA1	4
#define REG_LBA2	5
#define REG_DEVICE	6
#define REG_STATUS	7	/* reading it acknowledges the drive's interrupt */
#define REG_CMD		7

/* Status bits (ATA/ATAPI-6 7.15.6). */
#define ST_BSY		0x80
#define ST_DRDY		0x40
#define ST_DF		0x20
#define ST_DRQ		0x08
#define ST_ERR		0x01

/* Device control (7.9.6): nIEN masks the drive's INTRQ, SRST resets the channel. */
#define CTL_NIEN	0x02
#define CTL_SRST	0x04

/* Bus-master registers (PIIX datasheet, "Bus Master IDE Command/Status Register"). */
#define BM_CMD		0
#define BM_STATUS	2
#define BM_PRDT		4
#define BM_CMD_START	0x01
#define BM_CMD_READ	0x08	/* the bus master writes memory: a read from the disk */
#define BM_ST_ACTIVE	0x01
#define BM_ST_ERR	0x02	/* write 1 to clear */
#define BM_ST_INT	0x04	/* write 1 to clear */

/* Any one command, DMA or PIO, whatever its length. One ata_read/ata_write is then bounded
 * by: the DMA command, the channel reset after it fails (SRST, a 2 s wait), the PIO retry
 * and its reset: about 8 s at worst, and 2 s when the disk answers. */
#define CMD_TIMEOUT_US	2000000
#define PROBE_TIMEOUT_US 1000000	/* IDENTIFY of one position at boot */
#define PRD_MAX		(PAGE_SIZE / sizeof(struct ata_prd))

static const char *const pos_names[4] = { "ata0-master", "ata0-slave", "ata1-master",
					  "ata1-slave" };

struct ata_stats ata_stats;

static struct {
	struct spinlock lock;	/* the channel's registers, the PRD table, the stats */
	bool ready;
	bool dma;		/* transfers use DMA now (false after the first DMA failure) */
	unsigned pos;		/* 0..3: channel * 2 + slave */
	u16 cmd, ctl, bm;	/* the disk's channel: command base, control, bus master (0: none) */
	struct ata_ident id;
	struct ata_prd *prd;	/* one page: 4-byte aligned, never crosses 64 KiB */
	struct pci_ide pci;
	bool have_pci;
} ata = { .lock = SPINLOCK_INIT };

/* The alternate status register: the same bits as REG_STATUS without acknowledging an
 * interrupt, so polling it loses nothing. */
static u8 altstatus(u16 ctl)
{
	return inb(ctl);
}

/* ATA/ATAPI-6 9.7: after writing the device register, 400 ns before status is valid;
 * four reads of the alternate status register take at least that long on any bus. */
static void delay400(u16 ctl)
{
	for (int i = 0; i < 4; i++)
		(void)altstatus(ctl);
}

/* Polls the alternate status until none of `clear` is set and (when set is nonzero) one of
 * `set`, ST_ERR or ST_DF is. Returns 0, or -1 once time_us() passes deadline; *st is the
 * last status read. */
static int wait_status(u16 ctl, u8 clear, u8 set, u64 deadline, u8 *st)
{
	for (;;) {
		u8 s = altstatus(ctl);

		*st = s;
		if (!(s & clear) && (!set || (s & (set | ST_ERR | ST_DF))))
			return 0;
		if (time_us() > deadline)
			return -1;
		cpu_relax();
	}
}

/* ---- probing ---------------------------------------------------------------------------- */

/* What one position holds, for the boot line. */
static const char *probe(u16 cmd, u16 ctl, bool slave, struct ata_ident *id, u16 *buf)
{
	u8 st;

	outb(ctl, CTL_NIEN);
	outb(cmd + REG_DEVICE, (u8)(0xA0 | (slave ? 0x10 : 0)));
	delay400(ctl);
	st = inb(cmd + REG_STATUS);
	/* 0xFF: nothing drives the bus (no device on the channel, pull-ups); 0: QEMU and
	 * Bochs read an absent device of a channel this way (a packet device may read 0 too,
	 * DRDY clear: it is skipped either way; a hard disk that can take IDENTIFY has DRDY). */
	if (st == 0xFF || st == 0)
		return "none";
	if (wait_status(ctl, ST_BSY, 0, time_us() + PROBE_TIMEOUT_US, &st))
		return "busy";
	outb(cmd + REG_COUNT, 0);
	outb(cmd + REG_LBA0, 0);
	outb(cmd + REG_LBA1, 0);
	outb(cmd + REG_LBA2, 0);
	outb(cmd + REG_CMD, ATA_CMD_IDENTIFY);
	delay400(ctl);
	if (inb(cmd + REG_STATUS) == 0)
		return "none";
	if (wait_status(ctl, ST_BSY, 0, time_us() + PROBE_TIMEOUT_US, &st))
		return "no answer";
	/* A packet device refuses IDENTIFY DEVICE and leaves its signature (9.12); Bochs and
	 * QEMU boot from such a CD-ROM. */
	switch (ata_signature(inb(cmd + REG_LBA1), inb(cmd + REG_LBA2))) {
	case ATA_KIND_ATAPI:
		(void)inb(cmd + REG_STATUS);
		return "cdrom";
	case ATA_KIND_UNKNOWN:
		return "unknown";
	case ATA_KIND_DISK:
		break;
	}
	if (st & (ST_ERR | ST_DF))
		return "error";
	if (wait_status(ctl, ST_BSY, ST_DRQ, time_us() + PROBE_TIMEOUT_US, &st) || !(st & ST_DRQ))
		return "error";
	insw(cmd + REG_DATA, buf, 256);
	(void)inb(cmd + REG_STATUS);
	ata_ident_parse(buf, id);
	if (!id->ata)
		return "unknown";
	if (!id->sectors)
		return "disk without LBA";
	return "disk";
}

static const char *bm_name(const struct pci_ide *p)
{
	if (p->vendor == 0x8086 && p->device == 0x7010)
		return "PIIX3";
	if (p->vendor == 0x8086 && p->device == 0x7111)
		return "PIIX4";
	return "PCI IDE";
}

int ata_init(void)
{
	static u16 idbuf[256] __attribute__((aligned(16)));
	const char *what[4];
	char list[160];
	size_t n = 0;
	int found = -1;

	if (cfg.swap == SWAP_OFF) {
		pr_info("ata: swap=off: no swap disk");
		return -1;
	}
	ata.have_pci = pci_find_ide(&ata.pci) == 0;
	if (ata.have_pci)
		pr_info("pci: IDE controller %04x:%04x at %02x:%02x.%u, prog-if 0x%02x (%s), bus master %s0x%x",
			ata.pci.vendor, ata.pci.device, ata.pci.bus, ata.pci.dev, ata.pci.fn,
			ata.pci.progif, ata.pci.native[0] || ata.pci.native[1] ? "native" : "legacy",
			ata.pci.bm ? "at " : "none ", ata.pci.bm);
	else
		pr_info("pci: no IDE controller (class 01:01) on buses 0-255: legacy ports, PIO");

	for (unsigned p = 0; p < 4; p++) {
		unsigned ch = p >> 1;
		u16 cmd = ata.have_pci ? ata.pci.cmd[ch] : (ch ? 0x170 : 0x1F0);
		u16 ctl = ata.have_pci ? ata.pci.ctl[ch] : (ch ? 0x376 : 0x3F6);
		struct ata_ident id;
		bool wanted = cfg.swap == SWAP_AUTO || cfg.swap == SWAP_ATA0_MASTER + p;

		what[p] = cmd && ctl ? probe(cmd, ctl, p & 1, &id, idbuf) : "no ports";
		n += (size_t)fmt(list + n, sizeof(list) - n, "%s%s %s", p ? ", " : "",
				 pos_names[p], what[p]);
		if (n >= sizeof(list))
			n = sizeof(list) - 1;
		if (found < 0 && wanted && !strcmp(what[p], "disk")) {
			found = (int)p;
			ata.id = id;
			ata.cmd = cmd;
			ata.ctl = ctl;
		}
	}
	pr_debug("ata: positions: %s", list);
	if (found < 0) {
		if (cfg.swap == SWAP_AUTO)
			pr_warn("ata: swap=auto but no ATA hard disk found (positions: %s)", list);
		else
			pr_warn("ata: swap=%s but that position holds no usable ATA hard disk (positions: %s)",
				pos_names[cfg.swap - SWAP_ATA0_MASTER], list);
		return -1;
	}
	ata.pos = (unsigned)found;
	ata.bm = ata.have_pci && ata.pci.bm ? (u16)(ata.pci.bm + 8 * (ata.pos >> 1)) : 0;
	ata.prd = page_alloc_zeroed(1);
	const char *pio_why = 0;
	if (cfg.swap_pio)
		pio_why = "swap.pio=on";
	else if (!ata.bm)
		pio_why = "no PCI bus master";
	else if (!ata.id.dma)
		pio_why = "the disk offers no DMA mode";
	else if (!ata.prd)
		pio_why = "no page for the PRD table";
	ata.dma = !pio_why;
	if (ata.bm) {
		/* Clear any interrupt/error left by the BIOS (write 1 to clear), stop it. */
		outb(ata.bm + BM_CMD, 0);
		outb(ata.bm + BM_STATUS, BM_ST_INT | BM_ST_ERR);
	}
	u64 mib = ata.id.sectors >> 11;
	if (ata.dma)
		pr_info("ata: %s: '%s' %llu sectors (%llu MiB), %s, DMA via %s bus master at 0x%x",
			pos_names[ata.pos], ata.id.model, (unsigned long long)ata.id.sectors,
			(unsigned long long)mib, ata.id.lba48 ? "LBA48" : "LBA28",
			bm_name(&ata.pci), ata.pci.bm);
	else
		pr_info("ata: %s: '%s' %llu sectors (%llu MiB), %s, PIO (%s)", pos_names[ata.pos],
			ata.id.model, (unsigned long long)ata.id.sectors, (unsigned long long)mib,
			ata.id.lba48 ? "LBA48" : "LBA28", pio_why);
	ata.ready = true;
	return 0;
}

bool ata_ready(void)
{
	return ata.ready;
}

u64 ata_sectors(void)
{
	return ata.ready ? ata.id.sectors : 0;
}

bool ata_dma_on(void)
{
	return ata.ready && ata.dma;
}

/* ---- transfers (ata.lock held) ---------------------------------------------------------- */

/* After a failure: stop the bus master and reset the channel (SRST, ATA/ATAPI-6 9.2), so
 * the next command finds the drive idle. The reset also clears nIEN, so it is set again. */
static void recover(void)
{
	u8 st;

	if (ata.bm) {
		outb(ata.bm + BM_CMD, 0);
		outb(ata.bm + BM_STATUS, BM_ST_INT | BM_ST_ERR);
	}
	outb(ata.ctl, CTL_NIEN | CTL_SRST);
	udelay(10);		/* SRST at least 5 us */
	outb(ata.ctl, CTL_NIEN);
	udelay(2000);		/* the device sets BSY within 2 ms of SRST's release */
	(void)wait_status(ata.ctl, ST_BSY, 0, time_us() + CMD_TIMEOUT_US, &st);
	(void)inb(ata.cmd + REG_STATUS);
}

static void fail_line(const char *how, bool write, u64 lba, u32 count, const char *why)
{
	u8 st = inb(ata.cmd + REG_STATUS), err = inb(ata.cmd + REG_ERROR);
	u8 bms = ata.bm ? inb(ata.bm + BM_STATUS) : 0;

	pr_err("ata: %s: %s %s of %u sector(s) at LBA %llu failed (%s): status 0x%02x error 0x%02x bm status 0x%02x",
	       pos_names[ata.pos], how, write ? "write" : "read", count, (unsigned long long)lba,
	       why, st, err, bms);
}

static void write_taskfile(const struct ata_tf *tf)
{
	/* LBA48: each register is a two-byte FIFO; the "previous" (high) byte goes first
	 * (ATA/ATAPI-6 6.20). */
	if (tf->lba48) {
		outb(ata.cmd + REG_COUNT, tf->hob_count);
		outb(ata.cmd + REG_LBA0, tf->hob_lba0);
		outb(ata.cmd + REG_LBA1, tf->hob_lba1);
		outb(ata.cmd + REG_LBA2, tf->hob_lba2);
	}
	outb(ata.cmd + REG_COUNT, tf->count);
	outb(ata.cmd + REG_LBA0, tf->lba0);
	outb(ata.cmd + REG_LBA1, tf->lba1);
	outb(ata.cmd + REG_LBA2, tf->lba2);
	outb(ata.cmd + REG_DEVICE, tf->device);
}

/* Selects the drive and waits until it can take a command (BSY and DRQ clear). */
static int select_drive(const struct ata_tf *tf, u64 deadline, u8 *st)
{
	outb(ata.cmd + REG_DEVICE, tf->device);
	delay400(ata.ctl);
	return wait_status(ata.ctl, ST_BSY | ST_DRQ, 0, deadline, st);
}

static int xfer_dma(u64 lba, u32 count, void *buf, bool write)
{
	struct ata_tf tf;
	u8 dir = write ? 0 : BM_CMD_READ, st = 0, bms = 0;
	u64 deadline = time_us() + CMD_TIMEOUT_US;
	const char *why = 0;

	if (ata_tf_rw(&tf, lba, count, ata.pos & 1, write, true, ata.id.lba48) ||
	    ata_prd_build(ata.prd, PRD_MAX, (u64)buf, count * 512) < 0) {
		fail_line("DMA", write, lba, count, "not addressable");
		return -1;
	}
	if (select_drive(&tf, deadline, &st)) {
		fail_line("DMA", write, lba, count, "drive busy before the command");
		return -1;
	}
	/* PIIX "Bus Master IDE operation": PRD table, direction, clear INT and ERR, then the
	 * command to the drive, then START. */
	outb(ata.bm + BM_CMD, dir);
	outl(ata.bm + BM_PRDT, (u32)(u64)ata.prd);
	outb(ata.bm + BM_STATUS, BM_ST_INT | BM_ST_ERR);
	write_taskfile(&tf);
	outb(ata.cmd + REG_CMD, tf.cmd);
	barrier();	/* the PRD table and a write's data are in memory before START */
	outb(ata.bm + BM_CMD, dir | BM_CMD_START);
	/* Done when the bus master raised INT (the drive's INTRQ; Bochs sets it at the end of
	 * the table whatever nIEN says) or, with nIEN masking INTRQ (QEMU then never sets INT),
	 * when it is no longer active and the drive has left BSY and DRQ. */
	for (;;) {
		bms = inb(ata.bm + BM_STATUS);
		st = altstatus(ata.ctl);
		if (bms & BM_ST_ERR) {
			why = "bus master error";
			break;
		}
		if ((bms & BM_ST_INT || !(bms & BM_ST_ACTIVE)) && !(st & (ST_BSY | ST_DRQ)))
			break;
		if (time_us() > deadline) {
			why = "timeout";
			break;
		}
		cpu_relax();
	}
	outb(ata.bm + BM_CMD, dir);		/* clear START: required after every transfer */
	barrier();	/* a read's data is read from memory only after this */
	if (!why && (st & (ST_ERR | ST_DF)))
		why = "device error";
	if (!why && (bms & BM_ST_ACTIVE))
		why = "bus master still active (PRD table longer than the transfer)";
	if (why) {
		fail_line("DMA", write, lba, count, why);
		recover();
		return -1;
	}
	(void)inb(ata.cmd + REG_STATUS);	/* acknowledge the drive's interrupt */
	outb(ata.bm + BM_STATUS, BM_ST_INT | BM_ST_ERR);
	return 0;
}

static int xfer_pio(u64 lba, u32 count, void *buf, bool write)
{
	struct ata_tf tf;
	u8 st = 0;
	u16 *p = buf;
	u64 deadline = time_us() + CMD_TIMEOUT_US;	/* for the whole command */

	if (ata_tf_rw(&tf, lba, count, ata.pos & 1, write, false, ata.id.lba48)) {
		fail_line("PIO", write, lba, count, "not addressable");
		return -1;
	}
	if (select_drive(&tf, deadline, &st)) {
		fail_line("PIO", write, lba, count, "drive busy before the command");
		return -1;
	}
	write_taskfile(&tf);
	outb(ata.cmd + REG_CMD, tf.cmd);
	/* PIO data-in / data-out protocols (ATA/ATAPI-6 9.5, 9.6): one DRQ block per sector. */
	for (u32 s = 0; s < count; s++, p += 256) {
		delay400(ata.ctl);
		if (wait_status(ata.ctl, ST_BSY, ST_DRQ, deadline, &st)) {
			fail_line("PIO", write, lba, count, "timeout waiting for DRQ");
			recover();
			return -1;
		}
		if ((st & (ST_ERR | ST_DF)) || !(st & ST_DRQ)) {
			fail_line("PIO", write, lba, count, "device error");
			recover();
			return -1;
		}
		if (write)
			outsw(ata.cmd + REG_DATA, p, 256);
		else
			insw(ata.cmd + REG_DATA, p, 256);
	}
	/* After the last block the drive goes BSY while it writes (or finishes), then reports.
	 * No FLUSH CACHE: a swap disk's content does not outlive the hypervisor. */
	delay400(ata.ctl);
	if (wait_status(ata.ctl, ST_BSY, 0, deadline, &st)) {
		fail_line("PIO", write, lba, count, "timeout after the data");
		recover();
		return -1;
	}
	st = inb(ata.cmd + REG_STATUS);		/* acknowledges the interrupt */
	if (st & (ST_ERR | ST_DF | ST_DRQ)) {
		fail_line("PIO", write, lba, count, "device error after the data");
		recover();
		return -1;
	}
	return 0;
}

static bool request_ok(u64 lba, u32 count, const void *buf, bool write)
{
	const char *why = 0;

	if (!ata.ready)
		why = "no disk ready";
	else if (count < 1 || count > 256)
		why = "count not in 1..256";
	else if (lba >= ata.id.sectors || count > ata.id.sectors - lba)
		why = "past the end of the disk";
	else if (((u64)buf & (PAGE_SIZE - 1)) || (u64)buf + count * 512ull > MEM_LIMIT)
		why = "buffer not 4 KiB aligned below 4 GiB";
	if (why)
		pr_err("ata: %s of %u sector(s) at LBA %llu refused: %s", write ? "write" : "read",
		       count, (unsigned long long)lba, why);
	return !why;
}

int ata_io(u64 lba, u32 count, void *buf, bool write, enum ata_how how)
{
	int r;

	if (!request_ok(lba, count, buf, write)) {
		spin_lock(&ata.lock);
		ata_stats.errors++;
		spin_unlock(&ata.lock);
		return -1;
	}
	spin_lock(&ata.lock);
	if (how == ATA_DMA && !ata.dma) {
		pr_err("ata: %s: DMA asked for, but transfers are PIO only", pos_names[ata.pos]);
		r = -1;
	} else if (how == ATA_PIO || !ata.dma) {
		r = xfer_pio(lba, count, buf, write);
		ata_stats.pio++;
	} else {
		r = xfer_dma(lba, count, buf, write);
		ata_stats.dma++;
		if (r && how == ATA_AUTO) {
			pr_warn("ata: %s: DMA failed: PIO from now on (this transfer too)",
				pos_names[ata.pos]);
			ata.dma = false;
			r = xfer_pio(lba, count, buf, write);
			ata_stats.pio++;
		}
	}
	if (r) {
		ata_stats.errors++;
	} else if (write) {
		ata_stats.writes++;
		ata_stats.sectors_written += count;
	} else {
		ata_stats.reads++;
		ata_stats.sectors_read += count;
	}
	spin_unlock(&ata.lock);
	return r;
}

int ata_read(u64 lba, u32 count, void *buf)
{
	return ata_io(lba, count, buf, false, ATA_AUTO);
}

int ata_write(u64 lba, u32 count, const void *buf)
{
	/* The buffer is only read (outsw, or the bus master reading memory). */
	return ata_io(lba, count, (void *)buf, true, ATA_AUTO);
}

void ata_print(void (*out)(const char *fmt, ...))
{
	if (!ata.ready) {
		out("ata: no swap disk (%s)", cfg.swap == SWAP_OFF ? "swap=off" : "none found");
		return;
	}
	out("ata: %s '%s', %llu sectors, %s", pos_names[ata.pos], ata.id.model,
	    (unsigned long long)ata.id.sectors, ata.dma ? "DMA" : "PIO");
	out("ata: %llu reads (%llu sectors), %llu writes (%llu sectors), %llu by DMA, %llu by PIO, %llu errors",
	    (unsigned long long)ata_stats.reads, (unsigned long long)ata_stats.sectors_read,
	    (unsigned long long)ata_stats.writes, (unsigned long long)ata_stats.sectors_written,
	    (unsigned long long)ata_stats.dma, (unsigned long long)ata_stats.pio,
	    (unsigned long long)ata_stats.errors);
}
