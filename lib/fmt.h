/* lib/fmt.h: printf-style formatting into a buffer (no libc in the hypervisor or guests).
 * Conversions: %d %i %u %x %X %o %p %s %c %%; flags '-', '0', '#', ' ', '+'; width and
 * precision (also '*'); length modifiers hh h l ll z t j. %p prints 0x and 16 hex digits.
 * A NULL %s prints "(null)". Unknown conversions are copied through verbatim.
 * Like snprintf: always NUL-terminates when size > 0, returns the length the full output
 * would have had. */
#ifndef LIB_FMT_H
#define LIB_FMT_H
#include "lib/types.h"

int vfmt(char *buf, size_t size, const char *fmt, va_list ap);
int fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
