/* tests/fuzz/fuzz_cmdline.c: libFuzzer harness for lib/cmdline.c, the key=value command
 * line parser (the hypervisor's command line from GRUB, each VM's module line) and
 * parse_u64.
 *
 * Drives: byte 0 picks the OPT_STR buffer size (0..40); the rest is the line (at most
 * MB_CMDLINE_MAX - 1 bytes, what bootinfo keeps of one). It is given (NUL-terminated, in a
 * malloc of exactly its size) to cmdline_parse with a table of every option type: bounded
 * and unbounded numbers, bools, an enum, an enum without names, lists of 4 and of 66 names
 * (only the first 64 can be used), a string, an option of an invalid type, a NULL key, an
 * empty key, a key containing '=', and a duplicate key (the first one wins). The same
 * bytes, unterminated in a malloc of exactly their size, go to parse_u64.
 *
 * Invariants asserted, against a reference parser written here from lib/cmdline.h's
 * contract (words split at blanks, `--`, `help`, first matching key, each type's syntax):
 * - every option's value after the parse equals the reference's (a bad word leaves its
 *   option at its default), and so do errors, help and rest (rest points into the line,
 *   after the `--` word, past its blanks);
 * - exactly one report line per error, each NUL-terminated, shorter than 256 bytes, with no
 *   newline unless the command line itself had one (the offending word is quoted as it
 *   is); the help listing (once per process: it does not depend on the input) likewise,
 *   one line per option;
 * - parse_u64 agrees with a reference (0x prefix, K/M/G suffix, -1 for bad syntax, -2 for
 *   overflow, *out untouched on failure) on the raw input and on every value. */
#include "tests/fuzz/fuzz.h"
#include "lib/cmdline.h"
#include "lib/mb.h"		/* MB_CMDLINE_MAX */

#define STR_MAX 41

/* ---- reference parse_u64 ---- */

static int ref_digit(unsigned char c, unsigned base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return (unsigned)d < base ? d : -1;
}

static int ref_u64(const char *s, size_t len, u64 *out)
{
	unsigned base = 10, shift = 0;
	size_t i = 0;
	unsigned __int128 v = 0;
	bool big = false;

	if (!s || !len)
		return -1;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	switch (s[len - 1]) {
	case 'K': case 'k': shift = 10; len--; break;
	case 'M': case 'm': shift = 20; len--; break;
	case 'G': case 'g': shift = 30; len--; break;
	}
	if (i >= len)
		return -1;
	for (size_t k = i; k < len; k++)
		if (ref_digit((unsigned char)s[k], base) < 0)
			return -1;
	for (; i < len && !big; i++) {
		v = v * base + (unsigned)ref_digit((unsigned char)s[i], base);
		big = v > ~0ULL;
	}
	if (big || (v << shift) > ~0ULL)
		return -2;
	*out = (u64)(v << shift);
	return 0;
}

static void check_u64(const char *s, size_t len)
{
	u64 a = 0x1234, b = 0x1234;
	int ra = parse_u64(s, len, &a), rb = ref_u64(s, len, &b);

	FZ_CHECK(ra == rb);
	FZ_CHECK(a == b);	/* the value, or untouched */
}

/* ---- the option table, twice: once for the parser, once for the reference ---- */

static const char *const modes[] = { "off", "on", "auto", "x", NULL };
static const char *const letters[] = { "a", "b", "c", "ab", NULL };
static const char *many[67];
static char many_buf[66][8];

struct vals {
	u64 n, big, hi, dup, empty, bad;
	bool b, eq;
	unsigned mode, none;
	u64 l, lm;
	char s[STR_MAX];
};

enum { NOPTS = 15 };

static void table(struct opt *o, struct vals *v, size_t slen)
{
	struct opt t[NOPTS] = {
		{ "n", OPT_UINT, &v->n, "h", "8", NULL, 1, 4096, 0 },
		{ "big", OPT_UINT, &v->big, "h", NULL, NULL, 0, 0, 0 },
		{ "hi", OPT_UINT, &v->hi, "h", "4K", NULL, 0x1000, ~0ULL, 0 },
		{ "b", OPT_BOOL, &v->b, "h", "off", NULL, 0, 0, 0 },
		{ "mode", OPT_ENUM, &v->mode, "h", "auto", modes, 0, 0, 0 },
		{ "none", OPT_ENUM, &v->none, NULL, NULL, NULL, 0, 0, 0 },
		{ "l", OPT_LIST, &v->l, "h", "", letters, 0, 0, 0 },
		{ "many", OPT_LIST, &v->lm, "h", "", many, 0, 0, 0 },
		{ "s", OPT_STR, v->s, "h", "dflt", NULL, 0, 0, slen },
		{ "bad", (enum opt_type)7, &v->bad, "h", NULL, NULL, 0, 0, 0 },
		{ NULL, OPT_UINT, &v->bad, NULL, NULL, NULL, 0, 0, 0 },
		{ "", OPT_UINT, &v->empty, "h", "0", NULL, 0, 0, 0 },
		{ "k=v", OPT_BOOL, &v->eq, "never matches", NULL, NULL, 0, 0, 0 },
		{ "b", OPT_UINT, &v->dup, "shadowed by the first b", NULL, NULL, 0, 0, 0 },
		{ "n2", OPT_UINT, &v->n, "h", NULL, NULL, 5, 5, 0 },
	};

	memcpy(o, t, sizeof(t));
}

static void vals_init(struct vals *v, size_t slen)
{
	memset(v, 0, sizeof(*v));
	v->n = 8;
	v->hi = 4096;
	v->mode = 2;
	v->l = 5;
	v->lm = 1ULL << 63;
	v->dup = 77;
	if (slen > 4)
		strcpy(v->s, "dflt");
}

/* ---- reference parser ---- */

static bool eqw(const char *w, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(w, s, n) == 0;
}

/* One key=value word; false if it is an error. */
static bool ref_word(const char *w, size_t n, const struct opt *opts)
{
	const char *eq = memchr(w, '=', n);
	size_t kn = eq ? (size_t)(eq - w) : n;
	const char *val = eq ? eq + 1 : NULL;
	size_t vn = eq ? n - kn - 1 : 0;
	const struct opt *o = NULL;
	u64 x;

	for (size_t i = 0; i < NOPTS && !o; i++)
		if (opts[i].key && eqw(w, kn, opts[i].key))
			o = &opts[i];
	if (!o)
		return false;
	if (!val) {
		if (o->type != OPT_BOOL)
			return false;
		*(bool *)o->val = true;
		return true;
	}
	switch (o->type) {
	case OPT_UINT:
		if (ref_u64(val, vn, &x) || x < o->min || (o->max && x > o->max))
			return false;
		*(u64 *)o->val = x;
		return true;
	case OPT_BOOL: {
		static const char *const t[] = { "on", "yes", "true", "1" };
		static const char *const f[] = { "off", "no", "false", "0" };

		for (size_t i = 0; i < 4; i++) {
			if (eqw(val, vn, t[i]) || eqw(val, vn, f[i])) {
				*(bool *)o->val = eqw(val, vn, t[i]);
				return true;
			}
		}
		return false;
	}
	case OPT_ENUM:
		for (size_t i = 0; o->names && o->names[i]; i++) {
			if (eqw(val, vn, o->names[i])) {
				*(unsigned *)o->val = (unsigned)i;
				return true;
			}
		}
		return false;
	case OPT_LIST: {
		u64 mask = 0;
		size_t p = 0;

		while (p < vn) {
			size_t q = p, i;

			while (q < vn && val[q] != ',')
				q++;
			if (q > p) {
				for (i = 0; i < 64 && o->names[i]; i++)
					if (eqw(val + p, q - p, o->names[i]))
						break;
				if (i == 64 || !o->names[i])
					return false;
				mask |= 1ULL << i;
			}
			p = q + 1;
		}
		*(u64 *)o->val = mask;
		return true;
	}
	case OPT_STR:
		if (vn >= o->len)
			return false;
		memcpy(o->val, val, vn);
		((char *)o->val)[vn] = '\0';
		return true;
	default:
		return false;
	}
}

static struct cmdline_result ref_parse(const char *line, const struct opt *opts)
{
	struct cmdline_result r = { 0, false, NULL };
	const char *p = line;

	for (;;) {
		const char *w;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			return r;
		w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		/* every value in the word goes through parse_u64 too */
		{
			const char *eq = memchr(w, '=', (size_t)(p - w));
			if (eq)
				check_u64(eq + 1, (size_t)(p - eq - 1));
		}
		if (eqw(w, (size_t)(p - w), "--")) {
			while (*p == ' ' || *p == '\t')
				p++;
			r.rest = p;
			return r;
		}
		if (eqw(w, (size_t)(p - w), "help"))
			r.help = true;
		else if (!ref_word(w, (size_t)(p - w), opts))
			r.errors++;
	}
}

/* ---- reports ---- */

struct sink {
	int lines;
	bool input_nl;	/* the command line has a newline of its own */
};

/* A report line may carry a newline only when the command line had one: the parser quotes
 * the offending word as it is (see the harness notes in the fuzz report). */
static void report(void *ctx, const char *line)
{
	struct sink *s = ctx;
	const char *nul = memchr(line, '\0', 256);

	FZ_CHECK(nul != NULL);		/* shorter than 256 bytes */
	FZ_CHECK(s->input_nl || !memchr(line, '\n', (size_t)(nul - line)));
	s->lines++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opt opts[NOPTS], ropts[NOPTS];
	struct vals v, rv;
	struct sink sink = { 0 };
	struct cmdline_result r, rr;
	static bool help_done;
	u8 sel = size ? data[0] : 0;
	size_t slen = sel % STR_MAX, n = size ? size - 1 : 0;

	if (n > MB_CMDLINE_MAX - 1)
		n = MB_CMDLINE_MAX - 1;	/* what bootinfo keeps of a command line */
	char *line = malloc(n + 1), *raw = malloc(n ? n : 1);

	if (!many[0]) {
		for (int i = 0; i < 66; i++) {
			snprintf(many_buf[i], sizeof(many_buf[i]), "k%d", i);
			many[i] = many_buf[i];
		}
	}
	memcpy(line, data + (size ? 1 : 0), n);
	line[n] = '\0';
	memcpy(raw, line, n);
	sink.input_nl = strchr(line, '\n') != NULL;

	check_u64(raw, n);
	check_u64(NULL, 0);
	check_u64(raw, 0);

	vals_init(&v, slen);
	vals_init(&rv, slen);
	table(opts, &v, slen);
	table(ropts, &rv, slen);

	r = cmdline_parse(line, opts, NOPTS, report, &sink);
	rr = ref_parse(line, ropts);

	FZ_CHECK(r.errors == rr.errors);
	FZ_CHECK(sink.lines == r.errors);	/* one report line per problem */
	FZ_CHECK(r.help == rr.help);
	FZ_CHECK(r.rest == rr.rest);
	if (r.rest) {
		FZ_CHECK(r.rest >= line && r.rest <= line + strlen(line));
		FZ_CHECK(*r.rest != ' ' && *r.rest != '\t');
	}
	FZ_CHECK(v.n == rv.n && v.big == rv.big && v.hi == rv.hi && v.dup == rv.dup);
	FZ_CHECK(v.empty == rv.empty && v.bad == rv.bad);
	FZ_CHECK(v.b == rv.b && v.eq == rv.eq);
	FZ_CHECK(v.mode == rv.mode && v.none == rv.none);
	FZ_CHECK(v.l == rv.l && v.lm == rv.lm);
	FZ_CHECK(memcmp(v.s, rv.s, sizeof(v.s)) == 0);
	FZ_CHECK(v.n >= 1 && v.n <= 4096 && v.hi >= 0x1000 && v.mode < 4 && v.l < 16);
	FZ_CHECK(!v.eq && v.dup == 77 && v.bad == 0 && v.none == 0);
	if (slen)
		FZ_CHECK(memchr(v.s, '\0', slen) != NULL);

	/* A NULL line is the empty line; no callback is allowed. */
	r = cmdline_parse(NULL, opts, NOPTS, NULL, NULL);
	FZ_CHECK(r.errors == 0 && !r.help && !r.rest);
	if (sel & 0x40) {
		r = cmdline_parse(line, opts, NOPTS, NULL, NULL);
		FZ_CHECK(r.errors == rr.errors);
	}

	/* The listing does not depend on the input: once per process is enough. */
	if (!help_done) {
		help_done = true;
		sink.lines = 0;
		sink.input_nl = false;
		cmdline_help(opts, NOPTS, report, &sink);
		FZ_CHECK(sink.lines == NOPTS);
	}
	free(line);
	free(raw);
	return 0;
}
