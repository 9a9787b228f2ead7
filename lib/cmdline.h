/* lib/cmdline.h: typed key=value command lines (the hypervisor's, and later each VM's).
 *
 * A command line is words separated by blanks. Each word is `key=value`, a bare `key`
 * (a bool set to true), `help`, or `--` (everything after it is not ours: a VM's guest
 * command line). A table of struct opt describes the keys; parsing fills the values.
 * An unknown key or a bad value produces exactly one report line through the callback and
 * leaves that option at its default; parsing goes on with the next word. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H
#include "lib/types.h"

enum opt_type {
	OPT_UINT, /* u64 *val; decimal or 0x hex, optional K/M/G suffix (x1024); min..max */
	OPT_BOOL, /* bool *val; on|off|yes|no|true|false|1|0, or the bare key = true */
	OPT_ENUM, /* unsigned *val = index into names[] */
	OPT_LIST, /* u64 *val = bit mask of names[] indices; value is a comma-separated list */
	OPT_STR,  /* char *val of len bytes; too long is an error */
};

struct opt {
	const char *key;
	enum opt_type type;
	void *val;
	const char *help;         /* one line: what the key means */
	const char *def;          /* the default as text, for `help` */
	const char *const *names; /* OPT_ENUM / OPT_LIST: NULL-terminated names */
	u64 min, max;             /* OPT_UINT bounds (inclusive); max 0 means no upper bound */
	size_t len;               /* OPT_STR buffer size */
};

/* Called once per problem with one complete line of text, no trailing newline. */
typedef void (*cmdline_report_fn)(void *ctx, const char *line);

struct cmdline_result {
	int errors;        /* unknown keys + bad values */
	bool help;         /* the word `help` was present */
	const char *rest;  /* text after a `--` word (leading blanks skipped), or NULL */
};

struct cmdline_result cmdline_parse(const char *line, const struct opt *opts, size_t nopts,
				    cmdline_report_fn report, void *ctx);

/* Prints one line per key through report: "  key=<type/choices>  help (default: def)". */
void cmdline_help(const struct opt *opts, size_t nopts, cmdline_report_fn report, void *ctx);

/* Parses a number with optional 0x prefix and K/M/G suffix from s[0..len). Returns 0 on
 * success, -1 if it is not a number, -2 on overflow. */
int parse_u64(const char *s, size_t len, u64 *out);

#endif
