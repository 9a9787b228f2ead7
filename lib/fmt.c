/* lib/fmt.c: vfmt/fmt, the only printf of the hypervisor and its guests (see lib/fmt.h).
 *
 * Output goes through struct out, which counts every byte but stores only what fits, so a
 * short buffer truncates while the return value stays the full length, like snprintf.
 * Padding beyond the buffer is counted, not looped over, so "%2000000000d" costs nothing.
 * Flags are ignored where C leaves them meaningless ('#' on %d, '+' on %u, '0' with '-' or
 * with a precision), as glibc does. */
#include "lib/fmt.h"
#include "lib/string.h"

#define F_LEFT 1u  /* '-' */
#define F_ZERO 2u  /* '0' */
#define F_ALT 4u   /* '#' */
#define F_SPACE 8u /* ' ' */
#define F_PLUS 16u /* '+' */

/* Widths and precisions saturate here instead of overflowing an int. */
#define NUM_MAX __INT_MAX__

enum { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_T, L_J };

struct out {
	char *buf;
	size_t size;
	size_t pos; /* length of the full output so far; may be past size */
};

struct spec {
	unsigned flags;
	int width;   /* 0: none */
	int prec;    /* -1: none */
	int len;     /* L_* */
	char conv;   /* 0: the format ended inside the spec */
};

static const struct {
	char c;
	unsigned flag;
} flag_chars[] = {
	{ '-', F_LEFT }, { '0', F_ZERO }, { '#', F_ALT }, { ' ', F_SPACE }, { '+', F_PLUS },
};

/* Stores n bytes from s (or n copies of c when s is NULL) as far as they fit, counts all. */
static void emit(struct out *o, const char *s, char c, size_t n)
{
	for (; n && o->pos + 1 < o->size; n--)
		o->buf[o->pos++] = s ? *s++ : c;
	o->pos += n;
}

static void pad(struct out *o, char c, size_t n)
{
	emit(o, NULL, c, n);
}

static unsigned flag_of(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_chars); i++)
		if (flag_chars[i].c == c)
			return flag_chars[i].flag;
	return 0;
}

/* A run of decimal digits, saturating at NUM_MAX. */
static int get_num(const char **fp)
{
	const char *f = *fp;
	int n = 0;

	for (; *f >= '0' && *f <= '9'; f++) {
		int d = *f - '0';

		n = n > (NUM_MAX - d) / 10 ? NUM_MAX : n * 10 + d;
	}
	*fp = f;
	return n;
}

static int get_len(const char **fp)
{
	const char *f = *fp;
	int len = L_NONE;

	switch (*f) {
	case 'h': len = f[1] == 'h' ? L_HH : L_H; break;
	case 'l': len = f[1] == 'l' ? L_LL : L_L; break;
	case 'z': len = L_Z; break;
	case 't': len = L_T; break;
	case 'j': len = L_J; break;
	default: return L_NONE;
	}
	*fp = f + (len == L_HH || len == L_LL ? 2 : 1);
	return len;
}

/* Parses what follows a '%'. A '*' takes its int from ap; a negative width means '-'. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	unsigned fl;

	sp->flags = 0;
	sp->width = 0;
	sp->prec = -1;
	while ((fl = flag_of(*f))) {
		sp->flags |= fl;
		f++;
	}
	if (*f == '*') {
		int w = va_arg(*ap, int);

		f++;
		if (w < 0) {
			sp->flags |= F_LEFT;
			w = w == -NUM_MAX - 1 ? NUM_MAX : -w;
		}
		sp->width = w;
	} else {
		sp->width = get_num(&f);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			int p = va_arg(*ap, int);

			f++;
			sp->prec = p < 0 ? -1 : p; /* negative: as if omitted */
		} else {
			sp->prec = get_num(&f);
		}
	}
	sp->len = get_len(&f);
	sp->conv = *f;
	return *f ? f + 1 : f;
}

static u64 get_signed(int len, va_list *ap, bool *neg)
{
	s64 v;

	switch (len) {
	case L_HH: v = (signed char)va_arg(*ap, int); break;
	case L_H: v = (short)va_arg(*ap, int); break;
	case L_L: v = va_arg(*ap, long); break;
	case L_LL: v = va_arg(*ap, long long); break;
	case L_Z: /* the signed type of size_t is ptrdiff_t's size on every target we have */
	case L_T: v = va_arg(*ap, ptrdiff_t); break;
	case L_J: v = va_arg(*ap, intmax_t); break;
	default: v = va_arg(*ap, int); break;
	}
	*neg = v < 0;
	/* 0 - (u64)v is the magnitude even for INT64_MIN, whose negation overflows s64. */
	return *neg ? 0 - (u64)v : (u64)v;
}

static u64 get_unsigned(int len, va_list *ap)
{
	switch (len) {
	case L_HH: return (unsigned char)va_arg(*ap, unsigned);
	case L_H: return (unsigned short)va_arg(*ap, unsigned);
	case L_L: return va_arg(*ap, unsigned long);
	case L_LL: return va_arg(*ap, unsigned long long);
	case L_Z: return va_arg(*ap, size_t);
	case L_T: return (u64)va_arg(*ap, ptrdiff_t);
	case L_J: return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned);
	}
}

/* Prints v as: [spaces] [sign or 0x] [zeros] digits [spaces], as C specifies. */
static void put_num(struct out *o, const struct spec *sp, u64 v, bool neg)
{
	char digits[24]; /* u64 in octal is 22 digits */
	const char *dig = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	unsigned base = 10;
	char prefix[2];
	size_t np = 0, nd = 0, prec, body, padw;
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';

	if (sp->conv == 'o')
		base = 8;
	else if (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p')
		base = 16;
	for (u64 x = v; x; x /= base)
		digits[nd++] = dig[x % base];

	prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	if (sp->conv == 'o' && (sp->flags & F_ALT) && prec <= nd)
		prec = nd + 1; /* '#' makes the first octal digit a 0 */
	if (is_signed && (neg || (sp->flags & (F_PLUS | F_SPACE))))
		prefix[np++] = neg ? '-' : (sp->flags & F_PLUS) ? '+' : ' ';
	if (sp->conv == 'p' || ((sp->flags & F_ALT) && v && base == 16)) {
		prefix[np++] = '0';
		prefix[np++] = sp->conv == 'X' ? 'X' : 'x';
	}

	body = np + MAX(prec, nd);
	padw = (size_t)sp->width > body ? (size_t)sp->width - body : 0;
	if (!(sp->flags & F_LEFT) && !((sp->flags & F_ZERO) && sp->prec < 0))
		pad(o, ' ', padw);
	emit(o, prefix, 0, np);
	if (!(sp->flags & F_LEFT) && (sp->flags & F_ZERO) && sp->prec < 0)
		pad(o, '0', padw);
	pad(o, '0', prec > nd ? prec - nd : 0);
	while (nd)
		emit(o, &digits[--nd], 0, 1);
	if (sp->flags & F_LEFT)
		pad(o, ' ', padw);
}

/* Strings and chars pad with spaces only; '0' is undefined for them in C. */
static void put_str(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	size_t padw = (size_t)sp->width > n ? (size_t)sp->width - n : 0;

	if (!(sp->flags & F_LEFT))
		pad(o, ' ', padw);
	emit(o, s, 0, n);
	if (sp->flags & F_LEFT)
		pad(o, ' ', padw);
}

/* Does one conversion; false if conv is not one we know (the caller copies it through). */
static bool convert(struct out *o, struct spec *sp, va_list *ap)
{
	const char *s;
	bool neg = false;
	u64 v;
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		v = get_signed(sp->len, ap, &neg);
		put_num(o, sp, v, neg);
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		put_num(o, sp, get_unsigned(sp->len, ap), false);
		return true;
	case 'p':
		sp->prec = 16; /* always 0x and 16 digits, so addresses line up */
		put_num(o, sp, (uintptr_t)va_arg(*ap, void *), false);
		return true;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		put_str(o, sp, s, sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec));
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_str(o, sp, &c, 1);
		return true;
	case '%':
		emit(o, "%", 0, 1);
		return true;
	}
	return false;
}

int vfmt(char *buf, size_t size, const char *f, va_list ap)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list aq;

	/* A copy whose address can be passed down: va_list may be an array type. */
	va_copy(aq, ap);
	while (*f) {
		const char *start = f;

		if (*f != '%') {
			while (*f && *f != '%')
				f++;
			emit(&o, start, 0, (size_t)(f - start));
			continue;
		}
		f = parse_spec(f + 1, &sp, &aq);
		if (!convert(&o, &sp, &aq))
			emit(&o, start, 0, (size_t)(f - start)); /* unknown or cut short: verbatim */
	}
	va_end(aq);
	if (size)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	return o.pos > (size_t)__INT_MAX__ ? __INT_MAX__ : (int)o.pos;
}

int fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vfmt(buf, size, f, ap);
	va_end(ap);
	return n;
}
