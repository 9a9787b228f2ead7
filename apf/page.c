/* apf/page.c: a lazily backed page's state and its EPT mapping, changed together under
 * the VM's apf lock (apf/page.h says the rule and the transitions). */
#include "apf/page.h"
#include "apf/apf.h"
#include "vmm/vm.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "lib/string.h"

static u64 state_pages(struct vm *vm)
{
	return ALIGN_UP(vm->mem / PAGE_SIZE, PAGE_SIZE) / PAGE_SIZE;
}

int page_states_alloc(struct vm *vm)
{
	vm->apf.page = page_alloc_zeroed(state_pages(vm));
	vm->apf.fail_code = page_alloc_zeroed(state_pages(vm));
	return vm->apf.page && vm->apf.fail_code ? 0 : -1;
}

void page_states_free(struct vm *vm)
{
	if (vm->apf.page)
		frame_free((u64)vm->apf.page, state_pages(vm));
	if (vm->apf.fail_code)
		frame_free((u64)vm->apf.fail_code, state_pages(vm));
	vm->apf.page = 0;
	vm->apf.fail_code = 0;
}

void page_keep(struct vm *vm, u64 gpa, u64 hpa)
{
	u64 pg = gpa / PAGE_SIZE;
	vm->apf.ram.frame[pg] = (u32)(hpa >> 12);
	vm->apf.ram.meta[pg] |= RAM_DIRTY;	/* the loader's bytes: no source has them */
	vm->apf.page[pg] = PAGE_PRESENT;
}

/* Every page absent (convertible for hardware #VE) except those the loader kept. */
int page_map_initial(struct vm *vm)
{
	bool hw = vm->apf.ve == VE_HW;

	if (ept_absent(&vm->ept, 0, vm->mem, hw))
		return -1;
	for (u64 pg = 0; pg < vm->mem / PAGE_SIZE; pg++)
		if (vm->apf.page[pg] == PAGE_PRESENT &&
		    ept_map(&vm->ept, pg * PAGE_SIZE, (u64)vm->apf.ram.frame[pg] << 12, PAGE_SIZE,
			    EPT_RWX))
			return -1;
	return 0;
}

u64 page_frame(struct vm *vm, u64 gpa)
{
	return (u64)vm->apf.ram.frame[gpa / PAGE_SIZE] << 12;
}

u8 page_state(struct vm *vm, u64 gpa)
{
	return __atomic_load_n(&vm->apf.page[gpa / PAGE_SIZE], __ATOMIC_ACQUIRE);
}

u32 page_fail_code(struct vm *vm, u64 gpa)
{
	return vm->apf.fail_code[gpa / PAGE_SIZE];
}

static void set(struct vm *vm, u64 gpa, u8 state)
{
	__atomic_store_n(&vm->apf.page[gpa / PAGE_SIZE], state, __ATOMIC_RELEASE);
}

void page_set_fetching(struct vm *vm, u64 gpa)
{
	set(vm, gpa, PAGE_FETCHING);
}

u32 page_publish(struct vm *vm, u64 gpa, u32 code, u64 hpa)
{
	gpa &= ~(PAGE_SIZE - 1);
	if (!code && ept_map(&vm->ept, gpa, hpa, PAGE_SIZE, EPT_RWX))
		code = FL_FAULT_IO_ERROR;	/* no memory for an EPT table */
	if (code) {
		/* The code first: a waiter that reads FAILED without the lock (page_wait)
		 * reads this code, not the last one. */
		vm->apf.fail_code[gpa / PAGE_SIZE] = (u8)code;
		set(vm, gpa, PAGE_FAILED);
		apf_page_failed(vm, gpa, code);
		return code;
	}
	/* Not present -> present needs no INVEPT: not-present entries are not cached. */
	if (page_state(vm, gpa) == PAGE_PRESENT)
		vm->apf.st.produced_present++;	/* never: the state was FETCHING */
	vm->apf.ram.frame[gpa / PAGE_SIZE] = (u32)(hpa >> 12);
	vm->apf.ram.meta[gpa / PAGE_SIZE] &= (u8)~RAM_DIRTY;	/* its content is the source's */
	set(vm, gpa, PAGE_PRESENT);
	vm->apf.st.fetched++;
	apf_page_produced(vm, gpa);
	return 0;
}

int page_unmap(struct vm *vm, u64 gpa, u64 *hpa, u32 *slot)
{
	struct apf_vm *a = &vm->apf;
	u64 pg = (gpa &= ~(PAGE_SIZE - 1)) / PAGE_SIZE;
	int r = 1;

	*hpa = 0;
	*slot = 0;
	u64 f = spin_lock_irqsave(&a->lock);
	if (page_state(vm, gpa) == PAGE_PRESENT && !(a->ram.meta[pg] & (RAM_PIN_MAX | RAM_EVICT))) {
		r = ept_absent(&vm->ept, gpa, PAGE_SIZE, a->ve == VE_HW) ? -1 : 0;
		if (!r) {
			set(vm, gpa, PAGE_ABSENT);
			/* A present leaf made absent leaves a translation a CPU may have
			 * cached: the EPT code says so (ept/ept.h), and a flush is owed either
			 * way; its saying otherwise would be an EPT bug, named here. */
			if (!vm->ept.flush_needed)
				pr_warn("vm %s: page 0x%lx unmapped but the EPT asked for no flush "
					"(flushing anyway)", vm->name, gpa);
			vm->ept.flush_needed = false;
			/* Its content is gone: the frame and any swap copy with it. */
			*hpa = page_frame(vm, gpa);
			*slot = a->ram.slot[pg];
			a->ram.frame[pg] = 0;
			a->ram.slot[pg] = 0;
		}
	}
	spin_unlock_irqrestore(&a->lock, f);
	return r;
}

int page_move(struct vm *vm, u64 gpa, const u64 *old, u64 hpa, u64 n)
{
	for (u64 i = 0; i < n; i++)
		memcpy((void *)(hpa + i * PAGE_SIZE), (const void *)old[i], PAGE_SIZE);
	if (ept_map(&vm->ept, gpa, hpa, n * PAGE_SIZE, EPT_RWX))
		return -1;
	/* The new leaves have D clear, and the host and the CPU write these pages without
	 * setting it while they are pinned: dirty, so their next eviction writes them. */
	for (u64 i = 0; i < n; i++) {
		vm->apf.ram.frame[gpa / PAGE_SIZE + i] = (u32)((hpa >> 12) + i);
		vm->apf.ram.meta[gpa / PAGE_SIZE + i] |= RAM_DIRTY;
	}
	return 0;
}

/* ---- eviction (apf/ram.c's clock calls these with the lock held) ---- */

/* The value ept_absent gives a lazily backed page's leaf. */
static u64 absent_leaf(struct vm *vm)
{
	return vm->apf.ve == VE_HW ? 0 : EPT_SVE;
}

bool page_young(struct vm *vm, u64 gpa)
{
	u64 *leaf = ept_leaf(&vm->ept, gpa);
	/* Atomic: the CPU may set D in the same entry meanwhile (SDM Vol. 3C 29.3.5). A
	 * translation cached with A set stays usable without setting A again, so a hot page
	 * may look cold until the next flush: every eviction flushes, which bounds it. */
	return leaf && (__atomic_fetch_and(leaf, ~EPT_A, __ATOMIC_SEQ_CST) & EPT_A);
}

u64 page_evict_begin(struct vm *vm, u64 gpa, bool *dirty, u32 *slot1)
{
	u64 pg = gpa / PAGE_SIZE;
	u8 *m = &vm->apf.ram.meta[pg];
	u64 *leaf = ept_leaf(&vm->ept, gpa);

	if (page_state(vm, gpa) != PAGE_PRESENT || (*m & (RAM_PIN_MAX | RAM_EVICT)) || !leaf)
		return 0;
	/* One exchange: a dirty bit the CPU sets between a read and a store would be lost. */
	u64 old = __atomic_exchange_n(leaf, absent_leaf(vm), __ATOMIC_SEQ_CST);
	/* Not dirty: its swap copy, or (no slot) its backing store, gives it back as it is. */
	*dirty = (old & EPT_D) || (*m & RAM_DIRTY);
	*slot1 = vm->apf.ram.slot[pg];
	*m |= RAM_EVICT;	/* ours until evict_end or evict_abort: nobody else moves it */
	set(vm, gpa, PAGE_EVICTING);
	return page_frame(vm, gpa);
}

bool page_dirty_late(struct vm *vm, u64 gpa)
{
	u64 *leaf = ept_leaf(&vm->ept, gpa);
	return leaf && (__atomic_load_n(leaf, __ATOMIC_SEQ_CST) & EPT_D);
}

bool page_rescue(struct vm *vm, u64 gpa)
{
	u64 pg = (gpa &= ~(PAGE_SIZE - 1)) / PAGE_SIZE;

	if (page_state(vm, gpa) != PAGE_EVICTING)
		return false;
	/* The frame still holds the page. Its copy on swap may be older (the write may not
	 * have happened, or failed): dirty, so the next eviction writes it again. Mapping
	 * an absent leaf needs no table (it exists) and no flush. */
	if (ept_map(&vm->ept, gpa, page_frame(vm, gpa), PAGE_SIZE, EPT_RWX))
		return false;
	vm->apf.ram.meta[pg] |= RAM_DIRTY;
	vm->apf.ram.rescues++;
	set(vm, gpa, PAGE_PRESENT);
	return true;
}

u64 page_evict_end(struct vm *vm, u64 gpa, u32 slot1)
{
	u64 pg = gpa / PAGE_SIZE, hpa;

	/* Still ours (RAM_EVICT kept everybody else off it): EVICTING, or PRESENT when a
	 * fault took it back meanwhile. Either way slot1 now holds a copy of it. */
	vm->apf.ram.meta[pg] &= (u8)~RAM_EVICT;
	vm->apf.ram.slot[pg] = slot1;
	if (page_state(vm, gpa) != PAGE_EVICTING)
		return 0;		/* rescued: it keeps its frame (and is dirty) */
	hpa = page_frame(vm, gpa);
	vm->apf.ram.frame[pg] = 0;
	vm->apf.ram.meta[pg] &= (u8)~RAM_DIRTY;
	set(vm, gpa, PAGE_ABSENT);
	return hpa;
}

void page_evict_abort(struct vm *vm, u64 gpa, u32 slot1)
{
	u64 pg = gpa / PAGE_SIZE;

	vm->apf.ram.slot[pg] = slot1;
	if (page_state(vm, gpa) == PAGE_EVICTING && !page_rescue(vm, gpa))
		return;	/* no memory to map it back: stays owned and EVICTING (never reused) */
	vm->apf.ram.meta[pg] &= (u8)~RAM_EVICT;
}

/* Nobody kicks a waiter here (it holds no job): it spins on the state. */
u8 page_wait(struct vm *vm, u64 gpa)
{
	u8 s;
	while ((s = page_state(vm, gpa)) == PAGE_FETCHING && vm->state != VM_STOPPED)
		cpu_relax();
	return s;
}
