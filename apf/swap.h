/* apf/swap.h: the swap area: 4 KiB slots on the disk that drivers/ata.c drives (the
 * hypervisor's swap= key names it), shared by every VM. Owns the slot bitmap (lib/slots.c)
 * and the injected failures of swap.bad=; a page's slot number is kept by apf/ram.c.
 *
 * Layout: the first 4 KiB of the disk are left alone (a label the tools write: tests
 * read it back); slot s is the eight sectors at byte 4096 * (s + 1). */
#ifndef APF_SWAP_H
#define APF_SWAP_H
#include "lib/types.h"

struct swap_stats {
	u64 reads, writes, read_errors, write_errors, full;	/* full: allocations refused */
	u64 retired;						/* slots a write failed on */
	u64 read_tsc, write_tsc;				/* time in the driver */
};
extern struct swap_stats swap_st;

void swap_init(void);		/* after ata_init: sizes the area; one boot line */
bool swap_ready(void);
u64 swap_slots(void);		/* slots in the area (0 without a disk) */
/* A free slot, or -1 when the area is full (or there is none). */
s64 swap_alloc(void);
void swap_free(u64 slot);
void swap_retire(u64 slot);	/* a write to it failed: it stays allocated, unused */
/* Whole-page I/O between slot and the 4 KiB host frame at hpa (identity-mapped, aligned).
 * 0, or -1 after a device error or an injected one, said on the console. Injection:
 * swap.bad= ranges read back bad (a latent media error: what reaches a page-in, and the
 * guest, as io-error); swap.bad_write= ranges refuse writes (the page stays resident and
 * the slot is retired: nothing is lost). */
int swap_read(u64 slot, u64 hpa);
int swap_write(u64 slot, u64 hpa);
void swap_print(void (*out)(const char *fmt, ...));

#endif
