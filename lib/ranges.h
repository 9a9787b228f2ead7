/* lib/ranges.h: lists of guest-physical page ranges from the command line, for failure
 * injection (backing.poison=RANGES, backing.flaky=RANGES:N). Pure: host-tested.
 *
 * Syntax: items separated by commas, each one of
 *   A        the page containing A
 *   A-B      [A, B) rounded out to whole pages (B > A)
 *   A+L      [A, A+L) rounded out to whole pages (L > 0)
 * where A, B, L are numbers in lib/cmdline.c's syntax (decimal or 0x hex, K/M/G suffix).
 * A ranges list may end in ":N" (flaky's attempt count) when the caller asks for it. */
#ifndef LIB_RANGES_H
#define LIB_RANGES_H
#include "lib/types.h"
#include "lib/frames.h"		/* struct range */

#define RANGES_MAX	16
#define RANGES_COUNT_MAX 254	/* ":N" at most: attempts are counted in a byte */

struct range_list {
	unsigned n;
	struct range r[RANGES_MAX];	/* page-aligned, end exclusive, in the order given */
	u64 count;			/* the ":N" suffix, when allowed and present (else 0) */
};

/* Parses s[0..len). want_count: a ":N" suffix is required (N >= 1). Returns 0, or -1 with
 * one line in err naming the bad item, e.g. "item 2 'zz': not a number". Nothing is
 * written to *out on error. */
int ranges_parse(const char *s, size_t len, bool want_count, struct range_list *out,
		 char *err, size_t errlen);
bool ranges_contain(const struct range_list *l, u64 addr);

#endif
