/* apf/swap.c: the swap area on the disk (see apf/swap.h). */
#include "apf/swap.h"
#include "drivers/ata.h"
#include "host/config.h"
#include "host/cpu.h"
#include "host/log.h"
#include "host/mem.h"
#include "host/spinlock.h"
#include "host/tsc.h"
#include "lib/ranges.h"
#include "lib/slots.h"
#include "lib/string.h"

#define SECTORS_PER_SLOT	(PAGE_SIZE / 512)

struct swap_stats swap_st;
static struct slots slots;
static struct spinlock lock = SPINLOCK_INIT;
static struct range_list bad, bad_write;	/* injected failures: reads, writes */

static u64 slot_lba(u64 slot)
{
	return (slot + 1) * SECTORS_PER_SLOT;
}

void swap_init(void)
{
	char err[120];
	u64 n;

	if (cfg.swap_bad[0] &&
	    ranges_parse(cfg.swap_bad, strlen(cfg.swap_bad), false, &bad, err, sizeof(err)))
		pr_warn("cmdline: swap.bad=%s: %s (ignored)", cfg.swap_bad, err);
	if (cfg.swap_bad_write[0] &&
	    ranges_parse(cfg.swap_bad_write, strlen(cfg.swap_bad_write), false, &bad_write, err,
			 sizeof(err)))
		pr_warn("cmdline: swap.bad_write=%s: %s (ignored)", cfg.swap_bad_write, err);
	if (!ata_ready())
		return;
	n = ata_sectors() / SECTORS_PER_SLOT;
	n = n > 1 ? n - 1 : 0;		/* the first 4 KiB is the label */
	if (cfg.swap_slots && cfg.swap_slots < n)
		n = cfg.swap_slots;
	u64 *bits = n ? page_alloc_zeroed(ALIGN_UP(slots_bytes(n), PAGE_SIZE) / PAGE_SIZE) : 0;
	if (!bits) {
		pr_err("swap: %s: no swap area (disk of %lu sectors)",
		       n ? "out of memory for the slot bitmap" : "the disk is too small", ata_sectors());
		return;
	}
	slots_init(&slots, bits, n);
	pr_info("swap: %lu slots of 4 KiB (%lu MiB) from byte 4096 of the disk%s", n, n >> 8,
		bad.n || bad_write.n ? ", with injected failures (swap.bad=, swap.bad_write=)" : "");
}

bool swap_ready(void)
{
	return slots.n != 0;
}

u64 swap_slots(void)
{
	return slots.n;
}

s64 swap_alloc(void)
{
	u64 f = spin_lock_irqsave(&lock);
	u64 s = slots.n ? slots_alloc(&slots) : SLOTS_NONE;
	if (s == SLOTS_NONE)
		swap_st.full++;
	spin_unlock_irqrestore(&lock, f);
	return s == SLOTS_NONE ? -1 : (s64)s;
}

void swap_free(u64 slot)
{
	u64 f = spin_lock_irqsave(&lock);
	int r = slots_free(&slots, slot);
	spin_unlock_irqrestore(&lock, f);
	if (r)
		pr_err("swap: slot %lu freed but not in use", slot);
}

static bool injected(u64 slot, bool write)
{
	return ranges_contain(write ? &bad_write : &bad, slot_lba(slot) * 512); /* page-aligned */
}

void swap_retire(u64 slot)
{
	__atomic_add_fetch(&swap_st.retired, 1, __ATOMIC_RELAXED);
	pr_warn("swap: slot %lu retired after a failed write", slot);
}

static int io(u64 slot, u64 hpa, bool write)
{
	u64 t0 = rdtsc();
	int r;

	if (slot >= slots.n)
		return -1;
	if (injected(slot, write)) {
		pr_warn("swap: %s of slot %lu (lba %lu) failed: injected (swap.bad%s=)",
			write ? "write" : "read", slot, slot_lba(slot), write ? "_write" : "");
		r = -1;
	} else if (write) {
		r = ata_write(slot_lba(slot), SECTORS_PER_SLOT, (const void *)hpa);
	} else {
		r = ata_read(slot_lba(slot), SECTORS_PER_SLOT, (void *)hpa);
	}
	u64 t = rdtsc() - t0;
	__atomic_add_fetch(write ? &swap_st.write_tsc : &swap_st.read_tsc, t, __ATOMIC_RELAXED);
	__atomic_add_fetch(write ? (r ? &swap_st.write_errors : &swap_st.writes)
				 : (r ? &swap_st.read_errors : &swap_st.reads), 1, __ATOMIC_RELAXED);
	return r;
}

int swap_read(u64 slot, u64 hpa)
{
	return io(slot, hpa, false);
}

int swap_write(u64 slot, u64 hpa)
{
	return io(slot, hpa, true);
}

void swap_print(void (*out)(const char *fmt, ...))
{
	if (!swap_ready()) {
		out("swap: none");
		return;
	}
	u64 r = swap_st.reads, w = swap_st.writes;
	out("swap: slots=%lu used=%lu reads=%lu writes=%lu errors=%lu/%lu retired=%lu full=%lu "
	    "read_us=%lu write_us=%lu (per I/O)", slots.n, slots.used, r, w,
	    swap_st.read_errors, swap_st.write_errors, swap_st.retired, swap_st.full,
	    r ? tsc_to_us(swap_st.read_tsc) / r : 0, w ? tsc_to_us(swap_st.write_tsc) / w : 0);
}
