/* lib/ksym.c: symbol lookup by binary search (the table is sorted by tools/mksyms.sh). */
#include "lib/ksym.h"

const char *ksym_lookup(const struct ksym_table *t, u64 addr, u64 *off)
{
	u64 lo = 0, hi = t->count;

	if (!t->count || addr < t->syms[0].addr || addr >= t->text_end)
		return 0;
	/* Find the last symbol with syms[i].addr <= addr. */
	while (hi - lo > 1) {
		u64 mid = lo + (hi - lo) / 2;
		if (t->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (off)
		*off = addr - t->syms[lo].addr;
	return t->names + t->syms[lo].name;
}
