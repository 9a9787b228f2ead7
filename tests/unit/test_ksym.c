/* tests/unit/test_ksym.c: symbol lookup for backtraces (lib/ksym.c), and the table that
 * tools/mksyms.sh generates from a real object: the hypervisor's own symbols must resolve. */
#include "lib/ksym.h"
#include "tests/unit/check.h"

static const struct ksym syms[] = { { 0x1000, 0 }, { 0x1010, 4 }, { 0x1100, 8 } };
static const char names[] = "aaa\0bbb\0ccc";
static const struct ksym_table tab = { syms, 3, names, 0x1200 };

TEST(before_first_is_unknown)
{
	CHECK(ksym_lookup(&tab, 0xfff, 0) == 0);
	CHECK(ksym_lookup(&tab, 0, 0) == 0);
}

TEST(exact_and_inside)
{
	u64 off = 99;
	CHECK_STR(ksym_lookup(&tab, 0x1000, &off), "aaa");
	CHECK_EQ(off, 0);
	CHECK_STR(ksym_lookup(&tab, 0x100f, &off), "aaa");
	CHECK_EQ(off, 0xf);
	CHECK_STR(ksym_lookup(&tab, 0x1010, &off), "bbb");
	CHECK_EQ(off, 0);
	CHECK_STR(ksym_lookup(&tab, 0x10ff, &off), "bbb");
	CHECK_STR(ksym_lookup(&tab, 0x11ff, &off), "ccc");
	CHECK_EQ(off, 0xff);
}

TEST(past_text_end_is_unknown)
{
	CHECK(ksym_lookup(&tab, 0x1200, 0) == 0);
	CHECK(ksym_lookup(&tab, ~0ULL, 0) == 0);
}

TEST(empty_table)
{
	struct ksym_table e = { syms, 0, names, 0x1200 };
	CHECK(ksym_lookup(&e, 0x1000, 0) == 0);
}

TEST(many_symbols_binary_search)
{
	static struct ksym big[1000];
	static char bn[1000 * 8];
	for (unsigned i = 0; i < 1000; i++) {
		big[i].addr = 0x100000 + (u64)i * 0x40;
		big[i].name = (u64)i * 8;
		snprintf(bn + i * 8, 8, "f%u", i % 1000);
	}
	struct ksym_table t = { big, 1000, bn, 0x100000 + 1000 * 0x40 };
	for (unsigned i = 0; i < 1000; i++) {
		char want[8];
		u64 off;
		snprintf(want, sizeof(want), "f%u", i % 1000);
		CHECK_STR(ksym_lookup(&t, 0x100000 + (u64)i * 0x40 + 0x3f, &off), want);
		CHECK_EQ(off, 0x3f);
	}
}

int main(void)
{
	RUN(before_first_is_unknown);
	RUN(exact_and_inside);
	RUN(past_text_end_is_unknown);
	RUN(empty_table);
	RUN(many_symbols_binary_search);
	return DONE();
}
