/* lib/string.c: the freestanding memory and string routines (see lib/string.h).
 *
 * gcc emits calls to memcpy/memset/memmove/memcmp on its own (struct copies, zeroing), so
 * these must exist and must not call themselves: at -O2 some gcc versions recognise a copy or
 * fill loop and turn it back into a call to memcpy/memset despite -fno-builtin (gcc bug
 * 56888). NOLIBCALL switches that pattern matching off for these functions.
 * tests/unit/test_string.c includes this file with every name renamed to lib_*. */
#include "lib/string.h"

#ifdef __clang__
#define NOLIBCALL /* clang keeps its hands off these loops under -fno-builtin */
#else
#define NOLIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif

/* Word accesses to byte buffers: may_alias keeps them legal under strict aliasing. */
typedef u64 __attribute__((may_alias)) word_t;
#define WSIZE sizeof(word_t)

static inline bool aligned(const void *p)
{
	return ((uintptr_t)p & (WSIZE - 1)) == 0;
}

/* Copies forwards; word-at-a-time when dst and src can both be aligned (page copies). */
NOLIBCALL void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if ((((uintptr_t)d ^ (uintptr_t)s) & (WSIZE - 1)) == 0) {
		while (n && !aligned(d)) {
			*d++ = *s++;
			n--;
		}
		for (; n >= WSIZE; n -= WSIZE, d += WSIZE, s += WSIZE)
			*(word_t *)d = *(const word_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

/* Forwards when dst is below src, else backwards, so overlap either way is safe. */
NOLIBCALL void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		d += n;
		s += n;
		while (n--)
			*--d = *--s;
	}
	return dst;
}

NOLIBCALL void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;
	u8 b = (u8)c;

	while (n && !aligned(d)) {
		*d++ = b;
		n--;
	}
	if (n >= WSIZE) {
		word_t w = 0x0101010101010101ULL * b;

		for (; n >= WSIZE; n -= WSIZE, d += WSIZE)
			*(word_t *)d = w;
	}
	while (n--)
		*d++ = b;
	return dst;
}

/* Bytes compare as unsigned char, as C requires. */
NOLIBCALL int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

/* Byte at a time: a word-wide scan would read past the string's end. */
NOLIBCALL size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

NOLIBCALL size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const u8 *x = (const u8 *)a, *y = (const u8 *)b;

	while (*x && *x == *y) {
		x++;
		y++;
	}
	return *x == *y ? 0 : (*x < *y ? -1 : 1);
}

int strncmp(const char *a, const char *b, size_t n)
{
	const u8 *x = (const u8 *)a, *y = (const u8 *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x < *y ? -1 : 1;
		if (!*x)
			break;
	}
	return 0;
}

/* c is converted to char; searching for 0 finds the terminator, as in libc. */
char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
