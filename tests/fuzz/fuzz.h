/* tests/fuzz/fuzz.h: what every libFuzzer harness in tests/fuzz/ shares: a reader that
 * decodes the fuzz input into numbers and operations (past the end it reads zeros, so every
 * input is a valid program), and FZ_CHECK, which names the broken invariant on stderr and
 * aborts (libFuzzer then saves the input as a crash). Host-only: libc and the sanitizers. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define FZ_CHECK(expr)                                                                 \
	do {                                                                           \
		if (!(expr)) {                                                         \
			fprintf(stderr, "fuzz invariant failed: %s:%d: %s\n", __FILE__, \
				__LINE__, #expr);                                      \
			abort();                                                       \
		}                                                                      \
	} while (0)

/* For a harness's model code on a hot path: no coverage feedback (it guides nothing the
 * target's own coverage does not, and its comparison tracing costs more than the target). */
#define FZ_MODEL __attribute__((no_sanitize("coverage")))

struct fz {
	const uint8_t *p;
	size_t n, pos;
};

static inline struct fz fz_init(const uint8_t *p, size_t n)
{
	return (struct fz){ p, n, 0 };
}

static inline bool fz_more(const struct fz *f)
{
	return f->pos < f->n;
}

static inline size_t fz_left(const struct fz *f)
{
	return f->n - f->pos;
}

static inline uint8_t fz_u8(struct fz *f)
{
	return f->pos < f->n ? f->p[f->pos++] : 0;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t v = fz_u8(f);
	return (uint16_t)(v | fz_u8(f) << 8);
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t v = fz_u16(f);
	return v | (uint32_t)fz_u16(f) << 16;
}

static inline uint64_t fz_u64(struct fz *f)
{
	uint64_t v = fz_u32(f);
	return v | (uint64_t)fz_u32(f) << 32;
}

/* Up to max bytes copied out (fewer at the end of the input); returns how many. */
static inline size_t fz_bytes(struct fz *f, void *dst, size_t max)
{
	size_t k = fz_left(f) < max ? fz_left(f) : max;

	memcpy(dst, f->p + f->pos, k);
	f->pos += k;
	return k;
}

/* err from a parser: NUL-terminated inside its errlen bytes, one line. */
static inline bool fz_one_line(const char *err, size_t errlen)
{
	const char *nul = memchr(err, '\0', errlen);

	return nul && !memchr(err, '\n', (size_t)(nul - err));
}

/* A parser's input, as the image-parser harnesses (fuzz_elf, fuzz_bzimage) take it: the
 * first byte sets the length of the error buffer (0-159 bytes, filled with 'x' so an
 * unterminated message shows), the rest is the image, copied into an allocation of its own
 * size (a read past it is ASan's). */
struct fz_parse {
	uint8_t *img;
	size_t n;
	char *err;
	size_t errlen;
};

static inline struct fz_parse fz_parse_in(const uint8_t *data, size_t size)
{
	struct fz_parse p = { 0 };

	p.errlen = size ? data[0] % 160 : 0;
	p.n = size ? size - 1 : 0;
	p.img = malloc(p.n ? p.n : 1);
	p.err = p.errlen ? malloc(p.errlen) : NULL;
	memcpy(p.img, data + (size ? 1 : 0), p.n);
	if (p.err)
		memset(p.err, 'x', p.errlen);
	return p;
}

/* What every parse owes, whatever the input: the image untouched, the error one line; a
 * refusal leaves the output (out, size bytes) all zeros and says why (when there is room
 * for a character), a success leaves the error empty. */
static inline void fz_parse_check(const struct fz_parse *p, const uint8_t *data, bool refused,
				  const void *out, size_t size)
{
	FZ_CHECK(!p->n || memcmp(p->img, data + 1, p->n) == 0);
	if (p->err)
		FZ_CHECK(fz_one_line(p->err, p->errlen));
	if (refused) {
		for (size_t i = 0; i < size; i++)
			FZ_CHECK(((const uint8_t *)out)[i] == 0);
		if (p->errlen >= 2)
			FZ_CHECK(p->err[0] != '\0');
	} else if (p->err) {
		FZ_CHECK(p->err[0] == '\0');
	}
}

static inline void fz_parse_free(struct fz_parse *p)
{
	free(p->img);
	free(p->err);
}

#endif
