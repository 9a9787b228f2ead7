/* tests/unit/test_cmdline.c: host tests of lib/cmdline.c: parse_u64, every option type with
 * good and bad values, the exact report lines, `help`, `--`, and that a bad value never
 * changes its option.
 * Build: gcc ... -I. tests/unit/test_cmdline.c lib/cmdline.c lib/fmt.c (libc for string). */
#include <stdint.h>
#include "lib/cmdline.h"
#include "tests/unit/check.h"

static u64 cpus, mem, stack, selftest;
static bool debug;
static unsigned loglevel;
static char name[8];

static const char *const levels[] = { "error", "warn", "info", "debug", "trace", NULL };
static const char *const tests[] = { "ud", "gp", "pf", "de", NULL };

static const struct opt opts[] = {
	{ "cpus", OPT_UINT, &cpus, "number of CPUs", "0", NULL, 1, 64, 0 },
	{ "mem", OPT_UINT, &mem, "guest memory", "16M", NULL, 0, 0, 0 },
	{ "stack", OPT_UINT, &stack, "stack size", "16K", NULL, 4096, 0, 0 },
	{ "debug", OPT_BOOL, &debug, "extra checks", "off", NULL, 0, 0, 0 },
	{ "loglevel", OPT_ENUM, &loglevel, "how much to log", "info", levels, 0, 0, 0 },
	{ "selftest", OPT_LIST, &selftest, "exceptions to provoke", "none", tests, 0, 0, 0 },
	{ "name", OPT_STR, name, "VM name", "vm", NULL, 0, 0, sizeof(name) },
};

/* The report callback keeps every line so tests can compare them exactly. */
struct reports {
	int n;
	char line[16][300];
};

static struct reports rep;

static void collect(void *ctx, const char *line)
{
	struct reports *r = ctx;

	CHECK(r == &rep);
	CHECK(strlen(line) < sizeof(r->line[0]));
	if (r->n < 16)
		snprintf(r->line[r->n], sizeof(r->line[0]), "%s", line);
	r->n++;
}

static void defaults(void)
{
	cpus = 0;
	mem = 16 << 20;
	stack = 16 << 10;
	debug = false;
	loglevel = 2;
	selftest = 0;
	strcpy(name, "vm");
	memset(&rep, 0, sizeof(rep));
}

static struct cmdline_result parse(const char *line)
{
	defaults();
	return cmdline_parse(line, opts, ARRAY_SIZE(opts), collect, &rep);
}

/* Parses a line holding exactly one bad word: one report, one error, nothing changed. */
static void bad(const char *line, const char *want)
{
	struct cmdline_result r = parse(line);

	CHECK_EQ(r.errors, 1);
	CHECK_EQ(rep.n, 1);
	CHECK_STR(rep.line[0], want);
	CHECK_EQ(cpus, 0);
	CHECK_EQ(mem, 16 << 20);
	CHECK_EQ(stack, 16 << 10);
	CHECK_EQ(debug, false);
	CHECK_EQ(loglevel, 2);
	CHECK_EQ(selftest, 0);
	CHECK_STR(name, "vm");
	if (rep.n != 1 || r.errors != 1)
		printf("    (line was \"%s\")\n", line);
}

static const struct {
	const char *s;
	int ret;
	u64 val;
} numbers[] = {
	{ "0", 0, 0 },
	{ "42", 0, 42 },
	{ "010", 0, 10 }, /* decimal, not octal */
	{ "0x10", 0, 16 },
	{ "0XfF", 0, 255 },
	{ "0x0", 0, 0 },
	{ "1K", 0, 1024 },
	{ "1k", 0, 1024 },
	{ "2M", 0, 2 << 20 },
	{ "3m", 0, 3 << 20 },
	{ "1G", 0, 1 << 30 },
	{ "1g", 0, 1 << 30 },
	{ "16G", 0, 16ULL << 30 },
	{ "0x10K", 0, 16 << 10 },
	{ "0K", 0, 0 },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "0xffffffffffffffff", 0, UINT64_MAX },
	{ "0x00000000000000000001", 0, 1 },
	{ "17179869183G", 0, 17179869183ULL << 30 },
	{ "16777215T", -1, 0 },
	{ "18014398509481983K", 0, 18014398509481983ULL << 10 },
	{ "18446744073709551616", -2, 0 },
	{ "99999999999999999999", -2, 0 },
	{ "0x10000000000000000", -2, 0 },
	{ "17179869184G", -2, 0 },
	{ "18014398509481984K", -2, 0 },
	{ "17592186044416M", -2, 0 },
	{ "", -1, 0 },
	{ "K", -1, 0 },
	{ "0x", -1, 0 },
	{ "0xK", -1, 0 },
	{ "x10", -1, 0 },
	{ "banana", -1, 0 },
	{ "12KK", -1, 0 },
	{ "1KB", -1, 0 },
	{ "-1", -1, 0 },
	{ "+1", -1, 0 },
	{ " 1", -1, 0 },
	{ "1 ", -1, 0 },
	{ "1.5", -1, 0 },
	{ "0x1g0", -1, 0 },
	{ "12a", -1, 0 },
	{ "0b101", -1, 0 },
	{ "99999999999999999999x", -1, 0 }, /* junk wins over overflow */
};

TEST(numbers_table)
{
	for (size_t i = 0; i < ARRAY_SIZE(numbers); i++) {
		u64 v = 0x5a5a;
		int r = parse_u64(numbers[i].s, strlen(numbers[i].s), &v);

		CHECK_EQ(r, numbers[i].ret);
		CHECK_EQ(v, r ? 0x5a5a : numbers[i].val); /* untouched on failure */
		if (r != numbers[i].ret || (!r && v != numbers[i].val))
			printf("    (input was \"%s\")\n", numbers[i].s);
	}
}

TEST(numbers_length)
{
	u64 v = 7;

	/* Only s[0..len) counts: the rest of the command line follows. */
	CHECK_EQ(parse_u64("123abc", 3, &v), 0);
	CHECK_EQ(v, 123);
	CHECK_EQ(parse_u64("4Kxyz", 2, &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(parse_u64("0x", 1, &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(parse_u64("5", 0, &v), -1);
	CHECK_EQ(parse_u64(NULL, 0, &v), -1);
	CHECK_EQ(v, 0);
}

TEST(all_good)
{
	struct cmdline_result r =
		parse("cpus=4 mem=512M stack=0x2000 debug=on loglevel=trace selftest=gp,de name=web1");

	CHECK_EQ(r.errors, 0);
	CHECK_EQ(r.help, false);
	CHECK(r.rest == NULL);
	CHECK_EQ(rep.n, 0);
	CHECK_EQ(cpus, 4);
	CHECK_EQ(mem, 512 << 20);
	CHECK_EQ(stack, 0x2000);
	CHECK_EQ(debug, true);
	CHECK_EQ(loglevel, 4);
	CHECK_EQ(selftest, (1 << 1) | (1 << 3));
	CHECK_STR(name, "web1");
}

TEST(blanks_and_empty_lines)
{
	struct cmdline_result r = parse(" \t cpus=3\t\t  debug   \t");

	CHECK_EQ(r.errors, 0);
	CHECK_EQ(cpus, 3);
	CHECK_EQ(debug, true);
	r = parse("");
	CHECK_EQ(r.errors, 0);
	CHECK(r.rest == NULL);
	r = parse(" \t ");
	CHECK_EQ(r.errors + rep.n, 0);
	r = parse(NULL);
	CHECK_EQ(r.errors + rep.n + r.help, 0);
	CHECK(r.rest == NULL);
	/* no options at all: every key is unknown */
	defaults();
	r = cmdline_parse("cpus=1", NULL, 0, collect, &rep);
	CHECK_EQ(r.errors, 1);
	CHECK_STR(rep.line[0], "cmdline: unknown key 'cpus' (ignored)");
}

TEST(uint_bounds)
{
	parse("cpus=1");
	CHECK_EQ(cpus, 1);
	parse("cpus=64");
	CHECK_EQ(cpus, 64);
	parse("cpus=0x40");
	CHECK_EQ(cpus, 64);
	parse("mem=0");
	CHECK_EQ(mem, 0);
	parse("mem=18446744073709551615");
	CHECK_EQ(mem, UINT64_MAX);
	parse("mem=16G");
	CHECK_EQ(mem, 16ULL << 30);
	parse("stack=4K");
	CHECK_EQ(stack, 4096);
	CHECK_EQ(rep.n, 0);
}

TEST(uint_errors)
{
	bad("cpus=banana", "cmdline: cpus=banana: not a number (keeping default 0)");
	bad("cpus=", "cmdline: cpus=: not a number (keeping default 0)");
	bad("cpus", "cmdline: cpus: missing value (keeping default 0)");
	bad("cpus=0", "cmdline: cpus=0: out of range 1..64 (keeping default 0)");
	bad("cpus=65", "cmdline: cpus=65: out of range 1..64 (keeping default 0)");
	bad("cpus=1K", "cmdline: cpus=1K: out of range 1..64 (keeping default 0)");
	bad("cpus=-1", "cmdline: cpus=-1: not a number (keeping default 0)");
	bad("cpus=4=4", "cmdline: cpus=4=4: not a number (keeping default 0)");
	bad("stack=4095",
	    "cmdline: stack=4095: out of range 4096..18446744073709551615 (keeping default 16K)");
	bad("mem=18446744073709551616",
	    "cmdline: mem=18446744073709551616: too large for 64 bits (keeping default 16M)");
	bad("mem=17179869184G",
	    "cmdline: mem=17179869184G: too large for 64 bits (keeping default 16M)");
}

TEST(bool_values)
{
	static const struct {
		const char *line;
		bool val;
	} cases[] = {
		{ "debug", true }, { "debug=on", true }, { "debug=yes", true },
		{ "debug=true", true }, { "debug=1", true }, { "debug=off", false },
		{ "debug=no", false }, { "debug=false", false }, { "debug=0", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cmdline_result r;

		defaults();
		debug = !cases[i].val; /* so a no-op cannot pass */
		r = cmdline_parse(cases[i].line, opts, ARRAY_SIZE(opts), collect, &rep);
		CHECK_EQ(r.errors, 0);
		CHECK_EQ(debug, cases[i].val);
	}
	bad("debug=maybe",
	    "cmdline: debug=maybe: not one of on|off|yes|no|true|false|1|0 (keeping default off)");
	bad("debug=", "cmdline: debug=: not one of on|off|yes|no|true|false|1|0 (keeping default off)");
	bad("debug=ON", "cmdline: debug=ON: not one of on|off|yes|no|true|false|1|0 (keeping default off)");
	bad("debug=onn", "cmdline: debug=onn: not one of on|off|yes|no|true|false|1|0 (keeping default off)");
	bad("debug=o", "cmdline: debug=o: not one of on|off|yes|no|true|false|1|0 (keeping default off)");
}

TEST(enum_values)
{
	for (unsigned i = 0; levels[i]; i++) {
		char line[64];

		snprintf(line, sizeof(line), "loglevel=%s", levels[i]);
		parse(line);
		CHECK_EQ(loglevel, i);
		CHECK_EQ(rep.n, 0);
	}
	bad("loglevel=loud",
	    "cmdline: loglevel=loud: not one of error|warn|info|debug|trace (keeping default info)");
	bad("loglevel=",
	    "cmdline: loglevel=: not one of error|warn|info|debug|trace (keeping default info)");
	bad("loglevel=INFO",
	    "cmdline: loglevel=INFO: not one of error|warn|info|debug|trace (keeping default info)");
	bad("loglevel=inf",
	    "cmdline: loglevel=inf: not one of error|warn|info|debug|trace (keeping default info)");
	bad("loglevel", "cmdline: loglevel: missing value (keeping default info)");
}

TEST(list_values)
{
	parse("selftest=ud");
	CHECK_EQ(selftest, 1);
	parse("selftest=de,ud,pf");
	CHECK_EQ(selftest, 0xd);
	parse("selftest=ud,ud");
	CHECK_EQ(selftest, 1);
	parse("selftest=,ud,,gp,");
	CHECK_EQ(selftest, 3);
	CHECK_EQ(rep.n, 0);
	/* empty is the empty set, and it does overwrite an earlier value */
	parse("selftest=gp selftest=");
	CHECK_EQ(selftest, 0);
	parse("selftest=gp selftest=,");
	CHECK_EQ(selftest, 0);
	CHECK_EQ(rep.n, 0);

	bad("selftest=ud,zz",
	    "cmdline: selftest=ud,zz: 'zz' is not one of ud|gp|pf|de (keeping default none)");
	bad("selftest=zz,ud",
	    "cmdline: selftest=zz,ud: 'zz' is not one of ud|gp|pf|de (keeping default none)");
	bad("selftest=u", "cmdline: selftest=u: 'u' is not one of ud|gp|pf|de (keeping default none)");
	bad("selftest=udgp",
	    "cmdline: selftest=udgp: 'udgp' is not one of ud|gp|pf|de (keeping default none)");
	bad("selftest", "cmdline: selftest: missing value (keeping default none)");
}

TEST(string_values)
{
	parse("name=abcdefg"); /* 7 chars + NUL fill name[8] exactly */
	CHECK_STR(name, "abcdefg");
	parse("name=");
	CHECK_STR(name, "");
	parse("name=a=b");
	CHECK_STR(name, "a=b");
	CHECK_EQ(rep.n, 0);
	bad("name=abcdefgh", "cmdline: name=abcdefgh: too long (max 7 chars) (keeping default vm)");
	bad("name", "cmdline: name: missing value (keeping default vm)");
}

TEST(unknown_keys)
{
	struct cmdline_result r = parse("foo cpus=2 bar=1 =x debug2 Cpus=3");

	CHECK_EQ(r.errors, 5);
	CHECK_EQ(rep.n, 5);
	CHECK_STR(rep.line[0], "cmdline: unknown key 'foo' (ignored)");
	CHECK_STR(rep.line[1], "cmdline: unknown key 'bar' (ignored)");
	CHECK_STR(rep.line[2], "cmdline: unknown key '' (ignored)");
	CHECK_STR(rep.line[3], "cmdline: unknown key 'debug2' (ignored)");
	CHECK_STR(rep.line[4], "cmdline: unknown key 'Cpus' (ignored)");
	CHECK_EQ(cpus, 2);
}

TEST(errors_counted_and_parsing_goes_on)
{
	struct cmdline_result r = parse("cpus=99 debug loglevel=x name=ok mem=1M zz");

	CHECK_EQ(r.errors, 3);
	CHECK_EQ(rep.n, 3);
	CHECK_STR(rep.line[0], "cmdline: cpus=99: out of range 1..64 (keeping default 0)");
	CHECK_STR(rep.line[1],
		  "cmdline: loglevel=x: not one of error|warn|info|debug|trace (keeping default info)");
	CHECK_STR(rep.line[2], "cmdline: unknown key 'zz' (ignored)");
	CHECK_EQ(cpus, 0);
	CHECK_EQ(debug, true);
	CHECK_EQ(loglevel, 2);
	CHECK_STR(name, "ok");
	CHECK_EQ(mem, 1 << 20);

	/* no callback: still counted, nothing crashes */
	defaults();
	r = cmdline_parse("zz cpus=0", opts, ARRAY_SIZE(opts), NULL, NULL);
	CHECK_EQ(r.errors, 2);
}

TEST(duplicates_last_wins)
{
	parse("cpus=2 cpus=3");
	CHECK_EQ(cpus, 3);
	parse("loglevel=warn loglevel=debug name=a name=bb");
	CHECK_EQ(loglevel, 3);
	CHECK_STR(name, "bb");
	/* a bad later value keeps the earlier good one */
	struct cmdline_result r = parse("cpus=2 cpus=banana name=a name=waytoolong");
	CHECK_EQ(r.errors, 2);
	CHECK_EQ(cpus, 2);
	CHECK_STR(name, "a");
	CHECK_STR(rep.line[0], "cmdline: cpus=banana: not a number (keeping default 0)");
	CHECK_STR(rep.line[1], "cmdline: name=waytoolong: too long (max 7 chars) (keeping default vm)");
}

TEST(double_dash)
{
	struct cmdline_result r = parse("cpus=2 -- console=ttyS0  cpus=5 help");

	CHECK_EQ(r.errors, 0);
	CHECK_EQ(r.help, false); /* words after -- are not ours */
	CHECK_EQ(cpus, 2);
	CHECK_STR(r.rest, "console=ttyS0  cpus=5 help");

	r = parse("cpus=2 -- \t  x ");
	CHECK_STR(r.rest, "x ");
	r = parse("--");
	CHECK(r.rest != NULL);
	CHECK_STR(r.rest, "");
	r = parse("cpus=2 --  \t");
	CHECK_STR(r.rest, "");
	r = parse("-- -- a");
	CHECK_STR(r.rest, "-- a");

	/* only a bare -- counts */
	r = parse("--x a--");
	CHECK(r.rest == NULL);
	CHECK_EQ(r.errors, 2);
	CHECK_STR(rep.line[0], "cmdline: unknown key '--x' (ignored)");
	CHECK_STR(rep.line[1], "cmdline: unknown key 'a--' (ignored)");
	r = parse("cpus=2");
	CHECK(r.rest == NULL);
	r = parse("--=1");
	CHECK(r.rest == NULL);
	CHECK_EQ(r.errors, 1);
}

TEST(help_word)
{
	struct cmdline_result r = parse("cpus=4 help debug");

	CHECK_EQ(r.help, true);
	CHECK_EQ(r.errors, 0);
	CHECK_EQ(cpus, 4);
	CHECK_EQ(debug, true);
	r = parse("\thelp");
	CHECK_EQ(r.help, true);
	r = parse("helpme help=1");
	CHECK_EQ(r.help, false);
	CHECK_EQ(r.errors, 2);
	CHECK_STR(rep.line[1], "cmdline: unknown key 'help' (ignored)");
}

TEST(help_listing)
{
	defaults();
	cmdline_help(opts, ARRAY_SIZE(opts), collect, &rep);
	CHECK_EQ(rep.n, 7);
	CHECK_STR(rep.line[0],
		  "  cpus=<number>                           number of CPUs (default: 0)");
	CHECK_STR(rep.line[1],
		  "  mem=<number>                            guest memory (default: 16M)");
	CHECK_STR(rep.line[2],
		  "  stack=<number>                          stack size (default: 16K)");
	CHECK_STR(rep.line[3],
		  "  debug=<on|off>                          extra checks (default: off)");
	CHECK_STR(rep.line[4],
		  "  loglevel=<error|warn|info|debug|trace>  how much to log (default: info)");
	CHECK_STR(rep.line[5],
		  "  selftest=<ud|gp|pf|de,...>              exceptions to provoke (default: none)");
	CHECK_STR(rep.line[6],
		  "  name=<string>                           VM name (default: vm)");

	/* no default text: the "(default: ...)" part is left out */
	static const struct opt one[] = {
		{ "x", OPT_UINT, &cpus, "a number", NULL, NULL, 0, 0, 0 },
	};
	defaults();
	cmdline_help(one, 1, collect, &rep);
	CHECK_EQ(rep.n, 1);
	CHECK_STR(rep.line[0], "  x=<number>  a number");
	defaults();
	cmdline_parse("x=y", one, 1, collect, &rep);
	CHECK_STR(rep.line[0], "cmdline: x=y: not a number (keeping default)");
}

TEST(long_words_are_cut)
{
	char line[1200];

	memset(line, 'k', 1000);
	strcpy(line + 1000, "=1 cpus=5");
	struct cmdline_result r = parse(line);
	CHECK_EQ(r.errors, 1);
	CHECK_EQ(cpus, 5);
	CHECK_EQ(strlen(rep.line[0]), 255);
	CHECK(strncmp(rep.line[0], "cmdline: unknown key 'kkkk", 26) == 0);

	memset(line, 'n', sizeof(line));
	memcpy(line, "name=", 5);
	line[sizeof(line) - 1] = 0;
	r = parse(line);
	CHECK_EQ(r.errors, 1);
	CHECK_STR(name, "vm");
	CHECK_EQ(strlen(rep.line[0]), 255);
}

int main(void)
{
	RUN(numbers_table);
	RUN(numbers_length);
	RUN(all_good);
	RUN(blanks_and_empty_lines);
	RUN(uint_bounds);
	RUN(uint_errors);
	RUN(bool_values);
	RUN(enum_values);
	RUN(list_values);
	RUN(string_values);
	RUN(unknown_keys);
	RUN(errors_counted_and_parsing_goes_on);
	RUN(duplicates_last_wins);
	RUN(double_dash);
	RUN(help_word);
	RUN(help_listing);
	RUN(long_words_are_cut);
	return DONE();
}
