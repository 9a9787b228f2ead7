/* lib/ranges.c: parsing and lookup of guest-physical page-range lists (see lib/ranges.h).
 *
 * Owns the "A | A-B | A+L, ... [:N]" syntax of backing.poison= and backing.flaky=.
 *
 * Decisions:
 * - The list is read left to right and the first problem found is the one reported, so a
 *   bad item 3 in a list of 20 items reads "item 3 ...", not "more than 16 items".
 * - The list part ends at the first ':'; everything after it is the attempt count. A second
 *   ':' therefore makes the count "not a number" rather than producing a confusing item.
 * - Numbers never contain '-' or '+', so an item splits at the first of either; anything
 *   left over ("1-2-3", "1+2-3") fails as "not a number" in the second operand.
 * - Rounding goes outward: a poisoned byte poisons its whole page. An end that would reach
 *   2^64 cannot be represented end-exclusive in a u64, so it is an error, not a wrap.
 * - The result is built in a local list and copied out only on success, so a caller can
 *   parse straight into its live configuration and keep the old one on a typo.
 */
#include "lib/ranges.h"
#include "lib/cmdline.h"
#include "lib/fmt.h"

/* A piece of the caller's text; never NUL-terminated. */
struct span {
	const char *s;
	size_t n;
};

/* %.*s wants an int; an absurdly long piece is cut, which the err buffer does anyway. */
static int slen(struct span t)
{
	return t.n > 1024 ? 1024 : (int)t.n;
}

static void item_err(char *err, size_t errlen, unsigned idx, struct span t, const char *why)
{
	if (err && errlen)
		fmt(err, errlen, "item %u '%.*s': %s", idx, slen(t), t.s, why);
}

/* The index of the first c in t, or t.n when there is none. */
static size_t find(struct span t, char c)
{
	size_t i;

	for (i = 0; i < t.n && t.s[i] != c; i++)
		;
	return i;
}

/* The index of the operator of an item: the first '-' or '+', or t.n. */
static size_t find_op(struct span t)
{
	size_t i;

	for (i = 0; i < t.n && t.s[i] != '-' && t.s[i] != '+'; i++)
		;
	return i;
}

/* Parses one number; on failure returns the reason in cmdline.c's words. */
static const char *number(struct span t, u64 *out)
{
	switch (parse_u64(t.s, t.n, out)) {
	case 0:
		return NULL;
	case -2:
		return "too large for 64 bits";
	default:
		return "not a number";
	}
}

/* Page-rounds [a, b) outward; fails when the rounded end would be 2^64 or more. */
static const char *round_out(u64 a, u64 b, struct range *r)
{
	if (b > ~0ULL - (PAGE_SIZE - 1))
		return "end overflows 64 bits";
	r->start = ALIGN_DOWN(a, PAGE_SIZE);
	r->end = ALIGN_UP(b, PAGE_SIZE);
	return NULL;
}

/* One item: A, A-B or A+L. Returns NULL or why it is bad. */
static const char *item(struct span t, struct range *r)
{
	size_t k = find_op(t);
	struct span a, b;
	const char *why;
	u64 x, y;
	char op;

	if (!t.n)
		return "empty";
	a = (struct span){ t.s, k };
	if ((why = number(a, &x)))
		return why;
	if (k == t.n) {
		/* A alone: its page, i.e. [x, x + 1) rounded out. */
		if (x == ~0ULL)
			return "end overflows 64 bits";
		return round_out(x, x + 1, r);
	}
	op = t.s[k];
	b = (struct span){ t.s + k + 1, t.n - k - 1 };
	if ((why = number(b, &y)))
		return why;
	if (op == '-') {
		if (y <= x)
			return "end not after start";
		return round_out(x, y, r);
	}
	if (!y)
		return "zero length";
	if (y > ~0ULL - x)
		return "end overflows 64 bits";
	return round_out(x, x + y, r);
}

/* The ":N" suffix in t (t starts after the ':'). */
static int count(struct span t, u64 *out, char *err, size_t errlen)
{
	const char *why = number(t, out);

	if (!why && !*out)
		why = "the attempt count must be at least 1";
	if (!why && *out > RANGES_COUNT_MAX)
		why = "the attempt count is at most 254 (a page's attempts are counted in a byte "
		      "that stops at 255: a larger count would never let it succeed)";
	if (!why)
		return 0;
	if (err && errlen)
		fmt(err, errlen, "':%.*s': %s", slen(t), t.s, why);
	return -1;
}

static int items(struct span list, struct range_list *l, char *err, size_t errlen)
{
	size_t pos = 0;

	for (;;) {
		struct span rest = { list.s + pos, list.n - pos };
		struct span t = { rest.s, find(rest, ',') };
		const char *why;

		if (l->n == RANGES_MAX) {
			if (err && errlen)
				fmt(err, errlen, "more than %u items", RANGES_MAX);
			return -1;
		}
		if ((why = item(t, &l->r[l->n]))) {
			item_err(err, errlen, l->n + 1, t, why);
			return -1;
		}
		l->n++;
		pos += t.n;
		if (pos == list.n)
			return 0;
		pos++;	/* the ',': an item follows, even if it is the empty one after "1M," */
	}
}

static int parse(const char *s, size_t len, bool want_count, struct range_list *out,
		 char *err, size_t errlen);

/* The error is one line of text whatever the input held (lib/cmdline.c says why). */
int ranges_parse(const char *s, size_t len, bool want_count, struct range_list *out,
		 char *err, size_t errlen)
{
	int r = parse(s, len, want_count, out, err, errlen);
	for (size_t i = 0; r && err && i < errlen && err[i]; i++)
		if ((unsigned char)err[i] < 0x20 || err[i] == 0x7f)
			err[i] = '?';
	return r;
}

static int parse(const char *s, size_t len, bool want_count, struct range_list *out,
		 char *err, size_t errlen)
{
	struct span all = { s, s ? len : 0 };
	size_t colon = find(all, ':');
	bool has_colon = colon < all.n;
	struct span list = { s, colon };
	struct span tail = { "", 0 };	/* what follows the ':' */
	struct range_list l = { .n = 0, .count = 0 };

	if (has_colon)
		tail = (struct span){ s + colon + 1, all.n - colon - 1 };
	if (items(list, &l, err, errlen))
		return -1;
	if (want_count && !has_colon) {
		if (err && errlen)
			fmt(err, errlen, "missing ':N' attempt count");
		return -1;
	}
	if (want_count && count(tail, &l.count, err, errlen))
		return -1;
	if (!want_count && has_colon) {
		if (err && errlen)
			fmt(err, errlen, "':%.*s': no attempt count allowed here", slen(tail),
			    tail.s);
		return -1;
	}
	*out = l;
	return 0;
}

bool ranges_contain(const struct range_list *l, u64 addr)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (addr >= l->r[i].start && addr < l->r[i].end)
			return true;
	return false;
}
