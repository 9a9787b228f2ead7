/* host/config.h: the hypervisor's command line, parsed once at boot into `cfg`.
 * `help` on the command line lists every key; the table in host/config.c is the truth. */
#ifndef HOST_CONFIG_H
#define HOST_CONFIG_H
#include "lib/types.h"

enum selftest {
	SELFTEST_BP,	/* int3: reported, execution continues */
	SELFTEST_UD,	/* ud2 */
	SELFTEST_PF,	/* read of an unmapped address */
	SELFTEST_GP,	/* read of a non-canonical address */
	SELFTEST_DE,	/* divide by zero */
	SELFTEST_PANIC,	/* panic() */
	SELFTEST_REBOOT,	/* fl_reboot(): the machine resets */
	SELFTEST_DISK,		/* the swap disk: read sector 0, DMA and PIO round trips */
};

/* swap=: which ATA position holds the swap disk (drivers/ata.c). The positions' order is
 * the driver's: channel * 2 + slave, after the two words off and auto. */
enum swap_disk { SWAP_OFF, SWAP_AUTO, SWAP_ATA0_MASTER, SWAP_ATA0_SLAVE, SWAP_ATA1_MASTER,
		 SWAP_ATA1_SLAVE };

struct config {
	u64 cpus;		/* 0: all */
	unsigned loglevel;
	u64 selftest;		/* bit mask of enum selftest */
	u64 watchdog_ms;	/* report a vCPU that runs this long without an exit; 0: off */
	u64 workers;		/* CPUs that fetch pages for every VM (the last ones) */
	u64 apf_limit;		/* outstanding CAN_CONTINUE faults per vCPU before sync */
	bool monitor;		/* the COM1 monitor on cpu0 (which then runs no vCPU) */
	u64 host_mem;		/* bytes of host frames lazily backed VMs may hold together
				 * (0: every free frame) */
	u64 swap_slots;		/* use at most this many swap slots (0: the whole disk) */
	char swap_bad[128];	/* disk byte ranges that read back bad (failure injection) */
	char swap_bad_write[128];	/* ... whose writes fail */
	unsigned swap;		/* enum swap_disk */
	bool swap_pio;		/* the swap disk by PIO only, never bus-master DMA */
};

extern struct config cfg;

void config_parse(const char *cmdline);
void selftest_run(u64 mask);

#endif
