/* apf/page.h: the one owner of a lazily backed page's state (struct apf_vm's page[] and
 * fail_code[]); nothing else reads or writes them.
 *
 *   ABSENT --set_fetching--> FETCHING --publish(0)------> PRESENT --unmap--> ABSENT
 *                                ^     --publish(code)---> FAILED
 *                                +------ set_fetching (a retry) --+
 *
 * The lock rule, kept here rather than by each caller: every change of a page's state is
 * made under the VM's apf lock, and a change that goes with an EPT change (to PRESENT: map;
 * PRESENT to ABSENT: unmap) makes both inside that one critical section, so whoever holds
 * the lock sees the state and the EPT agree. The failure code is stored before FAILED, and
 * every state is stored with release order: a reader without the lock (page_state, with
 * acquire order) that sees FAILED reads that failure's code. A reader without the lock
 * acts only on what it read being final for it (PRESENT: retry the access; FETCHING:
 * wait for a change).
 *
 * Every gpa here is inside the RAM of a lazily backed VM: the callers check (apf/apf.c,
 * apf/worker.c); a guest-chosen value never reaches these arrays unchecked. */
#ifndef APF_PAGE_H
#define APF_PAGE_H
#include "lib/types.h"

struct vm;

/* Building the VM, before any vCPU runs (no lock needed). */
int page_states_alloc(struct vm *vm);
void page_states_free(struct vm *vm);
void page_keep(struct vm *vm, u64 gpa, u64 hpa);	/* the loader wrote the page at gpa
							 * into frame hpa: present */
int page_map_initial(struct vm *vm);			/* the EPT: absent but the kept */

/* With or without the lock. */
u8 page_state(struct vm *vm, u64 gpa);
u32 page_fail_code(struct vm *vm, u64 gpa);
/* The frame of a page (0: none). Stable only under the lock, or for a pinned page. */
u64 page_frame(struct vm *vm, u64 gpa);

/* With the VM's apf lock held. set_fetching: ABSENT or FAILED -> FETCHING (the caller
 * produces it, or queues a job that will). publish: the production of a FETCHING page
 * ended; code 0 maps it and makes it PRESENT, else (or when the EPT has no memory for
 * the mapping) it becomes FAILED with the code, which is returned (0: present). */
void page_set_fetching(struct vm *vm, u64 gpa);
u32 page_publish(struct vm *vm, u64 gpa, u32 code, u64 hpa);	/* hpa: the filled frame, kept
								 * on success (the caller frees
								 * it on failure) */

/* Eviction, with the lock held (apf/ram.c's clock):
 *   PRESENT --evict_begin--> EVICTING --evict_end--> ABSENT (its slot holds it)
 *                               +--------rescue---------> PRESENT (frame kept, dirty)
 * young: test and clear the EPT accessed bit. evict_begin: an unpinned PRESENT page that
 * no other evictor owns leaves the EPT (one atomic exchange of its leaf: a dirty bit set
 * meanwhile is not lost) and becomes the caller's (RAM_EVICT: no other evictor, unmap or
 * move touches it until evict_end or evict_abort); returns its frame (0: not evictable),
 * *slot1 its swap slot + 1, *dirty when the EPT's D bit or the host's RAM_DIRTY says it
 * must be written (a clean page comes back from its swap copy or, with none, from its
 * backing store, which gives the same bytes: the loader's pages start dirty). The caller then flushes every vCPU
 * (vm_ept_flush) before reading the frame, and asks dirty_late (a D bit set through a
 * translation cached before the exchange). rescue: a fault takes an EVICTING page back
 * (mapped again, dirty; still owned). evict_end: the write (if any) to slot1 succeeded:
 * the page is ABSENT and its frame is returned for reuse, or (rescued) it keeps it and 0
 * is returned. evict_abort: the write or the flush failed: the page stays (rescued),
 * with slot1 as its slot. */
bool page_young(struct vm *vm, u64 gpa);
/* n present pages at gpa move to the n frames at hpa (their content copied, the EPT
 * remapped, marked dirty): 0, or -1 (no memory for the EPT). The caller checked that none
 * is owned by an evictor or pinned by anybody else, flushes, then frees old[]. */
int page_move(struct vm *vm, u64 gpa, const u64 *old, u64 hpa, u64 n);
u64 page_evict_begin(struct vm *vm, u64 gpa, bool *dirty, u32 *slot1);
bool page_dirty_late(struct vm *vm, u64 gpa);
bool page_rescue(struct vm *vm, u64 gpa);
u64 page_evict_end(struct vm *vm, u64 gpa, u32 slot1);
void page_evict_abort(struct vm *vm, u64 gpa, u32 slot1);

/* Taking the lock. unmap: PRESENT -> ABSENT (the monitor's poison): 0 done, 1 it was not
 * present (or is pinned), -1 no memory for the EPT change. On 0 the page's frame (*hpa)
 * and swap slot + 1 (*slot, 0: none) are the caller's to free, the frame only after it has
 * flushed every vCPU's EPT translations (a present -> absent change leaves stale ones, SDM
 * Vol. 3C 29.4.3). After
 * the VM is built only this file changes its EPT, so the EPT code's flush_needed, cleared
 * here, tells whether anything since the last unmap wanted a flush. */
int page_unmap(struct vm *vm, u64 gpa, u64 *hpa, u32 *slot);

/* Without the lock: until the page is no longer FETCHING (or the VM stopped); its state. */
u8 page_wait(struct vm *vm, u64 gpa);

#endif
