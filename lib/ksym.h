/* lib/ksym.h: the embedded symbol table, so a backtrace names functions without a debugger.
 * tools/mksyms.sh turns `nm` output of the first link into a sorted table that the second
 * link places in .ksyms (see linker.ld and the Makefile). */
#ifndef LIB_KSYM_H
#define LIB_KSYM_H
#include "lib/types.h"

struct ksym {
	u64 addr;
	u64 name;	/* offset into the names blob */
};

struct ksym_table {
	const struct ksym *syms;	/* sorted by addr */
	u64 count;
	const char *names;
	u64 text_end;			/* addresses at or past this are not code */
};

/* Name of the function containing addr and the offset into it, or NULL if unknown. */
const char *ksym_lookup(const struct ksym_table *t, u64 addr, u64 *off);

#endif
