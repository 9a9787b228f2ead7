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

#endif
