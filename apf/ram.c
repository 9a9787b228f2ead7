/* apf/ram.c: guest RAM, its frames, the pool, and eviction (see apf/ram.h). */
#include "apf/ram.h"
#include "apf/apf.h"
#include "apf/page.h"
#include "apf/swap.h"
#include "vmm/vm.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/percpu.h"
#include "host/tsc.h"
#include "lib/fmt.h"
#include "lib/string.h"

/* The pool: frames lazily backed VMs hold together, against host_mem=. */
static u64 pool_cap = ~0ULL;
static volatile u64 pool_used, pool_max;

enum { EV_DONE, EV_NONE, EV_FULL, EV_IO, EV_RESCUED };

void ram_init(void)
{
	swap_init();
	if (cfg.host_mem) {
		pool_cap = cfg.host_mem / PAGE_SIZE;
		pr_info("ram: lazily backed VMs hold at most %lu MiB of host frames together "
			"(host_mem=)", cfg.host_mem >> 20);
	}
}

static u64 pages(struct vm *vm)
{
	return vm->mem / PAGE_SIZE;
}

/* Pages of metadata for n entries of size bytes. */
static u64 meta_pages(struct vm *vm, u64 size)
{
	return ALIGN_UP(pages(vm) * size, PAGE_SIZE) / PAGE_SIZE;
}

int ram_alloc(struct vm *vm, char *err, size_t len)
{
	struct apf_ram *r = &vm->apf.ram;

	if (!vm->apf.lazy) {
		vm->ram_hpa = frame_alloc(pages(vm), EPT_2M);
		if (vm->ram_hpa == FRAMES_NONE) {
			vm->ram_hpa = 0;
			fmt(err, len, "not enough host memory for mem=%luM", vm->mem >> 20);
			return -1;
		}
		memset((void *)vm->ram_hpa, 0, vm->mem); /* no host or old-VM data leaks in */
		return 0;
	}
	if (!r->cap || r->cap > pages(vm))
		r->cap = pages(vm);
	if (r->cap < pages(vm) && !swap_ready()) {
		fmt(err, len, "resident=%luM is below mem=%luM, which needs a swap disk (swap=), "
		    "and none is ready", (u64)((r->cap * PAGE_SIZE) >> 20), vm->mem >> 20);
		return -1;
	}
	static u64 lazy_total;
	lazy_total += pages(vm);
	if (lazy_total > pool_cap && !swap_ready() && lazy_total - pages(vm) <= pool_cap)
		pr_warn("ram: lazily backed VMs' RAM (%luM so far) exceeds host_mem= (%luM) and no "
			"swap disk is ready: a VM that finds the pool empty will be stopped",
			(u64)((lazy_total * PAGE_SIZE) >> 20), (u64)((pool_cap * PAGE_SIZE) >> 20));
	r->frame = page_alloc_zeroed(meta_pages(vm, 4));
	r->slot = page_alloc_zeroed(meta_pages(vm, 4));
	r->meta = page_alloc_zeroed(meta_pages(vm, 1));
	if (!r->frame || !r->slot || !r->meta) {
		strlcpy(err, "out of memory for the frame table of lazy RAM", len);
		return -1;
	}
	return 0;
}

static void pool_put(u64 hpa)
{
	frame_free(hpa, 1);
	__atomic_sub_fetch(&pool_used, 1, __ATOMIC_RELAXED);
}

void ram_release(struct vm *vm)
{
	struct apf_ram *r = &vm->apf.ram;

	if (vm->ram_hpa)
		frame_free(vm->ram_hpa, pages(vm));
	vm->ram_hpa = 0;
	for (u64 pg = 0; r->frame && pg < pages(vm); pg++) {
		if (r->frame[pg])
			pool_put((u64)r->frame[pg] << 12);
		if (r->slot && r->slot[pg])
			swap_free(r->slot[pg] - 1);
	}
	if (r->frame)
		frame_free((u64)r->frame, meta_pages(vm, 4));
	if (r->slot)
		frame_free((u64)r->slot, meta_pages(vm, 4));
	if (r->meta)
		frame_free((u64)r->meta, meta_pages(vm, 1));
	memset(r, 0, sizeof(*r));
}

/* ---- frames ---- */

/* *max = MAX(*max, n), with other CPUs raising it too. */
static void raise_max(volatile u64 *max, u64 n)
{
	u64 m = *max;
	while (n > m && !__atomic_compare_exchange_n(max, &m, n, false, __ATOMIC_RELAXED,
						     __ATOMIC_RELAXED))
		;
}

/* Each CPU keeps a few free frames of its own, taken from the allocator STASH at a time:
 * the allocator's lock and bitmap search (about 300 Bochs ticks) then come once per STASH
 * first touches instead of once each. Only the CPU itself touches its stash (workers and
 * vCPUs produce pages with nothing else running on that CPU's stash). */
#define STASH	16
static struct {
	u64 n, frame[STASH];
} stash[MAX_CPUS];

static u64 stash_take(void)
{
	typeof(&stash[0]) s = &stash[cpu_index()];

	if (!s->n) {
		u64 base = frame_alloc(STASH, PAGE_SIZE);
		if (base == FRAMES_NONE)
			return frame_alloc(1, PAGE_SIZE);	/* fragmented or nearly full */
		for (u64 i = 0; i < STASH; i++)
			s->frame[i] = base + (STASH - 1 - i) * PAGE_SIZE;
		s->n = STASH;
	}
	return s->frame[--s->n];
}

static u64 pool_get(void)
{
	if (__atomic_add_fetch(&pool_used, 1, __ATOMIC_RELAXED) > pool_cap) {
		__atomic_sub_fetch(&pool_used, 1, __ATOMIC_RELAXED);
		return 0;
	}
	u64 hpa = stash_take();
	if (hpa == FRAMES_NONE) {
		__atomic_sub_fetch(&pool_used, 1, __ATOMIC_RELAXED);
		return 0;
	}
	raise_max(&pool_max, pool_used);
	return hpa;
}

/* A frame within the VM's cap and the pool's, or 0. */
static u64 frame_within_caps(struct vm *vm)
{
	struct apf_ram *r = &vm->apf.ram;

	if (__atomic_add_fetch(&r->resident, 1, __ATOMIC_RELAXED) > r->cap) {
		__atomic_sub_fetch(&r->resident, 1, __ATOMIC_RELAXED);
		return 0;
	}
	u64 hpa = pool_get();
	if (!hpa) {
		__atomic_sub_fetch(&r->resident, 1, __ATOMIC_RELAXED);
		return 0;
	}
	raise_max(&r->resident_max, r->resident);
	return hpa;
}

void ram_frame_put(struct vm *vm, u64 hpa)
{
	pool_put(hpa);
	__atomic_sub_fetch(&vm->apf.ram.resident, 1, __ATOMIC_RELAXED);
}

u32 ram_slot(struct vm *vm, u64 gpa)
{
	return vm->apf.ram.slot[gpa / PAGE_SIZE];
}

/* ---- eviction ---- */

/* The clock: from the hand, a page that is present, unpinned, not being evicted by
 * somebody else and not accessed since the hand last passed (its accessed bit is cleared
 * on the way). At most two turns, and at most PICK_MAX pages a call (the lock is held):
 * the hand stays where it stopped. Without EPT A/D (the CPU does not offer it) no page
 * looks accessed: FIFO order. Returns the page's frame (0: none found). */
#define PICK_MAX	4096
static u64 pick(struct vm *vm, bool ad, u64 *gpa, bool *dirty, u32 *slot1)
{
	struct apf_ram *r = &vm->apf.ram;
	u64 n = MIN(2 * pages(vm), PICK_MAX), hpa;

	for (u64 k = 0; k < n; k++) {
		u64 pg = r->hand;
		r->hand = pg + 1 < pages(vm) ? pg + 1 : 0;
		if (page_state(vm, pg * PAGE_SIZE) != PAGE_PRESENT ||
		    (r->meta[pg] & (RAM_PIN_MAX | RAM_EVICT)))
			continue;
		if (ad && page_young(vm, pg * PAGE_SIZE)) {
			r->young++;
			continue;
		}
		if ((hpa = page_evict_begin(vm, pg * PAGE_SIZE, dirty, slot1))) {
			*dirty |= !ad;	/* no D bit to trust */
			*gpa = pg * PAGE_SIZE;
			return hpa;
		}
	}
	return 0;
}

/* The page stays after a failure, with slot1 as its slot. */
static void abandon(struct vm *vm, u64 gpa, u32 slot1)
{
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	page_evict_abort(vm, gpa, slot1);
	spin_unlock_irqrestore(&vm->apf.lock, f);
}

/* Evicts one page of vm: EV_DONE (its frame is *out, still counted in vm's resident),
 * EV_NONE (nothing can go now), EV_FULL (the swap area is full), EV_IO (a write or flush
 * failed), EV_RESCUED (a fault took the page back meanwhile). */
static int evict_one(struct vm *vm, u64 *out)
{
	struct apf_ram *r = &vm->apf.ram;
	bool ad = vm->vcpus[0].ctls.ept_ad, dirty = false;
	u64 gpa = 0;
	u32 slot1 = 0;

	u64 f = spin_lock_irqsave(&vm->apf.lock);
	u64 frame = pick(vm, ad, &gpa, &dirty, &slot1);
	spin_unlock_irqrestore(&vm->apf.lock, f);
	if (!frame)
		return EV_NONE;
	/* No vCPU may write the frame through a cached translation once it is read. The page
	 * is ours (RAM_EVICT): its frame and slot cannot change under us. */
	if (!vm_ept_flush(vm)) {
		abandon(vm, gpa, slot1);
		return EV_IO;
	}
	if (ad && page_dirty_late(vm, gpa))
		dirty = true;
	if (dirty) {
		if (!slot1) {
			s64 s = swap_alloc();
			if (s < 0) {
				abandon(vm, gpa, 0);
				return EV_FULL;
			}
			slot1 = (u32)s + 1;
		}
		if (swap_write(slot1 - 1, frame)) {
			/* The slot stays allocated, never to be used again (apf/swap.c counts
			 * it retired); the page keeps its frame and gets a new slot next time. */
			swap_retire(slot1 - 1);
			abandon(vm, gpa, 0);
			return EV_IO;
		}
		__atomic_add_fetch(&r->writes, 1, __ATOMIC_RELAXED);
	} else {
		/* Its swap copy is valid, or it has none and its backing store gives the same
		 * bytes again (it was produced from it and never written): no I/O at all. */
		__atomic_add_fetch(&r->clean, 1, __ATOMIC_RELAXED);
	}
	f = spin_lock_irqsave(&vm->apf.lock);
	u64 hpa = page_evict_end(vm, gpa, slot1);
	spin_unlock_irqrestore(&vm->apf.lock, f);
	if (!hpa)
		return EV_RESCUED;
	__atomic_add_fetch(&r->evictions, 1, __ATOMIC_RELAXED);
	*out = hpa;
	return EV_DONE;
}

/* When the pool is what is empty: the lazily backed VM holding the most frames gives one
 * (this one, at equal counts), so one VM's growth takes from the biggest, not the nearest. */
static struct vm *victim_vm(struct vm *vm)
{
	struct vm *best = vm;
	for (u32 i = 0; i < nvms; i++) {
		struct vm *o = &vms[i];
		if (o->apf.lazy && o->state != VM_EMPTY && o->apf.ram.resident > best->apf.ram.resident)
			best = o;
	}
	return best;
}

u64 ram_frame_take(struct vm *vm, u64 gpa)
{
	struct apf_ram *r = &vm->apf.ram;
	u64 hpa, deadline = 0;
	int ev = EV_NONE;

	/* Bounded in time: an eviction either hands its frame straight to us (nobody can
	 * take it first) or fails; a page rescued meanwhile is no failure, so only the clock
	 * limits the retries: 2 s without a frame stops the VM that needed one. */
	for (;;) {
		if ((hpa = frame_within_caps(vm)))
			return hpa;
		if (vm->state == VM_EMPTY)
			return 0;	/* being built (the loader): no EPT to evict from yet */
		struct vm *from = r->resident >= r->cap ? vm : victim_vm(vm);
		ev = evict_one(from, &hpa);
		if (ev == EV_DONE) {
			if (from != vm) {	/* the frame changes hands, and its count */
				__atomic_sub_fetch(&from->apf.ram.resident, 1, __ATOMIC_RELAXED);
				__atomic_add_fetch(&r->resident, 1, __ATOMIC_RELAXED);
				raise_max(&r->resident_max, r->resident);
			}
			return hpa;
		}
		if (ev == EV_FULL || vm->state == VM_STOPPED)
			break;
		if (ev != EV_RESCUED) {
			__atomic_add_fetch(&r->stalls, 1, __ATOMIC_RELAXED);
			udelay(100);
		}
		if (!deadline)
			deadline = time_us() + 2000000;
		else if (time_us() > deadline)
			break;
	}
	if (vm->state == VM_STOPPED)
		return 0;
	if (ev == EV_FULL && !swap_ready())
		vm_stop(vm, -1, true, "no host frame for page 0x%lx: the pool is exhausted (%lu "
			"frames, host_mem=) and there is no swap disk to evict to", gpa, pool_used);
	else if (ev == EV_FULL)
		vm_stop(vm, -1, true, "swap full: all %lu slots in use, no page can be evicted for "
			"page 0x%lx (resident %lu of cap %lu frames, pool %lu of %lu)", swap_slots(),
			gpa, r->resident, r->cap, pool_used, pool_cap == ~0ULL ? 0 : pool_cap);
	else
		vm_stop(vm, -1, true, "no host frame for page 0x%lx within 2 s (resident %lu of "
			"cap %lu, pool %lu, last eviction: %s)", gpa, r->resident, r->cap, pool_used,
			ev == EV_IO ? "I/O error" : ev == EV_NONE ? "nothing evictable" : "rescued");
	return 0;
}

/* ---- host access ---- */

void *ram_ptr(struct vm *vm, u64 gpa, u64 len)
{
	if (gpa >= vm->mem || len > vm->mem - gpa)
		return 0;
	if (!vm->apf.lazy)
		return (void *)(vm->ram_hpa + gpa);
	if (!len)
		return 0;
	u64 hpa = page_frame(vm, gpa);
	/* Across pages only where the frames follow each other (ram_join made them so). */
	for (u64 a = (gpa & ~(PAGE_SIZE - 1)) + PAGE_SIZE; hpa && a < gpa + len; a += PAGE_SIZE)
		if (page_frame(vm, a) != hpa + (a - (gpa & ~(PAGE_SIZE - 1))))
			return 0;
	return hpa ? (void *)(hpa + (gpa & (PAGE_SIZE - 1))) : 0;
}

int ram_join(struct vm *vm, u64 gpa, u64 n)
{
	u64 old[2], hpa;

	if (!vm->apf.lazy || n != 2)
		return vm->apf.lazy && n > 2 ? -1 : 0;
	if (ram_ptr(vm, gpa, n * PAGE_SIZE))
		return 0;	/* already contiguous */
	hpa = frame_alloc(n, PAGE_SIZE);
	if (hpa == FRAMES_NONE)
		return -1;
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	int r = 0;
	bool done = ram_ptr(vm, gpa, n * PAGE_SIZE) != 0;	/* joined meanwhile */
	for (u64 i = 0; i < n && !done; i++) {
		u8 m = vm->apf.ram.meta[gpa / PAGE_SIZE + i];
		old[i] = page_frame(vm, gpa + i * PAGE_SIZE);
		/* Only our own pin, and no evictor: another vCPU's registration may hold a
		 * host pointer to these frames, or its VMCS their address (the VE page), and
		 * an evictor reads the frame it captured. */
		if ((m & RAM_PIN_MAX) != 1)
			r = -1;
		else if (!r && (!old[i] || (m & RAM_EVICT) ||
				page_state(vm, gpa + i * PAGE_SIZE) != PAGE_PRESENT))
			r = -2;		/* being written out: ask again shortly */
	}
	if (!r && !done)
		r = page_move(vm, gpa, old, hpa, n);
	spin_unlock_irqrestore(&vm->apf.lock, f);
	if (r || done) {
		frame_free(hpa, n);
		return r;
	}
	/* The old frames are reused only once no vCPU can write them through a cached
	 * translation; a write another vCPU made there meanwhile is lost: the guest's own
	 * doing (REGISTER is about this vCPU's own areas), never the host's memory. */
	if (vm_ept_flush(vm))
		for (u64 i = 0; i < n; i++)
			frame_free(old[i], 1);
	return 0;
}

int ram_copy(struct vm *vm, u64 gpa, void *buf, u64 len, bool write, u64 *missing)
{
	u8 *b = buf;

	if (gpa >= vm->mem || len > vm->mem - gpa)
		return -1;
	if (!vm->apf.lazy) {
		u8 *p = (u8 *)(vm->ram_hpa + gpa);
		memcpy(write ? p : b, write ? b : p, len);
		return 0;
	}
	while (len) {
		u64 n = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		u64 f = spin_lock_irqsave(&vm->apf.lock);
		u8 st = page_state(vm, gpa);
		if (st == PAGE_EVICTING && write)
			st = page_rescue(vm, gpa) ? PAGE_PRESENT : st;
		bool there = st == PAGE_PRESENT || (st == PAGE_EVICTING && !write);
		if (there) {
			u8 *p = (u8 *)(page_frame(vm, gpa) + (gpa & (PAGE_SIZE - 1)));
			memcpy(write ? p : b, write ? b : p, n);
			if (write)
				vm->apf.ram.meta[gpa / PAGE_SIZE] |= RAM_DIRTY;
		}
		spin_unlock_irqrestore(&vm->apf.lock, f);
		if (!there) {
			if (missing)	/* a caller may not care which page */
				*missing = gpa & ~(PAGE_SIZE - 1);
			return 1;
		}
		gpa += n;
		b += n;
		len -= n;
	}
	return 0;
}

int ram_load(struct vm *vm, u64 gpa, const void *src, u64 n, u64 len, char *err, size_t elen)
{
	const u8 *s = src;

	if (gpa >= vm->mem || len > vm->mem - gpa || n > len) {
		fmt(err, elen, "[0x%lx, +0x%lx) is not inside RAM", gpa, len);
		return -1;
	}
	if (!vm->apf.lazy) {
		memcpy((void *)(vm->ram_hpa + gpa), src, n);
		memset((void *)(vm->ram_hpa + gpa + n), 0, len - n);
		return 0;
	}
	for (u64 a = gpa & ~(PAGE_SIZE - 1); a < gpa + len; a += PAGE_SIZE) {
		u64 hpa = page_frame(vm, a);
		if (!hpa) {
			/* Before the VM runs, nothing else changes its pages: no lock needed. */
			if (!(hpa = ram_frame_take(vm, a))) {
				fmt(err, elen, "no host frame for the image's page 0x%lx (resident= "
				    "and host_mem= caps, or no memory)", a);
				return -1;
			}
			memset((void *)hpa, 0, PAGE_SIZE);
			page_keep(vm, a, hpa);
		}
		u64 lo = MAX(a, gpa), hi = MIN(a + PAGE_SIZE, gpa + len);
		for (u64 x = lo; x < hi; x++)
			((u8 *)hpa)[x - a] = x - gpa < n ? s[x - gpa] : 0;
	}
	return 0;
}

int ram_pin(struct vm *vm, u64 gpa, bool on)
{
	u64 pg = gpa / PAGE_SIZE;
	int r = 0;

	if (!vm->apf.lazy || gpa >= vm->mem)
		return 0;
	u64 f = spin_lock_irqsave(&vm->apf.lock);
	u8 *m = &vm->apf.ram.meta[pg];
	if (!on) {
		if (*m & RAM_PIN_MAX)
			(*m)--;
		/* The host and the CPU wrote it without setting the EPT's D bit. */
		if (!(*m & RAM_PIN_MAX))
			*m |= RAM_DIRTY;
	} else if ((page_state(vm, gpa) == PAGE_PRESENT || page_rescue(vm, gpa)) &&
		   (*m & RAM_PIN_MAX) < RAM_PIN_MAX) {
		(*m)++;
	} else {
		r = -1;
	}
	spin_unlock_irqrestore(&vm->apf.lock, f);
	return r;
}

/* ---- what is shown ---- */

void ram_print(struct vm *vm, void (*out)(const char *fmt, ...))
{
	struct apf_ram *r = &vm->apf.ram;
	u64 slots = 0;

	if (!vm->apf.lazy) {
		out("ram %s: %luM in one block at host 0x%lx", vm->name, vm->mem >> 20, vm->ram_hpa);
		return;
	}
	for (u64 pg = 0; pg < pages(vm); pg++)
		slots += r->slot[pg] != 0;
	out("ram %s: resident=%lu peak=%lu cap=%lu of %lu pages, swap slots=%lu", vm->name,
	    r->resident, r->resident_max, r->cap, pages(vm), slots);
	out("ram %s: evicted=%lu pageins=%lu written=%lu clean=%lu rescued=%lu young=%lu "
	    "stalls=%lu", vm->name, r->evictions, r->pageins, r->writes, r->clean, r->rescues,
	    r->young, r->stalls);
}

void ram_pool_print(void (*out)(const char *fmt, ...))
{
	if (pool_cap == ~0ULL)
		out("pool: used=%lu peak=%lu frames (no cap: host_mem=0), free host frames %lu",
		    pool_used, pool_max, mem_free_frames());
	else
		out("pool: used=%lu peak=%lu of %lu frames (host_mem=%luM), free host frames %lu",
		    pool_used, pool_max, pool_cap, (pool_cap * PAGE_SIZE) >> 20, mem_free_frames());
	swap_print(out);
}

static void summary_out(const char *f, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, f);
	vfmt(line, sizeof(line), f, ap);
	va_end(ap);
	pr_info("summary:   %s", line);
}

void ram_summary(struct vm *vm)
{
	if (vm->apf.lazy)
		ram_print(vm, summary_out);
}

void ram_pool_summary(void)
{
	ram_pool_print(summary_out);
}
