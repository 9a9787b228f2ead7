/* ept/ept.h: extended page tables (SDM Vol. 3C 29.3 "The Extended Page Table Mechanism").
 *
 * One struct ept per VM: a 4-level table tree mapping guest-physical to host-physical
 * addresses with 4 KiB and 2 MiB pages, write-back memory type. Pure logic: table pages come
 * from the caller's allocator and are reached through its pa_to_va, so the same code runs in
 * the hypervisor and in the host unit tests. No locking here (the caller serializes) and no
 * INVEPT (an instruction): when a change removes or narrows a translation the CPU may have
 * cached, flush_needed is set and the caller must invalidate before the guest runs again.
 *
 * Every entry this code creates has bit 63 ("suppress #VE") set, except the not-present
 * leaves that ept_absent() makes convertible on purpose: a violation there becomes a #VE in
 * the guest when the hardware (or the software #VE path) allows it. */
#ifndef EPT_EPT_H
#define EPT_EPT_H
#include "lib/types.h"

#define EPT_R		(1ULL << 0)
#define EPT_W		(1ULL << 1)
#define EPT_X		(1ULL << 2)
#define EPT_RWX		(EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB	(6ULL << 3)	/* leaf memory type: write-back */
#define EPT_IPAT	(1ULL << 6)	/* ignore guest PAT */
#define EPT_LARGE	(1ULL << 7)	/* in a PDE: maps 2 MiB */
#define EPT_A		(1ULL << 8)
#define EPT_D		(1ULL << 9)
#define EPT_SVE		(1ULL << 63)	/* suppress #VE */
#define EPT_ADDR_MASK	0x000FFFFFFFFFF000ULL

#define EPT_2M		0x200000ULL

enum ept_err { EPT_OK = 0, EPT_EINVAL = -1, EPT_ENOMEM = -2, EPT_ENOENT = -3 };

struct ept {
	u64 root_pa;				/* the PML4 page */
	/* A zeroed 4 KiB page: returns its host-physical address, or ~0ULL. */
	u64 (*alloc_page)(void *ctx);
	void (*free_page)(void *ctx, u64 pa);
	void *(*pa_to_va)(void *ctx, u64 pa);
	void *ctx;
	u64 table_pages;			/* pages in use for tables, root included */
	bool flush_needed;
};

/* Allocates the root. The callbacks and ctx must be set before. */
int ept_init(struct ept *e);
/* Frees every table page (not the memory they map). */
void ept_destroy(struct ept *e);

/* Maps [gpa, gpa+size) to [hpa, hpa+size) with perms (EPT_R/W/X), write-back. Uses 2 MiB
 * pages wherever gpa, hpa and the remaining size allow, 4 KiB elsewhere; replaces whatever
 * was mapped there, splitting a 2 MiB page when only part of it changes. gpa, hpa and size
 * must be 4 KiB aligned, size > 0, and addresses below 2^48. */
int ept_map(struct ept *e, u64 gpa, u64 hpa, u64 size, u64 perms);
/* Removes translations: the range becomes not present with suppress-#VE set. Splits 2 MiB
 * pages as needed. Unmapping what is not mapped is not an error. */
int ept_unmap(struct ept *e, u64 gpa, u64 size);
/* Makes the range not present at 4 KiB granularity, with 4 KiB leaf entries that exist
 * (tables allocated) and whose bit 63 is clear when convertible is true: the shape lazily
 * backed guest RAM needs so that the first touch of each page is a convertible violation. */
int ept_absent(struct ept *e, u64 gpa, u64 size, bool convertible);
/* Changes the permissions of mapped pages in the range (splitting 2 MiB pages where the
 * range covers them only partly). Not-present pages in the range: EPT_ENOENT, and nothing
 * in the range is changed. */
int ept_protect(struct ept *e, u64 gpa, u64 size, u64 perms);

/* The 4 KiB leaf entry of gpa, present or not, when the tables down to it exist (none is
 * made here); NULL otherwise, or when a 2 MiB page maps gpa. For the caller's atomic reads
 * and updates of an entry the CPU also writes: with A/D on in the EPTP the CPU sets the
 * accessed and dirty bits in place (SDM Vol. 3C 29.3.5), so a read-then-store would lose
 * a dirty bit set in between. The caller owns flushing (a present entry changed). */
u64 *ept_leaf(struct ept *e, u64 gpa);

struct ept_walk {
	int levels;		/* entries read: 1..4 (PML4 first) */
	u64 entry[4];		/* entry[0] is the PML4E, ... */
	bool present;		/* translation exists */
	int page_level;		/* 1: 4 KiB page, 2: 2 MiB page (when present) */
	u64 hpa;		/* translation of gpa itself (when present) */
	u64 perms;		/* EPT_R/W/X of the leaf (when present) */
};
/* Walks gpa. Stops at the first entry that is not present or is a leaf. Returns 0. */
int ept_walk(const struct ept *e, u64 gpa, struct ept_walk *w);

/* The EPT pointer for the VMCS: root | WB (6) | page-walk length 4 (3 << 3) | A/D bit 6 if
 * ad. SDM Vol. 3C 25.6.11. */
u64 ept_pointer(const struct ept *e, bool ad);

/* Decodes one entry into text: "pa=0x... RWX large mt=WB A D sve". */
void ept_entry_format(u64 entry, int level, char *buf, size_t len);

#endif
