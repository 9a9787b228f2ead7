/* lib/cmdline.c: typed key=value command lines (see lib/cmdline.h): the parser, the `help`
 * listing and parse_u64.
 *
 * Words are never copied or NUL-terminated: a struct word points into the caller's line.
 * Each value is parsed into a temporary and stored only when all of it is good, so a bad
 * word leaves its option exactly as it was. Every problem becomes one line of text built
 * with fmt() in a local buffer and handed to the caller's report callback. */
#include "lib/cmdline.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define LINE_LEN 256   /* one report or help line; longer ones are cut short */
#define LIST_MAX 64    /* an OPT_LIST mask has one bit per name */

struct word {
	const char *s;
	size_t n;
};

/* A line built piece by piece; n never passes the end, so it truncates but stays valid. */
struct line {
	char buf[LINE_LEN];
	size_t n;
};

static void add(struct line *l, const char *f, ...) __attribute__((format(printf, 2, 3)));

static void add(struct line *l, const char *f, ...)
{
	size_t room = sizeof(l->buf) - l->n;
	va_list ap;
	int r;

	va_start(ap, f);
	r = vfmt(l->buf + l->n, room, f, ap);
	va_end(ap);
	l->n += MIN((size_t)r, room - 1);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* %.*s wants an int; a word longer than that is cut, which a report line does anyway. */
static int wlen(struct word w)
{
	return (int)MIN(w.n, (size_t)__INT_MAX__);
}

static bool word_is(struct word w, const char *s)
{
	return strncmp(s, w.s, w.n) == 0 && s[w.n] == '\0';
}

/* Index of w in a NULL-terminated names[] (the first max entries), or -1. */
static int find_name(const char *const *names, size_t max, struct word w)
{
	for (size_t i = 0; names && names[i] && i < max; i++)
		if (word_is(w, names[i]))
			return (int)i;
	return -1;
}

static void add_names(struct line *l, const char *const *names)
{
	for (size_t i = 0; names && names[i]; i++)
		add(l, "%s%s", i ? "|" : "", names[i]);
}

/* The accepted spellings of a bool, in the order `help` and errors list them. */
static const struct {
	const char *word;
	bool val;
} bools[] = {
	{ "on", true }, { "off", false }, { "yes", true }, { "no", false },
	{ "true", true }, { "false", false }, { "1", true }, { "0", false },
};

/* The value parsers, one per type. Each stores into o->val only on success; on failure it
 * writes the reason into why and returns false. */
typedef bool (*parse_fn)(const struct opt *o, struct word v, struct line *why);

static bool parse_uint(const struct opt *o, struct word v, struct line *why)
{
	u64 x;
	int r = parse_u64(v.s, v.n, &x);

	if (r == -1) {
		add(why, "not a number");
		return false;
	}
	if (r == -2) {
		add(why, "too large for 64 bits");
		return false;
	}
	if (x < o->min || (o->max && x > o->max)) {
		add(why, "out of range %llu..%llu", (unsigned long long)o->min,
		    (unsigned long long)(o->max ? o->max : ~0ULL));
		return false;
	}
	*(u64 *)o->val = x;
	return true;
}

static bool parse_bool(const struct opt *o, struct word v, struct line *why)
{
	for (size_t i = 0; i < ARRAY_SIZE(bools); i++) {
		if (word_is(v, bools[i].word)) {
			*(bool *)o->val = bools[i].val;
			return true;
		}
	}
	add(why, "not one of");
	for (size_t i = 0; i < ARRAY_SIZE(bools); i++)
		add(why, "%s%s", i ? "|" : " ", bools[i].word);
	return false;
}

static bool parse_enum(const struct opt *o, struct word v, struct line *why)
{
	int i = find_name(o->names, ~(size_t)0, v);

	if (i < 0) {
		add(why, "not one of ");
		add_names(why, o->names);
		return false;
	}
	*(unsigned *)o->val = (unsigned)i;
	return true;
}

/* Comma-separated names; empty items are skipped, so an empty value is the empty set. */
static bool parse_list(const struct opt *o, struct word v, struct line *why)
{
	const char *p = v.s, *end = v.s + v.n;
	u64 mask = 0;

	while (p < end) {
		struct word item = { p, 0 };
		int i;

		while (p < end && *p != ',')
			p++;
		item.n = (size_t)(p - item.s);
		if (p < end)
			p++; /* the comma */
		if (!item.n)
			continue;
		i = find_name(o->names, LIST_MAX, item);
		if (i < 0) {
			add(why, "'%.*s' is not one of ", wlen(item), item.s);
			add_names(why, o->names);
			return false;
		}
		mask |= 1ULL << i;
	}
	*(u64 *)o->val = mask;
	return true;
}

static bool parse_str(const struct opt *o, struct word v, struct line *why)
{
	if (v.n >= o->len) {
		add(why, "too long (max %zu chars)", o->len ? o->len - 1 : 0);
		return false;
	}
	memcpy(o->val, v.s, v.n);
	((char *)o->val)[v.n] = '\0';
	return true;
}

static const parse_fn parsers[] = {
	[OPT_UINT] = parse_uint,
	[OPT_BOOL] = parse_bool,
	[OPT_ENUM] = parse_enum,
	[OPT_LIST] = parse_list,
	[OPT_STR] = parse_str,
};

/* One line on the console, whatever the command line held: a control byte quoted from it
 * (a newline, an escape sequence) would forge or garble console lines, so it shows as '?'. */
static void report_line(cmdline_report_fn report, void *ctx, struct line *l)
{
	for (char *c = l->buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	if (report)
		report(ctx, l->buf);
}

/* Handles one `key` or `key=value` word; false (after one report line) if it was bad. */
static bool do_word(struct word w, const struct opt *opts, size_t nopts,
		    cmdline_report_fn report, void *ctx)
{
	struct word key = w, val = { NULL, 0 };
	const char *eq = w.s;
	const struct opt *o = NULL;
	struct line why = { .n = 0 }, l = { .n = 0 };

	while (eq < w.s + w.n && *eq != '=')
		eq++;
	if (eq < w.s + w.n) {
		key.n = (size_t)(eq - w.s);
		val = (struct word){ eq + 1, w.n - key.n - 1 };
	}
	for (size_t i = 0; i < nopts && !o; i++)
		if (opts[i].key && word_is(key, opts[i].key))
			o = &opts[i];

	if (!o) {
		add(&l, "cmdline: unknown key '%.*s' (ignored)", wlen(key), key.s);
		report_line(report, ctx, &l);
		return false;
	}
	if (!val.s && o->type == OPT_BOOL) {
		*(bool *)o->val = true; /* a bare bool key switches it on */
		return true;
	}
	if (!val.s)
		add(&why, "missing value");
	else if ((size_t)o->type >= ARRAY_SIZE(parsers) || !parsers[o->type])
		add(&why, "option has a bad type");
	else if (parsers[o->type](o, val, &why))
		return true;

	add(&l, "cmdline: %.*s: %s (keeping default", wlen(w), w.s, why.buf);
	add(&l, "%s%s)", o->def ? " " : "", o->def ? o->def : "");
	report_line(report, ctx, &l);
	return false;
}

struct cmdline_result cmdline_parse(const char *line, const struct opt *opts, size_t nopts,
				    cmdline_report_fn report, void *ctx)
{
	struct cmdline_result r = { .errors = 0, .help = false, .rest = NULL };
	const char *p = line ? line : "";

	for (;;) {
		struct word w;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		w.s = p;
		while (*p && !is_blank(*p))
			p++;
		w.n = (size_t)(p - w.s);

		if (word_is(w, "--")) {
			while (is_blank(*p))
				p++;
			r.rest = p; /* may be "", which still says `--` was there */
			break;
		}
		if (word_is(w, "help"))
			r.help = true;
		else if (!do_word(w, opts, nopts, report, ctx))
			r.errors++;
	}
	return r;
}

/* "  key=<...>": the choices for enums and lists, a type name for the rest. */
static void add_usage(struct line *l, const struct opt *o)
{
	static const char *const types[] = {
		[OPT_UINT] = "number",
		[OPT_BOOL] = "on|off",
		[OPT_STR] = "string",
	};
	const char *t = (size_t)o->type < ARRAY_SIZE(types) ? types[o->type] : NULL;

	add(l, "  %s=<", o->key ? o->key : "");
	if (t)
		add(l, "%s", t);
	else
		add_names(l, o->names);
	add(l, "%s>", o->type == OPT_LIST ? ",..." : "");
}

void cmdline_help(const struct opt *opts, size_t nopts, cmdline_report_fn report, void *ctx)
{
	size_t col = 0;

	/* Two passes: the first finds the widest usage so the help texts line up. */
	for (size_t i = 0; i < nopts; i++) {
		struct line l = { .n = 0 };

		add_usage(&l, &opts[i]);
		col = MAX(col, l.n);
	}
	for (size_t i = 0; i < nopts; i++) {
		struct line l = { .n = 0 };

		add_usage(&l, &opts[i]);
		add(&l, "%*s  %s", (int)(col - l.n), "", opts[i].help ? opts[i].help : "");
		if (opts[i].def)
			add(&l, " (default: %s)", opts[i].def);
		report_line(report, ctx, &l);
	}
}

static int digit(char c, unsigned base)
{
	int d = -1;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d >= 0 && (unsigned)d < base ? d : -1;
}

int parse_u64(const char *s, size_t len, u64 *out)
{
	static const struct {
		char c;
		unsigned shift;
	} sfx[] = {
		{ 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'k', 10 }, { 'm', 20 }, { 'g', 30 },
	};
	unsigned base = 10, shift = 0;
	size_t i = 0;
	u64 v = 0;

	if (!s || !len)
		return -1;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (size_t k = 0; k < ARRAY_SIZE(sfx); k++) {
		if (s[len - 1] == sfx[k].c) {
			shift = sfx[k].shift;
			len--;
			break;
		}
	}
	if (i >= len)
		return -1; /* no digits: "", "K", "0xM" */
	/* Check the syntax first so junk is -1 even where the digits overflow. */
	for (size_t k = i; k < len; k++)
		if (digit(s[k], base) < 0)
			return -1;
	for (; i < len; i++) {
		unsigned d = (unsigned)digit(s[i], base);

		if (v > (~0ULL - d) / base)
			return -2;
		v = v * base + d;
	}
	if (v > (~0ULL >> shift))
		return -2;
	*out = v << shift;
	return 0;
}
