/* guest/tests/mix64.h: the 64-bit mix the swap guests derive their patterns from
 * (memtest, overcommit, restore, swapbench; tools/mkimage.c through restore_image.h). Plain C on
 * unsigned long long, no includes: it compiles freestanding and on the host. */
#ifndef MIX64_H
#define MIX64_H

/* splitmix64's finalizer: every input bit moves every output
 * bit, so a page that lands at the wrong address, or in another VM, fails on every word. */
static inline unsigned long long mix64(unsigned long long x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif
