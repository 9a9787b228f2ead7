/* tests/unit/test_ranges.c: host tests of lib/ranges.c, the page-range lists of
 * backing.poison= and backing.flaky=.
 *
 * Good inputs check every range exactly (page rounding, order kept, the ":N" count); bad
 * inputs check the exact one-line message and that *out was not touched. Inputs are parsed
 * from a heap copy without a NUL so AddressSanitizer catches any read past len. */
#include <stdlib.h>
#include "tests/unit/check.h"
#include "lib/ranges.h"

#define FILL 0xa5	/* what *out holds before a parse that must not write it */

static char err[256];

/* Parses a heap copy of s (exactly strlen(s) bytes) into *l. */
static int parse(const char *s, bool want, struct range_list *l)
{
	size_t n = strlen(s);
	char *copy = malloc(n ? n : 1);
	int r;

	memcpy(copy, s, n);
	err[0] = 0;
	r = ranges_parse(copy, n, want, l, err, sizeof(err));
	free(copy);
	return r;
}

/* s parses to n ranges whose bounds are in se[] (start, end pairs) and the count. */
static bool good(const char *s, bool want, unsigned n, const u64 *se, u64 count)
{
	struct range_list l;
	unsigned i;

	memset(&l, FILL, sizeof(l));
	if (parse(s, want, &l) != 0) {
		printf("    '%s': unexpected error \"%s\"\n", s, err);
		return false;
	}
	if (l.n != n || l.count != count) {
		printf("    '%s': n %u count %llu, want n %u count %llu\n", s, l.n,
		       (unsigned long long)l.count, n, (unsigned long long)count);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (l.r[i].start != se[2 * i] || l.r[i].end != se[2 * i + 1]) {
			printf("    '%s': range %u [0x%llx, 0x%llx), want [0x%llx, 0x%llx)\n", s,
			       i, (unsigned long long)l.r[i].start,
			       (unsigned long long)l.r[i].end, (unsigned long long)se[2 * i],
			       (unsigned long long)se[2 * i + 1]);
			return false;
		}
	}
	return true;
}

/* One range, no count. */
static bool one(const char *s, u64 start, u64 end)
{
	u64 se[] = { start, end };

	return good(s, false, 1, se, 0);
}

/* s fails with exactly msg, and *out stays as it was. */
static bool bad(const char *s, bool want, const char *msg)
{
	struct range_list l, before;

	memset(&l, FILL, sizeof(l));
	memset(&before, FILL, sizeof(before));
	if (parse(s, want, &l) != -1) {
		printf("    '%s': parsed, want \"%s\"\n", s, msg);
		return false;
	}
	if (strcmp(err, msg) != 0) {
		printf("    '%s': error \"%s\", want \"%s\"\n", s, err, msg);
		return false;
	}
	if (memcmp(&l, &before, sizeof(l)) != 0) {
		printf("    '%s': *out written on error\n", s);
		return false;
	}
	return true;
}

TEST(single)
{
	CHECK(one("0", 0, 0x1000));
	CHECK(one("0x1000", 0x1000, 0x2000));
	CHECK(one("0x1234", 0x1000, 0x2000));
	CHECK(one("0x1fff", 0x1000, 0x2000));
	CHECK(one("4096", 0x1000, 0x2000));
	CHECK(one("4095", 0, 0x1000));
	CHECK(one("0XABCDEF", 0xabc000, 0xabd000));
	CHECK(one("0xabcdef", 0xabc000, 0xabd000));
}

TEST(suffixes)
{
	CHECK(one("1M", 0x100000, 0x101000));
	CHECK(one("1m", 0x100000, 0x101000));
	CHECK(one("4K", 0x1000, 0x2000));
	CHECK(one("4k", 0x1000, 0x2000));
	CHECK(one("3G", 3ULL << 30, (3ULL << 30) + 0x1000));
	CHECK(one("0x10M", 16ULL << 20, (16ULL << 20) + 0x1000));
	CHECK(one("1M-2M", 1 << 20, 2 << 20));
	CHECK(one("1g+4k", 1ULL << 30, (1ULL << 30) + 0x1000));
}

TEST(dash)
{
	CHECK(one("0x1000-0x3000", 0x1000, 0x3000));
	CHECK(one("0x1001-0x2001", 0x1000, 0x3000));
	CHECK(one("0x1001-0x1002", 0x1000, 0x2000));	/* inside one page */
	CHECK(one("0-1", 0, 0x1000));
	CHECK(one("4095-4097", 0, 0x2000));
	CHECK(one("0x1000-0x1001", 0x1000, 0x2000));
	CHECK(one("8192-12288", 0x2000, 0x3000));
}

TEST(plus)
{
	CHECK(one("4K+1", 0x1000, 0x2000));
	CHECK(one("4K+4K", 0x1000, 0x2000));
	CHECK(one("4K+4097", 0x1000, 0x3000));
	CHECK(one("4097+4096", 0x1000, 0x3000));
	CHECK(one("0+0x10000", 0, 0x10000));
	CHECK(one("0xfff+1", 0, 0x1000));
	CHECK(one("0xfff+2", 0, 0x2000));
	CHECK(one("1M+1M", 1 << 20, 2 << 20));
}

TEST(several)
{
	u64 a[] = { 0x100000, 0x101000, 0x200000, 0x300000, 0x5000, 0x7000 };
	u64 b[] = { 0x2000, 0x3000, 0x1000, 0x2000 };	/* order kept, not sorted */
	u64 c[] = { 0x1000, 0x2000, 0x1000, 0x2000 };	/* duplicates kept */

	CHECK(good("1M,2M-3M,0x5000+0x2000", false, 3, a, 0));
	CHECK(good("8K,4K", false, 2, b, 0));
	CHECK(good("4K,0x1fff", false, 2, c, 0));
}

TEST(count)
{
	u64 a[] = { 0x100000, 0x101000 };
	u64 b[] = { 0x100000, 0x200000, 0x4000, 0x5000 };

	CHECK(good("1M:3", true, 1, a, 3));
	CHECK(good("1M:1", true, 1, a, 1));
	CHECK(good("1M:0x10", true, 1, a, 16));
	CHECK(good("1M:254", true, 1, a, 254));	/* the largest that can still succeed */
	CHECK(good("1M-2M,16K:7", true, 2, b, 7));
	CHECK(good("1M", false, 1, a, 0));	/* no count: 0 */
}

TEST(near_top)
{
	const u64 top = 0xfffffffffffff000ULL;	/* the last page; its end would be 2^64 */

	CHECK(one("0xffffffffffffe000", top - 0x1000, top));
	CHECK(one("0xffffffffffffefff", top - 0x1000, top));
	CHECK(one("0xffffffffffffe000-0xfffffffffffff000", top - 0x1000, top));
	CHECK(one("0x1000-0xfffffffffffff000", 0x1000, top));
	CHECK(one("0xffffffffffffe000+0x1000", top - 0x1000, top));
	CHECK(one("0x1000+0xffffffffffffe000", 0x1000, top));
	CHECK(one("0+0xfffffffffffff000", 0, top));
	CHECK(one("17179869183G", 0xffffffffc0000000ULL, 0xffffffffc0001000ULL));
	CHECK(one("0x3ffffffffffff8K-0x3ffffffffffffcK", top - 0x1000, top));

	CHECK(bad("0xfffffffffffff000", false,
		  "item 1 '0xfffffffffffff000': end overflows 64 bits"));
	CHECK(bad("0xffffffffffffffff", false,
		  "item 1 '0xffffffffffffffff': end overflows 64 bits"));
	CHECK(bad("0x1000-0xfffffffffffff001", false,
		  "item 1 '0x1000-0xfffffffffffff001': end overflows 64 bits"));
	CHECK(bad("0-0xffffffffffffffff", false,
		  "item 1 '0-0xffffffffffffffff': end overflows 64 bits"));
	CHECK(bad("0x1000+0xffffffffffffefff", false,
		  "item 1 '0x1000+0xffffffffffffefff': end overflows 64 bits"));
	CHECK(bad("0x1000+0xfffffffffffff000", false,	/* exactly 2^64 */
		  "item 1 '0x1000+0xfffffffffffff000': end overflows 64 bits"));
	CHECK(bad("0xffffffffffffffff+0xffffffffffffffff", false,
		  "item 1 '0xffffffffffffffff+0xffffffffffffffff': end overflows 64 bits"));
	CHECK(bad("1M,0x3fffffffffffffK", false,
		  "item 2 '0x3fffffffffffffK': end overflows 64 bits"));
	CHECK(bad("17179869184G", false, "item 1 '17179869184G': too large for 64 bits"));
	CHECK(bad("0x10000000000000000", false,
		  "item 1 '0x10000000000000000': too large for 64 bits"));
	CHECK(bad("18446744073709551616", false,
		  "item 1 '18446744073709551616': too large for 64 bits"));
	CHECK(bad("0-99999999999999999999", false,
		  "item 1 '0-99999999999999999999': too large for 64 bits"));
}

TEST(empty_items)
{
	CHECK(bad("", false, "item 1 '': empty"));
	CHECK(bad("", true, "item 1 '': empty"));
	CHECK(bad(",1M", false, "item 1 '': empty"));
	CHECK(bad("1M,,2M", false, "item 2 '': empty"));
	CHECK(bad("1M,", false, "item 2 '': empty"));
	CHECK(bad("1M,2M,", false, "item 3 '': empty"));
	CHECK(bad(",", false, "item 1 '': empty"));
	CHECK(bad(":3", true, "item 1 '': empty"));
	CHECK(bad("1M,:3", true, "item 2 '': empty"));
}

TEST(not_numbers)
{
	CHECK(bad("zz", false, "item 1 'zz': not a number"));
	CHECK(bad("1M,zz", false, "item 2 'zz': not a number"));
	CHECK(bad(" 1M", false, "item 1 ' 1M': not a number"));
	CHECK(bad("1M ", false, "item 1 '1M ': not a number"));
	CHECK(bad("1M, 2M", false, "item 2 ' 2M': not a number"));
	CHECK(bad("1M -2M", false, "item 1 '1M -2M': not a number"));
	CHECK(bad("1M- 2M", false, "item 1 '1M- 2M': not a number"));
	CHECK(bad("1M-", false, "item 1 '1M-': not a number"));
	CHECK(bad("-1M", false, "item 1 '-1M': not a number"));
	CHECK(bad("1M+", false, "item 1 '1M+': not a number"));
	CHECK(bad("+4K", false, "item 1 '+4K': not a number"));
	CHECK(bad("1-2-3", false, "item 1 '1-2-3': not a number"));
	CHECK(bad("1+2+3", false, "item 1 '1+2+3': not a number"));
	CHECK(bad("1+2-3", false, "item 1 '1+2-3': not a number"));
	CHECK(bad("1-2+3", false, "item 1 '1-2+3': not a number"));
	CHECK(bad("0x", false, "item 1 '0x': not a number"));
	CHECK(bad("0xg", false, "item 1 '0xg': not a number"));
	CHECK(bad("12a", false, "item 1 '12a': not a number"));
	CHECK(bad("1T", false, "item 1 '1T': not a number"));
	CHECK(bad("K", false, "item 1 'K': not a number"));
	CHECK(bad("1MM", false, "item 1 '1MM': not a number"));
	CHECK(bad("1M\t", false, "item 1 '1M?': not a number"));	/* control bytes show as '?' */
	CHECK(bad("1M,\nx", false, "item 2 '?x': not a number"));
}

TEST(order)
{
	CHECK(bad("5M-4M", false, "item 1 '5M-4M': end not after start"));
	CHECK(bad("4M-4M", false, "item 1 '4M-4M': end not after start"));
	CHECK(bad("1M,0x1001-0x1000", false, "item 2 '0x1001-0x1000': end not after start"));
	CHECK(bad("1-0", false, "item 1 '1-0': end not after start"));
	CHECK(bad("1M+0", false, "item 1 '1M+0': zero length"));
	CHECK(bad("1M,2M,3M+0x0", false, "item 3 '3M+0x0': zero length"));
	CHECK(bad("1M+0K", false, "item 1 '1M+0K': zero length"));
}

TEST(count_errors)
{
	CHECK(bad("1M", true, "missing ':N' attempt count"));
	CHECK(bad("1M,2M-3M", true, "missing ':N' attempt count"));
	CHECK(bad("1M:0", true, "':0': the attempt count must be at least 1"));
	CHECK(bad("1M:0x0", true, "':0x0': the attempt count must be at least 1"));
	CHECK(bad("1M:zz", true, "':zz': not a number"));
	/* Attempts are counted in a byte that stops at 255: 255 or more would fail for ever. */
	CHECK(bad("1M:255", true, "':255': the attempt count is at most 254 (a page's attempts "
		  "are counted in a byte that stops at 255: a larger count would never let it "
		  "succeed)"));
	CHECK(bad("1M:18446744073709551615", true, "':18446744073709551615': the attempt count "
		  "is at most 254 (a page's attempts are counted in a byte that stops at 255: a "
		  "larger count would never let it succeed)"));
	CHECK(bad("1M:", true, "':': not a number"));
	CHECK(bad("1M:3:4", true, "':3:4': not a number"));
	CHECK(bad("1M: 3", true, "': 3': not a number"));
	CHECK(bad("1M:-1", true, "':-1': not a number"));
	CHECK(bad("1M:18446744073709551616", true,
		  "':18446744073709551616': too large for 64 bits"));
	/* An item's error comes first: the text is read left to right. */
	CHECK(bad("zz:0", true, "item 1 'zz': not a number"));
	/* Without want_count, a ':' is an error wherever it is. */
	CHECK(bad("1M:3", false, "':3': no attempt count allowed here"));
	CHECK(bad("1M:", false, "':': no attempt count allowed here"));
	CHECK(bad("1M,2M:3", false, "':3': no attempt count allowed here"));
	CHECK(bad("1M:2M", false, "':2M': no attempt count allowed here"));
	CHECK(bad("1M:3,2M", false, "':3,2M': no attempt count allowed here"));
}

/* "0x1000,0x2000,...": n items, item i at page i + 1. */
static void many(char *buf, size_t size, unsigned n, const char *tail)
{
	size_t k = 0;
	unsigned i;

	buf[0] = 0;
	for (i = 0; i < n; i++)
		k += snprintf(buf + k, size - k, "%s0x%x", i ? "," : "", (i + 1) << 12);
	snprintf(buf + k, size - k, "%s", tail);
}

TEST(limits)
{
	char buf[512];
	u64 se[2 * (RANGES_MAX + 1)];
	unsigned i;

	for (i = 0; i < RANGES_MAX + 1; i++) {
		se[2 * i] = (u64)(i + 1) << 12;
		se[2 * i + 1] = (u64)(i + 2) << 12;
	}
	CHECK_EQ(RANGES_MAX, 16);
	many(buf, sizeof(buf), RANGES_MAX, "");
	CHECK(good(buf, false, RANGES_MAX, se, 0));
	many(buf, sizeof(buf), RANGES_MAX, ":5");
	CHECK(good(buf, true, RANGES_MAX, se, 5));
	many(buf, sizeof(buf), RANGES_MAX + 1, "");
	CHECK(bad(buf, false, "more than 16 items"));
	many(buf, sizeof(buf), RANGES_MAX + 1, ":5");
	CHECK(bad(buf, true, "more than 16 items"));
	many(buf, sizeof(buf), 40, "");
	CHECK(bad(buf, false, "more than 16 items"));
	/* 16 items and a trailing ',' is a 17th item, and one too many. */
	many(buf, sizeof(buf), RANGES_MAX, ",");
	CHECK(bad(buf, false, "more than 16 items"));
	/* A bad item before the limit is reported as itself. */
	many(buf, sizeof(buf), 20, "");
	buf[0] = 'z';
	CHECK(bad(buf, false, "item 1 'zx1000': not a number"));
}

TEST(buffers)
{
	struct range_list l, before;
	char small[8];

	/* Only s[0..len) is read. */
	memset(&l, 0, sizeof(l));
	CHECK_EQ(ranges_parse("1M,zz", 2, false, &l, err, sizeof(err)), 0);
	CHECK_EQ(l.n, 1);
	CHECK_EQ(l.r[0].start, 1 << 20);
	CHECK_EQ(ranges_parse("1M:3zz", 4, true, &l, err, sizeof(err)), 0);
	CHECK_EQ(l.count, 3);
	/* A short err buffer truncates; no err buffer is fine. */
	memset(&l, FILL, sizeof(l));
	memset(&before, FILL, sizeof(before));
	CHECK_EQ(ranges_parse("zz", 2, false, &l, small, sizeof(small)), -1);
	CHECK_STR(small, "item 1 ");
	CHECK_EQ(ranges_parse("zz", 2, false, &l, NULL, 0), -1);
	CHECK_EQ(ranges_parse("1M", 2, true, &l, NULL, 0), -1);
	CHECK_EQ(ranges_parse("1M:0", 4, true, &l, NULL, 0), -1);
	CHECK_EQ(ranges_parse("1M:0", 4, false, &l, NULL, 0), -1);
	CHECK_EQ(ranges_parse(NULL, 0, false, &l, NULL, 0), -1);
	CHECK_EQ(ranges_parse(NULL, 0, false, &l, err, sizeof(err)), -1);
	CHECK_STR(err, "item 1 '': empty");
	CHECK(memcmp(&l, &before, sizeof(l)) == 0);
	/* Success replaces all of *out, the count included. */
	memset(&l, FILL, sizeof(l));
	CHECK_EQ(ranges_parse("4K", 2, false, &l, err, sizeof(err)), 0);
	CHECK_EQ(l.n, 1);
	CHECK_EQ(l.count, 0);
}

TEST(contain)
{
	struct range_list l;

	CHECK_EQ(parse("4K-8K,1M+1,0x10000000-0x10002000", false, &l), 0);
	CHECK(!ranges_contain(&l, 0));
	CHECK(!ranges_contain(&l, 0xfff));
	CHECK(ranges_contain(&l, 0x1000));
	CHECK(ranges_contain(&l, 0x1fff));
	CHECK(!ranges_contain(&l, 0x2000));
	CHECK(!ranges_contain(&l, 0xfffff));
	CHECK(ranges_contain(&l, 0x100000));
	CHECK(ranges_contain(&l, 0x100fff));
	CHECK(!ranges_contain(&l, 0x101000));
	CHECK(ranges_contain(&l, 0x10000000));
	CHECK(ranges_contain(&l, 0x10001fff));
	CHECK(!ranges_contain(&l, 0x10002000));
	CHECK(!ranges_contain(&l, ~0ULL));

	l.n = 0;	/* an empty list (a zeroed config) holds nothing */
	CHECK(!ranges_contain(&l, 0x1000));

	CHECK_EQ(parse("0xffffffffffffe000", false, &l), 0);
	CHECK(ranges_contain(&l, 0xffffffffffffefffULL));
	CHECK(!ranges_contain(&l, 0xfffffffffffff000ULL));
	CHECK(!ranges_contain(&l, ~0ULL));
}

int main(void)
{
	RUN(single);
	RUN(suffixes);
	RUN(dash);
	RUN(plus);
	RUN(several);
	RUN(count);
	RUN(near_top);
	RUN(empty_items);
	RUN(not_numbers);
	RUN(order);
	RUN(count_errors);
	RUN(limits);
	RUN(buffers);
	RUN(contain);
	return DONE();
}
