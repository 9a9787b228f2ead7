/* apf/backing.h: the backing store: where the content of a lazily backed guest page comes
 * from the first time it is touched. An interface, so sources plug in: "pattern" (content
 * derived from the guest-physical address, verifiable by the guest), "zero" (fresh pages),
 * "image" (a memory image from a GRUB module: page gpa holds the image's bytes at offset
 * gpa, zeros past its end: a snapshot restored lazily). A page evicted since is read from
 * its swap slot instead (apf/worker.c), whatever the kind. Failure injection wraps them. The
 * latency (backing.latency_us) is the whole time one production from the source takes, the
 * fill included: the caller waits out the rest on the CPU that resolves the page. */
#ifndef APF_BACKING_H
#define APF_BACKING_H
#include "lib/types.h"
#include "include/faultline.h"
#include "lib/ranges.h"

struct backing;

struct backing_ops {
	const char *name;
	/* Fills the 4 KiB page at gpa into dst. Returns 0, or -1 with *code = FL_FAULT_*. */
	int (*fill)(const struct backing *b, u64 gpa, void *dst, u32 *code);
};

struct backing {
	const struct backing_ops *ops;
	u64 latency_us;
	u64 seed;		/* pattern: fl_pattern_seed(seed, gpa) */
	/* Failure injection, checked before the source is asked: */
	struct range_list poison;	/* these pages can never be produced */
	struct range_list flaky;	/* the first flaky.count attempts of a page fail */
	u8 *attempts;		/* per page of the VM, for flaky pages (NULL: none) */
	volatile u64 live[8];	/* poisoned from the monitor: page | 1, 0 when free */
	const u8 *image;	/* image: the GRUB module (host memory, read-only) */
	u64 image_len;
};

/* The monitor's poison/unpoison: 0, or -1 no free slot, -2 not poisoned (unpoison). */
int backing_poison_live(struct backing *b, u64 gpa, bool on);
bool backing_live_poisoned(const struct backing *b, u64 gpa);

extern const struct backing_ops backing_pattern, backing_zero, backing_image;
extern const char *const backing_names[];	/* for the VM's backing= key, NULL-terminated */
extern const struct backing_ops *const backing_by_index[];

int backing_fill(const struct backing *b, u64 gpa, void *dst, u32 *code);

#endif
