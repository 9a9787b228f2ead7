/* tests/unit/test_fmt.c: host tests of lib/fmt.c against literal strings and, for the many
 * flag/width/precision/length combinations, against the host's snprintf.
 * Build: gcc ... -I. tests/unit/test_fmt.c lib/fmt.c (libc supplies strlen/strnlen). */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include "lib/fmt.h"
#include "tests/unit/check.h"

/* Same as fmt() but without the format attribute, so deliberately bad formats compile. */
static int raw(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vfmt(buf, size, f, ap);
	va_end(ap);
	return n;
}

static char buf[512];

/* Formats into buf and returns it; also checks that the return value is strlen(buf). */
#define F(...) ({                                                            \
	int f_n = fmt(buf, sizeof(buf), __VA_ARGS__);                        \
	CHECK_EQ(f_n, strlen(buf));                                          \
	buf;                                                                 \
})
#define R(...) ({                                                            \
	int r_n = raw(buf, sizeof(buf), __VA_ARGS__);                        \
	CHECK_EQ(r_n, strlen(buf));                                          \
	buf;                                                                 \
})

TEST(plain_text)
{
	CHECK_STR(F("hello"), "hello");
	CHECK_STR(F("%s", ""), "");
	CHECK_STR(F("a%%b"), "a%b");
	CHECK_STR(F("%d%s%c", 1, "two", '3'), "1two3");
}

TEST(decimal)
{
	CHECK_STR(F("%d", 0), "0");
	CHECK_STR(F("%d", 42), "42");
	CHECK_STR(F("%i", -42), "-42");
	CHECK_STR(F("%d", INT_MAX), "2147483647");
	CHECK_STR(F("%d", INT_MIN), "-2147483648");
	CHECK_STR(F("%u", UINT_MAX), "4294967295");
	CHECK_STR(F("%u", -1), "4294967295");
	CHECK_STR(F("%ld", LONG_MIN), "-9223372036854775808");
	CHECK_STR(F("%lld", (long long)INT64_MIN), "-9223372036854775808");
	CHECK_STR(F("%lld", (long long)INT64_MAX), "9223372036854775807");
	CHECK_STR(F("%llu", (unsigned long long)UINT64_MAX), "18446744073709551615");
	CHECK_STR(F("%lu", 0UL), "0");
	CHECK_STR(F("%zu", SIZE_MAX), "18446744073709551615");
	CHECK_STR(F("%zu", (size_t)12345), "12345");
	CHECK_STR(F("%zd", (ssize_t)-5), "-5");
	CHECK_STR(F("%td", (ptrdiff_t)-7), "-7");
	CHECK_STR(F("%jd", (intmax_t)INT64_MIN), "-9223372036854775808");
	CHECK_STR(F("%ju", (uintmax_t)UINT64_MAX), "18446744073709551615");
}

TEST(short_lengths)
{
	/* R(): an int where %hh/%h wants char/short is the point, truncation is ours */
	CHECK_STR(R("%hhx", 0x1ff), "ff");
	CHECK_STR(R("%hhd", 255), "-1");
	CHECK_STR(R("%hhu", 256 + 7), "7");
	CHECK_STR(R("%hhd", -128), "-128");
	CHECK_STR(R("%hd", 65535), "-1");
	CHECK_STR(R("%hu", 65536 + 9), "9");
	CHECK_STR(R("%hx", 0x12345), "2345");
	CHECK_STR(R("%hd", -32768), "-32768");
}

TEST(hex_octal)
{
	CHECK_STR(F("%x", 0xdeadbeef), "deadbeef");
	CHECK_STR(F("%X", 0xdeadbeef), "DEADBEEF");
	CHECK_STR(F("%#x", 255), "0xff");
	CHECK_STR(F("%#X", 255), "0XFF");
	CHECK_STR(F("%#x", 0), "0");
	CHECK_STR(F("%#10x", 255), "      0xff");
	CHECK_STR(F("%#010x", 255), "0x000000ff");
	CHECK_STR(F("%-#10x|", 255), "0xff      |");
	CHECK_STR(F("%08lx", 0xabcUL), "00000abc");
	CHECK_STR(F("%016llx", 0xfedcba9876543210ULL), "fedcba9876543210");
	CHECK_STR(F("%lx", 0xffffffffffffffffUL), "ffffffffffffffff");
	CHECK_STR(F("%o", 8), "10");
	CHECK_STR(F("%#o", 8), "010");
	CHECK_STR(F("%#o", 0), "0");
	CHECK_STR(F("%#.0o", 0), "0");
	CHECK_STR(F("%#.3o", 8), "010");
	CHECK_STR(F("%#.4o", 8), "0010");
	CHECK_STR(F("%llo", (unsigned long long)UINT64_MAX), "1777777777777777777777");
	CHECK_STR(F("%#llo", (unsigned long long)UINT64_MAX), "01777777777777777777777");
}

TEST(flags_width_precision)
{
	CHECK_STR(F("%5d|", 42), "   42|");
	CHECK_STR(F("%-5d|", 42), "42   |");
	CHECK_STR(F("%05d", 42), "00042");
	CHECK_STR(F("%05d", -42), "-0042");
	CHECK_STR(R("%-05d|", -42), "-42  |");
	CHECK_STR(F("%+d", 5), "+5");
	CHECK_STR(F("%+d", -5), "-5");
	CHECK_STR(F("% d", 5), " 5");
	CHECK_STR(R("%+ d", 5), "+5");
	CHECK_STR(F("%+05d", 5), "+0005");
	CHECK_STR(F("%.5d", 42), "00042");
	CHECK_STR(F("%.5d", -42), "-00042");
	CHECK_STR(F("%8.5d", -42), "  -00042");
	CHECK_STR(R("%08.5d", 42), "   00042"); /* a precision turns '0' off */
	CHECK_STR(F("%.0d", 0), "");
	CHECK_STR(F("%5.0d|", 0), "     |");
	CHECK_STR(F("%.d", 0), "");
	CHECK_STR(F("%.0x", 0), "");
	CHECK_STR(F("%*d", 6, 42), "    42");
	CHECK_STR(F("%*d|", -6, 42), "42    |");
	CHECK_STR(F("%-*d|", -6, 42), "42    |");
	CHECK_STR(F("%.*d", 4, 7), "0007");
	CHECK_STR(F("%.*d", -4, 7), "7");
	CHECK_STR(F("%*.*d", 6, 3, 7), "   007");
	CHECK_STR(R("%+u", 5u), "5");   /* '+' and ' ' only apply to signed conversions */
	CHECK_STR(R("% x", 5u), "5");
}

TEST(strings_and_chars)
{
	CHECK_STR(F("%s", "abc"), "abc");
	CHECK_STR(F("%-10s|", "abc"), "abc       |");
	CHECK_STR(F("%10s|", "abc"), "       abc|");
	CHECK_STR(F("%2s", "abcdef"), "abcdef");
	CHECK_STR(F("%.*s", 3, "abcdef"), "abc");
	CHECK_STR(F("%.*s", 0, "abcdef"), "");
	CHECK_STR(F("%.*s", -1, "abcdef"), "abcdef");
	CHECK_STR(F("%.10s", "abc"), "abc");
	CHECK_STR(F("%5.2s|", "abc"), "   ab|");
	CHECK_STR(F("%-5.2s|", "abc"), "ab   |");
	CHECK_STR(R("%s", (char *)NULL), "(null)");
	CHECK_STR(R("%8s|", (char *)NULL), "  (null)|");
	CHECK_STR(R("%.3s", (char *)NULL), "(nu");
	CHECK_STR(F("%c", 'x'), "x");
	CHECK_STR(F("%3c|", 'x'), "  x|");
	CHECK_STR(F("%-3c|", 'x'), "x  |");
	CHECK_STR(F("%c", 0x100 + 'y'), "y");

	/* A precision must stop the read: the array has no terminator. */
	char unterminated[4] = { 'w', 'x', 'y', 'z' };
	CHECK_STR(F("%.4s", unterminated), "wxyz");
	CHECK_STR(F("%.2s", unterminated), "wx");

	/* %c of 0 stores a NUL but counts it. */
	CHECK_EQ(fmt(buf, sizeof(buf), "a%cb", 0), 3);
	CHECK(buf[0] == 'a' && buf[1] == 0 && buf[2] == 'b' && buf[3] == 0);
}

TEST(pointers)
{
	CHECK_STR(F("%p", (void *)0), "0x0000000000000000");
	CHECK_STR(F("%p", (void *)0xdeadbeefUL), "0x00000000deadbeef");
	CHECK_STR(F("%p", (void *)UINTPTR_MAX), "0xffffffffffffffff");
	CHECK_STR(F("%20p|", (void *)0x10), "  0x0000000000000010|");
	CHECK_STR(F("%-20p|", (void *)0x10), "0x0000000000000010  |");
	CHECK_STR(R("%.3p", (void *)0x10), "0x0000000000000010");
	CHECK_STR(R("%#p", (void *)0x10), "0x0000000000000010");
}

TEST(unknown_and_truncated_specs)
{
	CHECK_STR(R("%y"), "%y");
	CHECK_STR(R("a%5yb"), "a%5yb");
	CHECK_STR(R("%-08.3lly!"), "%-08.3lly!");
	CHECK_STR(R("%n"), "%n"); /* never writes through a pointer */
	CHECK_STR(R("%"), "%");
	CHECK_STR(R("abc%"), "abc%");
	CHECK_STR(R("abc%-5"), "abc%-5");
	CHECK_STR(R("abc%.3l"), "abc%.3l");
	CHECK_STR(R("%y%d", 7), "%y7");
	CHECK_STR(R("%d%", 7), "7%");
	CHECK_STR(R("100%% %q %s", "ok"), "100% %q ok");
}

TEST(size_zero_and_null)
{
	memset(buf, 'X', 8);
	CHECK_EQ(fmt(buf, 0, "%d", 12345), 5);
	CHECK_EQ(buf[0], 'X');
	CHECK_EQ(fmt(NULL, 0, "%s=%d", "abc", -1), 6);
	CHECK_EQ(raw(NULL, 0, ""), 0);
	memset(buf, 'X', 8);
	CHECK_EQ(fmt(buf, 1, "%d", 12345), 5);
	CHECK_EQ(buf[0], 0);
	CHECK_EQ(buf[1], 'X');
	CHECK_EQ(raw(buf, 8, ""), 0);
	CHECK_STR(buf, "");
}

/* Every buffer size from 0 to len+2 gives the right prefix, the full length, no overflow. */
static void check_sizes(const char *want, const char *f, ...)
{
	size_t len = strlen(want);

	for (size_t size = 0; size <= len + 2; size++) {
		char *b = malloc(size ? size : 1); /* exact size: ASan catches one byte too many */
		va_list ap;
		int n;

		memset(b, 'X', size ? size : 1);
		va_start(ap, f);
		n = vfmt(size ? b : NULL, size, f, ap);
		va_end(ap);
		CHECK_EQ(n, len);
		if (size) {
			size_t keep = size - 1 < len ? size - 1 : len;

			CHECK(memcmp(b, want, keep) == 0);
			CHECK_EQ(b[keep], 0);
		}
		free(b);
	}
}

TEST(tiny_buffers)
{
	check_sizes("hello", "hello");
	check_sizes("x=-9223372036854775808!", "x=%lld!", (long long)INT64_MIN);
	check_sizes("   abc|0x00ff|", "%6s|%#06x|", "abc", 255);
	check_sizes("0x0000000000001000", "%p", (void *)0x1000);
	check_sizes("(null)  ", "%-8s", (char *)NULL);
	check_sizes("%y", "%y");
	check_sizes("%", "%");
}

TEST(huge_width)
{
	char small[8];

	/* Counted, not written: must return at once with the full length. */
	CHECK_EQ(fmt(small, sizeof(small), "%2000000000d", 1), 2000000000);
	CHECK_STR(small, "       ");
	CHECK_EQ(fmt(small, sizeof(small), "%-2000000000d", 1), 2000000000);
	CHECK_STR(small, "1      ");
	CHECK_EQ(fmt(small, sizeof(small), "%.2000000000d", 1), 2000000000);
	CHECK_STR(small, "0000000");
	CHECK_EQ(fmt(small, sizeof(small), "%*d", INT_MAX, 1), INT_MAX);
	CHECK_EQ(raw(small, sizeof(small), "%*d", INT_MIN, 1), INT_MAX);
	CHECK_STR(small, "1      ");
	CHECK_EQ(fmt(small, sizeof(small), "%.*s", INT_MAX, "ab"), 2);
	CHECK_STR(small, "ab");
	/* Lengths past INT_MAX saturate rather than wrap negative. */
	CHECK_EQ(raw(small, sizeof(small), "%99999999999999999999d", 1), INT_MAX);
	CHECK_EQ(raw(small, sizeof(small), "%2000000000d%2000000000d", 1, 2), INT_MAX);
	CHECK_STR(small, "       ");
}

/* The host's snprintf is the reference for every combination where C defines the result. */
static int cmp_fail;

static void compare(const char *f, int ra, const char *a, int rb, const char *b)
{
	if (ra != rb || strcmp(a, b) != 0) {
		if (cmp_fail++ < 10)
			printf("  mismatch for \"%s\": libc \"%s\" (%d), fmt \"%s\" (%d)\n", f, a, ra,
			       b, rb);
		check_cur_failed = 1;
	}
}

#define BOTH(f, arg)                                                                    \
	do {                                                                            \
		char a_[256], b_[256];                                                  \
		int ra_ = snprintf(a_, sizeof(a_), f, arg);                             \
		int rb_ = raw(b_, sizeof(b_), f, arg);                                  \
		compare(f, ra_, a_, rb_, b_);                                           \
	} while (0)

static const long long values[] = {
	0, 1, -1, 7, 8, 9, 10, 15, 16, 42, -42, 127, 128, -128, 255, 256, 4095, 65535, 65536,
	-32768, 2147483647LL, -2147483647LL - 1, 4294967295LL, 4294967296LL, 1000000007LL,
	9223372036854775807LL, -9223372036854775807LL - 1, 0x123456789abcdefLL,
};

/* Passes v as the type the length modifier asks for, signed or not. */
static void one_int(const char *f, const char *len, char conv, long long v)
{
	bool sgn = conv == 'd' || conv == 'i';

	if (!strcmp(len, "hh") || !strcmp(len, "h") || !*len) {
		if (sgn)
			BOTH(f, (int)v);
		else
			BOTH(f, (unsigned)v);
	} else if (!strcmp(len, "l") || !strcmp(len, "ll") || !strcmp(len, "j")) {
		/* long, long long and intmax_t are all 64 bits here */
		if (sgn)
			BOTH(f, v);
		else
			BOTH(f, (unsigned long long)v);
	} else if (!strcmp(len, "z")) {
		if (sgn)
			BOTH(f, (ssize_t)v);
		else
			BOTH(f, (size_t)v);
	} else {
		BOTH(f, (ptrdiff_t)v);
	}
}

TEST(against_libc_integers)
{
	static const char *widths[] = { "", "1", "5", "12", "25" };
	static const char *precs[] = { "", ".", ".0", ".1", ".4", ".22" };
	static const char *lens[] = { "", "hh", "h", "l", "ll", "z", "j", "t" };
	static const char convs[] = "diuxXo";
	static const char flagc[] = "-0# +";
	char f[32];

	cmp_fail = 0;
	for (unsigned fl = 0; fl < 32; fl++) {
		char flags[8];
		int nf = 0;

		for (int i = 0; i < 5; i++)
			if (fl & (1u << i))
				flags[nf++] = flagc[i];
		flags[nf] = 0;
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++)
				for (size_t l = 0; l < ARRAY_SIZE(lens); l++)
					for (const char *c = convs; *c; c++) {
						/* '#' on d/i/u is undefined in C: skip it */
						if ((fl & 4) && (*c == 'd' || *c == 'i' || *c == 'u'))
							continue;
						snprintf(f, sizeof(f), "<%%%s%s%s%s%c>", flags,
							 widths[w], precs[p], lens[l], *c);
						for (size_t v = 0; v < ARRAY_SIZE(values); v++)
							one_int(f, lens[l], *c, values[v]);
					}
	}
}

TEST(against_libc_strings)
{
	static const char *widths[] = { "", "*", "1", "3", "9" };
	static const char *precs[] = { "", ".", ".0", ".2", ".5", ".*" };
	static const char *strs[] = { "", "a", "abc", "abcdefghij" };
	static const char *flags[] = { "", "-" };
	char f[32];

	cmp_fail = 0;
	for (size_t fl = 0; fl < ARRAY_SIZE(flags); fl++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++) {
				for (size_t s = 0; s < ARRAY_SIZE(strs); s++) {
					char a[64], b[64];
					int ra, rb;

					snprintf(f, sizeof(f), "[%%%s%s%ss]", flags[fl], widths[w],
						 precs[p]);
					/* both '*'s always get an argument; unused ones are ignored */
					if (widths[w][0] == '*' && !strcmp(precs[p], ".*")) {
						ra = snprintf(a, sizeof(a), f, -7, 2, strs[s]);
						rb = raw(b, sizeof(b), f, -7, 2, strs[s]);
					} else if (widths[w][0] == '*') {
						ra = snprintf(a, sizeof(a), f, 7, strs[s]);
						rb = raw(b, sizeof(b), f, 7, strs[s]);
					} else if (!strcmp(precs[p], ".*")) {
						ra = snprintf(a, sizeof(a), f, 3, strs[s]);
						rb = raw(b, sizeof(b), f, 3, strs[s]);
					} else {
						ra = snprintf(a, sizeof(a), f, strs[s]);
						rb = raw(b, sizeof(b), f, strs[s]);
					}
					compare(f, ra, a, rb, b);
				}
				if (widths[w][0] != '*' && strcmp(precs[p], ".*")) {
					snprintf(f, sizeof(f), "[%%%s%sc]", flags[fl], widths[w]);
					BOTH(f, 'q');
				}
			}
}

int main(void)
{
	RUN(plain_text);
	RUN(decimal);
	RUN(short_lengths);
	RUN(hex_octal);
	RUN(flags_width_precision);
	RUN(strings_and_chars);
	RUN(pointers);
	RUN(unknown_and_truncated_specs);
	RUN(size_zero_and_null);
	RUN(tiny_buffers);
	RUN(huge_width);
	RUN(against_libc_integers);
	RUN(against_libc_strings);
	return DONE();
}
