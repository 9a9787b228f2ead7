/* host/log.h: the hypervisor's log. Every line carries the time since boot in microseconds
 * and the CPU that wrote it; lines are formatted whole and written under one lock, so lines
 * from different CPUs never interleave. Every line up to `debug` (or the current level, if
 * higher) is also kept in an in-memory ring that `log_ring_dump` prints back. */
#ifndef HOST_LOG_H
#define HOST_LOG_H
#include "lib/types.h"

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

extern unsigned log_level;	/* lines above it are not printed (still kept up to debug) */
extern const char *const log_level_names[];

void log_printf(unsigned level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vprintf(unsigned level, const char *fmt, va_list ap);
/* A line with no prefix, always printed (the final exit line, the `help` listing). */
void log_plain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Raw bytes to the console under the console lock (the monitor's prompt and echo), so they
 * never land inside another CPU's line. Not kept in the ring. */
void console_write(const char *s, size_t n);
/* Panic: take the console even if a stopped CPU held its lock. */
void log_panic_mode(void);
/* Prints the ring (oldest first) through out. */
void log_ring_dump(void (*out)(const char *s, size_t n));
size_t log_ring_used(void);
/* The whole ring to the console, under the console lock (the monitor's dmesg). */
void log_ring_print(void);

#define pr_err(...)	log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)	log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	log_printf(LOG_DEBUG, __VA_ARGS__)
#define pr_trace(...)	log_printf(LOG_TRACE, __VA_ARGS__)

#endif
