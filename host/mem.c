/* host/mem.c: the frame allocator's hypervisor side (the logic is lib/frames.c). Never hands
 * out low memory (real-mode IVT, BIOS data, the AP trampoline, the EBDA), the hypervisor
 * image, the multiboot information or any module. */
#include "host/mem.h"
#include "host/log.h"
#include "host/spinlock.h"
#include "host/trap.h"
#include "lib/string.h"

extern char __image_start[], __image_end[];

static struct frames frames;
static struct spinlock lock = SPINLOCK_INIT;

static void *phys_ident(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	return pa + len <= MEM_LIMIT ? (void *)pa : 0;
}

void mem_init(const struct bootinfo *bi)
{
	struct range res[3 + MB_MAX_MODS];
	struct mb_mmap_ent fallback[2];
	const struct mb_mmap_ent *map = bi->mmap;
	unsigned nmap = bi->nmmap, nres = 0;
	u64 avail = 0;

	if (!nmap) {
		/* No map: believe mem_lower/mem_upper (multiboot v1 flags bit 0). */
		fallback[0] = (struct mb_mmap_ent){ 0, bi->mem_lower_kb * 1024, MB_MEM_AVAILABLE };
		fallback[1] = (struct mb_mmap_ent){ 0x100000, bi->mem_upper_kb * 1024, MB_MEM_AVAILABLE };
		map = fallback;
		nmap = 2;
		pr_warn("mem: no memory map from the loader; using mem_lower/mem_upper");
	}
	res[nres++] = (struct range){ 0, 0x100000 };
	res[nres++] = (struct range){ (u64)__image_start, (u64)__image_end };
	res[nres++] = (struct range){ bi->info_start, bi->info_end };
	for (unsigned i = 0; i < bi->nmods; i++)
		res[nres++] = (struct range){ bi->mods[i].start, bi->mods[i].end };

	for (unsigned i = 0; i < nmap; i++) {
		pr_info("mem: [0x%010llx-0x%010llx) %s", (unsigned long long)map[i].base,
			(unsigned long long)(map[i].base + map[i].len), mb_mem_type_name(map[i].type));
		if (map[i].type == MB_MEM_AVAILABLE)
			avail += map[i].len;
	}
	if (frames_setup(&frames, map, nmap, res, nres, MEM_LIMIT, phys_ident, 0))
		panic("mem: no usable memory in the map");
	pr_info("mem: %llu MiB available, %llu MiB free for the hypervisor after reserving "
		"the image [0x%llx-0x%llx), boot info and %u module(s)",
		(unsigned long long)(avail >> 20), (unsigned long long)((frames.nfree * PAGE_SIZE) >> 20),
		(unsigned long long)(u64)__image_start, (unsigned long long)(u64)__image_end, bi->nmods);
}

u64 frame_alloc(u64 n, u64 align)
{
	u64 flags = spin_lock_irqsave(&lock);
	u64 pa = frames_alloc(&frames, n, align);
	spin_unlock_irqrestore(&lock, flags);
	return pa;
}

void frame_free(u64 pa, u64 n)
{
	u64 flags = spin_lock_irqsave(&lock);
	int r = frames_free(&frames, pa, n);
	spin_unlock_irqrestore(&lock, flags);
	if (r)
		panic("mem: bad free of %llu frame(s) at 0x%llx", (unsigned long long)n,
		      (unsigned long long)pa);
}

void *page_alloc_zeroed(u64 n)
{
	u64 pa = frame_alloc(n, PAGE_SIZE);
	if (pa == FRAMES_NONE)
		return 0;
	memset((void *)pa, 0, n * PAGE_SIZE);
	return (void *)pa;
}

u64 mem_free_frames(void)
{
	return frames.nfree;
}
