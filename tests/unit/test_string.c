/* tests/unit/test_string.c: host tests of lib/string.c itself.
 *
 * libc has functions with the same names, so lib/string.c is included here with each name
 * renamed to lib_*; the renames are undone before libc's headers come in. Build this file
 * alone (do not also link lib/string.c):
 *   gcc ... -I. tests/unit/test_string.c -o build/unit/test_string
 * Buffers are malloc'd at their exact size where it matters so ASan sees any stray byte. */
#define memcpy lib_memcpy
#define memmove lib_memmove
#define memset lib_memset
#define memcmp lib_memcmp
#define strlen lib_strlen
#define strnlen lib_strnlen
#define strcmp lib_strcmp
#define strncmp lib_strncmp
#define strchr lib_strchr
#define strlcpy lib_strlcpy
#include "../../lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy

#include <stdlib.h>
#include "tests/unit/check.h"

#define BUF 160

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* A pattern that differs at every offset, so a byte copied from the wrong place shows. */
static void fill(u8 *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (u8)(i * 7 + seed * 13 + 1);
}

TEST(memcpy_offsets_and_sizes)
{
	u8 src[BUF], dst[BUF], want[BUF];

	for (size_t so = 0; so < 9; so++)
		for (size_t d = 0; d < 9; d++)
			for (size_t n = 0; n <= 80; n++) {
				fill(src, BUF, 1);
				fill(dst, BUF, 2);
				fill(want, BUF, 2);
				for (size_t i = 0; i < n; i++)
					want[d + i] = src[so + i];
				CHECK(lib_memcpy(dst + d, src + so, n) == dst + d);
				CHECK(memcmp(dst, want, BUF) == 0);
			}
}

TEST(memcpy_exact_heap)
{
	for (size_t n = 0; n <= 70; n++) {
		u8 *s = malloc(n ? n : 1), *d = malloc(n ? n : 1);

		fill(s, n, 3);
		lib_memcpy(d, s, n);
		CHECK(memcmp(d, s, n) == 0);
		free(s);
		free(d);
	}
	/* a whole page, the case the word loop is there for */
	u8 *s = aligned_alloc(4096, 4096), *d = aligned_alloc(4096, 4096);
	fill(s, 4096, 4);
	lib_memcpy(d, s, 4096);
	CHECK(memcmp(d, s, 4096) == 0);
	free(s);
	free(d);
}

/* memmove against a copy made through a separate buffer, overlapping both ways. */
TEST(memmove_overlap)
{
	u8 buf[BUF], want[BUF], tmp[BUF];

	for (size_t so = 0; so < 20; so++)
		for (size_t d = 0; d < 20; d++)
			for (size_t n = 0; n <= 64; n++) {
				fill(buf, BUF, 5);
				fill(want, BUF, 5);
				memcpy(tmp, want + so, n);
				memcpy(want + d, tmp, n);
				CHECK(lib_memmove(buf + d, buf + so, n) == buf + d);
				CHECK(memcmp(buf, want, BUF) == 0);
			}
}

TEST(memmove_exact_heap)
{
	for (size_t n = 1; n <= 40; n++) {
		u8 *b = malloc(n), *want = malloc(n);

		/* shift left by one, then right by one, within exactly n bytes */
		fill(b, n, 6);
		fill(want, n, 6);
		memmove(want, want + 1, n - 1);
		lib_memmove(b, b + 1, n - 1);
		CHECK(memcmp(b, want, n) == 0);
		memmove(want + 1, want, n - 1);
		lib_memmove(b + 1, b, n - 1);
		CHECK(memcmp(b, want, n) == 0);
		free(b);
		free(want);
	}
}

TEST(memset_values)
{
	static const int vals[] = { 0, 1, 0x5a, 0xff, 0x1ab, -1, -256 };
	u8 buf[BUF];

	for (size_t v = 0; v < ARRAY_SIZE(vals); v++)
		for (size_t d = 0; d < 9; d++)
			for (size_t n = 0; n <= 80; n++) {
				u8 want[BUF];

				fill(buf, BUF, 7);
				fill(want, BUF, 7);
				for (size_t i = 0; i < n; i++)
					want[d + i] = (u8)vals[v]; /* converted to unsigned char */
				CHECK(lib_memset(buf + d, vals[v], n) == buf + d);
				CHECK(memcmp(buf, want, BUF) == 0);
			}
	for (size_t n = 0; n <= 40; n++) {
		u8 *b = malloc(n ? n : 1);

		lib_memset(b, 0xcc, n);
		for (size_t i = 0; i < n; i++)
			CHECK_EQ(b[i], 0xcc);
		free(b);
	}
}

TEST(memcmp_order)
{
	u8 a[64], b[64];

	CHECK_EQ(lib_memcmp("abc", "abd", 0), 0);
	CHECK_EQ(lib_memcmp("abc", "abc", 3), 0);
	CHECK(lib_memcmp("abc", "abd", 3) < 0);
	CHECK(lib_memcmp("abd", "abc", 3) > 0);
	CHECK_EQ(lib_memcmp("abc", "abd", 2), 0);
	/* bytes compare unsigned: 0x80 is above 0x7f */
	CHECK(lib_memcmp("\x80", "\x7f", 1) > 0);
	CHECK(lib_memcmp("\x01", "\xff", 1) < 0);
	/* no stop at NUL */
	CHECK(lib_memcmp("a\0b", "a\0c", 3) < 0);
	for (size_t n = 1; n <= 64; n++) {
		fill(a, n, 8);
		memcpy(b, a, n);
		CHECK_EQ(lib_memcmp(a, b, n), 0);
		b[n - 1] ^= 0x80;
		CHECK_EQ(sign(lib_memcmp(a, b, n)), sign(memcmp(a, b, n)));
		CHECK(lib_memcmp(a, b, n) != 0);
		b[0] ^= 0x01;
		CHECK_EQ(sign(lib_memcmp(a, b, n)), sign(memcmp(a, b, n)));
	}
}

TEST(strlen_and_strnlen)
{
	CHECK_EQ(lib_strlen(""), 0);
	CHECK_EQ(lib_strlen("a"), 1);
	CHECK_EQ(lib_strlen("hello\0world"), 5);
	for (size_t n = 0; n <= 40; n++) {
		char *s = malloc(n + 1);

		memset(s, 'x', n);
		s[n] = 0;
		CHECK_EQ(lib_strlen(s), n);
		CHECK_EQ(lib_strnlen(s, n + 5), n);
		CHECK_EQ(lib_strnlen(s, n), n);
		CHECK_EQ(lib_strnlen(s, n / 2), n / 2);
		free(s);
	}
	/* max stops the read: no terminator anywhere in these bytes */
	char *raw = malloc(4);
	memset(raw, 'y', 4);
	CHECK_EQ(lib_strnlen(raw, 4), 4);
	CHECK_EQ(lib_strnlen(raw, 0), 0);
	CHECK_EQ(lib_strnlen(NULL, 0), 0);
	free(raw);
}

TEST(strcmp_order)
{
	CHECK_EQ(lib_strcmp("", ""), 0);
	CHECK_EQ(lib_strcmp("abc", "abc"), 0);
	CHECK(lib_strcmp("abc", "abd") < 0);
	CHECK(lib_strcmp("abd", "abc") > 0);
	CHECK(lib_strcmp("ab", "abc") < 0);
	CHECK(lib_strcmp("abc", "ab") > 0);
	CHECK(lib_strcmp("", "a") < 0);
	CHECK(lib_strcmp("\xe9", "a") > 0); /* unsigned char order */
	CHECK(lib_strcmp("a", "\xe9") < 0);
}

TEST(strncmp_order)
{
	CHECK_EQ(lib_strncmp("abc", "xyz", 0), 0);
	CHECK_EQ(lib_strncmp("abc", "abd", 2), 0);
	CHECK(lib_strncmp("abc", "abd", 3) < 0);
	CHECK(lib_strncmp("abd", "abc", 100) > 0);
	CHECK_EQ(lib_strncmp("ab\0x", "ab\0y", 4), 0); /* nothing after a NUL counts */
	CHECK(lib_strncmp("ab", "abc", 3) < 0);
	CHECK(lib_strncmp("abc", "ab", 3) > 0);
	CHECK_EQ(lib_strncmp("abc", "ab", 2), 0);
	CHECK(lib_strncmp("\x80", "\x7f", 1) > 0);
	/* n larger than both strings: must stop at the terminator (ASan checks) */
	char *a = malloc(3), *b = malloc(3);
	strcpy(a, "hi");
	strcpy(b, "hi");
	CHECK_EQ(lib_strncmp(a, b, 1000), 0);
	free(a);
	free(b);
}

TEST(strchr_finds)
{
	const char *s = "hello";

	CHECK(lib_strchr(s, 'h') == s);
	CHECK(lib_strchr(s, 'l') == s + 2); /* the first one */
	CHECK(lib_strchr(s, 'o') == s + 4);
	CHECK(lib_strchr(s, 'z') == NULL);
	CHECK(lib_strchr(s, 0) == s + 5); /* the terminator is part of the string */
	CHECK(lib_strchr(s, 'e' + 0x100) == s + 1); /* c is converted to char */
	CHECK(lib_strchr("caf\xe9", 0xe9) != NULL);
	CHECK(lib_strchr("", 'a') == NULL);
	CHECK(lib_strchr("a\0b", 'b') == NULL);
}

TEST(strlcpy_truncates)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(lib_strlcpy(buf, "abc", sizeof(buf)), 3);
	CHECK_STR(buf, "abc");
	CHECK_EQ(lib_strlcpy(buf, "abcdefg", sizeof(buf)), 7); /* exactly fits */
	CHECK_STR(buf, "abcdefg");
	CHECK_EQ(lib_strlcpy(buf, "abcdefghijk", sizeof(buf)), 11);
	CHECK_STR(buf, "abcdefg");
	CHECK_EQ(lib_strlcpy(buf, "abc", 1), 3);
	CHECK_STR(buf, "");
	memset(buf, 'X', sizeof(buf));
	CHECK_EQ(lib_strlcpy(buf, "abc", 0), 3); /* size 0: dst untouched */
	CHECK_EQ(buf[0], 'X');
	CHECK_EQ(lib_strlcpy(buf, "", sizeof(buf)), 0);
	CHECK_STR(buf, "");
	for (size_t size = 1; size <= 12; size++) {
		char *d = malloc(size);
		size_t want = MIN(size - 1, (size_t)6);

		CHECK_EQ(lib_strlcpy(d, "sixsix", size), 6);
		CHECK_EQ(strlen(d), want);
		CHECK(strncmp(d, "sixsix", want) == 0);
		free(d);
	}
}

int main(void)
{
	RUN(memcpy_offsets_and_sizes);
	RUN(memcpy_exact_heap);
	RUN(memmove_overlap);
	RUN(memmove_exact_heap);
	RUN(memset_values);
	RUN(memcmp_order);
	RUN(strlen_and_strnlen);
	RUN(strcmp_order);
	RUN(strncmp_order);
	RUN(strchr_finds);
	RUN(strlcpy_truncates);
	return DONE();
}
