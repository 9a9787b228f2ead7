/* lib/bytes.h: little-endian reads of possibly unaligned bytes, for the parsers of
 * structures a loader or a guest image hands us (lib/mb.c, lib/elf.c). memcpy keeps them
 * free of alignment assumptions; gcc turns each into one load. */
#ifndef LIB_BYTES_H
#define LIB_BYTES_H
#include "lib/types.h"
#include "lib/string.h"

static inline u16 get16(const u8 *b)
{
	u16 v;
	memcpy(&v, b, 2);
	return v;
}

static inline u32 get32(const u8 *b)
{
	u32 v;
	memcpy(&v, b, 4);
	return v;
}

static inline u64 get64(const u8 *b)
{
	u64 v;
	memcpy(&v, b, 8);
	return v;
}

#endif
