/* tests/fuzz/fuzz_ranges.c: libFuzzer harness for lib/ranges.c, the page-range lists of the
 * VM keys backing.poison=RANGES and backing.flaky=RANGES:N ("A, A-B, A+L, ...[:N]").
 *
 * Drives: byte 0 picks want_count and the size of err (0: NULL); the rest is the text, in a
 * malloc of exactly its length with no NUL after it (ASan catches a read past len). Then
 * ranges_contain on the edges of every range and on addresses taken from the input.
 *
 * Invariants asserted, against a reference parser written here from lib/ranges.h's
 * contract (items split at ',', the list ending at the first ':', each item A, A-B or A+L
 * with cmdline.c's number syntax, outward page rounding, no end at or past 2^64, at most
 * RANGES_MAX items, ":N" with 1 <= N <= RANGES_COUNT_MAX exactly when asked for):
 * - the result (0 or -1), the number of ranges, each range and the count equal the
 *   reference's; every range is page-aligned with start < end;
 * - on failure *out is untouched and err holds one non-empty line (when there is room;
 *   a newline in the text itself may show up in the quoted item);
 * - ranges_contain(addr) is true exactly when some range holds addr. */
#include "tests/fuzz/fuzz.h"
#include "lib/ranges.h"
#include "lib/cmdline.h"

#define PG 4096ULL

/* parse_u64's syntax (fuzz_cmdline.c checks parse_u64 itself against a reference). */
static bool num(const char *s, size_t n, u64 *out)
{
	return parse_u64(s, n, out) == 0;
}

static bool round_out(u64 a, u64 b, struct range *r)
{
	if (b > ~0ULL - (PG - 1))
		return false;
	r->start = a & ~(PG - 1);
	r->end = (b + PG - 1) & ~(PG - 1);
	return true;
}

static bool ref_item(const char *s, size_t n, struct range *r)
{
	size_t k = 0;
	u64 x, y;

	if (!n)
		return false;
	while (k < n && s[k] != '-' && s[k] != '+')
		k++;
	if (!num(s, k, &x))
		return false;
	if (k == n)
		return x != ~0ULL && round_out(x, x + 1, r);
	if (!num(s + k + 1, n - k - 1, &y))
		return false;
	if (s[k] == '-')
		return y > x && round_out(x, y, r);
	return y && y <= ~0ULL - x && round_out(x, x + y, r);
}

static int ref_parse(const char *s, size_t len, bool want, struct range_list *out)
{
	const char *colon = memchr(s, ':', len);
	size_t ln = colon ? (size_t)(colon - s) : len, p = 0;
	struct range_list l = { 0 };

	for (;;) {
		const char *c = memchr(s + p, ',', ln - p);
		size_t q = c ? (size_t)(c - s) : ln;

		if (l.n == RANGES_MAX || !ref_item(s + p, q - p, &l.r[l.n]))
			return -1;
		l.n++;
		if (q == ln)
			break;
		p = q + 1;
	}
	if (want != (colon != NULL))
		return -1;
	if (want && (!num(colon + 1, len - ln - 1, &l.count) || !l.count ||
		     l.count > RANGES_COUNT_MAX))
		return -1;
	*out = l;
	return 0;
}

static bool ref_contain(const struct range_list *l, u64 a)
{
	for (unsigned i = 0; i < l->n; i++)
		if (a >= l->r[i].start && a < l->r[i].end)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct range_list out, ref, sentinel;
	u8 sel = size ? data[0] : 0;
	bool want = sel & 1;
	size_t errlen = (sel >> 1) % 100, n = size ? size - 1 : 0;
	char *s = malloc(n ? n : 1), *err = errlen ? malloc(errlen) : NULL;
	int rc, rr;

	memcpy(s, data + (size ? 1 : 0), n);
	memset(&sentinel, 0xa5, sizeof(sentinel));
	out = sentinel;
	if (err)
		memset(err, 'x', errlen);
	rc = ranges_parse(s, n, want, &out, err, errlen);
	memset(&ref, 0, sizeof(ref));
	rr = ref_parse(s, n, want, &ref);

	FZ_CHECK(rc == 0 || rc == -1);
	FZ_CHECK(rc == rr);
	if (rc) {
		FZ_CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);
		/* One line, unless the text had a newline of its own: the bad item is quoted
		 * as it is. (On success err is not written.) */
		if (err)
			FZ_CHECK(memchr(err, '\0', errlen) &&
				 (memchr(s, '\n', n) || fz_one_line(err, errlen)));
		if (errlen >= 2)
			FZ_CHECK(err[0] != '\0');
	} else {
		FZ_CHECK(out.n == ref.n && out.n >= 1 && out.n <= RANGES_MAX);
		FZ_CHECK(out.count == ref.count &&
			 (want ? out.count >= 1 && out.count <= RANGES_COUNT_MAX : out.count == 0));
		for (unsigned i = 0; i < out.n; i++) {
			const struct range *r = &out.r[i];

			FZ_CHECK(r->start == ref.r[i].start && r->end == ref.r[i].end);
			FZ_CHECK(r->start % PG == 0 && r->end % PG == 0 && r->start < r->end);
			FZ_CHECK(ranges_contain(&out, r->start));
			FZ_CHECK(ranges_contain(&out, r->end - 1));
			FZ_CHECK(ranges_contain(&out, r->end) == ref_contain(&ref, r->end));
			FZ_CHECK(ranges_contain(&out, r->start - 1) == ref_contain(&ref, r->start - 1));
		}
		for (size_t k = 0; k + 8 <= n && k < 64; k += 8) {
			u64 a;

			memcpy(&a, s + k, 8);
			FZ_CHECK(ranges_contain(&out, a) == ref_contain(&ref, a));
		}
	}
	/* No err buffer at all is allowed too. */
	FZ_CHECK(ranges_parse(s, n, want, &ref, NULL, 0) == rc);
	free(s);
	free(err);
	return 0;
}
